//! memlens sources: parsers of `/proc` and `/sys` files, each reading under a [`Root`].
//!
//! One module per kernel file, named after it. Each has a `parse` over the file's bytes
//! (tested on captured trees in `tests/fixtures/`) and, where useful, a `read` that takes
//! a root. Missing files and fields are normal: absent fields are `None` in the model.

pub mod capture;
pub mod cgroup;
pub mod cmdline;
pub mod comm;
pub mod error;
pub mod meminfo;
pub mod oom_score;
pub mod passwd;
pub mod procs;
pub mod root;
pub mod smaps;
pub mod stat;
pub mod statm;
pub mod status;
pub mod text;
pub mod vmstat;

pub use error::{Error, ParseError, Result};
pub use root::Root;
