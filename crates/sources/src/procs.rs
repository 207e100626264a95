//! Reading every process under `proc/`: the scan behind `ps`, `maps`, `capture`.
//!
//! Reading `smaps`, `smaps_rollup` or `cmdline` takes the target's mmap lock, so one
//! process stuck with its lock held could stall a scan forever. Reads run on worker
//! threads; a process whose reads take longer than the time bound is reported as timed
//! out and the scan goes on with a fresh worker.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use memlens_model::{FileProblem, ProcessSample, ProcessScan};

use crate::error::{Error, Result};
use crate::root::{Root, MAX_FILE, MAX_SMAPS};
use crate::{cgroup, cmdline, ksm_stat, limits, oom_score, smaps, stat, statm, status};
use std::path::PathBuf;

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
    /// `limits` (the process's memory rlimits).
    pub limits: bool,
    /// The full `smaps`, every mapping (costly: for `maps`, `wss`, `watch`).
    pub smaps: bool,
    /// Only these PIDs (all when `None`).
    pub pids: Option<Vec<u32>>,
    /// Worker threads; 0 picks the number of CPUs (at most 4).
    pub threads: usize,
    /// How long one process may take before it is reported as timed out.
    pub timeout: Duration,
    /// The sample before, for a scan that reads a process whole only when it changed
    /// (`record`); `stat` is then read first, and kept.
    pub carry: Option<Carry>,
}

/// The processes of a sample before, sorted by PID, each in a slot a scan takes it from.
pub type Before = Arc<Vec<(u32, std::sync::Mutex<Option<Box<ProcessSample>>>)>>;

/// What a scan may keep of the sample before: see [`memlens_model::Carried`].
#[derive(Debug, Clone)]
pub struct Carry {
    /// The processes of the sample before, sorted by PID, each taken (moved, not copied)
    /// by the scan that keeps it.
    pub processes: Before,
    /// Which turn and lap this scan is on: processes whose PID modulo `every` is `turn`
    /// read their drifting files again whatever their `stat` says; of those, the ones
    /// whose `(PID / every) % LAPS` is `lap` are read whole.
    pub at: memlens_model::Carried,
    /// The number of the sample this scan is for.
    pub n: u64,
    /// Each process's `stat`, held open from one scan to the next.
    pub stats: Arc<StatFiles>,
}

/// The `/proc/PID/stat` files a recorder holds open between samples, read again from
/// their start ([`Root::hold`]); at most `cap` of them, so that a recorder stays within
/// its open-file limit (the rest are opened each time, as without).
///
/// With `quiet` (`memlens top`), a process whose `stat` was the same at its last check is
/// not checked at every sample: after one quiet check it is checked again two samples
/// later, after two or more, four ([`QUIET_GAPS`]). A process is checked at once when its
/// `/proc` entry is not the one its file was opened in (the PID is another process's now).
#[derive(Debug)]
pub struct StatFiles {
    files: std::sync::Mutex<std::collections::HashMap<u32, HeldStat>>,
    cap: usize,
    quiet: bool,
}

/// One process's held `stat` and what its checks found.
#[derive(Debug)]
struct HeldStat {
    file: crate::root::Held,
    /// The number of the last sample that read the file or kept the process unchecked.
    seen: u64,
    /// The inode of the `/proc/PID` entry the file was opened in (0: not known).
    ino: u64,
    /// The sample of its last check, and how many checks in a row found it unchanged.
    checked: u64,
    quiet: u32,
}

/// Samples between checks of a process whose `stat` was unchanged at its last check, by
/// how many checks in a row found it so (1, 2 or more).
pub const QUIET_GAPS: [u64; 2] = [2, 4];

impl StatFiles {
    pub fn new(cap: usize) -> StatFiles {
        StatFiles {
            files: Default::default(),
            cap,
            quiet: false,
        }
    }

