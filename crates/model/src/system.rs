//! System-wide files other than meminfo: vmstat, buddyinfo, zoneinfo, pagetypeinfo,
//! slabinfo, PSI, `/sys/kernel/mm/*` and `/proc/sys/vm/*`.

use serde::{Deserialize, Serialize};

/// A list of `name value` counters in the kernel's order (`/proc/vmstat`, zone stats).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedCounters(pub Vec<(String, u64)>);

impl NamedCounters {
    pub fn get(&self, name: &str) -> Option<u64> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
    /// Sum of every counter whose name starts with `prefix` (`pgscan_` ...); `None` if none.
    pub fn sum_prefix(&self, prefix: &str) -> Option<u64> {
        let mut found = false;
        let mut sum = 0u64;
        for (n, v) in &self.0 {
            if n.starts_with(prefix) {
                found = true;
                sum = sum.wrapping_add(*v);
            }
        }
        found.then_some(sum)
    }
}

/// `/proc/vmstat`: event and state counters since boot (pages or event counts).
pub type VmStat = NamedCounters;

/// One line of `/proc/buddyinfo`: free blocks of each order in a zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuddyZone {
    pub node: u32,
    pub zone: String,
    /// `free[k]` is the number of free blocks of 2^k pages.
    pub free: Vec<u64>,
}

/// One zone of `/proc/zoneinfo` (pages, as the kernel prints them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    pub node: u32,
    pub zone: String,
    pub free: Option<u64>,
    pub min: Option<u64>,
    pub low: Option<u64>,
    pub high: Option<u64>,
    pub spanned: Option<u64>,
    pub present: Option<u64>,
    pub managed: Option<u64>,
    /// `protection: (a, b, ...)`: lowmem reserve against each higher zone.
    pub protection: Vec<u64>,
    /// Every other `name value` line of the zone (`nr_free_pages`, `nr_zone_active_anon`...).
    pub stats: NamedCounters,
    /// Free pages on the zone's per-CPU lists (the `count:` of each CPU's pageset): free,
    /// yet not in `nr_free_pages` nor MemFree. `None` where no pageset says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pcp_count: Option<u64>,
}

/// `/proc/zoneinfo`: zones plus per-node stats (the `per-node stats` blocks).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneInfo {
    pub zones: Vec<Zone>,
    pub node_stats: Vec<(u32, NamedCounters)>,
}

/// Free blocks of one migrate type in one zone, per order (`/proc/pagetypeinfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageTypeFree {
    pub node: u32,
    pub zone: String,
    pub migrate_type: String,
    pub free: Vec<u64>,
}

/// Number of page blocks of each migrate type in one zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageTypeBlocks {
    pub node: u32,
    pub zone: String,
    /// `(migrate type, blocks)` in the kernel's column order.
    pub blocks: Vec<(String, u64)>,
}

/// `/proc/pagetypeinfo` (root only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageTypeInfo {
    pub page_block_order: Option<u32>,
    pub pages_per_block: Option<u64>,
    pub free: Vec<PageTypeFree>,
    pub blocks: Vec<PageTypeBlocks>,
}

/// One cache of `/proc/slabinfo` (version 2.x; root only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlabCache {
    pub name: String,
    pub active_objs: u64,
    pub num_objs: u64,
    pub objsize: u64,
    pub objperslab: u64,
    pub pagesperslab: u64,
    pub active_slabs: u64,
    pub num_slabs: u64,
}

/// A PSI line: `some avg10=0.00 avg60=0.00 avg300=0.00 total=0`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PsiLine {
    pub avg10: f64,
    pub avg60: f64,
    pub avg300: f64,
    /// Microseconds stalled since boot.
    pub total: u64,
}

/// `/proc/pressure/memory` (or a cgroup's `memory.pressure`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Pressure {
    pub some: Option<PsiLine>,
    pub full: Option<PsiLine>,
}

/// One hugetlb pool: `/sys/kernel/mm/hugepages/hugepages-<size>kB/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HugePool {
    /// Page size in bytes.
    pub page_size: u64,
    pub nr_hugepages: Option<u64>,
    pub free_hugepages: Option<u64>,
    pub resv_hugepages: Option<u64>,
    pub surplus_hugepages: Option<u64>,
    pub nr_overcommit_hugepages: Option<u64>,
}

/// A sysfs selector file such as `always [madvise] never`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub selected: String,
    pub options: Vec<String>,
}

