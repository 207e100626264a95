//! `collect`: reads the parts of the machine a [`Plan`] asks for into one
//! [`Snapshot`]. The place the parsers are called from; what fails is recorded in the
//! snapshot (which part, why, naming the file), not raised, so that a view decides what a
//! missing part means and a stored snapshot replays the same outcome.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use memlens_model::snapshot::{Ipc, SysctlDir, UserNames};
use memlens_model::{
    Carried, CgroupTree, FailureKind, Meta, PageTypeInfo, Part, Physical, ReadFailure, SlabCache,
    Snapshot, SwapState,
};

use crate::error::{Error, Result};
use crate::procs::{Carry, ScanOptions};
use crate::root::Root;
use crate::{
    buddyinfo, cgroupfs, firmware_memmap, hugepages, iomem, ksm, meminfo, memory_blocks, mountinfo,
    pagetypeinfo, passwd, posix_shm, pressure, procs, slabinfo, swaps, sysctl, sysvipc,
    transparent_hugepage, uptime, vmstat, zoneinfo, zram,
};

/// What to read, and at what cost. [`Plan::NOTHING`] (the default) reads nothing but the
/// metadata; a command's plan names what its view needs (`..Plan::NOTHING`).
#[derive(Debug, Clone)]
pub struct Plan {
    pub uptime: bool,
    pub meminfo: bool,
    pub vmstat: bool,
    pub pressure: bool,
    pub zoneinfo: bool,
    pub buddyinfo: bool,
    /// Root only on a live machine (mode 0400).
    pub pagetypeinfo: bool,
    /// Root only on a live machine (mode 0400).
    pub slabinfo: bool,
    pub hugepages: bool,
    pub thp: bool,
    pub ksm: bool,
    pub sysctl_vm: bool,
    /// Only these `vm.*` files (the others are not opened); all when `None`.
    pub sysctl_vm_only: Option<&'static [&'static str]>,
    pub sysctl_kernel: bool,
    pub ipc: bool,
    /// Every memory cgroup hierarchy, whole.
    pub cgroups: bool,
    /// `/etc/passwd`, for user names.
    pub users: bool,
    /// The memory blocks, the firmware's memory map and `/proc/iomem`.
    pub physical: bool,
    /// The tmpfs and devtmpfs mounts, measured.
    pub shmem_mounts: bool,
    /// `/proc/swaps`, the zram devices and zswap's parameters.
    pub swap: bool,
    /// Page cache by file (live only; `None`: not measured).
    pub page_cache: Option<crate::pagecache::CacheOptions>,
    /// Processes, and which of their files (`None`: no processes).
    pub processes: Option<ScanOptions>,
    /// The sample before, for a recorder that reads again only what changed (see
    /// [`memlens_model::Carried`]).
    pub earlier: Option<Earlier>,
}

/// What a recorder keeps of its sample before, to read less in the next.
#[derive(Debug, Clone)]
pub struct Earlier {
    processes: procs::Before,
    pagetypeinfo: Part<PageTypeInfo>,
    slabinfo: Part<Vec<SlabCache>>,
    sysctl_vm: Part<SysctlDir>,
    sysctl_kernel: Part<SysctlDir>,
    users: Part<UserNames>,
    physical: Part<Physical>,
    /// The `stat` files held open from sample to sample.
    stats: Arc<procs::StatFiles>,
    /// The number of the sample this is for (0 for a recorder's first) and how many
    /// turns there are.
    n: u64,
    every: u32,
}

impl Earlier {
    /// Keeps what the next sample may reuse of `s`, sample number `n` of a recorder
    /// that reads each process again every `every` samples (holding no files open).
    pub fn after(s: Snapshot, n: u64, every: u32) -> Earlier {
        Earlier::keeping(s, n, every, Arc::new(procs::StatFiles::new(0)))
    }

    /// The next sample's: keeps what it may reuse of `s`, the sample this was for, and
    /// goes on with the `stat` files held open (closing those `s` did not read).
    pub fn next(self, s: Snapshot) -> Earlier {
        Earlier::keeping(s, self.n, self.every, self.stats)
    }

