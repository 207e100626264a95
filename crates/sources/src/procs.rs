//! Reading every process under `proc/`: the scan behind `ps`, `maps`, `capture`.
//!
//! Reading `smaps`, `smaps_rollup` or `cmdline` takes the target's mmap lock, so one
//! process stuck with its lock held could stall a scan forever. Reads run on worker
//! threads; a process whose reads take longer than the time bound is reported as timed
//! out and the scan goes on with a fresh worker.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use memlens_model::{FileProblem, Problem, ProcessSample, ProcessScan};

use crate::error::{Error, Result};
use crate::root::Root;
use crate::{cgroup, cmdline, ksm_stat, oom_score, smaps, stat, statm, status};

/// What to read of each process (status is always read).
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub rollup: bool,
    pub cmdline: bool,
    pub cgroup: bool,
    pub oom: bool,
    pub stat: bool,
    pub statm: bool,
    /// `ksm_stat`, when the kernel has it (6.1+; a missing file is not an exit).
    pub ksm_stat: bool,
    /// Only these PIDs (all when `None`).
    pub pids: Option<Vec<u32>>,
    /// Worker threads; 0 picks the number of CPUs (at most 4).
    pub threads: usize,
    /// How long one process may take before it is reported as timed out.
    pub timeout: Duration,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            rollup: true,
            cmdline: true,
            cgroup: false,
            oom: false,
            stat: false,
            statm: false,
            ksm_stat: false,
            pids: None,
            threads: 0,
            timeout: Duration::from_secs(2),
        }
    }
}