/// `/sys/kernel/mm/transparent_hugepage/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thp {
    pub enabled: Option<Choice>,
    pub defrag: Option<Choice>,
    pub shmem_enabled: Option<Choice>,
    pub use_zero_page: Option<u64>,
    pub hpage_pmd_size: Option<u64>,
    /// `khugepaged/*` numeric files by name.
    pub khugepaged: Vec<(String, u64)>,
}

/// `/sys/kernel/mm/ksm/`: numeric files by name (`run`, `pages_shared`, `pages_sharing`...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ksm(pub Vec<(String, i64)>);

impl Ksm {
    pub fn get(&self, name: &str) -> Option<i64> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

/// `/proc/PID/ksm_stat`: numeric lines by name (`ksm_merging_pages` is a page count).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KsmStat(pub Vec<(String, i64)>);

impl KsmStat {
    pub fn get(&self, name: &str) -> Option<i64> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

/// `/proc/sys/vm/*` (and other sysctl directories): name and value text, trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sysctls(pub Vec<(String, String)>);

impl Sysctls {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn get_i64(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|v| v.trim().parse().ok())
    }
}

/// One SysV shared memory segment: a line of `/proc/sysvipc/shm`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShmSegment {
    /// The IPC key as the kernel prints it (signed; 0 is `IPC_PRIVATE`).
    pub key: i64,
    pub shmid: u64,
    /// `shm_perm.mode`: permission bits plus `SHM_DEST` (0o1000), `SHM_LOCKED` (0o2000).
    pub mode: u32,
    /// Bytes.
    pub size: u64,
    pub cpid: u32,
    pub lpid: u32,
    pub nattch: u64,
    pub uid: u32,
    pub gid: u32,
    pub cuid: u32,
    pub cgid: u32,
    pub atime: Option<u64>,
    pub dtime: Option<u64>,
    pub ctime: Option<u64>,
    /// Resident bytes (2.6.x+); `None` on kernels that do not print the column.
    pub rss: Option<u64>,
    /// Swapped-out bytes.
    pub swap: Option<u64>,
}

/// One SysV semaphore set: a line of `/proc/sysvipc/sem`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SemSet {
    pub key: i64,
    pub semid: u64,
    pub mode: u32,
    pub nsems: u64,
    pub uid: u32,
}

/// One SysV message queue: a line of `/proc/sysvipc/msg`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsgQueue {
    pub key: i64,
    pub msqid: u64,
    pub mode: u32,
    /// Bytes of messages queued.
    pub cbytes: u64,
    /// Messages queued.
    pub qnum: u64,
    pub uid: u32,
}

/// A POSIX shared memory object: a file under `/dev/shm` (tmpfs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosixShmFile {
    /// Path below `dev/shm` (`sem.NAME` for named semaphores).
    pub name: String,
    /// File size in bytes (`st_size`).
    pub size: u64,
    /// Bytes of tmpfs pages allocated (`st_blocks × 512`): RAM or swap actually used.
    pub allocated: u64,
    pub uid: u32,
    /// Permission bits.
    pub mode: u32,
}

/// The memory block devices of `/sys/devices/system/memory`: RAM the kernel knows of in
/// blocks of `block_size` bytes, online or not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryBlocks {
    /// `block_size_bytes` (hexadecimal in the file).
    pub block_size: u64,
    /// Blocks whose `state` is `online`.
    pub online: u64,
    /// Blocks whose `state` is `offline` (installed, not in use).
    pub offline: u64,
    /// Blocks in another state (`going-offline`) or whose state could not be read.
    pub other: u64,
}

/// A range of physical addresses (`end` inclusive, as the kernel prints it) and its name:
/// an entry of the firmware's memory map or of `/proc/iomem`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhysRange {
    pub start: u64,
    pub end: u64,
    /// `System RAM`, `Reserved`, `Kernel code`, `Crash kernel`...
    pub name: String,
    /// 0 for a top-level range of `/proc/iomem`, 1 for one nested in it.
    #[serde(default)]
    pub depth: u32,
}

impl PhysRange {
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start).saturating_add(1)
    }
    pub fn is_empty(&self) -> bool {
        self.end < self.start
    }
}

/// What the machine says of its physical RAM, before the kernel manages any of it. Each
/// is `None` where the file is missing (no memory hotplug, no firmware map) or, for
/// `/proc/iomem`, where its addresses are hidden (they read as zeros but for root).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Physical {
    pub blocks: Option<MemoryBlocks>,
    /// `/sys/firmware/memmap`: the map the firmware gave at boot (e820 on x86).
    pub firmware_map: Option<Vec<PhysRange>>,
    /// `/proc/iomem`: its top-level ranges, and the ranges nested in `System RAM`
    /// (`Kernel code`, `Kernel data`, `Crash kernel`...).
    pub iomem: Option<Vec<PhysRange>>,
}