    fn keeping(s: Snapshot, n: u64, every: u32, stats: Arc<procs::StatFiles>) -> Earlier {
        stats.keep_read_in(n);
        let every = every.max(1);
        let mut processes = match s.processes {
            Part::Read(scan) => scan.processes,
            _ => Vec::new(),
        };
        processes.sort_unstable_by_key(|p| p.pid);
        Earlier {
            processes: Arc::new(
                processes
                    .into_iter()
                    .map(|p| (p.pid, Mutex::new(Some(p))))
                    .collect(),
            ),
            pagetypeinfo: s.pagetypeinfo,
            slabinfo: s.slabinfo,
            sysctl_vm: s.sysctl_vm,
            sysctl_kernel: s.sysctl_kernel,
            users: s.users,
            physical: s.physical,
            stats,
            n: n + 1,
            every,
        }
    }

    /// For a recorder's first sample: nothing to keep, everything is read (turn 0), and
    /// the snapshot says how the ones after it are read. Up to `held` processes' `stat`
    /// files stay open from one sample to the next (see [`procs::StatFiles`]).
    pub fn first(every: u32, held: usize) -> Earlier {
        Earlier::starting(every, procs::StatFiles::new(held))
    }

    /// [`Earlier::first`] for a live view: a process whose `stat` has not changed is
    /// checked again only every few samples ([`procs::QUIET_GAPS`]) and in between kept
    /// as it was, marked [`memlens_model::ProcessSample::unchecked`].
    pub fn first_checking_quiet_less_often(every: u32, held: usize) -> Earlier {
        Earlier::starting(every, procs::StatFiles::checking_quiet_less_often(held))
    }

    fn starting(every: u32, stats: procs::StatFiles) -> Earlier {
        Earlier {
            processes: Arc::new(Vec::new()),
            pagetypeinfo: Part::NotRead,
            slabinfo: Part::NotRead,
            sysctl_vm: Part::NotRead,
            sysctl_kernel: Part::NotRead,
            users: Part::NotRead,
            physical: Part::NotRead,
            stats: Arc::new(stats),
            n: 0,
            every: every.max(1),
        }
    }

    /// The number of the sample this is for.
    pub fn n(&self) -> u64 {
        self.n
    }

    fn carried(&self) -> Carried {
        let every = u64::from(self.every);
        Carried {
            every: self.every,
            turn: (self.n % every) as u32,
            lap: ((self.n / every) % u64::from(procs::LAPS)) as u32,
        }
    }
}

impl Default for Plan {
    fn default() -> Self {
        Plan::NOTHING
    }
}

impl Plan {
    pub const NOTHING: Plan = Plan {
        uptime: false,
        meminfo: false,
        vmstat: false,
        pressure: false,
        zoneinfo: false,
        buddyinfo: false,
        pagetypeinfo: false,
        slabinfo: false,
        hugepages: false,
        thp: false,
        ksm: false,
        sysctl_vm: false,
        sysctl_vm_only: None,
        sysctl_kernel: false,
        ipc: false,
        cgroups: false,
        users: false,
        physical: false,
        shmem_mounts: false,
        swap: false,
        page_cache: None,
        processes: None,
        earlier: None,
    };

    /// The system summary (`sys`): meminfo and two `vm.*` sysctls, as cheap as `free`.
    pub const SYS: Plan = Plan {
        meminfo: true,
        sysctl_vm: true,
        sysctl_vm_only: Some(&["overcommit_memory", "min_free_kbytes"]),
        ..Plan::NOTHING
    };

    /// Rates (`vmstat`, `doctor`): the counters, meminfo, PSI and the time since boot.
    pub const RATES: Plan = Plan {
        uptime: true,
        vmstat: true,
        meminfo: true,
        pressure: true,
        ..Plan::NOTHING
    };

    /// What `top` reads at each refresh: what its screens show and the doctor needs, each
    /// process's `stat` (which tells a changed process) on one reader thread (the UI keeps
    /// the other core), `timeout` for one process.
    pub fn top(timeout: Duration) -> Plan {
        Plan {
            uptime: true,
            meminfo: true,
            vmstat: true,
            pressure: true,
            zoneinfo: true,
            buddyinfo: true,
            slabinfo: true,
            thp: true,
            ksm: true,
            sysctl_vm: true,
            sysctl_vm_only: None,
            cgroups: true,
            users: true,
            swap: true,
            processes: Some(ScanOptions {
                stat: true,
                cgroup: true,
                limits: true,
                timeout,
                threads: 1,
                ..Default::default()
            }),
            ..Plan::NOTHING
        }
    }