    /// Files for `memlens top`: quiet processes are checked less often (see above).
    pub fn checking_quiet_less_often(cap: usize) -> StatFiles {
        StatFiles {
            quiet: true,
            ..StatFiles::new(cap)
        }
    }

    /// How many files are held.
    pub fn len(&self) -> usize {
        self.files.lock().map_or(0, |f| f.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closes the files of processes that sample `n` did not read (they exited).
    pub fn keep_read_in(&self, n: u64) {
        if let Ok(mut f) = self.files.lock() {
            f.retain(|_, h| h.seen >= n);
        }
    }

    /// Whether process `pid`, listed with inode `ino`, may go unchecked in sample `n`: its
    /// file is held (opened in that same entry), its last check found it unchanged and its
    /// next check is not due. It is then counted as seen in `n`.
    fn may_skip(&self, pid: u32, ino: u64, n: u64) -> bool {
        if !self.quiet || ino == 0 {
            return false;
        }
        let Ok(mut f) = self.files.lock() else {
            return false;
        };
        match f.get_mut(&pid) {
            Some(h) if h.ino == ino && h.quiet > 0 => {
                let gap = QUIET_GAPS[(h.quiet as usize - 1).min(QUIET_GAPS.len() - 1)];
                let skip = n.saturating_sub(h.checked) < gap;
                if skip {
                    h.seen = n;
                }
                skip
            }
            _ => false,
        }
    }

    /// Notes what the check of `pid` in sample `n` found.
    fn checked(&self, pid: u32, n: u64, unchanged: bool) {
        if let Ok(mut f) = self.files.lock() {
            if let Some(h) = f.get_mut(&pid) {
                h.checked = n;
                h.quiet = if unchanged {
                    h.quiet.saturating_add(1)
                } else {
                    0
                };
            }
        }
    }

    /// Reads `proc/PID/stat` into `buf` for sample `n`: from its held file when there is
    /// one, else opened (in the entry listed with inode `ino`), and then held while there
    /// is room. A held file whose process has gone is closed and the PID's `stat` opened
    /// again, as the PID may be a new process's.
    fn read(&self, root: &Root, pid: u32, ino: u64, n: u64, buf: &mut Vec<u8>) -> Result<()> {
        let held = self.files.lock().ok().and_then(|mut f| f.remove(&pid));
        if let Some(mut h) = held {
            if root.reread(&h.file, buf, MAX_FILE).is_ok() {
                h.seen = n;
                self.put(pid, h);
                return Ok(());
            }
        }
        let rel = format!("proc/{pid}/stat");
        match root.hold(&rel) {
            Some(Ok(file)) => {
                root.reread(&file, buf, MAX_FILE)?;
                self.put(
                    pid,
                    HeldStat {
                        file,
                        seen: n,
                        ino,
                        checked: n,
                        quiet: 0,
                    },
                );
                Ok(())
            }
            Some(Err(e)) => Err(e),
            None => root.read_into(&rel, buf).map(|_| ()),
        }
    }

    fn put(&self, pid: u32, h: HeldStat) {
        if let Ok(mut f) = self.files.lock() {
            if f.len() < self.cap || f.contains_key(&pid) {
                f.insert(pid, h);
            }
        }
    }
}

/// How many processes' `stat` files a recorder holds open between samples: its open-file
/// limit, raised to the hard limit first, less 256 for everything else it opens, and at
/// most 8,192 (each costs the kernel about a kilobyte, counted to the recorder's cgroup).
pub fn stat_files_to_hold() -> usize {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the struct given, nothing else.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                lim = raised;
            }
        }
    }
    usize::try_from(lim.rlim_cur)
        .unwrap_or(usize::MAX)
        .saturating_sub(256)
        .min(8192)
}

/// Turns between whole reads of a process whose `stat` does not change.
pub const LAPS: u32 = 10;

