//! Processes of a snapshot as the process views show them: rows, what was skipped, the
//! one warning and the footer (shared by `ps`, `oom`, `huge`, `doctor` and the overview).

use memlens_analysis::procs::{self, Group, ProcRow};
use memlens_model::{Problem, ProcessScan, Snapshot};
use memlens_present::{Cell, Column, Table};
use serde::Serialize;

use crate::failure::Failure;
use crate::output::{count, warn};
use crate::render::{left, right};
use memlens_catalogue::Scope;

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
        let garbled: Vec<String> = scan
            .processes
            .iter()
            .filter_map(|p| unusable_file(p))
            .collect();
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
    let rows = in_two(&scan.processes, |s| procs::row(s, |u| users.name(u)));
    Ok((rows, Skipped::of(scan)))
}

/// `f` of each item, in order: the second half on a thread of its own when there are
/// many (10,000 process rows take about 10 ms on one core). Each half is written in place
/// into the one vector: no copy of the second half after it (3.5 MB at 10,000 rows), and
/// the pages are first touched by both threads.
fn in_two<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.len() <= crate::output::SPLIT_ABOVE {
        return items.iter().map(&f).collect();
    }
    let mut out: Vec<R> = Vec::with_capacity(items.len());
    let (a, b) = items.split_at(items.len() / 2);
    let (to_a, to_b) = out.spare_capacity_mut()[..items.len()].split_at_mut(a.len());
    let fill = |from: &[T], to: &mut [std::mem::MaybeUninit<R>]| {
        for (item, slot) in from.iter().zip(to) {
            slot.write(f(item));
        }
    };
    crate::output::alongside(|| fill(a, to_a), || fill(b, to_b));
    // SAFETY: both halves returned (a panic in either goes on as this thread's, before
    // this), so each of the first `items.len()` elements was written once, in order.
    unsafe { out.set_len(items.len()) };
    out
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

/// The byte columns of process tables: (header, key), the headers from the catalogue.
static BYTE_COLUMNS: std::sync::LazyLock<Vec<(&'static str, &'static str)>> =
    std::sync::LazyLock::new(|| {
        [
            "vsz", "rss", "pss", "uss", "swap", "swap_pss", "anon", "file", "shmem",
        ]
        .into_iter()
        .map(|k| {
            let f = memlens_catalogue::figure(memlens_catalogue::Scope::Process, k)
                .expect("every process column is in the catalogue");
            (f.header, f.key)
        })
        .collect()
    });

/// Which byte columns a narrow terminal hides first (lowest first): PSS, the default
/// sort key, and RSS stay longest.
fn byte_priority(key: &str) -> u8 {
    match key {
        "swap_pss" => 1,
        "vsz" => 2,
        "shmem" => 3,
        "swap" => 4,
        "file" | "anon" => 5,
        "uss" => 6,
        "rss" => 7,
        _ => 9,
    }
}

/// A byte cell: unreadable when the figure is missing because a file was denied.
fn cell(v: Option<u64>, unreadable: bool) -> Cell {
    match v {
        None if unreadable => Cell::Unreadable,
        v => Cell::Bytes(v),
    }
}

/// A group's sum: `denied` when no member could be read, `≥` when some could not.
fn sum_cell(g: &Group, key: &str) -> Cell {
    if g.is_partial(key) {
        Cell::AtLeast(g.bytes(key).unwrap_or(0))
    } else {
        cell(g.bytes(key), g.incomplete > 0)
    }
}

/// The note under a table whose sums lack unreadable members' figures, if any does.
pub fn partial_note<'a>(groups: impl IntoIterator<Item = &'a Group>) -> String {
    let partial: Vec<&Group> = groups
        .into_iter()
        .filter(|g| BYTE_COLUMNS.iter().any(|(_, k)| g.is_partial(k)))
        .collect();
    let Some(most) = partial.iter().map(|g| g.incomplete).max() else {
        return String::new();
    };
    // The totals row (the largest group) tells how many members are missing in all.
    format!(
        "≥: a sum lacking the figures of members that could not be read in full ({} of {}); run as root for complete sums\n",
        count(most, "process", "processes"),
        partial.iter().map(|g| g.processes).max().unwrap_or(0)
    )
}

