//! One snapshot of the machine: everything memlens read at one moment, what could not be
//! read and why, and when. Views are computed from snapshots (and an earlier one, for
//! rates); a snapshot serialises and deserialises losslessly, so that it can be stored,
//! shipped and replayed. Fields added later are optional (`#[serde(default)]`), so older
//! snapshots keep loading.

use serde::{Deserialize, Serialize};

use crate::cgroup::{CgroupVersion, MemCgroup};
use crate::meminfo::MemInfo;
use crate::process::ProcessScan;
use crate::system::*;

/// The version of this layout, written into every snapshot; a reader refuses a newer one.
pub const FORMAT: u32 = 1;

/// When and where a snapshot was taken.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// [`FORMAT`] of the writer.
    pub format: u32,
    /// Wall-clock time of the reading, nanoseconds since the Unix epoch (UTC); for a
    /// capture tree, the time it was captured (to the second) when it says.
    pub taken_at_ns: Option<u64>,
    /// `/proc/sys/kernel/random/boot_id`: tells two boots of one machine apart.
    pub boot_id: Option<String>,
    /// `/proc/sys/kernel/osrelease`.
    pub kernel: Option<String>,
    /// `/proc/sys/kernel/hostname`.
    pub hostname: Option<String>,
    pub page_size: u64,
    /// `/` for the live machine, else the capture it was read from.
    pub source: String,
    /// Set when a recorder re-read only what changed since its sample before: see
    /// [`Carried`]. `None`: everything in the snapshot was read for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried: Option<Carried>,
}

/// How a recorder (`memlens record`) read a sample cheaply. Every process's `stat` was
/// read. A process whose `stat` showed the same process with the same memory (start
/// time, comm, parent, threads, VSZ, RSS and fault counts) as in the sample before kept
/// that sample's figures, except on its turn (PID modulo `every` is `turn`): then its
/// `status`, `smaps_rollup` and `oom_score` were read again (PSS drifts as other
/// processes come and go), and on one turn in ten (`(PID / every) % 10 == lap`) all its
/// files. A process whose `stat` changed was read whole. So a figure of a process is at
/// most `every` samples old, its `cmdline`, `cgroup`, `oom_score_adj` and `ksm_stat` at
/// most 10 × `every`. `pagetypeinfo` and `slabinfo` (which walk every page block and
/// every slab cache's partial lists), the `vm.*` and `kernel.*` sysctls and the user
/// names are read on turn 0 and kept in between; meminfo's slab totals are read every
/// sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carried {
    pub every: u32,
    pub turn: u32,
    #[serde(default)]
    pub lap: u32,
}

/// Why a part of the machine could not be read; it keeps the kind, so a view can tell a
/// missing file from a denied one, and the message naming file and line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadFailure {
    pub kind: FailureKind,
    /// The file, as the reader saw it.
    pub path: String,
    /// The whole message, naming the file (and line).
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Missing,
    Denied,
    Vanished,
    Io,
    Parse,
    NotARoot,
    NotRegular,
    TooLarge,
    Escapes,
    /// The snapshot was taken without this part (its plan did not ask for it).
    NotCollected,
}

impl std::fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// One part of a snapshot: not asked for, read, or failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part<T> {
    /// The plan did not ask for it.
    #[default]
    NotRead,
    Read(T),
    Failed(ReadFailure),
}

impl<T> Part<T> {
    /// The value, `None` when it was not asked for or failed.
    pub fn ok(&self) -> Option<&T> {
        match self {
            Part::Read(v) => Some(v),
            _ => None,
        }
    }
    pub fn is_read(&self) -> bool {
        matches!(self, Part::Read(_))
    }
    /// The value, or why there is none (`name` names the part when it was not collected).
    pub fn get(&self, name: &str) -> Result<&T, ReadFailure> {
        match self {
            Part::Read(v) => Ok(v),
            Part::Failed(f) => Err(f.clone()),
            Part::NotRead => Err(ReadFailure {
                kind: FailureKind::NotCollected,
                path: String::new(),
                message: format!("{name}: not in this snapshot"),
            }),
        }
    }
    /// For a part a view can do without: the value, `None` when its file is missing (an
    /// older kernel) or denied (not root), the failure otherwise.
    pub fn optional(&self, name: &str) -> Result<Option<&T>, ReadFailure> {
        match self {
            Part::Failed(f) if matches!(f.kind, FailureKind::Missing | FailureKind::Denied) => {
                Ok(None)
            }
            _ => self.get(name).map(Some),
        }
    }
    /// For a part a view uses when it is there: like [`Part::optional`], and `None` too
    /// when the plan did not ask for it. A file that was read but is garbled is still an
    /// error: a view must not quietly fall back on a cruder figure.
    pub fn if_read(&self, name: &str) -> Result<Option<&T>, ReadFailure> {
        match self {
            Part::NotRead => Ok(None),
            _ => self.optional(name),
        }
    }
    /// The failure, if it failed.
    pub fn failure(&self) -> Option<&ReadFailure> {
        match self {
            Part::Failed(f) => Some(f),
            _ => None,
        }
    }
}