/// What a carrying scan does with one process.
enum Keep {
    /// Unchanged and not its turn: the sample before as it is.
    All(Box<ProcessSample>),
    /// Unchanged, its turn: `status`, `smaps_rollup` and `oom_score` read again (PSS
    /// drifts as other processes come and go), the rest kept.
    Drifting(Box<ProcessSample>),
    /// Read whole.
    Nothing,
}

impl Carry {
    /// Whether it is process `pid`'s turn to have its drifting files read again.
    fn its_turn(&self, pid: u32) -> bool {
        pid % self.at.every.max(1) == self.at.turn
    }

    /// The slot of process `pid`'s sample before, when it had one.
    fn slot(&self, pid: u32) -> Option<std::sync::MutexGuard<'_, Option<Box<ProcessSample>>>> {
        let i = self.processes.binary_search_by_key(&pid, |p| p.0).ok()?;
        self.processes[i].1.lock().ok()
    }

    /// Takes the sample before of process `pid`, if there is one.
    fn take(&self, pid: u32) -> Option<Box<ProcessSample>> {
        self.slot(pid)?.take()
    }

    /// What to keep of process `pid`, whose `stat` is now `now`.
    fn keep(&self, pid: u32, now: &memlens_model::Stat) -> Keep {
        let every = self.at.every.max(1);
        let Some(mut slot) = self.slot(pid) else {
            return Keep::Nothing;
        };
        let same = slot
            .as_ref()
            .and_then(|p| p.stat.as_ref())
            .is_some_and(|s| {
                s.starttime == now.starttime
                    && s.comm == now.comm
                    && s.ppid == now.ppid
                    && s.num_threads == now.num_threads
                    && s.vsize == now.vsize
                    && s.rss_pages == now.rss_pages
                    && s.minflt == now.minflt
                    && s.majflt == now.majflt
            });
        self.stats.checked(pid, self.n, same);
        let turn = self.its_turn(pid);
        if turn && (pid / every) % LAPS == self.at.lap {
            return Keep::Nothing;
        }
        match (same, slot.take()) {
            (true, Some(p)) if turn => Keep::Drifting(p),
            (true, Some(p)) => Keep::All(p),
            _ => Keep::Nothing,
        }
    }
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
            smaps: false,
            limits: false,
            pids: None,
            threads: 0,
            timeout: Duration::from_secs(2),
            carry: None,
        }
    }
}

/// The numeric entries of `proc/`, sorted.
pub fn list_pids(root: &Root) -> Result<Vec<u32>> {
    Ok(list_processes(root)?.into_iter().map(|(p, _)| p).collect())
}

/// The numeric entries of `proc/` with their inodes, sorted by PID.
fn list_processes(root: &Root) -> Result<Vec<(u32, u64)>> {
    let mut pids: Vec<(u32, u64)> = root
        .entries("proc")?
        .into_iter()
        .filter(|e| e.is_dir)
        .filter_map(|e| Some((e.name.to_str()?.parse().ok()?, e.ino)))
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// What became of one process.
#[derive(Debug)]
pub enum Outcome {
    Sample(Box<ProcessSample>),
    /// A kernel thread, with its name.
    KernelThread(String),
    Vanished,
    Hidden,
    TimedOut,
    /// In a capture tree, a process directory without its `status`.
    Incomplete,
    /// The error, naming file and line.
    Failed(String),
}

impl Outcome {
    /// A copy, for results a stuck worker still shares.
    fn copy(&self) -> Outcome {
        match self {
            Outcome::Sample(s) => Outcome::Sample(s.clone()),
            Outcome::KernelThread(n) => Outcome::KernelThread(n.clone()),
            Outcome::Vanished => Outcome::Vanished,
            Outcome::Hidden => Outcome::Hidden,
            Outcome::TimedOut => Outcome::TimedOut,
            Outcome::Incomplete => Outcome::Incomplete,
            Outcome::Failed(e) => Outcome::Failed(e.clone()),
        }
    }
}

/// Reads one process. Parse errors are returned as `Failed`; a process that disappears
/// half-way is `Vanished`.
pub fn read_process(root: &Root, pid: u32, opts: &ScanOptions, buf: &mut Vec<u8>) -> Outcome {
    read_process_with(root, (pid, 0), opts, buf, root.page_size(), None)
}

/// What a worker's watchdog times: while a file is being read, `since` is when that read
/// began; while it is being parsed, `since` is [`PARSING`] and no time is counted (the
/// time bound is on waiting for the kernel, which holds the target's mmap lock, not on
/// parsing what it gave).
struct Clock<'a> {
    busy: &'a Busy,
    t0: Instant,
}