fn byte_columns() -> impl Iterator<Item = Column> {
    BYTE_COLUMNS
        .iter()
        .map(|(h, k)| Column::right(h, k).priority(byte_priority(k)))
}

/// A limit as `ulimit` shows it: bytes, or `unlimited`; a share of one as a percentage.
fn limit_cell(r: &ProcRow, key: &str) -> Cell {
    let Some(l) = &r.rlimits else {
        return Cell::Text(String::new());
    };
    let size = |v: Option<u64>| v.map_or(Cell::Text("unlimited".into()), |b| Cell::Bytes(Some(b)));
    let pct = |v: Option<f64>| Cell::Text(v.map_or("-".into(), |f| format!("{:.0}%", f * 100.0)));
    match key {
        "limit_as" => size(l.limit_as),
        "limit_data" => size(l.limit_data),
        "limit_stack" => size(l.limit_stack),
        "limit_memlock" => size(l.limit_memlock),
        "limit_as_used" => pct(l.limit_as_used),
        "limit_data_used" => pct(l.limit_data_used),
        _ => pct(l.limit_memlock_used),
    }
}

/// The process table; with `faults`, MINFLT and MAJFLT after the sizes; with `limits`,
/// the memory limits and their use.
pub fn process_table(
    rows: &[ProcRow],
    totals: Option<&Group>,
    faults: bool,
    rates: bool,
    limits: bool,
) -> Table {
    let mut cols = vec![
        right(Scope::Process, "pid").priority(9),
        left(Scope::Process, "user").priority(8),
    ];
    cols.extend(byte_columns());
    let fault_keys: &[&str] = if faults { procs::FAULT_KEYS } else { &[] };
    cols.extend(
        fault_keys
            .iter()
            .map(|k| right(Scope::Process, k).priority(1)),
    );
    let rate_keys: &[&str] = if rates { procs::FAULT_RATE_KEYS } else { &[] };
    cols.extend(
        rate_keys
            .iter()
            .map(|k| right(Scope::Process, k).priority(1)),
    );
    let limit_keys: &[&str] = if limits { procs::LIMIT_KEYS } else { &[] };
    cols.extend(
        limit_keys
            .iter()
            .map(|k| right(Scope::Process, k).priority(1)),
    );
    cols.push(left(Scope::Process, "command").id());
    let mut t = Table::new(cols);
    for r in rows {
        let unreadable = !r.unreadable.is_empty();
        let mut cells = vec![Cell::Int(Some(r.pid as i64)), Cell::Text(r.user.clone())];
        cells.extend(
            BYTE_COLUMNS
                .iter()
                .map(|(_, k)| cell(r.bytes(k), unreadable)),
        );
        cells.extend(
            fault_keys
                .iter()
                .map(|k| Cell::Int(r.bytes(k).map(|n| n as i64))),
        );
        cells.extend(rate_keys.iter().map(|k| Cell::Rate(r.rate(k))));
        cells.extend(limit_keys.iter().map(|k| limit_cell(r, k)));
        cells.push(Cell::Text(r.command.clone()));
        t.rows.push(cells);
    }
    if let Some(g) = totals {
        let mut cells = vec![Cell::Text(String::new()), Cell::Text(String::new())];
        cells.extend(BYTE_COLUMNS.iter().map(|(_, k)| sum_cell(g, k)));
        cells.extend(fault_keys.iter().map(|_| Cell::Text(String::new())));
        cells.extend(rate_keys.iter().map(|_| Cell::Text(String::new())));
        cells.extend(limit_keys.iter().map(|_| Cell::Text(String::new())));
        cells.push(Cell::Text(format!(
            "total of {}",
            count(g.processes, "process", "processes")
        )));
        t.footer.push(cells);
    }
    t
}

