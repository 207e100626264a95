//! Per-process snapshots: `/proc/PID/{status,statm,stat,cmdline,comm,oom_score,oom_score_adj,cgroup}`.

use serde::{Deserialize, Serialize};

use crate::smaps::SmapsCounters;

crate::kernel_counters! {
    /// The memory lines of `/proc/PID/status`, in bytes. Kernel threads have none.
    pub struct StatusCounters {
        vm_peak = "VmPeak",
        vm_size = "VmSize",
        vm_lck = "VmLck",
        vm_pin = "VmPin",
        vm_hwm = "VmHWM",
        vm_rss = "VmRSS",
        rss_anon = "RssAnon",
        rss_file = "RssFile",
        rss_shmem = "RssShmem",
        vm_data = "VmData",
        vm_stk = "VmStk",
        vm_exe = "VmExe",
        vm_lib = "VmLib",
        vm_pte = "VmPTE",
        vm_pmd = "VmPMD",
        vm_swap = "VmSwap",
        hugetlb_pages = "HugetlbPages",
    }
}

/// `/proc/PID/status`: identity lines plus memory counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// `Name:` (the comm, at most 15 bytes, escaped by the kernel).
    pub name: String,
    pub ppid: Option<u32>,
    /// Real UID (first field of `Uid:`).
    pub uid: Option<u32>,
    pub threads: Option<u32>,
    /// `Kthread:` (6.x kernels); older kernels are told apart by the absence of `VmSize`.
    pub kthread: Option<bool>,
    pub counters: StatusCounters,
}

impl Status {
    /// Kernel threads have no user address space.
    pub fn is_kernel_thread(&self) -> bool {
        self.kthread.unwrap_or(self.counters.vm_size.is_none())
    }
}

/// `/proc/PID/statm`, converted from pages to bytes with the page size it was read with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statm {
    pub size: u64,
    pub resident: u64,
    pub shared: u64,
    pub text: u64,
    pub data: u64,
}

/// The soft memory limits of a process, from `/proc/PID/limits` (`None`: no such line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryLimits {
    /// `RLIMIT_AS`: the most address space (VSZ) the process may have; `mmap` and `brk`
    /// fail beyond it.
    pub address_space: Option<crate::Limit>,
    /// `RLIMIT_DATA`: private writable mappings and the heap (Linux 4.7+ counts all).
    pub data: Option<crate::Limit>,
    pub stack: Option<crate::Limit>,
    /// `RLIMIT_MEMLOCK`: memory it may lock (`mlock`).
    pub locked: Option<crate::Limit>,
    /// `RLIMIT_RSS`: ignored by Linux since 2.6; shown, never enforced.
    pub resident_set: Option<crate::Limit>,
}

/// The memory-related fields of `/proc/PID/stat`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stat {
    pub comm: String,
    pub state: char,
    pub ppid: u32,
    pub minflt: u64,
    pub majflt: u64,
    pub utime: u64,
    pub stime: u64,
    pub num_threads: i64,
    /// Clock ticks after boot.
    pub starttime: u64,
    /// Bytes.
    pub vsize: u64,
    /// Pages.
    pub rss_pages: i64,
}

/// One line of `/proc/PID/cgroup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CgroupEntry {
    /// Hierarchy ID; 0 is the cgroup v2 unified hierarchy.
    pub hierarchy: u32,
    /// Controllers of a v1 hierarchy (`memory`, `cpu,cpuacct`, `name=systemd`); empty for v2.
    pub controllers: Vec<String>,
    pub path: String,
}

/// Which cgroup holds a process's memory: the v1 `memory` controller's path when the
/// machine mounts one, otherwise the v2 unified path.
pub fn memory_cgroup(entries: &[CgroupEntry]) -> Option<&str> {
    entries
        .iter()
        .find(|e| e.controllers.iter().any(|c| c == "memory"))
        .or_else(|| entries.iter().find(|e| e.hierarchy == 0))
        .map(|e| e.path.as_str())
}