/// `Busy::since` while the worker parses rather than reads.
const PARSING: u64 = u64::MAX;

impl Clock<'_> {
    fn reading(&self) {
        self.busy
            .since
            .store(self.t0.elapsed().as_nanos() as u64, Ordering::SeqCst);
    }
    fn parsing(&self) {
        self.busy.since.store(PARSING, Ordering::SeqCst);
    }
}

/// [`read_process`] with the root's page size already known (a scan asks once), of a
/// process listed in `proc/` with its entry's inode (0: not listed).
fn read_process_with(
    root: &Root,
    (pid, ino): (u32, u64),
    opts: &ScanOptions,
    buf: &mut Vec<u8>,
    page_size: u64,
    clock: Option<&Clock>,
) -> Outcome {
    match read_process_inner(root, (pid, ino), opts, buf, page_size, clock) {
        Ok(o) => o,
        // A capture does not change while read: a process directory without its files
        // was not captured whole.
        Err(Error::Missing(_)) if !root.is_live() => Outcome::Incomplete,
        Err(Error::Missing(_) | Error::Vanished(_)) => Outcome::Vanished,
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

fn read_process_inner(
    root: &Root,
    (pid, ino): (u32, u64),
    opts: &ScanOptions,
    buf: &mut Vec<u8>,
    page_size: u64,
    clock: Option<&Clock>,
) -> Result<Outcome> {
    let reading = || clock.inspect(|c| c.reading());
    let parsing = || clock.inspect(|c| c.parsing());
    let file = |name: &str| format!("proc/{pid}/{name}");
    // With the sample before: `stat` first, and the process kept as it was when that
    // says nothing changed. Any trouble with `stat` leaves it to the whole read below.
    let mut stat_now = None;
    let mut kept: Option<Box<ProcessSample>> = None;
    if let (Some(carry), false) = (&opts.carry, opts.smaps) {
        // A quiet process between its checks (`memlens top`): as it was.
        if !carry.its_turn(pid) && carry.stats.may_skip(pid, ino, carry.n) {
            if let Some(mut p) = carry.take(pid) {
                p.unchecked = true;
                return Ok(Outcome::Sample(p));
            }
        }
        reading();
        let read = carry.stats.read(root, pid, ino, carry.n, buf);
        parsing();
        match read {
            Ok(_) => {
                if let Ok((st, flags)) = stat::parse_with_flags(buf) {
                    if flags & stat::PF_KTHREAD != 0 {
                        return Ok(Outcome::KernelThread(st.comm));
                    }
                    match carry.keep(pid, &st) {
                        Keep::All(mut p) => {
                            p.stat = Some(st);
                            p.unchecked = false;
                            return Ok(Outcome::Sample(p));
                        }
                        Keep::Drifting(p) => kept = Some(p),
                        Keep::Nothing => {}
                    }
                    stat_now = Some(st);
                }
            }
            Err(e @ (Error::Missing(_) | Error::Vanished(_))) => return Err(e),
            Err(_) => {}
        }
    }
    let path = match root.read_one_piece(&file("status"), buf, MAX_FILE) {
        Ok(p) => p,
        Err(Error::Denied(_)) => return Ok(Outcome::Hidden),
        Err(e) => return Err(e),
    };
    let status = status::parse(buf).map_err(|e| Error::parse(&path, e))?;
    if status.is_kernel_thread() {
        return Ok(Outcome::KernelThread(status.name));
    }
    let mut sample = ProcessSample {
        pid,
        status,
        ..Default::default()
    };
    let mut problems: Vec<FileProblem> = Vec::new();
    // Reads one per-process file and parses it. A missing file ends the whole process (it
    // exited), unless it is one that some kernels lack (`$optional`: then `None`). Denied
    // and unusable files (garbled, not regular, too large) become problems of this process
    // and the scan goes on. `$missing` runs instead when an optional file is missing.
    macro_rules! read_parse {
        ($name:expr, $optional:expr, $parse:expr) => {
            read_parse!($name, $optional, $parse, None)
        };
        ($name:expr, $optional:expr, $parse:expr, $missing:expr) => {{
            reading();
            // Each file but `smaps` is made in one piece.
            let read = if $name == "smaps" {
                root.read_capped(&file($name), buf, MAX_SMAPS)
            } else {
                root.read_one_piece(&file($name), buf, MAX_FILE)
            };
            parsing();
            match read {
                Ok(path) => match $parse(&buf[..]) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        let e = Error::parse(&path, e);
                        problems.push(FileProblem::unusable($name, &e));
                        None
                    }
                },
                Err(Error::Missing(_)) if $optional => $missing,
                Err(Error::Denied(_)) => {
                    problems.push(FileProblem::denied($name));
                    None
                }
                Err(e @ (Error::Missing(_) | Error::Vanished(_))) => return Err(e),
                Err(e) => {
                    problems.push(FileProblem::unusable($name, &e));
                    None
                }
            }
        }};
    }
    if opts.smaps {
        sample.mappings = read_parse!("smaps", false, smaps::parse_smaps);
    }
    if opts.rollup {
        sample.rollup = read_parse!("smaps_rollup", true, smaps::parse_rollup, {
            // Kernels before 4.14: sum smaps.
            let maps = match &sample.mappings {
                Some(m) => Some(smaps::sum(m)),
                None => read_parse!("smaps", false, smaps::parse_smaps).map(|m| smaps::sum(&m)),
            };
            sample.rollup_from_smaps = maps.is_some();
            maps
        });
    }
    // What a drifting process keeps (a field named after its file, and the problems of
    // that file); the rest below is read.
    macro_rules! or_kept {
        ($field:ident, $read:expr) => {
            match kept.as_mut() {
                Some(k) => {
                    let (its, others): (Vec<FileProblem>, Vec<FileProblem>) =
                        std::mem::take(&mut k.problems)
                            .into_iter()
                            .partition(|p| p.file == stringify!($field));
                    problems.extend(its);
                    k.problems = others;
                    k.$field.take()
                }
                None => $read,
            }
        };
    }
    if opts.cmdline {
        sample.cmdline = or_kept!(
            cmdline,
            read_parse!("cmdline", false, |t: &[u8]| {
                Ok::<_, crate::error::ParseError>(cmdline::parse(t))
            })
            .flatten()
        );
    }
    if opts.statm {
        sample.statm = read_parse!("statm", false, |t| statm::parse(t, page_size));
    }
    if opts.stat || stat_now.is_some() {
        sample.stat = match stat_now {
            Some(st) => Some(st),
            None => read_parse!("stat", false, stat::parse),
        };
    }
    if opts.oom {
        sample.oom_score = read_parse!("oom_score", false, oom_score::parse);
        sample.oom_score_adj = or_kept!(
            oom_score_adj,
            read_parse!("oom_score_adj", false, oom_score::parse)
        );
    }
    if opts.cgroup {
        sample.cgroup = or_kept!(cgroup, read_parse!("cgroup", false, cgroup::parse));
    }
    if opts.limits {
        sample.limits = or_kept!(limits, read_parse!("limits", true, limits::parse));
    }
    if opts.ksm_stat {
        // Kernels before 6.1 (or without CONFIG_KSM) have no such file.
        sample.ksm_stat = or_kept!(ksm_stat, read_parse!("ksm_stat", true, ksm_stat::parse));
    }
    sample.problems = problems;
    Ok(Outcome::Sample(Box::new(sample)))
}

