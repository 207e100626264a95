//! The history store behind `memlens record`, `memlens history` and `--at TIME`: a
//! directory of segment files, each a header and then one frame per sample.
//!
//! A sample is a [`Snapshot`](memlens_model::Snapshot), flattened into (key path, scalar)
//! leaves; a *key frame* lists them all, a *delta frame* only what changed since the frame
//! before (integers as differences, mostly 0). A key frame starts every segment and comes
//! every [`Options::key_every`] samples, so a read replays at most that many frames. A
//! segment holds one UTC day at most (and at most [`Options::segment_bytes`]), so that
//! retention removes whole files. `FORMAT.md` beside this crate describes the bytes.
//!
//! Durability: [`Writer::append`] writes the frame with one `pwrite` and `fdatasync`s
//! before it returns; a new segment's header is synced and the directory synced when it
//! is created. After a crash or power loss, every sample whose append returned is there;
//! the one being written may be lost, and the next [`Store::open_append`] cuts off what
//! is left of it.
//!
//! ```no_run
//! use memlens_store::{Options, Store};
//! # fn main() -> Result<(), memlens_store::StoreError> {
//! # let snapshot = memlens_model::Snapshot::default();
//! let mut w = Store::open_append("/var/lib/memlens/history".as_ref(), Options::default())?;
//! for n in w.notices() {
//!     eprintln!("memlens: {n}");
//! }
//! w.append(&snapshot)?;
//! let r = Store::open_read("/var/lib/memlens/history".as_ref())?;
//! let (t, s) = r.at_or_before(u64::MAX)?.expect("a sample");
//! # Ok(()) }
//! ```

mod codec;
mod error;
mod flat;
mod read;
mod segment;
mod unflatten;
mod varint;
mod write;

use std::path::Path;

pub use error::{Result, StoreError};
pub use read::{HasFormat, Range, Reader, SegmentInfo};
pub use segment::{FORMAT_VERSION, MAGIC};
pub use write::{AppendStats, Options, Writer};

/// The writer named in the header of each segment this memlens creates.
pub const WRITER: &str = concat!("memlens ", env!("CARGO_PKG_VERSION"));

/// Opens history stores.
pub struct Store;

impl Store {
    /// Opens a store to read: every segment is read through once, checking each frame.
    /// Fails with [`StoreError::NoSamples`] when there is nothing to read; damage is
    /// skipped and told in [`Reader::warnings`].
    pub fn open_read(dir: &Path) -> Result<Reader> {
        Reader::open(dir)
    }

    /// Opens a store to read around one moment: a reader of only the segments that can
    /// hold the latest sample at or before `t_ns` and the sample before it (see
    /// [`Reader::at_or_before`] and [`Reader::before`]), the others not read. What `--at`
    /// uses: on a week of history it reads a day or two, not seven.
    pub fn open_read_around(dir: &Path, t_ns: u64) -> Result<Reader> {
        Reader::open_around(dir, t_ns)
    }

    /// Opens a store to append to, creating the directory if need be, and locks it. A
    /// torn last frame left by a crash is cut off (said in [`Writer::notices`]); a segment
    /// damaged in the middle is left alone and recording goes on in a new one.
    pub fn open_append(dir: &Path, opts: Options) -> Result<Writer> {
        Writer::open(dir, opts)
    }
}