/// A mounted tmpfs or devtmpfs (whose pages are meminfo `Shmem`), as `statfs` saw it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShmemMount {
    pub mount_point: String,
    /// `tmpfs` or `devtmpfs`.
    pub fstype: String,
    /// `major:minor` of the superblock: a file system mounted twice is counted once.
    pub device: String,
    /// The size limit in bytes; `None` when it has none (`size=0`), and then the space
    /// used is unknown too.
    pub size: Option<u64>,
    /// Bytes used by its files: pages in RAM and in swap alike.
    pub used: Option<u64>,
    /// Another mount at the same place hides it: it cannot be measured.
    #[serde(default)]
    pub hidden: bool,
}

/// One line of `/proc/swaps`: a swap device or file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwapDevice {
    /// The device or file (`/dev/zram0`, `/swapfile`), spaces unescaped.
    pub filename: String,
    /// `partition` or `file`.
    pub kind: String,
    /// Bytes.
    pub size: u64,
    /// Bytes.
    pub used: u64,
    /// Higher is used first; equal priorities take turns page by page (round-robin).
    pub priority: i64,
}

/// A zram device: `/sys/block/zramN/` (`disksize`, `comp_algorithm`, `mm_stat`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZramDevice {
    /// `zram0`.
    pub name: String,
    /// Bytes; 0 when the device is not set up.
    pub disksize: u64,
    /// The compressor selected in `comp_algorithm`.
    pub algorithm: Option<String>,
    /// `mm_stat`: bytes stored, before compression.
    pub orig_data_size: u64,
    /// `mm_stat`: bytes they compressed to.
    pub compr_data_size: u64,
    /// `mm_stat`: bytes of RAM the device takes (its zsmalloc pool, fragmentation included).
    pub mem_used_total: u64,
    /// `mm_stat`: the cap on `mem_used_total` (0: none).
    pub mem_limit: u64,
    /// `mm_stat`: the most `mem_used_total` has been.
    pub mem_used_max: u64,
    /// `mm_stat`: pages stored as one repeated word (zero pages), taking no pool memory.
    pub same_pages: u64,
    /// `mm_stat` (4.19+): pages stored uncompressed because they did not compress.
    pub huge_pages: Option<u64>,
}

/// Swap: the devices of `/proc/swaps`, the zram devices, and zswap's module parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwapState {
    pub devices: Vec<SwapDevice>,
    pub zram: Vec<ZramDevice>,
    /// `/sys/module/zswap/parameters/*` by name (`enabled`, `compressor`,
    /// `max_pool_percent`...); `None` without zswap.
    pub zswap: Option<Vec<(String, String)>>,
}

/// The page cache one file holds, in bytes: `cachestat(2)` (Linux 6.5+, which also
/// counts dirty and writeback pages), or `mincore(2)` on a mapping of it (resident
/// pages only: `None` for the rest).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileCache {
    pub path: String,
    pub size: u64,
    pub cached: u64,
    pub dirty: Option<u64>,
    pub writeback: Option<u64>,
    /// Pages of the file evicted lately enough that reading them again would count as a
    /// refault (the workingset shadow entries): a file read over and over through too
    /// little memory.
    pub recently_evicted: Option<u64>,
    /// Processes that map the file or hold it open (0 for files given by path).
    pub holders: u32,
}

/// Files that were not measured, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheSkipped {
    /// Directories not descended (on another file system), FIFOs, devices, sockets.
    pub not_regular: u64,
    pub denied: u64,
    /// Gone between being listed and being opened (a deleted file).
    pub vanished: u64,
    /// Other errors.
    pub failed: u64,
    /// Left unexamined when the time or file limit was reached.
    pub over_limit: u64,
}

/// The page cache of a set of files: those given, or those processes map or hold open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageCacheScan {
    /// `cachestat` or `mincore`.
    pub method: String,
    pub files: Vec<FileCache>,
    pub examined_files: u64,
    pub examined_bytes: u64,
    pub skipped: CacheSkipped,
    /// The time or file limit stopped the scan before every file was examined.
    pub stopped_early: bool,
    /// Processes whose maps could not be read (another user's, without root; or gone):
    /// their files are not in the list unless another process holds them too.
    pub unreadable_processes: u64,
}