/// Why part of a process could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    /// Permission denied (another user's process without root).
    Denied,
    /// The read did not finish within the scan's time bound (mmap lock held).
    TimedOut,
    /// Read, but not usable: garbled or truncated text, not a regular file, too large
    /// (in a capture tree that was damaged or edited). `detail` says which.
    Unusable,
}

/// A file of a process that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileProblem {
    pub file: String,
    pub problem: Problem,
    /// What was wrong, for [`Problem::Unusable`]: the error naming file and line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl FileProblem {
    /// A file this user may not read.
    pub fn denied(file: &str) -> Self {
        FileProblem {
            file: file.to_string(),
            problem: Problem::Denied,
            detail: None,
        }
    }
    /// A file read but not usable, with the error that says why.
    pub fn unusable(file: &str, why: &dyn std::fmt::Display) -> Self {
        FileProblem {
            file: file.to_string(),
            problem: Problem::Unusable,
            detail: Some(why.to_string()),
        }
    }
}

/// Everything memlens read of one process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessSample {
    pub pid: u32,
    pub status: Status,
    /// Arguments joined by spaces; `None` when empty (kernel threads, zombies) or unreadable.
    pub cmdline: Option<String>,
    /// `smaps_rollup`, or the sum of `smaps` on kernels before 4.14; `None` when unreadable.
    pub rollup: Option<SmapsCounters>,
    /// True when `rollup` was summed from `smaps` because `smaps_rollup` does not exist.
    pub rollup_from_smaps: bool,
    pub statm: Option<Statm>,
    pub stat: Option<Stat>,
    pub oom_score: Option<i64>,
    pub oom_score_adj: Option<i64>,
    pub cgroup: Option<Vec<CgroupEntry>>,
    /// `/proc/PID/ksm_stat` (Linux 6.1+); `None` when not read or missing.
    pub ksm_stat: Option<crate::KsmStat>,
    /// `/proc/PID/limits`, when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<MemoryLimits>,
    /// Every mapping, from `smaps`; `None` when not read (it is costly) or unreadable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mappings: Option<Vec<crate::Mapping>>,
    pub problems: Vec<FileProblem>,
    /// Kept from the sample before without reading its `stat` again: a quiet process
    /// between two checks (`memlens top`), its figures those of its last check.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unchecked: bool,
}

impl ProcessSample {
    /// The command as `ps -o args` shows it: the command line, or `[comm]` without one.
    pub fn command(&self) -> String {
        match &self.cmdline {
            Some(c) => c.clone(),
            None => format!("[{}]", self.status.name),
        }
    }
}

/// A scan of all processes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessScan {
    /// User processes (kernel threads are counted, not listed). Each is boxed where a
    /// scan's worker made it and moved here as it is, not copied (1.1 KB each); a box is
    /// serialized as what it holds, so the snapshot format is the same.
    pub processes: Vec<Box<ProcessSample>>,
    /// Processes that exited between listing `/proc` and reading them.
    pub vanished: u32,
    pub kernel_threads: u32,
    /// Processes whose `status` could not be read (hidden by `hidepid`), not listed.
    pub hidden: u32,
    /// PIDs whose reads did not finish within the scan's time bound; not listed.
    pub timed_out: Vec<u32>,
    /// Processes whose `status` was unusable (garbled, not a regular file...): not listed,
    /// each with the error.
    #[serde(default)]
    pub unusable: Vec<(u32, String)>,
    /// Process directories of a capture tree with no `status` file: the capture is
    /// incomplete (on a live machine such a process has exited and counts as vanished).
    #[serde(default)]
    pub incomplete: u32,
    /// PIDs asked for by number that are kernel threads, with their names (kernel threads
    /// met in a scan of all processes are only counted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kernel_thread_names: Vec<(u32, String)>,
}
