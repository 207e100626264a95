//! Processes of a snapshot as the process views show them: rows, what was skipped, the
//! one warning and the footer (shared by `ps`, `oom`, `huge`, `doctor` and the overview).

use memlens_analysis::procs::{self, ProcRow};
use memlens_model::{Problem, ProcessScan, Snapshot};
use serde::Serialize;

use crate::failure::Failure;
use crate::output::{count, warn};

/// What was skipped during a scan, for footers and JSON.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Skipped {
    /// Processes that exited during the scan.
    pub vanished: u32,
    /// Kernel threads (no user memory), not listed.
    pub kernel_threads: u32,
    /// Processes whose status is hidden from this user.
    pub hidden: u32,
    /// PIDs whose reads exceeded the time bound.
    pub timed_out: Vec<u32>,
    /// Listed processes with at least one unreadable file (their cells are null).
    pub partially_readable: u32,
    /// Of those, the processes with a garbled or otherwise unusable file (in a damaged
    /// capture), rather than one denied or timed out.
    pub garbled: u32,
    /// Processes not listed because their `status` file was unusable.
    pub unusable: Vec<u32>,
    /// Process directories of a capture with no `status` file: the capture is incomplete.
    pub incomplete: u32,
    /// The first unusable file's error, naming file and line, for the warning.
    #[serde(skip)]
    pub first_problem: Option<String>,
}

impl Skipped {
    /// What a scan skipped or could only partly read.
    pub fn of(scan: &ProcessScan) -> Skipped {
        let unusable_file = |p: &memlens_model::ProcessSample| {
            p.problems
                .iter()
                .find(|f| f.problem == Problem::Unusable)
                .map(|f| f.detail.clone().unwrap_or_else(|| f.file.clone()))
        };
        let garbled: Vec<String> = scan.processes.iter().filter_map(unusable_file).collect();
        Skipped {
            vanished: scan.vanished,
            kernel_threads: scan.kernel_threads,
            hidden: scan.hidden,
            timed_out: scan.timed_out.clone(),
            partially_readable: scan
                .processes
                .iter()
                .filter(|p| !p.problems.is_empty())
                .count() as u32,
            garbled: garbled.len() as u32,
            unusable: scan.unusable.iter().map(|(pid, _)| *pid).collect(),
            incomplete: scan.incomplete,
            first_problem: scan
                .unusable
                .first()
                .map(|(_, e)| e.clone())
                .or_else(|| garbled.into_iter().next()),
        }
    }
}

/// The process rows of a snapshot (taken with processes and users), and what was skipped.
pub fn rows(snap: &Snapshot) -> Result<(Vec<ProcRow>, Skipped), Failure> {
    let scan: &ProcessScan = snap.processes.get("processes")?;
    let users = crate::output::user_names(snap);
    let rows: Vec<ProcRow> = scan
        .processes
        .iter()
        .map(|s| procs::row(s, |u| users.name(u)))
        .collect();
    Ok((rows, Skipped::of(scan)))
}

/// Prints the one warning about what could not be read, to stderr.
pub fn warn_skipped(s: &Skipped) {
    if s.incomplete > 0 {
        warn(&format!(
            "the capture is incomplete: {} no status file (not captured whole; not listed)",
            count(
                s.incomplete,
                "process directory has",
                "process directories have"
            )
        ));
    }
    if s.garbled > 0 || !s.unusable.is_empty() {
        warn(&format!(
            "{} unusable files ({} marked, {} not listed); the first: {}",
            count(
                s.garbled + s.unusable.len() as u32,
                "process has",
                "processes have"
            ),
            s.garbled,
            s.unusable.len(),
            s.first_problem.as_deref().unwrap_or("?")
        ));
    }
    if s.partially_readable.saturating_sub(s.garbled) > 0 {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        warn(&format!(
            "{} could not be fully read: permission denied (cells shown as 'denied'){}",
            count(
                s.partially_readable.saturating_sub(s.garbled),
                "process",
                "processes"
            ),
            if root {
                ""
            } else {
                "; run as root to read every process's PSS/USS"
            }
        ));
    }
    if !s.timed_out.is_empty() {
        warn(&format!(
            "{} did not answer in time and {} skipped (mmap lock held?): {:?}",
            count(s.timed_out.len() as u64, "process", "processes"),
            if s.timed_out.len() == 1 {
                "was"
            } else {
                "were"
            },
            s.timed_out
        ));
    }
}

/// The footer line under a process table.
pub fn footer(s: &Skipped) -> String {
    let mut parts = Vec::new();
    if s.vanished > 0 {
        parts.push(format!("{} exited during the scan", s.vanished));
    }
    if !s.timed_out.is_empty() {
        parts.push(format!("{} timed out", s.timed_out.len()));
    }
    if s.hidden > 0 {
        parts.push(format!("{} hidden", s.hidden));
    }
    if s.partially_readable > 0 {
        parts.push(format!("{} partly unreadable", s.partially_readable));
    }
    if !s.unusable.is_empty() {
        parts.push(format!("{} unusable", s.unusable.len()));
    }
    if s.incomplete > 0 {
        parts.push(format!("{} not captured whole", s.incomplete));
    }
    parts.push(format!(
        "{} not listed",
        count(s.kernel_threads, "kernel thread", "kernel threads")
    ));
    format!("({})\n", parts.join(", "))
}
