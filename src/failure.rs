//! Why a command failed, by kind, and the exit status each kind gives.
//!
//! | status | kind |
//! |---|---|
//! | 0 | success |
//! | 1 | a file could not be read or parsed, or the process asked for does not exist |
//! | 2 | usage: the arguments are wrong (clap's own errors exit 2 too) |
//! | 3 | refused: a valid request this machine, root or user cannot serve (needs root, a kernel thread, a live machine...) |
//!
//! `memlens doctor` follows the monitoring-plugins convention instead: 0 OK, 1 WARNING,
//! 2 CRITICAL, 3 UNKNOWN (it could not read, or was misused).

use std::fmt;

#[derive(Debug)]
pub enum Failure {
    /// A file could not be read or parsed; a process does not exist.
    Read(String),
    /// The arguments are wrong.
    Usage(String),
    /// A valid request that cannot be served here.
    Refused(String),
}

pub const EXIT_READ: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_REFUSED: i32 = 3;

impl Failure {
    pub fn usage(msg: impl Into<String>) -> Self {
        Failure::Usage(msg.into())
    }
    pub fn refused(msg: impl Into<String>) -> Self {
        Failure::Refused(msg.into())
    }
    pub fn read(msg: impl Into<String>) -> Self {
        Failure::Read(msg.into())
    }
    /// No process with this PID on the machine the root describes (its path under the
    /// root is named, so a capture's missing process is not mistaken for a live one).
    pub fn no_process(root: &memlens_sources::Root, pid: u32) -> Self {
        Failure::Read(format!(
            "{}: no process with PID {pid}",
            root.origin(&format!("proc/{pid}")).display()
        ))
    }
    /// A part of a snapshot, or the failure to read it, with a hint for the common kinds:
    /// a denied file is a refusal that says what to do (`denied`), a missing one a read
    /// failure that says what it means (`missing`).
    pub fn part<'a, T>(
        p: &'a memlens_model::Part<T>,
        name: &str,
        denied: &str,
        missing: &str,
    ) -> Result<&'a T, Failure> {
        use memlens_model::FailureKind;
        p.get(name).map_err(|f| match f.kind {
            FailureKind::Denied => {
                Failure::refused(format!("{}: permission denied: {denied}", f.path))
            }
            FailureKind::Missing => Failure::read(format!("{}: no such file: {missing}", f.path)),
            _ => Failure::Read(f.message),
        })
    }
    /// The exit status of this failure.
    pub fn code(&self) -> i32 {
        match self {
            Failure::Read(_) => EXIT_READ,
            Failure::Usage(_) => EXIT_USAGE,
            Failure::Refused(_) => EXIT_REFUSED,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Read(m) | Failure::Usage(m) | Failure::Refused(m) => f.write_str(m),
        }
    }
}

impl From<memlens_model::ReadFailure> for Failure {
    fn from(e: memlens_model::ReadFailure) -> Self {
        Failure::Read(e.message)
    }
}

impl From<memlens_sources::Error> for Failure {
    fn from(e: memlens_sources::Error) -> Self {
        match e {
            // Asking a snapshot file for raw files is a request it cannot serve.
            memlens_sources::Error::InSnapshot(_) => Failure::Refused(e.to_string()),
            _ => Failure::Read(e.to_string()),
        }
    }
}

/// What a command returns: its exit status, or why it failed.
pub type Outcome = Result<i32, Failure>;