/// A sysctl directory: the values read, and the files that exist but could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SysctlDir {
    pub values: Sysctls,
    /// `(name, why)`.
    pub unreadable: Vec<(String, String)>,
}

/// One mounted memory cgroup hierarchy and its groups, depth first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CgroupTree {
    pub version: CgroupVersion,
    /// Relative to the root, e.g. `sys/fs/cgroup/memory`.
    pub dir: String,
    pub cgroups: Vec<MemCgroup>,
}

/// SysV and POSIX IPC; `None` in a part where the kernel (or capture) has no such file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ipc {
    pub shm: Option<Vec<ShmSegment>>,
    pub sem: Option<Vec<SemSet>>,
    pub msg: Option<Vec<MsgQueue>>,
    pub posix_shm: Option<Vec<PosixShmFile>>,
}

/// User names for UIDs (`/etc/passwd` of the root), sorted by UID.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserNames(pub Vec<(u32, String)>);

impl UserNames {
    /// The user name, or the UID as text when unknown.
    pub fn name(&self, uid: u32) -> String {
        match self.0.binary_search_by_key(&uid, |(u, _)| *u) {
            Ok(i) => self.0[i].1.clone(),
            Err(_) => uid.to_string(),
        }
    }
    /// The UID of a user name.
    pub fn uid(&self, name: &str) -> Option<u32> {
        self.0.iter().find(|(_, n)| n == name).map(|(u, _)| *u)
    }
}

/// The parts of a [`Snapshot`] that describe the system as a whole (no processes, cgroups
/// or caches): what a long history is read as when only its system series are drawn.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SystemParts {
    pub meta: Meta,
    pub uptime: Part<f64>,
    pub meminfo: Part<MemInfo>,
    pub vmstat: Part<VmStat>,
    pub pressure: Part<Option<Pressure>>,
    pub zoneinfo: Part<ZoneInfo>,
    pub buddyinfo: Part<Vec<BuddyZone>>,
    pub hugepages: Part<Vec<HugePool>>,
}

impl SystemParts {
    /// A snapshot of these parts, the others not read.
    pub fn into_snapshot(self) -> Snapshot {
        Snapshot {
            meta: self.meta,
            uptime: self.uptime,
            meminfo: self.meminfo,
            vmstat: self.vmstat,
            pressure: self.pressure,
            zoneinfo: self.zoneinfo,
            buddyinfo: self.buddyinfo,
            hugepages: self.hugepages,
            ..Snapshot::default()
        }
    }
}

/// Everything memlens read of the machine at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    pub meta: Meta,
    /// Seconds since boot: `CLOCK_BOOTTIME` live (the clock behind `/proc/uptime`),
    /// `/proc/uptime` of a capture.
    pub uptime: Part<f64>,
    pub meminfo: Part<MemInfo>,
    pub vmstat: Part<VmStat>,
    /// `/proc/pressure/memory`; `Read(None)` on kernels without PSI.
    pub pressure: Part<Option<Pressure>>,
    pub zoneinfo: Part<ZoneInfo>,
    pub buddyinfo: Part<Vec<BuddyZone>>,
    pub pagetypeinfo: Part<PageTypeInfo>,
    pub slabinfo: Part<Vec<SlabCache>>,
    pub hugepages: Part<Vec<HugePool>>,
    pub thp: Part<Thp>,
    pub ksm: Part<Ksm>,
    /// `/proc/sys/vm`.
    pub sysctl_vm: Part<SysctlDir>,
    /// `/proc/sys/kernel`: the `shm*`, `msg*` and `sem` entries.
    pub sysctl_kernel: Part<SysctlDir>,
    pub ipc: Part<Ipc>,
    pub cgroups: Part<Vec<CgroupTree>>,
    pub processes: Part<ProcessScan>,
    pub users: Part<UserNames>,
    /// Installed RAM: memory blocks, the firmware's map, `/proc/iomem`.
    pub physical: Part<Physical>,
    /// The tmpfs and devtmpfs mounts and the space their files use.
    pub shmem_mounts: Part<Vec<ShmemMount>>,
    /// Swap devices, zram and zswap.
    pub swap: Part<SwapState>,
    /// Page cache by file (live machines only: it asks the kernel about each file).
    pub page_cache: Part<PageCacheScan>,
}