/// A worker's current job: index + 1 (0 when idle) and when it started (ns after `t0`).
struct Busy {
    job: AtomicUsize,
    since: AtomicU64,
}

/// What the workers of one scan share: the PIDs, the next index to take, one result slot
/// per PID (set once: by the worker, or by the watchdog when it gave up on it), and how
/// many slots are set. Results go into slots rather than through a channel, so that a
/// scan of 10,000 processes does not wake the main thread 10,000 times.
struct Shared {
    root: Root,
    opts: ScanOptions,
    /// Each PID, with its `proc/` entry's inode (0 when not listed).
    pids: Vec<(u32, u64)>,
    next: AtomicUsize,
    slots: Vec<OnceLock<Outcome>>,
    done: AtomicUsize,
    t0: Instant,
    page_size: u64,
    /// The scanning thread, woken when the last slot is set.
    main: std::thread::Thread,
}

impl Shared {
    /// Sets slot `i` unless it is set already; wakes the scanning thread after the last.
    fn finish(&self, i: usize, o: Outcome) {
        if self.slots[i].set(o).is_ok()
            && self.done.fetch_add(1, Ordering::SeqCst) + 1 == self.slots.len()
        {
            self.main.unpark();
        }
    }
}

fn spawn_worker(shared: Arc<Shared>) -> (Arc<Busy>, std::thread::JoinHandle<()>) {
    let busy = Arc::new(Busy {
        job: AtomicUsize::new(0),
        since: AtomicU64::new(0),
    });
    let b = busy.clone();
    let handle = std::thread::spawn(move || {
        let s = &*shared;
        let mut buf = Vec::with_capacity(64 * 1024);
        loop {
            let i = s.next.fetch_add(1, Ordering::SeqCst);
            if i >= s.pids.len() {
                break;
            }
            b.since
                .store(s.t0.elapsed().as_nanos() as u64, Ordering::SeqCst);
            b.job.store(i + 1, Ordering::SeqCst);
            let clock = Clock { busy: &b, t0: s.t0 };
            let outcome = read_process_with(
                &s.root,
                s.pids[i],
                &s.opts,
                &mut buf,
                s.page_size,
                Some(&clock),
            );
            b.job.store(0, Ordering::SeqCst);
            s.finish(i, outcome);
        }
    });
    (busy, handle)
}