pub fn group_table(by: &'static str, groups: &[Group], totals: Option<&Group>) -> Table {
    // The key grouped by is headed as the process figure it is (USER, COMMAND, CGROUP).
    let header = left(Scope::Process, by).header;
    let mut cols = vec![Column::right("PROCS", "processes").priority(8)];
    cols.extend(byte_columns());
    cols.push(Column::left(header, "key").id());
    let mut t = Table::new(cols);
    let line = |g: &Group| {
        let mut cells = vec![Cell::Int(Some(g.processes as i64))];
        cells.extend(BYTE_COLUMNS.iter().map(|(_, k)| sum_cell(g, k)));
        cells.push(Cell::Text(match &g.container {
            Some(o) if !g.key.ends_with(&format!("/{o}")) => format!("{} ({o})", g.key),
            _ => g.key.clone(),
        }));
        cells
    };
    for g in groups {
        t.rows.push(line(g));
    }
    if let Some(g) = totals {
        t.footer.push(line(g));
    }
    t
}

/// One process asked for by PID, as a snapshot holds it.
pub enum One<'a> {
    Process(&'a memlens_model::ProcessSample),
    /// A kernel thread, with its name: it has no user memory.
    KernelThread(&'a str),
}

/// The process `pid` of a snapshot taken with `pids: Some(vec![pid])`, or the one line
/// that says why it is not there: no such process (or it exited), hidden from this user,
/// its reads did not finish in time, or its `status` was unusable.
pub fn one<'a>(
    snap: &'a Snapshot,
    root: &memlens_sources::Root,
    pid: u32,
) -> Result<One<'a>, Failure> {
    let scan = snap.processes.get("processes")?;
    if let Some(p) = scan.processes.iter().find(|p| p.pid == pid) {
        return Ok(One::Process(p));
    }
    if let Some((_, name)) = scan.kernel_thread_names.iter().find(|(p, _)| *p == pid) {
        return Ok(One::KernelThread(name));
    }
    let at = root.origin(&format!("proc/{pid}"));
    if scan.timed_out.contains(&pid) {
        return Err(Failure::read(format!(
            "{}: reading the process did not finish in time (its mmap lock held?)",
            at.display()
        )));
    }
    if let Some((_, e)) = scan.unusable.iter().find(|(p, _)| *p == pid) {
        return Err(Failure::read(e.clone()));
    }
    if scan.hidden > 0 {
        return Err(Failure::refused(format!(
            "{}/status: permission denied: the process is hidden from this user (mounted with hidepid?)",
            at.display()
        )));
    }
    Err(Failure::no_process(root, pid))
}

/// Why the per-process `file` of `p` was not read: a refusal when it was denied, the
/// error when it was unusable; `None` when it was not asked for or read fine.
pub fn file_problem(p: &memlens_model::ProcessSample, file: &str, denied: &str) -> Option<Failure> {
    let f = p.problems.iter().find(|f| f.file == file)?;
    Some(match f.problem {
        Problem::Denied => Failure::refused(denied.to_string()),
        _ => Failure::read(
            f.detail
                .clone()
                .unwrap_or_else(|| format!("{file}: unusable")),
        ),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_made_in_two_halves_are_each_item_in_order() {
        for n in [
            0,
            1,
            crate::output::SPLIT_ABOVE,
            crate::output::SPLIT_ABOVE + 1,
            5003,
        ] {
            let items: Vec<u32> = (0..n as u32).collect();
            let want: Vec<String> = items.iter().map(|i| format!("row {i}")).collect();
            assert_eq!(
                super::in_two(&items, |i| format!("row {i}")),
                want,
                "{n} items"
            );
        }
    }
}