    /// Everything memlens's views read, processes with every per-process file they use
    /// but `smaps` (`stat` and `statm` are left out: no view needs them, and for 1,000
    /// processes they cost `record` and `capture --file` about 25 ms of system time).
    pub fn everything() -> Plan {
        Plan {
            uptime: true,
            meminfo: true,
            vmstat: true,
            pressure: true,
            zoneinfo: true,
            buddyinfo: true,
            pagetypeinfo: true,
            slabinfo: true,
            hugepages: true,
            thp: true,
            ksm: true,
            sysctl_vm: true,
            sysctl_vm_only: None,
            sysctl_kernel: true,
            ipc: true,
            cgroups: true,
            users: true,
            physical: true,
            shmem_mounts: true,
            swap: true,
            processes: Some(ScanOptions {
                rollup: true,
                cmdline: true,
                cgroup: true,
                oom: true,
                ksm_stat: true,
                limits: true,
                ..Default::default()
            }),
            page_cache: None,
            earlier: None,
        }
    }
}

impl From<&Error> for ReadFailure {
    fn from(e: &Error) -> Self {
        let kind = match e {
            Error::Missing(_) => FailureKind::Missing,
            Error::Denied(_) => FailureKind::Denied,
            Error::Vanished(_) => FailureKind::Vanished,
            Error::Io(..) => FailureKind::Io,
            Error::Parse { .. } => FailureKind::Parse,
            Error::NotARoot(_) => FailureKind::NotARoot,
            Error::NotRegular(_) => FailureKind::NotRegular,
            Error::TooLarge(..) => FailureKind::TooLarge,
            Error::Escapes(_) => FailureKind::Escapes,
            Error::InSnapshot(_) => FailureKind::NotCollected,
        };
        ReadFailure {
            kind,
            path: e.path().display().to_string(),
            message: e.to_string(),
        }
    }
}

fn part<T>(asked: bool, read: impl FnOnce() -> Result<T>) -> Part<T> {
    if !asked {
        return Part::NotRead;
    }
    match read() {
        Ok(v) => Part::Read(v),
        Err(e) => Part::Failed(ReadFailure::from(&e)),
    }
}

/// A part that walks much of the kernel's memory to answer (`pagetypeinfo`, `slabinfo`)
/// or is many files that seldom change (the sysctls, the user names): for a recorder,
/// read on turn 0 and kept from the sample before on the other turns.
fn on_turn<T: Clone>(
    plan: &Plan,
    asked: bool,
    kept: impl Fn(&Earlier) -> &Part<T>,
    read: impl FnOnce() -> Result<T>,
) -> Part<T> {
    match &plan.earlier {
        Some(e) if asked && e.carried().turn != 0 && kept(e).is_read() => kept(e).clone(),
        _ => part(asked, read),
    }
}

/// One line of a small text file under the root, trimmed; `None` when unreadable.
fn line(root: &Root, rel: &str) -> Option<String> {
    let (_, t) = root.read(rel).ok()?;
    let s = String::from_utf8_lossy(&t).trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn meta(root: &Root) -> Meta {
    let taken_at_ns = if root.is_live() {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| d.as_nanos() as u64)
    } else {
        root.capture_meta("captured_at")
            .and_then(|v| v.parse::<u64>().ok())
            .map(|s| s.saturating_mul(1_000_000_000))
    };
    Meta {
        format: memlens_model::snapshot::FORMAT,
        taken_at_ns,
        boot_id: line(root, "proc/sys/kernel/random/boot_id"),
        kernel: line(root, "proc/sys/kernel/osrelease"),
        hostname: line(root, "proc/sys/kernel/hostname"),
        page_size: root.page_size(),
        source: root.base().display().to_string(),
        carried: None,
    }
}

/// A sysctl directory as a snapshot part: every file, or only `names`.
fn sysctl_dir(root: &Root, rel: &str, names: Option<&[&str]>) -> Result<SysctlDir> {
    let (values, unreadable) = match names {
        Some(names) => sysctl::read_names(root, rel, names.iter().copied())?,
        None => sysctl::read_dir_all(root, rel)?,
    };
    Ok(SysctlDir { values, unreadable })
}

