use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What went wrong with a history store; `Display` is one line naming the path.
#[derive(Debug)]
pub enum StoreError {
    /// An I/O error other than a full disk.
    Io {
        path: PathBuf,
        /// What was being done: "reading", "creating a segment"...
        doing: &'static str,
        source: io::Error,
    },
    /// A write failed for want of space (`ENOSPC`, `EDQUOT`, or `EFBIG` from a file size
    /// limit). Nothing of the sample was kept: the store is as it was before the append,
    /// and a later append works once there is room.
    DiskFull { path: PathBuf, source: io::Error },
    /// The file or directory is not a memlens history store (or a segment whose magic is
    /// not ours).
    NotAStore { path: PathBuf, why: String },
    /// A segment (or a snapshot in it) written by a newer memlens.
    NewerFormat {
        path: PathBuf,
        /// "history format" or "snapshot format".
        what: &'static str,
        found: u32,
        supported: u32,
        /// The memlens that wrote it, when known.
        writer: Option<String>,
    },
    /// A frame that cannot be read although it passed its checksum when the store was
    /// opened (the file changed since, or the writer had a bug).
    Corrupt {
        path: PathBuf,
        offset: u64,
        why: String,
    },
    /// The store holds no samples (an empty or missing directory, or only damaged data).
    NoSamples { path: PathBuf, why: String },
    /// The snapshot has no `meta.taken_at_ns`: a history is ordered by time.
    NoTime { path: PathBuf },
    /// The snapshot is not later than the last sample of the store.
    OutOfOrder {
        path: PathBuf,
        last_ns: u64,
        new_ns: u64,
    },
    /// Another process is appending to the store.
    Busy { path: PathBuf },
}

impl StoreError {
    pub(crate) fn io(path: &Path, doing: &'static str, source: io::Error) -> Self {
        if is_no_space(&source) {
            StoreError::DiskFull {
                path: path.to_path_buf(),
                source,
            }
        } else {
            StoreError::Io {
                path: path.to_path_buf(),
                doing,
                source,
            }
        }
    }
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            StoreError::Io { path, .. }
            | StoreError::DiskFull { path, .. }
            | StoreError::NotAStore { path, .. }
            | StoreError::NewerFormat { path, .. }
            | StoreError::Corrupt { path, .. }
            | StoreError::NoSamples { path, .. }
            | StoreError::NoTime { path }
            | StoreError::OutOfOrder { path, .. }
            | StoreError::Busy { path } => path,
        }
    }
}

/// Whether an I/O error means "no room": a full file system, a quota, a file size limit.
pub(crate) fn is_no_space(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EFBIG)
    )
}

fn ns(t: u64) -> String {
    format!("{}.{:09}", t / 1_000_000_000, t % 1_000_000_000)
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io {
                path,
                doing,
                source,
            } => write!(f, "{}: {doing}: {source}", path.display()),
            StoreError::DiskFull { path, source } => write!(
                f,
                "{}: no room to write the sample ({source}); nothing was kept of it and the store is intact",
                path.display()
            ),
            StoreError::NotAStore { path, why } => {
                write!(f, "{}: not a memlens history store", path.display())?;
                if !why.is_empty() {
                    write!(f, " ({why})")?;
                }
                Ok(())
            }
            StoreError::NewerFormat {
                path,
                what,
                found,
                supported,
                writer,
            } => {
                write!(f, "{}: {what} {found}", path.display())?;
                if let Some(w) = writer {
                    write!(f, ", written by {w}")?;
                }
                write!(
                    f,
                    "; this memlens ({}) reads up to {what} {supported}: use a newer memlens",
                    crate::WRITER
                )
            }
            StoreError::Corrupt { path, offset, why } => {
                write!(f, "{}: damaged frame at offset {offset}: {why}", path.display())
            }
            StoreError::NoSamples { path, why } => {
                write!(f, "{}: no samples in this history store", path.display())?;
                if !why.is_empty() {
                    write!(f, " ({why})")?;
                }
                Ok(())
            }
            StoreError::NoTime { path } => write!(
                f,
                "{}: the snapshot has no time (meta.taken_at_ns), and a history is ordered by time",
                path.display()
            ),
            StoreError::OutOfOrder {
                path,
                last_ns,
                new_ns,
            } => write!(
                f,
                "{}: a sample taken at {} s is not after the last one stored ({} s): has the clock gone back?",
                path.display(),
                ns(*new_ns),
                ns(*last_ns)
            ),
            StoreError::Busy { path } => write!(
                f,
                "{}: another process is recording into this history store",
                path.display()
            ),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io { source, .. } | StoreError::DiskFull { source, .. } => Some(source),
            _ => None,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