/// The numeric entries of `proc/`, sorted.
pub fn list_pids(root: &Root) -> Result<Vec<u32>> {
    let dir = root.path("proc");
    let rd = std::fs::read_dir(&dir).map_err(|e| Error::from_io(&dir, e))?;
    let mut pids: Vec<u32> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// What became of one process.
#[derive(Debug)]
pub enum Outcome {
    Sample(Box<ProcessSample>),
    KernelThread,
    Vanished,
    Hidden,
    TimedOut,
    Failed(Error),
}

/// Reads one process. Parse errors are returned as `Failed`; a process that disappears
/// half-way is `Vanished`.
pub fn read_process(root: &Root, pid: u32, opts: &ScanOptions, buf: &mut Vec<u8>) -> Outcome {
    read_process_with(root, pid, opts, buf, root.page_size())
}

/// [`read_process`] with the root's page size already known (a scan asks once).
fn read_process_with(
    root: &Root,
    pid: u32,
    opts: &ScanOptions,
    buf: &mut Vec<u8>,
    page_size: u64,
) -> Outcome {
    match read_process_inner(root, pid, opts, buf, page_size) {
        Ok(o) => o,
        Err(Error::Missing(_) | Error::Vanished(_)) => Outcome::Vanished,
        Err(e) => Outcome::Failed(e),
    }
}

fn read_process_inner(
    root: &Root,
    pid: u32,
    opts: &ScanOptions,
    buf: &mut Vec<u8>,
    page_size: u64,
) -> Result<Outcome> {
    let file = |name: &str| format!("proc/{pid}/{name}");
    let path = match root.read_into(&file("status"), buf) {
        Ok(p) => p,
        Err(Error::Denied(_)) => return Ok(Outcome::Hidden),
        Err(e) => return Err(e),
    };
    let status = status::parse(buf).map_err(|e| Error::parse(&path, e))?;
    if status.is_kernel_thread() {
        return Ok(Outcome::KernelThread);
    }
    let mut sample = ProcessSample {
        pid,
        status,
        ..Default::default()
    };
    let mut problems: Vec<FileProblem> = Vec::new();
    // Reads an optional per-process file: Denied becomes a problem, Missing/Vanished end
    // the whole process (it exited), parse errors are errors.
    macro_rules! read_file {
        ($name:expr) => {{
            match root.read_into(&file($name), buf) {
                Ok(path) => Some(path),
                Err(Error::Denied(_)) => {
                    problems.push(FileProblem {
                        file: $name.to_string(),
                        problem: Problem::Denied,
                    });
                    None
                }
                Err(e) => return Err(e),
            }
        }};
    }
    if opts.rollup {
        match root.read_into(&file("smaps_rollup"), buf) {
            Ok(path) => {
                sample.rollup = Some(smaps::parse_rollup(buf).map_err(|e| Error::parse(&path, e))?)
            }
            Err(Error::Missing(_)) => {
                // Kernels before 4.14: sum smaps.
                if let Some(path) = read_file!("smaps") {
                    let maps = smaps::parse_smaps(buf).map_err(|e| Error::parse(&path, e))?;
                    sample.rollup = Some(smaps::sum(&maps));
                    sample.rollup_from_smaps = true;
                }
            }
            Err(Error::Denied(_)) => problems.push(FileProblem {
                file: "smaps_rollup".into(),
                problem: Problem::Denied,
            }),
            Err(e) => return Err(e),
        }
    }
    if opts.cmdline && read_file!("cmdline").is_some() {
        sample.cmdline = cmdline::parse(buf);
    }
    if opts.statm {
        if let Some(path) = read_file!("statm") {
            sample.statm = Some(statm::parse(buf, page_size).map_err(|e| Error::parse(&path, e))?);
        }
    }
    if opts.stat {
        if let Some(path) = read_file!("stat") {
            sample.stat = Some(stat::parse(buf).map_err(|e| Error::parse(&path, e))?);
        }
    }
    if opts.oom {
        if let Some(path) = read_file!("oom_score") {
            sample.oom_score = Some(oom_score::parse(buf).map_err(|e| Error::parse(&path, e))?);
        }
        if let Some(path) = read_file!("oom_score_adj") {
            sample.oom_score_adj = Some(oom_score::parse(buf).map_err(|e| Error::parse(&path, e))?);
        }
    }
    if opts.cgroup {
        if let Some(path) = read_file!("cgroup") {
            sample.cgroup = Some(cgroup::parse(buf).map_err(|e| Error::parse(&path, e))?);
        }
    }
    if opts.ksm_stat {
        match root.read_into(&file("ksm_stat"), buf) {
            Ok(path) => {
                sample.ksm_stat = Some(ksm_stat::parse(buf).map_err(|e| Error::parse(&path, e))?)
            }
            // Kernels before 6.1 (or without CONFIG_KSM) have no such file.
            Err(Error::Missing(_)) => {}
            Err(Error::Denied(_)) => problems.push(FileProblem {
                file: "ksm_stat".into(),
                problem: Problem::Denied,
            }),
            Err(e) => return Err(e),
        }
    }
    sample.problems = problems;
    Ok(Outcome::Sample(Box::new(sample)))
}

/// A worker's current job: index + 1 (0 when idle) and when it started (ns after `t0`).
struct Busy {
    job: AtomicUsize,
    since: AtomicU64,
}

fn spawn_worker(
    root: Root,
    opts: Arc<ScanOptions>,
    pids: Arc<Vec<u32>>,
    next: Arc<AtomicUsize>,
    tx: mpsc::Sender<(usize, Outcome)>,
    t0: Instant,
    page_size: u64,
) -> Arc<Busy> {
    let busy = Arc::new(Busy {
        job: AtomicUsize::new(0),
        since: AtomicU64::new(0),
    });
    let b = busy.clone();
    std::thread::spawn(move || {
        let mut buf = Vec::with_capacity(64 * 1024);
        loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            if i >= pids.len() {
                break;
            }
            b.since
                .store(t0.elapsed().as_nanos() as u64, Ordering::SeqCst);
            b.job.store(i + 1, Ordering::SeqCst);
            let outcome = read_process_with(&root, pids[i], &opts, &mut buf, page_size);
            b.job.store(0, Ordering::SeqCst);
            if tx.send((i, outcome)).is_err() {
                break;
            }
        }
    });
    busy
}