/// The `kernel.*` sysctls memlens reads: the SysV IPC limits.
pub const KERNEL_SYSCTLS: &[&str] = &[
    "msgmax",
    "msgmnb",
    "msgmni",
    "sem",
    "shm_next_id",
    "shm_rmid_forced",
    "shmall",
    "shmmax",
    "shmmni",
];

/// Reads what `plan` asks for under `root`. A snapshot file's root answers from the
/// snapshot it holds.
pub fn collect(root: &Root, plan: &Plan) -> Snapshot {
    if let Some(s) = root.snapshot() {
        return from_snapshot(s, plan);
    }
    Snapshot {
        meta: Meta {
            carried: plan.earlier.as_ref().map(Earlier::carried),
            ..meta(root)
        },
        uptime: part(plan.uptime, || {
            if root.is_live() {
                Ok(uptime::boottime_now())
            } else {
                uptime::read(root).map(|u| u.uptime)
            }
        }),
        meminfo: part(plan.meminfo, || meminfo::read(root)),
        vmstat: part(plan.vmstat, || vmstat::read(root)),
        pressure: part(plan.pressure, || pressure::read(root)),
        zoneinfo: part(plan.zoneinfo, || zoneinfo::read(root)),
        buddyinfo: part(plan.buddyinfo, || buddyinfo::read(root)),
        pagetypeinfo: on_turn(
            plan,
            plan.pagetypeinfo,
            |e| &e.pagetypeinfo,
            || pagetypeinfo::read(root),
        ),
        slabinfo: on_turn(
            plan,
            plan.slabinfo,
            |e| &e.slabinfo,
            || slabinfo::read(root),
        ),
        hugepages: part(plan.hugepages, || hugepages::read(root)),
        thp: part(plan.thp, || transparent_hugepage::read(root)),
        ksm: part(plan.ksm, || ksm::read(root)),
        sysctl_vm: on_turn(
            plan,
            plan.sysctl_vm,
            |e| &e.sysctl_vm,
            || sysctl_dir(root, "proc/sys/vm", plan.sysctl_vm_only),
        ),
        sysctl_kernel: on_turn(
            plan,
            plan.sysctl_kernel,
            |e| &e.sysctl_kernel,
            || sysctl_dir(root, "proc/sys/kernel", Some(KERNEL_SYSCTLS)),
        ),
        ipc: part(plan.ipc, || {
            Ok(Ipc {
                shm: sysvipc::read_shm(root)?,
                sem: sysvipc::read_sem(root)?,
                msg: sysvipc::read_msg(root)?,
                posix_shm: posix_shm::read(root)?,
            })
        }),
        cgroups: part(plan.cgroups, || {
            cgroupfs::hierarchies(root)
                .into_iter()
                .map(|h| {
                    Ok(CgroupTree {
                        version: h.version,
                        cgroups: cgroupfs::read_tree(root, &h)?,
                        dir: h.dir,
                    })
                })
                .collect()
        }),
        processes: match &plan.processes {
            None => Part::NotRead,
            Some(opts) => part(true, || match &plan.earlier {
                Some(e) => procs::scan(
                    root,
                    &ScanOptions {
                        carry: Some(Carry {
                            processes: e.processes.clone(),
                            at: e.carried(),
                            n: e.n,
                            stats: e.stats.clone(),
                        }),
                        ..opts.clone()
                    },
                ),
                None => procs::scan(root, opts),
            }),
        },
        // No passwd at all is no names; one that cannot be read is a failure to say.
        users: on_turn(
            plan,
            plan.users,
            |e| &e.users,
            || match root.read("etc/passwd") {
                Ok((_, text)) => Ok(passwd::parse(&text)),
                Err(Error::Missing(_)) => Ok(UserNames::default()),
                Err(e) => Err(e),
            },
        ),
        physical: on_turn(plan, plan.physical, |e| &e.physical, || physical(root)),
        shmem_mounts: part(plan.shmem_mounts, || mountinfo::read(root)),
        swap: part(plan.swap, || {
            Ok(SwapState {
                devices: swaps::read(root)?,
                zram: zram::read(root)?,
                zswap: zram::read_zswap(root)?,
            })
        }),
        page_cache: match &plan.page_cache {
            Some(opts) => part(true, || crate::pagecache::scan(root, opts)),
            None => Part::NotRead,
        },
    }
}