/// Scans processes. A process with an unusable file (garbled, not a regular file, too
/// large) is marked, or, when its `status` is unusable, counted and not listed; processes
/// that exit during the scan are counted and skipped.
pub fn scan(root: &Root, opts: &ScanOptions) -> Result<ProcessScan> {
    let pids: Vec<(u32, u64)> = match &opts.pids {
        Some(p) => p.iter().map(|&p| (p, 0)).collect(),
        None => list_processes(root)?,
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
    let shared = Arc::new(Shared {
        root: root.clone(),
        opts: opts.clone(),
        pids,
        next: AtomicUsize::new(0),
        slots: (0..n).map(|_| OnceLock::new()).collect(),
        done: AtomicUsize::new(0),
        t0: Instant::now(),
        page_size: root.page_size(),
        main: std::thread::current(),
    });
    // Each worker: what it is busy with, the job it was given up on (0: none), its thread.
    let mut workers: Vec<(Arc<Busy>, usize, std::thread::JoinHandle<()>)> = (0..threads)
        .map(|_| {
            let (b, h) = spawn_worker(shared.clone());
            (b, 0, h)
        })
        .collect();
    let tick = (opts.timeout / 4).clamp(Duration::from_millis(1), Duration::from_millis(100));
    let timeout = opts.timeout.as_nanos() as u64;
    while shared.done.load(Ordering::SeqCst) < n {
        std::thread::park_timeout(tick);
        // The watchdog: a worker on one process for longer than the timeout is left to
        // it; the process is marked timed out and a fresh worker takes the rest.
        let now = shared.t0.elapsed().as_nanos() as u64;
        let mut fresh = 0;
        for (busy, flagged, _) in workers.iter_mut() {
            let job = busy.job.load(Ordering::SeqCst);
            let since = busy.since.load(Ordering::SeqCst);
            if job != 0 && job != *flagged && now.saturating_sub(since) > timeout {
                *flagged = job;
                shared.finish(job - 1, Outcome::TimedOut);
                fresh += 1;
            }
        }
        for _ in 0..fresh {
            let (b, h) = spawn_worker(shared.clone());
            workers.push((b, 0, h));
        }
    }
    // Workers never given up on have nothing left to do: once they have ended (and let go
    // of the results), the results are moved out rather than copied.
    for (_, flagged, h) in workers {
        if flagged == 0 {
            let _ = h.join();
        }
    }
    // The results, moved out when no stuck worker still holds the slots (else copied).
    let pids: Vec<u32> = shared.pids.iter().map(|p| p.0).collect();
    let results: Vec<Option<Outcome>> = match Arc::try_unwrap(shared) {
        Ok(s) => s.slots.into_iter().map(OnceLock::into_inner).collect(),
        Err(s) => s.slots.iter().map(|o| o.get().map(Outcome::copy)).collect(),
    };
    let mut out = ProcessScan::default();
    for (i, slot) in results.into_iter().enumerate() {
        match slot {
            Some(Outcome::Sample(s)) => out.processes.push(s),
            Some(Outcome::KernelThread(name)) => {
                out.kernel_threads += 1;
                if opts.pids.is_some() {
                    out.kernel_thread_names.push((pids[i], name));
                }
            }
            Some(Outcome::Vanished) | None => out.vanished += 1,
            Some(Outcome::Hidden) => out.hidden += 1,
            Some(Outcome::TimedOut) => out.timed_out.push(pids[i]),
            Some(Outcome::Incomplete) => out.incomplete += 1,
            Some(Outcome::Failed(e)) => out.unusable.push((pids[i], e)),
        }
    }
    Ok(out)
}

/// Reads one file under the root on a worker thread, waiting at most `timeout` for it
/// (a read of a process's `smaps` waits on its mmap lock).
fn read_timed(root: &Root, rel: String, cap: u64, timeout: Duration) -> Result<(PathBuf, Vec<u8>)> {
    let path = root.path(&rel);
    let (tx, rx) = mpsc::channel();
    let r = root.clone();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let res = r.read_capped(&rel, &mut buf, cap).map(|p| (p, buf));
        let _ = tx.send(res);
    });
    match rx.recv_timeout(timeout) {
        Ok(r) => r,
        Err(_) => Err(Error::Io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("read did not finish within {:?} (mmap lock held?)", timeout),
            ),
        )),
    }
}