/// Scans processes. Parse errors in any process's files fail the scan (the text is not what
/// the kernel writes); processes that exit during the scan are counted and skipped.
pub fn scan(root: &Root, opts: &ScanOptions) -> Result<ProcessScan> {
    let pids = match &opts.pids {
        Some(p) => p.clone(),
        None => list_pids(root)?,
    };
    let n = pids.len();
    let threads = match opts.threads {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(4),
        t => t,
    }
    .min(n.max(1));
    let pids = Arc::new(pids);
    let next = Arc::new(AtomicUsize::new(0));
    let shared_opts = Arc::new(opts.clone());
    let (tx, rx) = mpsc::channel();
    let t0 = Instant::now();
    let page_size = root.page_size();
    let mut workers: Vec<(Arc<Busy>, usize)> = (0..threads)
        .map(|_| {
            let w = spawn_worker(
                root.clone(),
                shared_opts.clone(),
                pids.clone(),
                next.clone(),
                tx.clone(),
                t0,
                page_size,
            );
            (w, 0)
        })
        .collect();
    let mut results: Vec<Option<Outcome>> = (0..n).map(|_| None).collect();
    let mut remaining = n;
    let tick = (opts.timeout / 4).clamp(Duration::from_millis(1), Duration::from_millis(100));
    while remaining > 0 {
        match rx.recv_timeout(tick) {
            Ok((i, o)) => {
                if results[i].is_none() {
                    results[i] = Some(o);
                    remaining -= 1;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        let now = t0.elapsed().as_nanos() as u64;
        let mut fresh = 0;
        for (busy, flagged) in workers.iter_mut() {
            let job = busy.job.load(Ordering::SeqCst);
            let since = busy.since.load(Ordering::SeqCst);
            if job != 0
                && job != *flagged
                && now.saturating_sub(since) > opts.timeout.as_nanos() as u64
            {
                *flagged = job;
                if results[job - 1].is_none() {
                    results[job - 1] = Some(Outcome::TimedOut);
                    remaining -= 1;
                }
                fresh += 1;
            }
        }
        for _ in 0..fresh {
            let w = spawn_worker(
                root.clone(),
                shared_opts.clone(),
                pids.clone(),
                next.clone(),
                tx.clone(),
                t0,
                page_size,
            );
            workers.push((w, 0));
        }
    }
    let mut out = ProcessScan::default();
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Some(Outcome::Sample(s)) => out.processes.push(*s),
            Some(Outcome::KernelThread) => out.kernel_threads += 1,
            Some(Outcome::Vanished) | None => out.vanished += 1,
            Some(Outcome::Hidden) => out.hidden += 1,
            Some(Outcome::TimedOut) => out.timed_out.push(pids[i]),
            Some(Outcome::Failed(e)) => return Err(e),
        }
    }
    Ok(out)
}

/// Reads one process's full `smaps`, with the same time bound as a scan.
pub fn read_smaps(root: &Root, pid: u32, timeout: Duration) -> Result<Vec<memlens_model::Mapping>> {
    let rel = format!("proc/{pid}/smaps");
    let path = root.path(&rel);
    let (tx, rx) = mpsc::channel();
    let r = root.clone();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let res = r.read_into(&rel, &mut buf).map(|_| buf);
        let _ = tx.send(res);
    });
    let text = match rx.recv_timeout(timeout) {
        Ok(r) => r?,
        Err(_) => {
            return Err(Error::Io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("read did not finish within {:?} (mmap lock held?)", timeout),
                ),
            ))
        }
    };
    smaps::parse_smaps(&text).map_err(|e| Error::parse(&path, e))
}

/// Writes `1` to `proc/PID/clear_refs`: clears the referenced (and accessed) bits of the
/// process's pages, so that smaps `Referenced` afterwards shows only what it touched since.
/// Needs the live system and permission to the process (root, or its owner).
pub fn clear_refs(root: &Root, pid: u32) -> Result<()> {
    let path = root.path(&format!("proc/{pid}/clear_refs"));
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"1"))
        .map_err(|e| Error::from_io(&path, e))
}