/// Installed RAM as the machine describes it; `/proc/iomem` is left out where it hides its
/// addresses (not root) or is missing.
fn physical(root: &Root) -> Result<Physical> {
    Ok(Physical {
        blocks: memory_blocks::read(root)?,
        firmware_map: firmware_memmap::read(root)?,
        iomem: match iomem::read(root) {
            Ok(r) => Some(r),
            Err(Error::Denied(_) | Error::Missing(_)) => None,
            Err(e) => return Err(e),
        },
    })
}

/// The parts of a stored snapshot that `plan` asks for (`NotRead` elsewhere, as a live
/// collection would leave them), processes narrowed to the plan's PIDs.
fn from_snapshot(s: &Snapshot, plan: &Plan) -> Snapshot {
    fn keep<T: Clone>(asked: bool, p: &Part<T>) -> Part<T> {
        if asked {
            p.clone()
        } else {
            Part::NotRead
        }
    }
    let processes = match (&plan.processes, &s.processes) {
        (None, _) => Part::NotRead,
        (Some(opts), Part::Read(scan)) => {
            let mut scan = scan.clone();
            if let Some(pids) = &opts.pids {
                // Counted as a scan of these PIDs alone would count them (a snapshot keeps
                // user processes only, so none of them is a kernel thread).
                scan.processes.retain(|p| pids.contains(&p.pid));
                scan.timed_out.retain(|p| pids.contains(p));
                scan.unusable.retain(|(p, _)| pids.contains(p));
                scan.kernel_threads = 0;
                scan.vanished = 0;
                scan.hidden = 0;
                scan.incomplete = 0;
            }
            for p in &mut scan.processes {
                narrow(p, opts);
            }
            Part::Read(scan)
        }
        (Some(_), p) => p.clone(),
    };
    Snapshot {
        meta: s.meta.clone(),
        uptime: keep(plan.uptime, &s.uptime),
        meminfo: keep(plan.meminfo, &s.meminfo),
        vmstat: keep(plan.vmstat, &s.vmstat),
        pressure: keep(plan.pressure, &s.pressure),
        zoneinfo: keep(plan.zoneinfo, &s.zoneinfo),
        buddyinfo: keep(plan.buddyinfo, &s.buddyinfo),
        pagetypeinfo: keep(plan.pagetypeinfo, &s.pagetypeinfo),
        slabinfo: keep(plan.slabinfo, &s.slabinfo),
        hugepages: keep(plan.hugepages, &s.hugepages),
        thp: keep(plan.thp, &s.thp),
        ksm: keep(plan.ksm, &s.ksm),
        sysctl_vm: keep(plan.sysctl_vm, &s.sysctl_vm),
        sysctl_kernel: keep(plan.sysctl_kernel, &s.sysctl_kernel),
        ipc: keep(plan.ipc, &s.ipc),
        cgroups: keep(plan.cgroups, &s.cgroups),
        processes,
        users: keep(plan.users, &s.users),
        physical: keep(plan.physical, &s.physical),
        shmem_mounts: keep(plan.shmem_mounts, &s.shmem_mounts),
        swap: keep(plan.swap, &s.swap),
        page_cache: Part::NotRead,
    }
}

/// Leaves of a stored process only what `opts` would have read (and the problems of
/// those files), so that a view shows what it shows on a live machine.
fn narrow(p: &mut memlens_model::ProcessSample, opts: &ScanOptions) {
    if !opts.rollup {
        p.rollup = None;
        p.rollup_from_smaps = false;
    }
    if !opts.cmdline {
        p.cmdline = None;
    }
    if !opts.cgroup {
        p.cgroup = None;
    }
    if !opts.oom {
        p.oom_score = None;
        p.oom_score_adj = None;
    }
    if !opts.stat {
        p.stat = None;
    }
    if !opts.statm {
        p.statm = None;
    }
    if !opts.ksm_stat {
        p.ksm_stat = None;
    }
    if !opts.limits {
        p.limits = None;
    }
    p.problems.retain(|f| match f.file.as_str() {
        "smaps_rollup" | "smaps" => opts.rollup,
        "cmdline" => opts.cmdline,
        "cgroup" => opts.cgroup,
        "oom_score" | "oom_score_adj" => opts.oom,
        "stat" => opts.stat,
        "statm" => opts.statm,
        "ksm_stat" => opts.ksm_stat,
        "limits" => opts.limits,
        _ => true,
    });
}