/// Reads one process's full `smaps`, with the same time bound as a scan.
pub fn read_smaps(root: &Root, pid: u32, timeout: Duration) -> Result<Vec<memlens_model::Mapping>> {
    let (path, text) = read_timed(root, format!("proc/{pid}/smaps"), MAX_SMAPS, timeout)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    #[test]
    fn held_stat_files_read_as_opened_ones_and_let_go_of_exited_processes() {
        let root = Root::live();
        let mut child = Command::new("sleep")
            .arg("30")
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let (me, kid) = (std::process::id(), child.id());
        let stats = StatFiles::new(1);
        let mut buf = Vec::new();
        stats.read(&root, me, 0, 0, &mut buf).unwrap();
        let first = stat::parse_with_flags(&buf).unwrap().0;
        assert_eq!(
            first.comm,
            stat::parse_with_flags(&std::fs::read(format!("/proc/{me}/stat")).unwrap())
                .unwrap()
                .0
                .comm
        );
        assert_eq!(stats.len(), 1);
        // Read again through the held file: the figures are current, not the first read's.
        let held: Vec<u8> = vec![1; 64 << 20];
        std::hint::black_box(&held);
        stats.read(&root, me, 0, 1, &mut buf).unwrap();
        let again = stat::parse_with_flags(&buf).unwrap().0;
        assert!(
            again.vsize >= first.vsize + (64 << 20),
            "{} then {}",
            first.vsize,
            again.vsize
        );
        // No room for a second file: the child's stat is opened, read and closed.
        stats.read(&root, kid, 0, 1, &mut buf).unwrap();
        assert_eq!(stat::parse_with_flags(&buf).unwrap().0.comm, "sleep");
        assert_eq!(stats.len(), 1);
        // With room, held; once the child has exited and been reaped, its held file says
        // so and the PID's stat is gone.
        let stats = StatFiles::new(4);
        stats.read(&root, kid, 0, 2, &mut buf).unwrap();
        stats.read(&root, me, 0, 2, &mut buf).unwrap();
        assert_eq!(stats.len(), 2);
        child.kill().unwrap();
        child.wait().unwrap();
        let gone = stats.read(&root, kid, 0, 3, &mut buf).unwrap_err();
        assert!(
            matches!(gone, Error::Missing(_) | Error::Vanished(_)),
            "{gone:?}"
        );
        assert_eq!(stats.len(), 1, "the exited process's file is closed");
        // Files a sample did not read are closed after it.
        stats.keep_read_in(3);
        assert_eq!(stats.len(), 0);
        // A capture's files are not held.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/vm-6.18-hybrid");
        let capture = Root::open(&dir).unwrap();
        let stats = StatFiles::new(4);
        stats.read(&capture, 1, 0, 0, &mut buf).unwrap();
        assert_eq!(buf, std::fs::read(dir.join("proc/1/stat")).unwrap());
        assert!(stats.is_empty());
    }

    #[test]
    fn a_quiet_process_goes_unchecked_only_while_its_proc_entry_is_the_same() {
        let root = Root::live();
        let me = std::process::id();
        let ino = |pid: u32| {
            list_processes(&root)
                .unwrap()
                .into_iter()
                .find(|p| p.0 == pid)
                .unwrap()
                .1
        };
        let listed = ino(me);
        assert_ne!(listed, 0);
        assert_eq!(ino(me), listed, "a process's entry keeps its inode");
        let mut buf = Vec::new();
        // A recorder's files: every process is checked at every sample.
        let stats = StatFiles::new(4);
        stats.read(&root, me, listed, 0, &mut buf).unwrap();
        stats.checked(me, 1, true);
        assert!(!stats.may_skip(me, listed, 2));
        // A live view's: quiet once, checked again 2 samples later; quiet twice or more, 4.
        let stats = StatFiles::checking_quiet_less_often(4);
        stats.read(&root, me, listed, 0, &mut buf).unwrap();
        assert!(!stats.may_skip(me, listed, 1), "not yet found quiet");
        stats.checked(me, 1, true);
        assert!(stats.may_skip(me, listed, 2));
        assert!(!stats.may_skip(me, listed, 3));
        stats.checked(me, 3, true);
        assert_eq!(
            (4..=7)
                .map(|n| stats.may_skip(me, listed, n))
                .collect::<Vec<_>>(),
            [true, true, true, false]
        );
        // Unchecked samples count as seen: the file stays open.
        stats.keep_read_in(6);
        assert_eq!(stats.len(), 1);
        // Another entry under the same PID (another process), or none listed: checked.
        assert!(!stats.may_skip(me, listed + 1, 4));
        assert!(!stats.may_skip(me, 0, 4));
        // A change: checked at every sample again.
        stats.checked(me, 7, false);
        assert!(!stats.may_skip(me, listed, 8));
    }
}
