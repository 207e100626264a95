//! Errors of the sources: every one names the file, and the line where it applies.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A parse failure inside one file's text, before the file's path is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number, when the problem is on one line.
    pub line: Option<usize>,
    pub message: String,
}

impl ParseError {
    pub fn at(line: usize, message: impl Into<String>) -> Self {
        ParseError {
            line: Some(line),
            message: message.into(),
        }
    }
    pub fn file(message: impl Into<String>) -> Self {
        ParseError {
            line: None,
            message: message.into(),
        }
    }
}

/// Any failure to read or parse a kernel file.
#[derive(Debug)]
pub enum Error {
    /// The file does not exist (a kernel without it, or a process that exited).
    Missing(PathBuf),
    /// Permission denied.
    Denied(PathBuf),
    /// The process the file belongs to exited while it was being read (`ESRCH`).
    Vanished(PathBuf),
    /// Another I/O error.
    Io(PathBuf, io::Error),
    /// The text is not in the format the kernel writes (garbled or truncated).
    Parse {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    /// The root directory holds no /proc tree.
    NotARoot(PathBuf),
    /// Not a regular file (a FIFO, device, socket or directory) where a kernel text file
    /// belongs: refused rather than read, which could wait forever.
    NotRegular(PathBuf),
    /// Larger than the bound on one file (the bound is given).
    TooLarge(PathBuf, u64),
    /// A path that leaves the capture tree (`..`, or a symbolic link leading out).
    Escapes(PathBuf),
    /// A snapshot file holds parsed figures, not the kernel's files: a read of a raw file
    /// (`maps`, `wss`, a capture tree) cannot be served from it.
    InSnapshot(PathBuf),
}

impl Error {
    pub(crate) fn from_io(path: &Path, e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::NotFound => Error::Missing(path.to_path_buf()),
            io::ErrorKind::PermissionDenied => Error::Denied(path.to_path_buf()),
            _ if e.raw_os_error() == Some(libc::ESRCH) => Error::Vanished(path.to_path_buf()),
            _ => Error::Io(path.to_path_buf(), e),
        }
    }

    pub(crate) fn parse(path: &Path, e: ParseError) -> Self {
        Error::Parse {
            path: path.to_path_buf(),
            line: e.line,
            message: e.message,
        }
    }

    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Error::Missing(p)
            | Error::Denied(p)
            | Error::Vanished(p)
            | Error::Io(p, _)
            | Error::NotARoot(p)
            | Error::NotRegular(p)
            | Error::TooLarge(p, _)
            | Error::Escapes(p)
            | Error::InSnapshot(p) => p,
            Error::Parse { path, .. } => path,
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Error::Missing(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Missing(p) => write!(f, "{}: no such file", p.display()),
            Error::Denied(p) => write!(f, "{}: permission denied", p.display()),
            Error::Vanished(p) => write!(f, "{}: process exited while being read", p.display()),
            Error::Io(p, e) => write!(f, "{}: {}", p.display(), e),
            Error::Parse {
                path,
                line: Some(l),
                message,
            } => write!(f, "{}:{}: {}", path.display(), l, message),
            Error::Parse {
                path,
                line: None,
                message,
            } => write!(f, "{}: {}", path.display(), message),
            Error::NotRegular(p) => write!(
                f,
                "{}: not a regular file (a FIFO, device or directory where a kernel file belongs); not read",
                p.display()
            ),
            Error::TooLarge(p, cap) => write!(
                f,
                "{}: larger than {} MiB, more than a kernel file of this kind holds; not read",
                p.display(),
                cap >> 20
            ),
            Error::Escapes(p) => write!(
                f,
                "{}: leads out of the capture tree (`..` or a symbolic link); not read",
                p.display()
            ),
            Error::InSnapshot(p) => write!(
                f,
                "{}: a snapshot file holds figures, not the kernel's files; this needs a live machine or a capture tree",
                p.display()
            ),
            Error::NotARoot(p) => write!(
                f,
                "{}: not a memlens capture or system root (no proc/meminfo under it)",
                p.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
