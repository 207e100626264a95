//! The catalogue of figures: every figure memlens shows, named once — its key (the JSON
//! and CSV key, the stem of a metric name), its column header, unit, kind (gauge, counter
//! or label), the kernel field it comes from, and a one-line meaning. Tables, JSON, sort
//! keys and `explain` take names and meanings from here; the history recorder and the
//! metrics endpoint will too.
//!
//! Covered so far, one [`Scope`] each: the system summary (`sys`), process rows (`ps`,
//! `oom` and the process lists of `huge`), rates (`vmstat`), mappings (`maps`), cgroups
//! (`cgroup`), zones (`zones`), slab caches (`slab`), free lists (`buddy`), hugetlb pools
//! (`huge`) and shared memory segments and files (`ipc`): every key their rows print.
//! Not yet: what views print besides their rows (totals, `zones`' free_gap, `maps`'
//! rollup_check, the THP and KSM state, IPC counts and limits), `tunables`, `doctor` and
//! the overview.

/// Which view a figure belongs to (keys are unique within a scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The system summary: `memlens sys`, the overview.
    System,
    /// One process: `memlens ps`, `oom`, `huge`, the overview.
    Process,
    /// One interval of `memlens vmstat` (counters shown as deltas and per-second rates).
    Rates,
    /// One mapping of a process (`memlens maps PID`), or mappings summed by kind or path
    /// (`maps --by`, and the totals row).
    Mapping,
    /// One memory cgroup (`memlens cgroup`), v1 or v2.
    Cgroup,
    /// One memory zone of one node (`memlens zones`), from zoneinfo.
    Zone,
    /// One slab cache (`memlens slab`), from slabinfo.
    Slab,
    /// The free lists of one zone (`memlens buddy`, from buddyinfo), and with `--types`
    /// of one zone and migrate type (from pagetypeinfo).
    Buddy,
    /// One hugetlb pool (`memlens huge`), from `/sys/kernel/mm/hugepages`.
    Huge,
    /// One SysV shared memory segment or one POSIX shared memory file (`memlens ipc`).
    Ipc,
    /// One part of RAM in `memlens where`'s tree (every level sums to its parent).
    Where,
    /// One swap device of `/proc/swaps`, or one zram device (`memlens swap`).
    Swap,
    /// One file's page cache (`memlens cache`), from `cachestat(2)` or `mincore(2)`.
    Cache,
    /// One shared memory object processes map (`memlens where --shmem`), from their smaps.
    Shmem,
    /// What only the live view (`memlens top`) shows: the header's bar and sparklines, and
    /// each process's growth over the session.
    Top,
    /// What only `memlens report` charts: the zones' watermarks summed, reclaim by who
    /// reclaimed, fragmentation over time.
    Report,
    /// Figures only the metrics (`memlens metrics`, `serve`) give: of the snapshot itself
    /// and the system counters no other view shows as a total.
    Metrics,
}

impl Scope {
    /// Every scope, in the order `explain` lists them.
    pub const ALL: &'static [Scope] = &[
        Scope::System,
        Scope::Process,
        Scope::Rates,
        Scope::Mapping,
        Scope::Cgroup,
        Scope::Zone,
        Scope::Slab,
        Scope::Buddy,
        Scope::Huge,
        Scope::Ipc,
        Scope::Where,
        Scope::Swap,
        Scope::Cache,
        Scope::Shmem,
        Scope::Top,
        Scope::Report,
        Scope::Metrics,
    ];

    /// The scope's name: `explain` calls its figures `NAME figure` and finds one by
    /// `NAME.KEY` (`explain vmstat.free`).
    pub fn name(self) -> &'static str {
        match self {
            Scope::System => "sys",
            Scope::Process => "process",
            Scope::Rates => "vmstat",
            Scope::Mapping => "mapping",
            Scope::Cgroup => "cgroup",
            Scope::Zone => "zone",
            Scope::Slab => "slab",
            Scope::Buddy => "buddy",
            Scope::Huge => "huge",
            Scope::Ipc => "ipc",
            Scope::Where => "where",
            Scope::Swap => "swap",
            Scope::Cache => "cache",
            Scope::Shmem => "shmem",
            Scope::Top => "top",
            Scope::Report => "report",
            Scope::Metrics => "metrics",
        }
    }

    /// Whether the glossary entry a key of this scope finds (`explain KEY`) explains the
    /// figure itself, so that `explain` lists the entry and not the figure: the system,
    /// process and vmstat keys are named after their meminfo field, concept or counter
    /// (`free` is MemFree, `pss` PSS, `pgfault` the counter). The other scopes' keys
    /// have namesakes about something else (a zone's `free` is not MemFree, a cgroup's
    /// `high` is no watermark).
    pub fn keys_named_as_in_glossary(self) -> bool {
        matches!(self, Scope::System | Scope::Process | Scope::Rates)
    }

    /// The scope of a name, as [`Scope::name`] gives it.
    pub fn named(name: &str) -> Option<Scope> {
        Scope::ALL
            .iter()
            .copied()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    /// Events or pages counted by the kernel, shown per second.
    PerSecond,
    /// A rate of growth of a size.
    BytesPerSecond,
    /// Events, shown as a count.
    Count,
    Percent,
    /// A share from 0 to 1.
    Fraction,
    Seconds,
    /// An identifier (PID, UID).
    Id,
    Text,
    /// true or false.
    Flag,
    /// A mode number with a name.
    Mode,
    /// A number written in hexadecimal (addresses, file offsets).
    Hex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A level that goes up and down.
    Gauge,
    /// A count that only grows (since boot).
    Counter,
    /// Not a measurement: an identifier or a name.
    Label,
}

impl Unit {
    /// The unit as text (`bytes`, `per second`...).
    pub fn name(self) -> &'static str {
        match self {
            Unit::Bytes => "bytes",
            Unit::PerSecond => "per second",
            Unit::BytesPerSecond => "bytes per second",
            Unit::Count => "count",
            Unit::Percent => "percent",
            Unit::Fraction => "fraction (0 to 1)",
            Unit::Seconds => "seconds",
            Unit::Id => "identifier",
            Unit::Text => "text",
            Unit::Flag => "true or false",
            Unit::Mode => "mode",
            Unit::Hex => "hexadecimal",
        }
    }
}

impl Kind {
    /// `gauge`, `counter` or `label`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
            Kind::Label => "label",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub scope: Scope,
    pub key: &'static str,
    /// The table header (empty where the figure has no column).
    pub header: &'static str,
    pub unit: Unit,
    pub kind: Kind,
    /// Where it comes from: the kernel file and field, or how it is derived.
    pub source: &'static str,
    pub meaning: &'static str,
}

/// The meanings the glossary shares: its meminfo `HugePages_*` entries are these figures
/// of the default-size pool. Macros, so that the glossary can add to them in constants
/// (`concat!`) and each is written once.
#[macro_export]
macro_rules! shared_meaning {
    (huge_total_pages) => {
        "Pages in the pool (a count, not kB): persistent plus surplus"
    };
    (huge_free_pages) => {
        "Pages of the pool not yet faulted in (a count), reserved ones included"
    };
    (huge_reserved_pages) => {
        "Pages of the pool promised to mappings but not yet faulted in (a count): free now, but taken"
    };
    (huge_surplus_pages) => {
        "Pages above the persistent pool, allocated thanks to nr_overcommit_hugepages (a count)"
    };
}

#[rustfmt::skip]
pub static FIGURES: &[Figure] = &[
    Figure { scope: Scope::System, key: "total", header: "total", unit: Unit::Bytes, kind: Kind::Gauge, source: "MemTotal", meaning: "MemTotal: RAM the kernel manages (physical RAM minus firmware and kernel image reservations)" },
    Figure { scope: Scope::System, key: "used", header: "used", unit: Unit::Bytes, kind: Kind::Gauge, source: "MemTotal - MemAvailable", meaning: "total - available: what procps 4 `free` calls used; memory that cannot be had without swapping or killing" },
    Figure { scope: Scope::System, key: "used_legacy", header: "used (legacy)", unit: Unit::Bytes, kind: Kind::Gauge, source: "MemTotal - MemFree - Buffers - Cached - SReclaimable", meaning: "total - free - buffers - cached - SReclaimable: the older `used` of procps < 4.0.1, htop and sar" },
    Figure { scope: Scope::System, key: "free", header: "free", unit: Unit::Bytes, kind: Kind::Gauge, source: "MemFree", meaning: "MemFree: pages holding nothing at all; low free is normal, caches fill it" },
    Figure { scope: Scope::System, key: "available", header: "available", unit: Unit::Bytes, kind: Kind::Gauge, source: "MemAvailable", meaning: "MemAvailable: kernel estimate of memory startable programs can get without swapping (free + reclaimable cache and slab, minus watermarks)" },
    Figure { scope: Scope::System, key: "buffers", header: "buffers", unit: Unit::Bytes, kind: Kind::Gauge, source: "Buffers", meaning: "Buffers: page cache of block devices (filesystem metadata)" },
    Figure { scope: Scope::System, key: "cached", header: "cached", unit: Unit::Bytes, kind: Kind::Gauge, source: "Cached", meaning: "Cached: page cache of files, including tmpfs/shmem, excluding swap cache; without SReclaimable, unlike free's cache column" },
    Figure { scope: Scope::System, key: "buff_cache", header: "buff/cache", unit: Unit::Bytes, kind: Kind::Gauge, source: "Buffers + Cached + SReclaimable", meaning: "Buffers + Cached + SReclaimable, `free`'s buff/cache column" },
    Figure { scope: Scope::System, key: "shared", header: "shared (shmem)", unit: Unit::Bytes, kind: Kind::Gauge, source: "Shmem", meaning: "Shmem: tmpfs files, shared anonymous and SysV/POSIX shared memory; counted in cached but not reclaimable without swap" },
    Figure { scope: Scope::System, key: "anon", header: "anon", unit: Unit::Bytes, kind: Kind::Gauge, source: "AnonPages", meaning: "AnonPages: anonymous memory mapped by processes (heap, stacks, private writes)" },
    Figure { scope: Scope::System, key: "anon_active", header: "anon LRU active", unit: Unit::Bytes, kind: Kind::Gauge, source: "Active(anon)", meaning: "Active(anon): anonymous and shmem pages recently used (shmem lives on the anon LRU, so this is not a part of anon alone)" },
    Figure { scope: Scope::System, key: "anon_inactive", header: "anon LRU inactive", unit: Unit::Bytes, kind: Kind::Gauge, source: "Inactive(anon)", meaning: "Inactive(anon): anonymous and shmem pages that are candidates for swap-out" },
    Figure { scope: Scope::System, key: "file_active", header: "file LRU active", unit: Unit::Bytes, kind: Kind::Gauge, source: "Active(file)", meaning: "Active(file): page cache recently used" },
    Figure { scope: Scope::System, key: "file_inactive", header: "file LRU inactive", unit: Unit::Bytes, kind: Kind::Gauge, source: "Inactive(file)", meaning: "Inactive(file): page cache first in line for reclaim" },
    Figure { scope: Scope::System, key: "unevictable", header: "unevictable", unit: Unit::Bytes, kind: Kind::Gauge, source: "Unevictable", meaning: "Unevictable: pages that cannot be reclaimed (mlocked, ramfs)" },
    Figure { scope: Scope::System, key: "dirty", header: "dirty", unit: Unit::Bytes, kind: Kind::Gauge, source: "Dirty", meaning: "Dirty: file pages modified and waiting to be written back" },
    Figure { scope: Scope::System, key: "writeback", header: "writeback", unit: Unit::Bytes, kind: Kind::Gauge, source: "Writeback", meaning: "Writeback: file pages being written back now" },
    Figure { scope: Scope::System, key: "slab", header: "slab", unit: Unit::Bytes, kind: Kind::Gauge, source: "Slab", meaning: "Slab: kernel object caches (dentries, inodes, buffers...)" },
    Figure { scope: Scope::System, key: "slab_reclaimable", header: "  slab reclaimable", unit: Unit::Bytes, kind: Kind::Gauge, source: "SReclaimable", meaning: "SReclaimable: slab the kernel can free under pressure (dentry and inode caches)" },
    Figure { scope: Scope::System, key: "slab_unreclaimable", header: "  slab unreclaimable", unit: Unit::Bytes, kind: Kind::Gauge, source: "SUnreclaim", meaning: "SUnreclaim: slab in use by the kernel; growth here can be a kernel leak" },
    Figure { scope: Scope::System, key: "kernel_stack", header: "kernel stack", unit: Unit::Bytes, kind: Kind::Gauge, source: "KernelStack", meaning: "KernelStack: one kernel stack per thread" },
    Figure { scope: Scope::System, key: "page_tables", header: "page tables", unit: Unit::Bytes, kind: Kind::Gauge, source: "PageTables", meaning: "PageTables: memory mapping virtual to physical addresses; grows with RSS and process count" },
    Figure { scope: Scope::System, key: "vmalloc_used", header: "vmalloc used", unit: Unit::Bytes, kind: Kind::Gauge, source: "VmallocUsed", meaning: "VmallocUsed: kernel virtually contiguous allocations" },
    Figure { scope: Scope::System, key: "percpu", header: "percpu", unit: Unit::Bytes, kind: Kind::Gauge, source: "Percpu", meaning: "Percpu: per-CPU kernel allocations" },
    Figure { scope: Scope::System, key: "hugetlb", header: "hugetlb", unit: Unit::Bytes, kind: Kind::Gauge, source: "Hugetlb", meaning: "Hugetlb: memory reserved for hugetlbfs pools, used or not; not available to anything else" },
    Figure { scope: Scope::System, key: "anon_huge_pages", header: "anon huge pages", unit: Unit::Bytes, kind: Kind::Gauge, source: "AnonHugePages", meaning: "AnonHugePages: anonymous memory backed by transparent huge pages (part of anon)" },
    Figure { scope: Scope::System, key: "swap_total", header: "swap total", unit: Unit::Bytes, kind: Kind::Gauge, source: "SwapTotal", meaning: "SwapTotal: swap space configured" },
    Figure { scope: Scope::System, key: "swap_used", header: "swap used", unit: Unit::Bytes, kind: Kind::Gauge, source: "SwapTotal - SwapFree", meaning: "SwapTotal - SwapFree: pages living in swap" },
    Figure { scope: Scope::System, key: "swap_free", header: "swap free", unit: Unit::Bytes, kind: Kind::Gauge, source: "SwapFree", meaning: "SwapFree: unused swap space" },
    Figure { scope: Scope::System, key: "swap_cached", header: "swap cached", unit: Unit::Bytes, kind: Kind::Gauge, source: "SwapCached", meaning: "SwapCached: pages both in RAM and in swap (swapped back in, not yet changed)" },
    Figure { scope: Scope::System, key: "commit_limit", header: "commit limit", unit: Unit::Bytes, kind: Kind::Gauge, source: "CommitLimit", meaning: "CommitLimit: swap + RAM x overcommit_ratio% (or overcommit_kbytes); enforced only with vm.overcommit_memory=2" },
    Figure { scope: Scope::System, key: "committed_as", header: "committed (Committed_AS)", unit: Unit::Bytes, kind: Kind::Gauge, source: "Committed_AS", meaning: "Committed_AS: memory promised to processes (allocated, not necessarily touched); the worst case if all of it were used" },
    Figure { scope: Scope::System, key: "mlocked", header: "mlocked", unit: Unit::Bytes, kind: Kind::Gauge, source: "Mlocked", meaning: "Mlocked: pages locked in memory by mlock(); part of unevictable" },
    Figure { scope: Scope::System, key: "page_cache", header: "page cache", unit: Unit::Bytes, kind: Kind::Gauge, source: "Active(file) + Inactive(file) + Shmem", meaning: "Page cache as the overview shows it: the file LRU plus shmem" },
    Figure { scope: Scope::System, key: "kernel_stack_page_tables", header: "kernel stack+page tables", unit: Unit::Bytes, kind: Kind::Gauge, source: "KernelStack + PageTables", meaning: "Kernel stacks and page tables, the memory the kernel spends on threads and mappings" },
    Figure { scope: Scope::System, key: "available_estimated", header: "available estimated", unit: Unit::Flag, kind: Kind::Label, source: "MemAvailable absent", meaning: "True when the kernel has no MemAvailable (before 3.14) and available is estimated as procps does" },
    Figure { scope: Scope::System, key: "overcommit_memory", header: "overcommit mode", unit: Unit::Mode, kind: Kind::Label, source: "vm.overcommit_memory", meaning: "The overcommit policy: 0 heuristic, 1 always, 2 never (strict accounting)" },
    Figure { scope: Scope::System, key: "cache_identity", header: "identity", unit: Unit::Bytes, kind: Kind::Gauge, source: "Buffers + Cached + SwapCached vs Active(file) + Inactive(file) + Shmem + SwapCached", meaning: "How far the page-cache identity is from holding; the difference is mostly unevictable file pages" },
    Figure { scope: Scope::Process, key: "pid", header: "PID", unit: Unit::Id, kind: Kind::Label, source: "/proc/PID", meaning: "The process ID" },
    Figure { scope: Scope::Process, key: "ppid", header: "PPID", unit: Unit::Id, kind: Kind::Label, source: "status PPid", meaning: "The parent process ID" },
    Figure { scope: Scope::Process, key: "uid", header: "UID", unit: Unit::Id, kind: Kind::Label, source: "status Uid (real)", meaning: "The real user ID" },
    Figure { scope: Scope::Process, key: "user", header: "USER", unit: Unit::Text, kind: Kind::Label, source: "/etc/passwd of the UID", meaning: "The user name of the real UID (the UID when unknown)" },
    Figure { scope: Scope::Process, key: "comm", header: "COMM", unit: Unit::Text, kind: Kind::Label, source: "status Name", meaning: "The command name, at most 15 bytes" },
    Figure { scope: Scope::Process, key: "command", header: "COMMAND", unit: Unit::Text, kind: Kind::Label, source: "cmdline", meaning: "The command line (the comm in brackets without one)" },
    Figure { scope: Scope::Process, key: "vsz", header: "VSZ", unit: Unit::Bytes, kind: Kind::Gauge, source: "status VmSize", meaning: "Virtual size: all mapped address space, touched or not" },
    Figure { scope: Scope::Process, key: "rss", header: "RSS", unit: Unit::Bytes, kind: Kind::Gauge, source: "status VmRSS", meaning: "Resident set: pages in RAM mapped by the process, shared ones counted whole" },
    Figure { scope: Scope::Process, key: "pss", header: "PSS", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps_rollup Pss", meaning: "Proportional set: each resident page divided by the number of processes mapping it; PSS adds up across processes" },
    Figure { scope: Scope::Process, key: "uss", header: "USS", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps_rollup Private_Clean + Private_Dirty + Private_Hugetlb", meaning: "Unique set: pages only this process maps, what exiting would free" },
    Figure { scope: Scope::Process, key: "swap", header: "SWAP", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps_rollup Swap (status VmSwap)", meaning: "Pages of the process in swap" },
    Figure { scope: Scope::Process, key: "swap_pss", header: "SWAPPSS", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps_rollup SwapPss", meaning: "Swap shared with other processes divided among them, as PSS is" },
    Figure { scope: Scope::Process, key: "anon", header: "ANON", unit: Unit::Bytes, kind: Kind::Gauge, source: "status RssAnon", meaning: "Resident anonymous memory (heap, stacks, private writes)" },
    Figure { scope: Scope::Process, key: "file", header: "FILE", unit: Unit::Bytes, kind: Kind::Gauge, source: "status RssFile", meaning: "Resident file-backed memory (code, libraries, mapped files)" },
    Figure { scope: Scope::Process, key: "shmem", header: "SHMEM", unit: Unit::Bytes, kind: Kind::Gauge, source: "status RssShmem", meaning: "Resident shared memory (SysV, POSIX, shared anonymous, tmpfs mappings)" },
    Figure { scope: Scope::Process, key: "pss_anon", header: "PSS_ANON", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps_rollup Pss_Anon", meaning: "The anonymous part of PSS" },
    Figure { scope: Scope::Process, key: "pss_file", header: "PSS_FILE", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps_rollup Pss_File", meaning: "The file-backed part of PSS" },
    Figure { scope: Scope::Process, key: "pss_shmem", header: "PSS_SHMEM", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps_rollup Pss_Shmem", meaning: "The shared-memory part of PSS" },
    Figure { scope: Scope::Process, key: "locked", header: "LOCKED", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps_rollup Locked", meaning: "Pages locked in RAM by mlock()" },
    Figure { scope: Scope::Process, key: "anon_huge_pages", header: "ANONHUGE", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps_rollup AnonHugePages", meaning: "Anonymous memory backed by transparent huge pages" },
    Figure { scope: Scope::Process, key: "page_tables", header: "PTE", unit: Unit::Bytes, kind: Kind::Gauge, source: "status VmPTE", meaning: "Page tables of the process, part of what the OOM killer counts" },
    Figure { scope: Scope::Process, key: "cgroup", header: "CGROUP", unit: Unit::Text, kind: Kind::Label, source: "/proc/PID/cgroup (the memory controller's path)", meaning: "The memory cgroup of the process: the v1 memory controller's path on v1 and hybrid machines, else the v2 path" },
    Figure { scope: Scope::Process, key: "minflt", header: "MINFLT", unit: Unit::Count, kind: Kind::Counter, source: "/proc/PID/stat minflt", meaning: "Minor page faults since the process started: a page mapped without reading it (first touch of anonymous memory, copy-on-write, file pages already in the page cache)" },
    Figure { scope: Scope::Process, key: "majflt", header: "MAJFLT", unit: Unit::Count, kind: Kind::Counter, source: "/proc/PID/stat majflt", meaning: "Major page faults since the process started: each waited for a page to be read from disk or swap; many and rising is a process short of memory or thrashing" },
    Figure { scope: Scope::Process, key: "minflt_rate", header: "MINFLT/s", unit: Unit::PerSecond, kind: Kind::Gauge, source: "/proc/PID/stat minflt, two snapshots", meaning: "Minor page faults per second between two snapshots (ps --interval, --at, two --root; watch): a process touching new memory or re-mapping cached pages" },
    Figure { scope: Scope::Process, key: "majflt_rate", header: "MAJFLT/s", unit: Unit::PerSecond, kind: Kind::Gauge, source: "/proc/PID/stat majflt, two snapshots", meaning: "Major page faults per second between two snapshots: reads from disk or swap the process waited for; steadily above zero is a process whose working set does not fit" },
    Figure { scope: Scope::Process, key: "limit_as", header: "AS LIMIT", unit: Unit::Bytes, kind: Kind::Gauge, source: "/proc/PID/limits Max address space (RLIMIT_AS)", meaning: "The most address space (VSZ) the process may have: mmap, brk and stack growth fail with ENOMEM beyond it (null: unlimited)" },
    Figure { scope: Scope::Process, key: "limit_as_used", header: "AS%", unit: Unit::Fraction, kind: Kind::Gauge, source: "VmSize / RLIMIT_AS", meaning: "How much of its address-space limit the process has mapped, 0 to 1: near 1 its next mapping fails" },
    Figure { scope: Scope::Process, key: "limit_data", header: "DATA LIMIT", unit: Unit::Bytes, kind: Kind::Gauge, source: "/proc/PID/limits Max data size (RLIMIT_DATA)", meaning: "The most private writable memory (heap and private writable mappings, Linux 4.7+) the process may have (null: unlimited)" },
    Figure { scope: Scope::Process, key: "limit_data_used", header: "DATA%", unit: Unit::Fraction, kind: Kind::Gauge, source: "VmData / RLIMIT_DATA", meaning: "How much of its data limit the process uses, 0 to 1" },
    Figure { scope: Scope::Process, key: "limit_stack", header: "STACK LIMIT", unit: Unit::Bytes, kind: Kind::Gauge, source: "/proc/PID/limits Max stack size (RLIMIT_STACK)", meaning: "The most the main thread's stack may grow (ulimit -s); also where mmap places its base (null: unlimited)" },
    Figure { scope: Scope::Process, key: "limit_memlock", header: "MEMLOCK LIMIT", unit: Unit::Bytes, kind: Kind::Gauge, source: "/proc/PID/limits Max locked memory (RLIMIT_MEMLOCK)", meaning: "The most memory the process may lock with mlock (and pin for io_uring, RDMA, eBPF maps on old kernels) (null: unlimited)" },
    Figure { scope: Scope::Process, key: "limit_memlock_used", header: "LCK%", unit: Unit::Fraction, kind: Kind::Gauge, source: "VmLck / RLIMIT_MEMLOCK", meaning: "How much of its locked-memory limit the process has locked, 0 to 1" },
    Figure { scope: Scope::Process, key: "oom_score", header: "OOM_SCORE", unit: Unit::Count, kind: Kind::Gauge, source: "/proc/PID/oom_score", meaning: "The OOM killer's badness scaled to 0..2000 (about 666 for an idle process with oom_score_adj 0)" },
    Figure { scope: Scope::Process, key: "oom_score_adj", header: "OOM_SCORE_ADJ", unit: Unit::Count, kind: Kind::Gauge, source: "/proc/PID/oom_score_adj", meaning: "The adjustment of the OOM badness, -1000 (never killed) to +1000 (killed first)" },
    Figure { scope: Scope::Process, key: "badness", header: "", unit: Unit::Count, kind: Kind::Gauge, source: "(VmRSS + VmSwap + VmPTE) / page size + oom_score_adj × (RAM + swap pages) / 1000", meaning: "The OOM killer's unrounded badness in pages (oom_badness()); it orders processes of equal oom_score" },
    Figure { scope: Scope::Process, key: "killable", header: "", unit: Unit::Flag, kind: Kind::Label, source: "PID 1 or oom_score_adj -1000", meaning: "False for init and for oom_score_adj -1000, which the OOM killer never picks" },
    Figure { scope: Scope::Process, key: "unreadable", header: "UNREADABLE", unit: Unit::Text, kind: Kind::Label, source: "files that could not be read", meaning: "The files of the process that could not be read, and why" },
    Figure { scope: Scope::Process, key: "hugetlb_pages", header: "HUGETLB", unit: Unit::Bytes, kind: Kind::Gauge, source: "status HugetlbPages", meaning: "Hugetlb memory the process maps (not in RSS)" },
    Figure { scope: Scope::Process, key: "private_hugetlb", header: "PRIVATE", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps_rollup Private_Hugetlb", meaning: "Hugetlb pages only this process maps (not in RSS or PSS)" },
    Figure { scope: Scope::Process, key: "shared_hugetlb", header: "SHARED", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps_rollup Shared_Hugetlb", meaning: "Hugetlb pages other processes map too (not in RSS or PSS)" },
    Figure { scope: Scope::Process, key: "ksm_merging_pages", header: "MERGED PAGES", unit: Unit::Count, kind: Kind::Gauge, source: "ksm_stat ksm_merging_pages", meaning: "Pages of the process merged by KSM (a count)" },
    Figure { scope: Scope::Process, key: "ksm_merging", header: "MERGED", unit: Unit::Bytes, kind: Kind::Gauge, source: "ksm_stat ksm_merging_pages × page size", meaning: "Memory of the process merged by KSM" },
    Figure { scope: Scope::Process, key: "ksm_process_profit", header: "PROFIT", unit: Unit::Bytes, kind: Kind::Gauge, source: "ksm_stat ksm_process_profit", meaning: "What KSM saves the process less what its metadata costs (negative when the metadata outweighs the savings)" },
    Figure { scope: Scope::Rates, key: "since_boot", header: "", unit: Unit::Flag, kind: Kind::Label, source: "", meaning: "True for the first row: counters since boot over the uptime" },
    Figure { scope: Scope::Rates, key: "seconds", header: "", unit: Unit::Seconds, kind: Kind::Gauge, source: "uptime (CLOCK_BOOTTIME)", meaning: "The length of the interval (the uptime for the since-boot row)" },
    Figure { scope: Scope::Rates, key: "free", header: "free", unit: Unit::Bytes, kind: Kind::Gauge, source: "MemFree", meaning: "MemFree at the end of the interval" },
    Figure { scope: Scope::Rates, key: "available", header: "avail", unit: Unit::Bytes, kind: Kind::Gauge, source: "MemAvailable", meaning: "MemAvailable at the end of the interval" },
    Figure { scope: Scope::Rates, key: "anon", header: "anon", unit: Unit::Bytes, kind: Kind::Gauge, source: "AnonPages", meaning: "AnonPages at the end of the interval" },
    Figure { scope: Scope::Rates, key: "file", header: "file", unit: Unit::Bytes, kind: Kind::Gauge, source: "Active(file) + Inactive(file)", meaning: "The file LRU at the end of the interval" },
    Figure { scope: Scope::Rates, key: "swap_used", header: "swpused", unit: Unit::Bytes, kind: Kind::Gauge, source: "SwapTotal - SwapFree", meaning: "Swap in use at the end of the interval" },
    Figure { scope: Scope::Rates, key: "pgfault", header: "fault/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgfault", meaning: "Page faults, minor and major" },
    Figure { scope: Scope::Rates, key: "pgmajfault", header: "majflt/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgmajfault", meaning: "Major page faults: a read from disk or swap" },
    Figure { scope: Scope::Rates, key: "pswpin", header: "pswpin/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pswpin", meaning: "Pages swapped in" },
    Figure { scope: Scope::Rates, key: "pswpout", header: "pswpout/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pswpout", meaning: "Pages swapped out" },
    Figure { scope: Scope::Rates, key: "pgpgin", header: "pgpgin/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgpgin", meaning: "KiB read from block devices" },
    Figure { scope: Scope::Rates, key: "pgpgout", header: "pgpgout/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgpgout", meaning: "KiB written to block devices" },
    Figure { scope: Scope::Rates, key: "pgscan", header: "pgscan/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgscan_anon + pgscan_file", meaning: "Pages scanned for reclaim by anyone, memory cgroups included" },
    Figure { scope: Scope::Rates, key: "pgscan_kswapd", header: "pgscank/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgscan_kswapd*", meaning: "Pages scanned by kswapd (global reclaim)" },
    Figure { scope: Scope::Rates, key: "pgscan_direct", header: "pgscand/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgscan_direct*", meaning: "Pages scanned by direct reclaim (global reclaim)" },
    Figure { scope: Scope::Rates, key: "pgscan_khugepaged", header: "", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgscan_khugepaged", meaning: "Pages scanned by khugepaged (global reclaim)" },
    Figure { scope: Scope::Rates, key: "pgscan_proactive", header: "", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgscan_proactive", meaning: "Pages scanned by global proactive reclaim" },
    Figure { scope: Scope::Rates, key: "pgscan_memcg", header: "pgscanm/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "pgscan less the global reclaimers", meaning: "Pages scanned by memory cgroups at their limits" },
    Figure { scope: Scope::Rates, key: "pgsteal", header: "pgsteal/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgsteal_anon + pgsteal_file", meaning: "Pages reclaimed by anyone" },
    Figure { scope: Scope::Rates, key: "pgsteal_memcg", header: "", unit: Unit::PerSecond, kind: Kind::Counter, source: "pgsteal less the global reclaimers", meaning: "Pages reclaimed by memory cgroups at their limits" },
    Figure { scope: Scope::Rates, key: "compact_stall", header: "cstall/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat compact_stall", meaning: "Allocations that waited for compaction" },
    Figure { scope: Scope::Rates, key: "thp_fault_alloc", header: "thpflt/s", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat thp_fault_alloc", meaning: "Transparent huge pages allocated at fault" },
    Figure { scope: Scope::Rates, key: "oom_kill", header: "oomkill", unit: Unit::Count, kind: Kind::Counter, source: "vmstat oom_kill", meaning: "Processes killed by the OOM killer" },
    Figure { scope: Scope::Rates, key: "vmeff_percent", header: "%vmeff", unit: Unit::Percent, kind: Kind::Gauge, source: "pgsteal / pgscan", meaning: "Reclaim efficiency: pages reclaimed per page scanned, in percent" },
    Figure { scope: Scope::Rates, key: "psi_some_avg10", header: "psi_some", unit: Unit::Percent, kind: Kind::Gauge, source: "pressure/memory some avg10", meaning: "Share of the last 10 s in which some task stalled on memory" },
    Figure { scope: Scope::Rates, key: "psi_full_avg10", header: "psi_full", unit: Unit::Percent, kind: Kind::Gauge, source: "pressure/memory full avg10", meaning: "Share of the last 10 s in which all tasks stalled on memory" },
    Figure { scope: Scope::Mapping, key: "start", header: "START", unit: Unit::Hex, kind: Kind::Label, source: "smaps address range (start)", meaning: "The first address of the mapping" },
    Figure { scope: Scope::Mapping, key: "end", header: "END", unit: Unit::Hex, kind: Kind::Label, source: "smaps address range (end)", meaning: "The address just past the end of the mapping" },
    Figure { scope: Scope::Mapping, key: "perms", header: "PERM", unit: Unit::Text, kind: Kind::Label, source: "smaps perms", meaning: "Permissions: r read, w write, x execute, then p private (copy-on-write) or s shared" },
    Figure { scope: Scope::Mapping, key: "offset", header: "OFFSET", unit: Unit::Hex, kind: Kind::Label, source: "smaps offset", meaning: "Where in the mapped file the mapping starts (0 without a file)" },
    Figure { scope: Scope::Mapping, key: "dev", header: "", unit: Unit::Text, kind: Kind::Label, source: "smaps dev", meaning: "The device of the mapped file, major:minor in hex (00:00 for none)" },
    Figure { scope: Scope::Mapping, key: "inode", header: "", unit: Unit::Id, kind: Kind::Label, source: "smaps inode", meaning: "The inode of the mapped file on that device (0 for none)" },
    Figure { scope: Scope::Mapping, key: "kind", header: "KIND", unit: Unit::Text, kind: Kind::Label, source: "smaps pathname and perms", meaning: "What the mapping holds: heap, stack, anon (private anonymous), shmem (shared memory), file, or kernel ([vdso], [vvar]...)" },
    Figure { scope: Scope::Mapping, key: "path", header: "PATH", unit: Unit::Text, kind: Kind::Label, source: "smaps pathname", meaning: "The mapped file, or a pseudo-path such as [heap] or [stack]; empty for anonymous memory; a removed file ends with (deleted)" },
    Figure { scope: Scope::Mapping, key: "size", header: "SIZE", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps end - start (Size)", meaning: "Virtual size: the address range mapped, touched or not" },
    Figure { scope: Scope::Mapping, key: "rss", header: "RSS", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Rss", meaning: "Resident: pages of the mapping in RAM, shared ones counted whole" },
    Figure { scope: Scope::Mapping, key: "pss", header: "PSS", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Pss", meaning: "Proportional share: each resident page divided by the number of processes mapping it" },
    Figure { scope: Scope::Mapping, key: "pss_dirty", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Pss_Dirty", meaning: "The dirty (modified) part of PSS" },
    Figure { scope: Scope::Mapping, key: "shared_clean", header: "SHR_CLEAN", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Shared_Clean", meaning: "Resident pages other processes map too, unmodified" },
    Figure { scope: Scope::Mapping, key: "shared_dirty", header: "SHR_DIRTY", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Shared_Dirty", meaning: "Resident pages other processes map too, modified" },
    Figure { scope: Scope::Mapping, key: "private_clean", header: "PRV_CLEAN", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Private_Clean", meaning: "Resident pages only this process maps, unmodified (a MAP_SHARED page mapped by one process counts here)" },
    Figure { scope: Scope::Mapping, key: "private_dirty", header: "PRV_DIRTY", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Private_Dirty", meaning: "Resident pages only this process maps, modified" },
    Figure { scope: Scope::Mapping, key: "referenced", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Referenced", meaning: "Resident pages marked as recently accessed" },
    Figure { scope: Scope::Mapping, key: "anonymous", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Anonymous", meaning: "Resident pages that belong to no file, private copies of written file pages included" },
    Figure { scope: Scope::Mapping, key: "ksm", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps KSM", meaning: "Pages of the mapping merged by KSM (not the zero pages KSM placed)" },
    Figure { scope: Scope::Mapping, key: "lazy_free", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps LazyFree", meaning: "Pages marked with madvise(MADV_FREE): dropped rather than swapped under pressure, unless written again" },
    Figure { scope: Scope::Mapping, key: "anon_huge_pages", header: "ANONHUGE", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps AnonHugePages", meaning: "Anonymous memory backed by transparent huge pages" },
    Figure { scope: Scope::Mapping, key: "shmem_pmd_mapped", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps ShmemPmdMapped", meaning: "Shared memory (shmem, tmpfs) mapped with huge pages" },
    Figure { scope: Scope::Mapping, key: "file_pmd_mapped", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps FilePmdMapped", meaning: "Page cache mapped with huge pages" },
    Figure { scope: Scope::Mapping, key: "shared_hugetlb", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Shared_Hugetlb", meaning: "Hugetlb pages other processes map too; not counted in RSS or PSS" },
    Figure { scope: Scope::Mapping, key: "private_hugetlb", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Private_Hugetlb", meaning: "Hugetlb pages only this process maps; not counted in RSS or PSS" },
    Figure { scope: Scope::Mapping, key: "swap", header: "SWAP", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Swap", meaning: "Pages of the mapping in swap (anonymous pages, and the mapped part of a shmem object)" },
    Figure { scope: Scope::Mapping, key: "swap_pss", header: "SWAPPSS", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps SwapPss", meaning: "Swap shared with other processes divided among them, as PSS is" },
    Figure { scope: Scope::Mapping, key: "locked", header: "LOCKED", unit: Unit::Bytes, kind: Kind::Gauge, source: "smaps Locked", meaning: "The PSS of a mapping locked in RAM (mlock(), MAP_LOCKED), else 0" },
    Figure { scope: Scope::Mapping, key: "thp_eligible", header: "", unit: Unit::Flag, kind: Kind::Label, source: "smaps THPeligible", meaning: "Whether the mapping may get transparent huge pages (naturally aligned, of a size enabled)" },
    Figure { scope: Scope::Mapping, key: "vm_flags", header: "", unit: Unit::Text, kind: Kind::Label, source: "smaps VmFlags", meaning: "The mapping's kernel flags as two-letter codes (rd, wr, ex, sh, mr...; see proc(5))" },
    Figure { scope: Scope::Mapping, key: "key", header: "KEY", unit: Unit::Text, kind: Kind::Label, source: "smaps pathname or the kind", meaning: "What the mappings of a row are summed by (maps --by kind or path; [anon] for no path, total for the totals)" },
    Figure { scope: Scope::Mapping, key: "mappings", header: "MAPS", unit: Unit::Count, kind: Kind::Gauge, source: "smaps mappings", meaning: "The number of mappings summed in the row" },
    Figure { scope: Scope::Cgroup, key: "version", header: "VER", unit: Unit::Text, kind: Kind::Label, source: "the hierarchy: v1 memory controller or v2", meaning: "The cgroup version of the hierarchy: v1 (the memory controller's own) or v2 (unified)" },
    Figure { scope: Scope::Cgroup, key: "path", header: "CGROUP", unit: Unit::Text, kind: Kind::Label, source: "the directory under the hierarchy", meaning: "The cgroup's path in its hierarchy, / for the root" },
    Figure { scope: Scope::Cgroup, key: "container", header: "CONTAINER", unit: Unit::Text, kind: Kind::Label, source: "the cgroup's path", meaning: "Who the group belongs to, as operators name it: a docker, podman, containerd or CRI-O container (short ID), a Kubernetes pod (UID, QoS class) and its container, an LXC container, or the systemd unit" },
    Figure { scope: Scope::Cgroup, key: "depth", header: "", unit: Unit::Count, kind: Kind::Label, source: "the directory under the hierarchy", meaning: "Levels below the cgroup the view starts at (0 for it); the table indents by it" },
    Figure { scope: Scope::Cgroup, key: "processes", header: "PROCS", unit: Unit::Count, kind: Kind::Gauge, source: "cgroup.procs (lines)", meaning: "Processes in the cgroup itself, not in its descendants" },
    Figure { scope: Scope::Cgroup, key: "usage", header: "USAGE", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.current (v1 memory.usage_in_bytes)", meaning: "Memory charged to the cgroup and its descendants" },
    Figure { scope: Scope::Cgroup, key: "peak", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.peak (v1 memory.max_usage_in_bytes)", meaning: "The highest usage recorded since the cgroup was created (or the peak was reset)" },
    Figure { scope: Scope::Cgroup, key: "max", header: "MAX", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.max (v1 memory.limit_in_bytes)", meaning: "Hard limit: usage above it is reclaimed, and the OOM killer runs in the cgroup when that fails; max when unlimited" },
    Figure { scope: Scope::Cgroup, key: "high", header: "HIGH", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.high", meaning: "Throttle limit: above it the cgroup's processes are slowed and made to reclaim, never OOM-killed; max when unlimited" },
    Figure { scope: Scope::Cgroup, key: "low", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.low", meaning: "Best-effort protection: usage below it is reclaimed only when unprotected cgroups have nothing left to reclaim" },
    Figure { scope: Scope::Cgroup, key: "min", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.min", meaning: "Hard protection: usage below it is never reclaimed (the OOM killer runs instead)" },
    Figure { scope: Scope::Cgroup, key: "soft_limit", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.soft_limit_in_bytes (v1)", meaning: "v1 soft limit: under global memory pressure, groups above it are reclaimed back towards it first; max when unlimited" },
    Figure { scope: Scope::Cgroup, key: "limit_pct", header: "LIMIT%", unit: Unit::Percent, kind: Kind::Gauge, source: "usage / the tighter of max and high", meaning: "Usage as a percentage of the tighter of max and high" },
    Figure { scope: Scope::Cgroup, key: "working_set", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.current - memory.stat inactive_file (v1 usage_in_bytes - total_inactive_file), at least 0", meaning: "Usage less the page cache first in line for reclaim: what the cgroup would keep under pressure, as cAdvisor and the kubelet's eviction count it" },
    Figure { scope: Scope::Cgroup, key: "swap", header: "SWAP", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.swap.current (v1 memory.memsw.usage_in_bytes - memory.usage_in_bytes)", meaning: "Swap used by the cgroup and its descendants" },
    Figure { scope: Scope::Cgroup, key: "swap_max", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.swap.max", meaning: "Hard limit on swap alone (v2); max when unlimited" },
    Figure { scope: Scope::Cgroup, key: "memsw_max", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.memsw.limit_in_bytes (v1)", meaning: "v1 limit on memory and swap together (not on swap alone); max when unlimited" },
    Figure { scope: Scope::Cgroup, key: "anon", header: "ANON", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.stat anon (v1 total_rss)", meaning: "Anonymous memory: heap, stacks, private writes, mmap(MAP_ANONYMOUS)" },
    Figure { scope: Scope::Cgroup, key: "file", header: "FILE", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.stat file (v1 total_cache)", meaning: "Page cache: file data in memory, tmpfs and shared memory included" },
    Figure { scope: Scope::Cgroup, key: "kernel", header: "KERNEL", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.stat kernel (v2)", meaning: "Kernel memory charged to the cgroup: slab, stacks, page tables, percpu, vmalloc and more" },
    Figure { scope: Scope::Cgroup, key: "slab", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.stat slab (v2)", meaning: "Kernel objects (dentries, inodes...) charged to the cgroup" },
    Figure { scope: Scope::Cgroup, key: "sock", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.stat sock (v2)", meaning: "Network transmission buffers" },
    Figure { scope: Scope::Cgroup, key: "shmem", header: "SHMEM", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.stat shmem (v1 total_shmem)", meaning: "Swap-backed page cache: tmpfs, shared memory segments, shared anonymous mmap()s" },
    Figure { scope: Scope::Cgroup, key: "file_mapped", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.stat file_mapped (v1 total_mapped_file)", meaning: "Page cache mapped by processes with mmap()" },
    Figure { scope: Scope::Cgroup, key: "dirty", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.stat file_dirty (v1 total_dirty)", meaning: "Page cache modified and not yet written back" },
    Figure { scope: Scope::Cgroup, key: "writeback", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.stat file_writeback (v1 total_writeback)", meaning: "Page cache being written back now" },
    Figure { scope: Scope::Cgroup, key: "resident", header: "RESIDENT", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory.stat total_rss + total_mapped_file (v1)", meaning: "v1: anonymous plus mapped file memory, the resident size v1 tools show" },
    Figure { scope: Scope::Cgroup, key: "workingset_refault", header: "", unit: Unit::Count, kind: Kind::Counter, source: "memory.stat workingset_refault_anon + workingset_refault_file (v1 total_*)", meaning: "Evicted pages faulted back in soon after (refaults); many mean the working set does not fit" },
    Figure { scope: Scope::Cgroup, key: "workingset_activate", header: "", unit: Unit::Count, kind: Kind::Counter, source: "memory.stat workingset_activate_anon + workingset_activate_file", meaning: "Refaulted pages activated at once, as part of the working set" },
    Figure { scope: Scope::Cgroup, key: "events", header: "EVENTS", unit: Unit::Count, kind: Kind::Counter, source: "memory.events (v1 memory.failcnt, memory.oom_control)", meaning: "The cgroup's limit events that are not zero, as name=count (v2 counts those of its descendants too); each is also events.NAME" },
    Figure { scope: Scope::Cgroup, key: "events.low", header: "", unit: Unit::Count, kind: Kind::Counter, source: "memory.events low", meaning: "Times the cgroup was reclaimed below memory.low: the protections are overcommitted" },
    Figure { scope: Scope::Cgroup, key: "events.high", header: "", unit: Unit::Count, kind: Kind::Counter, source: "memory.events high", meaning: "Times the cgroup's processes were throttled and made to reclaim above memory.high" },
    Figure { scope: Scope::Cgroup, key: "events.max", header: "", unit: Unit::Count, kind: Kind::Counter, source: "memory.events max", meaning: "Times usage was about to go over memory.max (reclaim ran; failing it, OOM)" },
    Figure { scope: Scope::Cgroup, key: "events.oom", header: "", unit: Unit::Count, kind: Kind::Counter, source: "memory.events oom", meaning: "Times usage reached the limit and an allocation was about to fail" },
    Figure { scope: Scope::Cgroup, key: "events.oom_kill", header: "", unit: Unit::Count, kind: Kind::Counter, source: "memory.events oom_kill (v1 memory.oom_control)", meaning: "Processes of the cgroup killed by any OOM killer" },
    Figure { scope: Scope::Cgroup, key: "events.oom_group_kill", header: "", unit: Unit::Count, kind: Kind::Counter, source: "memory.events oom_group_kill", meaning: "Times the OOM killer killed the whole cgroup (memory.oom.group)" },
    Figure { scope: Scope::Cgroup, key: "events.failcnt", header: "", unit: Unit::Count, kind: Kind::Counter, source: "memory.failcnt (v1)", meaning: "v1: times usage hit memory.limit_in_bytes" },
    Figure { scope: Scope::Cgroup, key: "events.under_oom", header: "", unit: Unit::Count, kind: Kind::Gauge, source: "memory.oom_control under_oom (v1)", meaning: "v1: 1 while the cgroup is out of memory (its processes may be stopped), else 0" },
    Figure { scope: Scope::Cgroup, key: "psi_some_avg10", header: "PSI10", unit: Unit::Percent, kind: Kind::Gauge, source: "memory.pressure some avg10", meaning: "Share of the last 10 s in which some task of the cgroup stalled on memory" },
    Figure { scope: Scope::Cgroup, key: "psi_full_avg10", header: "", unit: Unit::Percent, kind: Kind::Gauge, source: "memory.pressure full avg10", meaning: "Share of the last 10 s in which all tasks of the cgroup stalled on memory" },
    Figure { scope: Scope::Zone, key: "node", header: "NODE", unit: Unit::Id, kind: Kind::Label, source: "zoneinfo Node N", meaning: "The NUMA node of the zone" },
    Figure { scope: Scope::Zone, key: "zone", header: "ZONE", unit: Unit::Text, kind: Kind::Label, source: "zoneinfo zone", meaning: "The zone: DMA, DMA32, Normal, HighMem (32-bit), Movable or Device" },
    Figure { scope: Scope::Zone, key: "free", header: "FREE", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo pages free", meaning: "Free pages of the zone, in its buddy allocator's lists" },
    Figure { scope: Scope::Zone, key: "min", header: "MIN", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo min", meaning: "The min watermark: below it allocations reclaim directly (stall) and only atomic ones may dip further" },
    Figure { scope: Scope::Zone, key: "low", header: "LOW", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo low", meaning: "The low watermark: below it kswapd wakes to reclaim in the background" },
    Figure { scope: Scope::Zone, key: "high", header: "HIGH", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo high", meaning: "The high watermark: kswapd reclaims until free is above it, then sleeps" },
    Figure { scope: Scope::Zone, key: "boost", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo boost", meaning: "Temporary raise of the watermarks after allocations fragmented the zone, included in min, low and high" },
    Figure { scope: Scope::Zone, key: "managed", header: "MANAGED", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo managed", meaning: "Pages the buddy allocator manages: present less those reserved at boot" },
    Figure { scope: Scope::Zone, key: "present", header: "PRESENT", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo present", meaning: "Physical pages in the zone's range, holes left out" },
    Figure { scope: Scope::Zone, key: "spanned", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo spanned", meaning: "The zone's whole range of page frames, holes included" },
    Figure { scope: Scope::Zone, key: "free_minus_min", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo pages free - min", meaning: "Free above the min watermark (negative: below it)" },
    Figure { scope: Scope::Zone, key: "free_minus_low", header: "FREE-LOW", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo pages free - low", meaning: "Free above the low watermark (negative: below it, kswapd is woken)" },
    Figure { scope: Scope::Zone, key: "free_minus_high", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo pages free - high", meaning: "Free above the high watermark (negative: below it)" },
    Figure { scope: Scope::Zone, key: "status", header: "STATUS", unit: Unit::Text, kind: Kind::Label, source: "zoneinfo pages free against min, low and high", meaning: "Where free stands: ok, below high, below low (kswapd wakes), below min (direct reclaim), or empty (no pages managed)" },
    Figure { scope: Scope::Slab, key: "name", header: "NAME", unit: Unit::Text, kind: Kind::Label, source: "slabinfo name", meaning: "The cache's name (SLUB merges caches of the same shape under one of their names)" },
    Figure { scope: Scope::Slab, key: "active_objs", header: "ACTIVE", unit: Unit::Count, kind: Kind::Gauge, source: "slabinfo <active_objs>", meaning: "Objects in use (SLUB counts the free objects of per-CPU slabs as in use)" },
    Figure { scope: Scope::Slab, key: "num_objs", header: "OBJS", unit: Unit::Count, kind: Kind::Gauge, source: "slabinfo <num_objs>", meaning: "Objects the cache's slabs hold, in use or free" },
    Figure { scope: Scope::Slab, key: "objsize", header: "OBJ SIZE", unit: Unit::Bytes, kind: Kind::Gauge, source: "slabinfo <objsize>", meaning: "Bytes per object, with its metadata and alignment" },
    Figure { scope: Scope::Slab, key: "objperslab", header: "OBJ/SLAB", unit: Unit::Count, kind: Kind::Gauge, source: "slabinfo <objperslab>", meaning: "Objects one slab holds" },
    Figure { scope: Scope::Slab, key: "pagesperslab", header: "PAGES/SLAB", unit: Unit::Count, kind: Kind::Gauge, source: "slabinfo <pagesperslab>", meaning: "Pages of one slab: the cache's preferred slab size (slabs allocated under pressure may be smaller)" },
    Figure { scope: Scope::Slab, key: "active_slabs", header: "", unit: Unit::Count, kind: Kind::Gauge, source: "slabinfo <active_slabs>", meaning: "Slabs with objects in use (SLUB prints all its slabs here)" },
    Figure { scope: Scope::Slab, key: "num_slabs", header: "SLABS", unit: Unit::Count, kind: Kind::Gauge, source: "slabinfo <num_slabs>", meaning: "Slabs of the cache" },
    Figure { scope: Scope::Slab, key: "size", header: "CACHE SIZE", unit: Unit::Bytes, kind: Kind::Gauge, source: "slabinfo <num_slabs> * <pagesperslab> * page size", meaning: "Memory of the cache's slabs, what slabtop calls the cache size" },
    Figure { scope: Scope::Slab, key: "active_size", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "slabinfo <active_objs> * <objsize>", meaning: "What the objects in use take" },
    Figure { scope: Scope::Slab, key: "utilisation", header: "USE", unit: Unit::Fraction, kind: Kind::Gauge, source: "slabinfo <active_objs> / <num_objs>", meaning: "Share of the cache's objects in use (USE in percent, rounded down as slabtop does); null for an empty cache" },
    Figure { scope: Scope::Buddy, key: "node", header: "NODE", unit: Unit::Id, kind: Kind::Label, source: "buddyinfo Node N", meaning: "The NUMA node of the zone" },
    Figure { scope: Scope::Buddy, key: "zone", header: "ZONE", unit: Unit::Text, kind: Kind::Label, source: "buddyinfo zone", meaning: "The zone: DMA, DMA32, Normal, HighMem (32-bit), Movable or Device" },
    Figure { scope: Scope::Buddy, key: "migrate_type", header: "TYPE", unit: Unit::Text, kind: Kind::Label, source: "pagetypeinfo type", meaning: "The migrate type of the free lists or page blocks: Unmovable, Movable, Reclaimable, HighAtomic, CMA or Isolate (--types)" },
    Figure { scope: Scope::Buddy, key: "free_blocks", header: "", unit: Unit::Count, kind: Kind::Gauge, source: "buddyinfo (pagetypeinfo per migrate type)", meaning: "Free blocks of each order, order 0 first; a block of order k is 2^k contiguous pages (CSV order_0, order_1...)" },
    Figure { scope: Scope::Buddy, key: "block_sizes", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "page size << order", meaning: "The size of a block of each order, order 0 first" },
    Figure { scope: Scope::Buddy, key: "free", header: "FREE", unit: Unit::Bytes, kind: Kind::Gauge, source: "Σ free blocks × block size", meaning: "Free memory in the free lists (a lower bound where pagetypeinfo printed >100000 blocks)" },
    Figure { scope: Scope::Buddy, key: "largest_free_block", header: "LARGEST", unit: Unit::Bytes, kind: Kind::Gauge, source: "the highest order with a free block", meaning: "The largest free block: the largest contiguous allocation possible without compaction; null when nothing is free" },
    Figure { scope: Scope::Buddy, key: "unusable_index", header: "", unit: Unit::Fraction, kind: Kind::Gauge, source: "free blocks per order (extfrag unusable_index)", meaning: "Unusable free space index of each order: the share of free memory in blocks too small for it, 0 to 1 (CSV unusable_0, unusable_1...)" },
    Figure { scope: Scope::Buddy, key: "blocks", header: "", unit: Unit::Count, kind: Kind::Gauge, source: "pagetypeinfo Number of blocks type", meaning: "Page blocks of the zone per migrate type, each of pages_per_block pages (--types)" },
    Figure { scope: Scope::Huge, key: "page_size", header: "PAGE SIZE", unit: Unit::Bytes, kind: Kind::Label, source: "sysfs hugepages-SIZEkB", meaning: "The size of the pool's pages" },
    Figure { scope: Scope::Huge, key: "total_pages", header: "TOTAL", unit: Unit::Count, kind: Kind::Gauge, source: "sysfs nr_hugepages", meaning: shared_meaning!(huge_total_pages) },
    Figure { scope: Scope::Huge, key: "free_pages", header: "FREE", unit: Unit::Count, kind: Kind::Gauge, source: "sysfs free_hugepages", meaning: shared_meaning!(huge_free_pages) },
    Figure { scope: Scope::Huge, key: "reserved_pages", header: "RESERVED", unit: Unit::Count, kind: Kind::Gauge, source: "sysfs resv_hugepages", meaning: shared_meaning!(huge_reserved_pages) },
    Figure { scope: Scope::Huge, key: "surplus_pages", header: "SURPLUS", unit: Unit::Count, kind: Kind::Gauge, source: "sysfs surplus_hugepages", meaning: shared_meaning!(huge_surplus_pages) },
    Figure { scope: Scope::Huge, key: "overcommit_pages", header: "OVERCOMMIT", unit: Unit::Count, kind: Kind::Gauge, source: "sysfs nr_overcommit_hugepages", meaning: "How many surplus pages the pool may grow by on demand (a count)" },
    Figure { scope: Scope::Huge, key: "total", header: "POOL SIZE", unit: Unit::Bytes, kind: Kind::Gauge, source: "nr_hugepages × page size", meaning: "Memory of the pool, used or not: nothing else can have it" },
    Figure { scope: Scope::Huge, key: "free", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "free_hugepages × page size", meaning: "Memory of the pool not yet faulted in, the reserved part included" },
    Figure { scope: Scope::Huge, key: "reserved", header: "RESERVED SIZE", unit: Unit::Bytes, kind: Kind::Gauge, source: "resv_hugepages × page size", meaning: "Memory of the reserved pages" },
    Figure { scope: Scope::Huge, key: "surplus", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "surplus_hugepages × page size", meaning: "Memory of the surplus pages" },
    Figure { scope: Scope::Huge, key: "used", header: "USED", unit: Unit::Bytes, kind: Kind::Gauge, source: "(nr_hugepages - free_hugepages) × page size", meaning: "Memory of the pool's pages someone has faulted in" },
    Figure { scope: Scope::Ipc, key: "key", header: "", unit: Unit::Id, kind: Kind::Label, source: "sysvipc/shm key", meaning: "The segment's key as the kernel prints it, in signed decimal (0: IPC_PRIVATE)" },
    Figure { scope: Scope::Ipc, key: "key_hex", header: "KEY", unit: Unit::Hex, kind: Kind::Label, source: "sysvipc/shm key", meaning: "The segment's key as ipcs prints it (0x%08x)" },
    Figure { scope: Scope::Ipc, key: "shmid", header: "SHMID", unit: Unit::Id, kind: Kind::Label, source: "sysvipc/shm shmid", meaning: "The segment's identifier, as shmget() returns it" },
    Figure { scope: Scope::Ipc, key: "owner", header: "OWNER", unit: Unit::Text, kind: Kind::Label, source: "/etc/passwd of the segment or file owner's UID", meaning: "The owner's user name (the UID when unknown)" },
    Figure { scope: Scope::Ipc, key: "uid", header: "", unit: Unit::Id, kind: Kind::Label, source: "sysvipc/shm uid", meaning: "The segment owner's user ID" },
    Figure { scope: Scope::Ipc, key: "perms", header: "PERMS", unit: Unit::Text, kind: Kind::Label, source: "sysvipc/shm perms (the file's mode for POSIX)", meaning: "Permission bits in octal, as ipcs and ls show them" },
    Figure { scope: Scope::Ipc, key: "mode", header: "", unit: Unit::Mode, kind: Kind::Label, source: "sysvipc/shm perms", meaning: "The segment's whole mode: permission bits, SHM_DEST (0o1000) and SHM_LOCKED (0o2000)" },
    Figure { scope: Scope::Ipc, key: "dest", header: "", unit: Unit::Flag, kind: Kind::Label, source: "sysvipc/shm perms & SHM_DEST", meaning: "Marked for removal (IPC_RMID): freed at the last detach" },
    Figure { scope: Scope::Ipc, key: "locked", header: "", unit: Unit::Flag, kind: Kind::Label, source: "sysvipc/shm perms & SHM_LOCKED", meaning: "Locked in RAM with SHM_LOCK: never swapped out" },
    Figure { scope: Scope::Ipc, key: "size", header: "SIZE", unit: Unit::Bytes, kind: Kind::Gauge, source: "sysvipc/shm size (the file's size for POSIX)", meaning: "Size of the segment or file, touched or not" },
    Figure { scope: Scope::Ipc, key: "allocated", header: "ALLOCATED", unit: Unit::Bytes, kind: Kind::Gauge, source: "the file's blocks × 512", meaning: "Memory a POSIX shared memory file takes (less than its size where it is sparse)" },
    Figure { scope: Scope::Ipc, key: "rss", header: "RSS", unit: Unit::Bytes, kind: Kind::Gauge, source: "sysvipc/shm rss", meaning: "The segment's pages in RAM (part of meminfo Shmem)" },
    Figure { scope: Scope::Ipc, key: "swap", header: "SWAP", unit: Unit::Bytes, kind: Kind::Gauge, source: "sysvipc/shm swap", meaning: "The segment's pages in swap" },
    Figure { scope: Scope::Ipc, key: "nattch", header: "NATTCH", unit: Unit::Count, kind: Kind::Gauge, source: "sysvipc/shm nattch", meaning: "Attachments of the segment (shmat() not yet undone by shmdt() or exit)" },
    Figure { scope: Scope::Ipc, key: "cpid", header: "CPID", unit: Unit::Id, kind: Kind::Label, source: "sysvipc/shm cpid", meaning: "The process that created the segment" },
    Figure { scope: Scope::Ipc, key: "lpid", header: "LPID", unit: Unit::Id, kind: Kind::Label, source: "sysvipc/shm lpid", meaning: "The last process to attach or detach the segment" },
    Figure { scope: Scope::Ipc, key: "name", header: "NAME", unit: Unit::Text, kind: Kind::Label, source: "the file's name in /dev/shm", meaning: "The POSIX shared memory object: its name (shm_open()), a file in /dev/shm" },
    Figure { scope: Scope::Where, key: "installed", header: "Installed RAM", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory blocks × block size (/sys/devices/system/memory), else System RAM of /sys/firmware/memmap", meaning: "The RAM the machine has, as the kernel's memory blocks (or the firmware's map) say: what you bought, not what the kernel manages" },
    Figure { scope: Scope::Where, key: "offline", header: "offline memory blocks", unit: Unit::Bytes, kind: Kind::Gauge, source: "memory blocks whose state is offline", meaning: "Installed RAM taken offline (hot-unplugged or never onlined): the kernel does not use it" },
    Figure { scope: Scope::Where, key: "block_holes", header: "holes in memory blocks", unit: Unit::Bytes, kind: Kind::Gauge, source: "online blocks × block size − zone present pages (zoneinfo)", meaning: "Parts of online memory blocks that hold no RAM: firmware areas and the legacy hole below 1 MiB, counted because blocks are counted whole" },
    Figure { scope: Scope::Where, key: "firmware_holes", header: "firmware RAM not in zones", unit: Unit::Bytes, kind: Kind::Gauge, source: "System RAM of /sys/firmware/memmap − zone present pages", meaning: "System RAM in the firmware's map that no zone holds: the first page and rounding to whole pages" },
    Figure { scope: Scope::Where, key: "firmware_ram", header: "firmware System RAM", unit: Unit::Bytes, kind: Kind::Gauge, source: "/sys/firmware/memmap type System RAM", meaning: "The System RAM of the firmware's memory map (e820 on x86), as it was at boot" },
    Figure { scope: Scope::Where, key: "reserved", header: "reserved at boot", unit: Unit::Bytes, kind: Kind::Gauge, source: "zone present pages − MemTotal", meaning: "RAM present in the zones but never handed to the page allocator: reserved during boot, before the kernel managed memory (MemTotal leaves it out)" },
    Figure { scope: Scope::Where, key: "memmap", header: "struct pages (memmap)", unit: Unit::Bytes, kind: Kind::Gauge, source: "vmstat nr_memmap_boot_pages", meaning: "The kernel's page descriptors: a struct page of about 64 bytes for every 4 KiB page, some 1.6% of RAM, allocated at boot" },
    Figure { scope: Scope::Where, key: "kernel_image", header: "kernel image", unit: Unit::Bytes, kind: Kind::Gauge, source: "/proc/iomem Kernel code + rodata + data + bss", meaning: "The running kernel's code and static data, loaded by the boot loader (its init sections, freed after boot, are not counted)" },
    Figure { scope: Scope::Where, key: "crash_kernel", header: "crash kernel", unit: Unit::Bytes, kind: Kind::Gauge, source: "/proc/iomem Crash kernel", meaning: "RAM set aside by crashkernel= for a kdump kernel: unused until the kernel panics" },
    Figure { scope: Scope::Where, key: "other_reserved", header: "other boot reservations", unit: Unit::Bytes, kind: Kind::Gauge, source: "reserved − memmap − kernel image − crash kernel", meaning: "Everything else reserved at boot: firmware tables (ACPI), early page tables, the first per-CPU chunk, swiotlb bounce buffers, and other memblock allocations" },
    Figure { scope: Scope::Where, key: "memtotal", header: "MemTotal", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo MemTotal", meaning: "The RAM the kernel manages: installed RAM less what was reserved at boot" },
    Figure { scope: Scope::Where, key: "free", header: "free", unit: Unit::Bytes, kind: Kind::Gauge, source: "MemFree + the per-CPU lists' count (zoneinfo pagesets)", meaning: "Pages used by nothing, on the free lists and on the per-CPU lists (this is not MemAvailable)" },
    Figure { scope: Scope::Where, key: "mem_free", header: "free lists (MemFree)", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo MemFree", meaning: "Pages on the buddy allocator's free lists: what free and MemFree call free" },
    Figure { scope: Scope::Where, key: "pcp_free", header: "per-CPU free lists", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo pagesets count, summed over CPUs and zones", meaning: "Free pages each CPU keeps at hand for quick allocation: free, yet not in MemFree (up to a few hundred MiB on a busy machine)" },
    Figure { scope: Scope::Where, key: "anon", header: "anonymous", unit: Unit::Bytes, kind: Kind::Gauge, source: "AnonPages + SwapCached", meaning: "Anonymous memory: process heaps, stacks and private writes, and its pages in the swap cache" },
    Figure { scope: Scope::Where, key: "anon_mapped", header: "mapped by processes", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo AnonPages", meaning: "Anonymous pages mapped by processes (transparent huge pages included): per process, the anon part of ps's RSS" },
    Figure { scope: Scope::Where, key: "swap_cached", header: "swap cache", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo SwapCached", meaning: "Pages that are in swap and in RAM at once (read back, or written and not yet freed); a page also mapped is counted in AnonPages too" },
    Figure { scope: Scope::Where, key: "anon_huge_pages", header: "transparent huge pages", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo AnonHugePages", meaning: "Anonymous memory in transparent huge pages (part of AnonPages)" },
    Figure { scope: Scope::Where, key: "page_cache", header: "page cache", unit: Unit::Bytes, kind: Kind::Gauge, source: "Buffers + Cached − Shmem", meaning: "File contents the kernel keeps in RAM: reclaimable when clean" },
    Figure { scope: Scope::Where, key: "file_pages", header: "file pages", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Cached − Shmem", meaning: "Cached pages of files on disk (shmem, which Cached includes, is counted under shmem)" },
    Figure { scope: Scope::Where, key: "buffers", header: "buffers", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Buffers", meaning: "Block-device pages: file-system metadata and raw device reads" },
    Figure { scope: Scope::Where, key: "dirty", header: "dirty", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Dirty", meaning: "Cached pages changed and not yet written back" },
    Figure { scope: Scope::Where, key: "writeback", header: "writeback", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Writeback", meaning: "Cached pages being written to disk now" },
    Figure { scope: Scope::Where, key: "mapped", header: "mapped", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Mapped", meaning: "Cached pages (files and shmem) mapped by processes: reclaimed only after they are unmapped" },
    Figure { scope: Scope::Where, key: "shmem", header: "shmem", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Shmem", meaning: "Shared memory: tmpfs and devtmpfs files, SysV segments, shared anonymous mappings and memfd files; it can only be swapped, never dropped" },
    Figure { scope: Scope::Where, key: "tmpfs", header: "tmpfs files", unit: Unit::Bytes, kind: Kind::Gauge, source: "statfs used of each tmpfs and devtmpfs mount, each file system once", meaning: "Files in tmpfs (/dev/shm, /run, /tmp where it is tmpfs...): they stay in RAM or swap until deleted" },
    Figure { scope: Scope::Where, key: "sysv_shm", header: "SysV segments", unit: Unit::Bytes, kind: Kind::Gauge, source: "/proc/sysvipc/shm rss", meaning: "SysV shared memory segments (shmget), resident pages" },
    Figure { scope: Scope::Where, key: "other_shmem", header: "other shmem", unit: Unit::Bytes, kind: Kind::Gauge, source: "shmem − tmpfs − SysV", meaning: "Shared anonymous mappings (mmap MAP_SHARED|MAP_ANONYMOUS), memfd files, and tmpfs mounts memlens cannot measure" },
    Figure { scope: Scope::Where, key: "slab", header: "slab", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Slab", meaning: "The kernel's object caches (dentries, inodes, network buffers' heads...)" },
    Figure { scope: Scope::Where, key: "slab_reclaimable", header: "reclaimable", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo SReclaimable", meaning: "Slab the kernel frees under pressure (dentry and inode caches, mostly)" },
    Figure { scope: Scope::Where, key: "slab_unreclaimable", header: "unreclaimable", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo SUnreclaim", meaning: "Slab in use that cannot be freed on demand" },
    Figure { scope: Scope::Where, key: "kernel_stack", header: "kernel stacks", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo KernelStack", meaning: "One kernel stack per thread (16 KiB on x86-64)" },
    Figure { scope: Scope::Where, key: "page_tables", header: "page tables", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo PageTables + SecPageTables", meaning: "Page tables mapping processes' memory (and KVM's secondary page tables)" },
    Figure { scope: Scope::Where, key: "secondary_page_tables", header: "secondary page tables", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo SecPageTables", meaning: "Page tables of KVM guests and IOMMUs the kernel keeps for devices (Linux 6.1+)" },
    Figure { scope: Scope::Where, key: "vmalloc", header: "vmalloc", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo VmallocUsed − KernelStack", meaning: "Virtually contiguous kernel allocations: modules, BPF maps and programs, large tables" },
    Figure { scope: Scope::Where, key: "percpu", header: "per-CPU", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Percpu", meaning: "Per-CPU allocations (counters, per-CPU caches), one copy for each possible CPU" },
    Figure { scope: Scope::Where, key: "hugetlb", header: "hugetlb pools", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Hugetlb (HugePages_Total × Hugepagesize before 5.x)", meaning: "Huge pages in the hugetlb pools, used or free: nothing else can have them" },
    Figure { scope: Scope::Where, key: "zspages", header: "compressed swap pools", unit: Unit::Bytes, kind: Kind::Gauge, source: "vmstat nr_zspages", meaning: "zsmalloc pages holding compressed swap: the zswap pool and zram devices" },
    Figure { scope: Scope::Where, key: "zswap", header: "zswap pool", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Zswap", meaning: "The part of the compressed pools zswap holds" },
    Figure { scope: Scope::Where, key: "other_kernel", header: "other kernel memory", unit: Unit::Bytes, kind: Kind::Gauge, source: "the kernel's other page counters", meaning: "Kernel memory other counters name: reclaimable non-slab allocations, IOMMU page tables, struct pages of hot-plugged memory, memory not yet accepted by a confidential guest" },
    Figure { scope: Scope::Where, key: "kernel_misc_reclaimable", header: "misc reclaimable", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo KReclaimable − SReclaimable", meaning: "Kernel allocations outside slab that it frees under pressure (ION, some network caches)" },
    Figure { scope: Scope::Where, key: "iommu_pages", header: "IOMMU page tables", unit: Unit::Bytes, kind: Kind::Gauge, source: "vmstat nr_iommu_pages", meaning: "Page tables of the IOMMU (Linux 6.11+)" },
    Figure { scope: Scope::Where, key: "memmap_hotplug", header: "struct pages of hot-plugged memory", unit: Unit::Bytes, kind: Kind::Gauge, source: "vmstat nr_memmap_pages", meaning: "The page descriptors of memory added after boot, allocated from RAM the kernel manages" },
    Figure { scope: Scope::Where, key: "unaccepted", header: "unaccepted", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Unaccepted", meaning: "Memory of a confidential guest (TDX, SEV-SNP) not yet accepted: usable once the kernel accepts it" },
    Figure { scope: Scope::Where, key: "unaccounted", header: "unaccounted", unit: Unit::Bytes, kind: Kind::Gauge, source: "MemTotal − the sum of the other parts", meaning: "What no kernel counter explains: pages drivers took from the page allocator (network buffers, GPU memory, virtio rings), pages in flight, the balloon. Negative: counters that overlap (swap cache pages also mapped)" },
    Figure { scope: Scope::Where, key: "balloon", header: "balloon", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Balloon", meaning: "Pages a virtio balloon took back for the hypervisor; counted here when the driver leaves MemTotal as it is" },
    Figure { scope: Scope::Shmem, key: "path", header: "OBJECT", unit: Unit::Text, kind: Kind::Label, source: "/proc/PID/smaps pathname", meaning: "The object as maps shows it: /SYSVkey (deleted), /memfd:NAME (deleted), /dev/zero (deleted) for shared anonymous memory, /dev/shm/NAME, or a tmpfs file" },
    Figure { scope: Scope::Shmem, key: "kind", header: "KIND", unit: Unit::Text, kind: Kind::Label, source: "the pathname", meaning: "sysv, memfd, posix (/dev/shm), shared_anon (one per shared anonymous mmap, shared with children forked after it) or tmpfs" },
    Figure { scope: Scope::Shmem, key: "inode", header: "INODE", unit: Unit::Count, kind: Kind::Label, source: "/proc/PID/smaps inode", meaning: "The object's inode on the internal shmem file system: tells apart objects of one name" },
    Figure { scope: Scope::Shmem, key: "mapped", header: "MAPPED", unit: Unit::Bytes, kind: Kind::Gauge, source: "the sum of the holders' smaps Pss", meaning: "The object's pages that processes map, each counted once; pages nobody maps are only in the mount's used space or the segment's size" },
    Figure { scope: Scope::Shmem, key: "swap", header: "SWAP", unit: Unit::Bytes, kind: Kind::Gauge, source: "the sum of the holders' smaps SwapPss (Swap)", meaning: "The object's pages in swap, as its holders map them" },
    Figure { scope: Scope::Shmem, key: "holders", header: "PROCS", unit: Unit::Count, kind: Kind::Gauge, source: "/proc/PID/smaps", meaning: "The processes mapping the object; in JSON each with its pid, command, rss, pss and swap of it" },
    Figure { scope: Scope::Top, key: "anon", header: "anon", unit: Unit::Bytes, kind: Kind::Gauge, source: "memlens where: AnonPages + SwapCached", meaning: "The bar's anonymous part: process memory with no file behind it (heap, stacks, private mappings), and the swap cache" },
    Figure { scope: Scope::Top, key: "page_cache", header: "cache", unit: Unit::Bytes, kind: Kind::Gauge, source: "memlens where: Cached − Shmem + Buffers", meaning: "The bar's page cache part: file pages and buffers, most of it reclaimable" },
    Figure { scope: Scope::Top, key: "shmem", header: "shmem", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Shmem", meaning: "The bar's shared memory part: tmpfs, SysV and POSIX shared memory, shared anonymous memory; swappable, not droppable" },
    Figure { scope: Scope::Top, key: "slab", header: "slab", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo SReclaimable + SUnreclaim", meaning: "The bar's slab part: the kernel's object caches (memlens slab)" },
    Figure { scope: Scope::Top, key: "kernel", header: "kernel", unit: Unit::Bytes, kind: Kind::Gauge, source: "memlens where: MemTotal less the other parts", meaning: "The bar's other kernel part: kernel stacks, page tables, vmalloc, per-CPU, compressed swap pools, other kernel memory and what no counter accounts for (memlens where details it)" },
    Figure { scope: Scope::Top, key: "hugetlb", header: "hugetlb", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo Hugetlb", meaning: "The bar's hugetlb part: the huge page pools, used or not" },
    Figure { scope: Scope::Top, key: "free", header: "free", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo MemFree + the per-CPU free lists (zoneinfo)", meaning: "The bar's free part: pages on no use at all" },
    Figure { scope: Scope::Top, key: "available", header: "available", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo MemAvailable", meaning: "The sparkline of available memory over the session: what can be had without swapping" },
    Figure { scope: Scope::Top, key: "swap_used", header: "swap used", unit: Unit::Bytes, kind: Kind::Gauge, source: "meminfo SwapTotal − SwapFree", meaning: "The sparkline of swap in use over the session" },
    Figure { scope: Scope::Top, key: "reclaim", header: "reclaim", unit: Unit::BytesPerSecond, kind: Kind::Gauge, source: "vmstat pgsteal_anon + pgsteal_file, two snapshots", meaning: "The sparkline of pages reclaimed per second (every reclaimer, cgroup reclaim included), in bytes: memory being taken back under pressure" },
    Figure { scope: Scope::Top, key: "psi_some", header: "PSI some", unit: Unit::Percent, kind: Kind::Gauge, source: "/proc/pressure/memory some avg10", meaning: "The sparkline of memory pressure: the share of the last 10 s in which some task waited for memory" },
    Figure { scope: Scope::Top, key: "pss_growth", header: "GROWTH/s", unit: Unit::BytesPerSecond, kind: Kind::Gauge, source: "smaps_rollup Pss, the session's first and last samples of the process", meaning: "How fast a process's PSS changed over the live session (up to --keep samples): a leak shows as steady growth" },
    Figure { scope: Scope::Cache, key: "path", header: "FILE", unit: Unit::Text, kind: Kind::Label, source: "the path given, or /proc/PID/maps and /proc/PID/fd", meaning: "The file" },
    Figure { scope: Scope::Cache, key: "size", header: "SIZE", unit: Unit::Bytes, kind: Kind::Gauge, source: "fstat st_size", meaning: "The file's size" },
    Figure { scope: Scope::Cache, key: "cached", header: "CACHED", unit: Unit::Bytes, kind: Kind::Gauge, source: "cachestat nr_cache (mincore: resident pages)", meaning: "The file's pages in the page cache: memory the kernel can drop (clean) or must write first (dirty), unless it is tmpfs" },
    Figure { scope: Scope::Cache, key: "cached_ratio", header: "CACHED%", unit: Unit::Fraction, kind: Kind::Gauge, source: "cached / size", meaning: "How much of the file is in memory (0 to 1; a percentage in tables)" },
    Figure { scope: Scope::Cache, key: "dirty", header: "DIRTY", unit: Unit::Bytes, kind: Kind::Gauge, source: "cachestat nr_dirty", meaning: "Cached pages written to and not yet written back: they cannot be dropped until they are (cachestat only)" },
    Figure { scope: Scope::Cache, key: "writeback", header: "WRITEBACK", unit: Unit::Bytes, kind: Kind::Gauge, source: "cachestat nr_writeback", meaning: "Cached pages being written back now (cachestat only)" },
    Figure { scope: Scope::Cache, key: "recently_evicted", header: "EVICTED", unit: Unit::Bytes, kind: Kind::Gauge, source: "cachestat nr_recently_evicted", meaning: "Pages of the file dropped from the cache recently enough that reading them again is a refault: a file read through too little memory (cachestat only)" },
    Figure { scope: Scope::Cache, key: "holders", header: "PROCS", unit: Unit::Count, kind: Kind::Gauge, source: "/proc/PID/maps and /proc/PID/fd", meaning: "Processes that map the file or hold it open (0 for files given by path)" },
    Figure { scope: Scope::Swap, key: "filename", header: "NAME", unit: Unit::Text, kind: Kind::Label, source: "/proc/swaps Filename", meaning: "The swap device or file" },
    Figure { scope: Scope::Swap, key: "kind", header: "TYPE", unit: Unit::Text, kind: Kind::Label, source: "/proc/swaps Type", meaning: "partition (a block device: a disk partition, zram) or file (a swap file on a file system)" },
    Figure { scope: Scope::Swap, key: "size", header: "SIZE", unit: Unit::Bytes, kind: Kind::Gauge, source: "/proc/swaps Size", meaning: "Size of the swap area (a swap file's first page, its header, not counted)" },
    Figure { scope: Scope::Swap, key: "used", header: "USED", unit: Unit::Bytes, kind: Kind::Gauge, source: "/proc/swaps Used", meaning: "Bytes of pages now in this swap area" },
    Figure { scope: Scope::Swap, key: "used_ratio", header: "USE%", unit: Unit::Fraction, kind: Kind::Gauge, source: "/proc/swaps Used / Size", meaning: "How full the swap area is (0 to 1; a percentage in tables)" },
    Figure { scope: Scope::Swap, key: "priority", header: "PRIO", unit: Unit::Count, kind: Kind::Label, source: "/proc/swaps Priority (swapon -p)", meaning: "Higher is used first; equal priorities take pages in turn (round-robin, like striping); negative ones are the kernel's defaults, used one after another in swapon order" },
    Figure { scope: Scope::Swap, key: "turn", header: "TURN", unit: Unit::Count, kind: Kind::Label, source: "the order of the priorities", meaning: "1 for the areas used first, 2 for those used once they are full..." },
    Figure { scope: Scope::Swap, key: "zram", header: "ZRAM", unit: Unit::Text, kind: Kind::Label, source: "/dev/zramN in /proc/swaps", meaning: "The zram device behind the swap area, when it is compressed RAM" },
    Figure { scope: Scope::Swap, key: "name", header: "ZRAM", unit: Unit::Text, kind: Kind::Label, source: "/sys/block/zramN", meaning: "The zram device" },
    Figure { scope: Scope::Swap, key: "algorithm", header: "ALGORITHM", unit: Unit::Text, kind: Kind::Label, source: "zram comp_algorithm (the one in brackets)", meaning: "The compressor the device uses" },
    Figure { scope: Scope::Swap, key: "disksize", header: "DISKSIZE", unit: Unit::Bytes, kind: Kind::Gauge, source: "zram disksize", meaning: "The device's size as a disk: how much it may store before compression (0: not set up)" },
    Figure { scope: Scope::Swap, key: "orig_data_size", header: "DATA", unit: Unit::Bytes, kind: Kind::Gauge, source: "zram mm_stat orig_data_size", meaning: "Bytes stored in the device, before compression" },
    Figure { scope: Scope::Swap, key: "compr_data_size", header: "COMPR", unit: Unit::Bytes, kind: Kind::Gauge, source: "zram mm_stat compr_data_size", meaning: "Bytes they compressed to" },
    Figure { scope: Scope::Swap, key: "mem_used_total", header: "TOTAL", unit: Unit::Bytes, kind: Kind::Gauge, source: "zram mm_stat mem_used_total", meaning: "RAM the device takes: the compressed data and its allocator's overhead and fragmentation (part of nr_zspages)" },
    Figure { scope: Scope::Swap, key: "mem_limit", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "zram mm_stat mem_limit", meaning: "The most RAM the device may take (0: no limit)" },
    Figure { scope: Scope::Swap, key: "mem_used_max", header: "", unit: Unit::Bytes, kind: Kind::Gauge, source: "zram mm_stat mem_used_max", meaning: "The most RAM the device has taken" },
    Figure { scope: Scope::Swap, key: "same_pages", header: "SAME", unit: Unit::Count, kind: Kind::Gauge, source: "zram mm_stat same_pages", meaning: "Pages that were one repeated word (zero pages mostly): stored as that word, taking no RAM" },
    Figure { scope: Scope::Swap, key: "huge_pages", header: "", unit: Unit::Count, kind: Kind::Gauge, source: "zram mm_stat huge_pages", meaning: "Pages that did not compress and are stored whole" },
    Figure { scope: Scope::Swap, key: "ratio", header: "RATIO", unit: Unit::Fraction, kind: Kind::Gauge, source: "orig_data_size / mem_used_total", meaning: "Bytes stored per byte of RAM the device takes: its real compression, overhead included" },
    Figure { scope: Scope::Swap, key: "used_as_swap", header: "SWAP", unit: Unit::Flag, kind: Kind::Label, source: "/proc/swaps lists /dev/zramN", meaning: "Whether the device is swap (a zram device can also hold a file system)" },
    Figure { scope: Scope::Report, key: "watermark_low", header: "low watermark", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo low, summed over the zones", meaning: "The zones' low watermarks added up: when a zone's free pages fall below its low watermark, kswapd wakes to reclaim" },
    Figure { scope: Scope::Report, key: "watermark_high", header: "high watermark", unit: Unit::Bytes, kind: Kind::Gauge, source: "zoneinfo high, summed over the zones", meaning: "The zones' high watermarks added up: kswapd reclaims until a zone's free pages are back above its high watermark" },
    Figure { scope: Scope::Report, key: "reclaim_kswapd", header: "kswapd", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgsteal_kswapd", meaning: "Pages reclaimed by kswapd, in the background, when free memory fell below a zone's low watermark" },
    Figure { scope: Scope::Report, key: "reclaim_direct", header: "direct", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgsteal_direct", meaning: "Pages reclaimed by allocating tasks themselves (global direct reclaim): the tasks stalled while doing it" },
    Figure { scope: Scope::Report, key: "reclaim_other", header: "khugepaged, proactive", unit: Unit::PerSecond, kind: Kind::Counter, source: "vmstat pgsteal_khugepaged + pgsteal_proactive", meaning: "Pages reclaimed by khugepaged and by proactive reclaim (memory.reclaim)" },
    Figure { scope: Scope::Report, key: "unusable_index", header: "unusable index", unit: Unit::Fraction, kind: Kind::Gauge, source: "buddyinfo, order 9", meaning: "The unusable free space index of a zone for 2 MiB blocks (order 9): the share of its free memory in blocks too small for one; near 1, huge page and other large allocations must wait for compaction" },
    Figure { scope: Scope::Metrics, key: "processes", header: "", unit: Unit::Count, kind: Kind::Gauge, source: "/proc/PID directories read", meaning: "Processes read in the snapshot (kernel threads not counted); the per-process series are for the --top by PSS and those matching --process" },
    Figure { scope: Scope::Metrics, key: "processes_skipped", header: "", unit: Unit::Count, kind: Kind::Gauge, source: "the process scan", meaning: "Processes left out of the snapshot, by reason: vanished (exited while read), hidden (hidepid), timed_out (reads over --timeout), unusable (a garbled status), incomplete (a capture without the files)" },
    Figure { scope: Scope::Metrics, key: "processes_partial", header: "", unit: Unit::Count, kind: Kind::Gauge, source: "the process scan", meaning: "Processes in the snapshot with a file that could not be read (permission denied, most often smaps_rollup of another user's process without CAP_SYS_PTRACE): their missing figures have no series" },
    Figure { scope: Scope::Metrics, key: "pressure_memory_some", header: "", unit: Unit::Seconds, kind: Kind::Counter, source: "/proc/pressure/memory some total", meaning: "Time since boot in which some task stalled on memory (reclaim, refaults, swap-in); rate() of it is the share of time stalled" },
    Figure { scope: Scope::Metrics, key: "pressure_memory_full", header: "", unit: Unit::Seconds, kind: Kind::Counter, source: "/proc/pressure/memory full total", meaning: "Time since boot in which all non-idle tasks stalled on memory at once: time the machine did no work for want of memory" },
    Figure { scope: Scope::Metrics, key: "process_leak_slope", header: "", unit: Unit::BytesPerSecond, kind: Kind::Gauge, source: "memlens serve: the process's samples over --trend-window", meaning: "How fast the floor of the process's leakable memory (anon + swap + shmem) rose over serve's trend window: the Theil-Sen slope `memlens watch` gives, from the collections serve kept (negative: it fell)" },
    Figure { scope: Scope::Metrics, key: "process_leaking", header: "", unit: Unit::Count, kind: Kind::Gauge, source: "memlens serve: the process's samples over --trend-window", meaning: "1 when `memlens watch`'s verdict on the process's trend window is leak (that floor rose steadily, significantly, by more than 1 MiB and 1%), else 0; no series until 8 samples" },
    Figure { scope: Scope::Metrics, key: "vmstat_nr", header: "", unit: Unit::Count, kind: Kind::Gauge, source: "/proc/vmstat nr_*", meaning: "A /proc/vmstat nr_* field (most count pages): a level, typed gauge; nr_dirtied, nr_written and nr_foll_pin_* count since boot, typed counter" },
    Figure { scope: Scope::Metrics, key: "snapshot_timestamp", header: "", unit: Unit::Seconds, kind: Kind::Gauge, source: "the clock when the snapshot was read (a capture's own time)", meaning: "When the figures were read, in seconds since the Unix epoch: a served page is as old as its snapshot" },
    Figure { scope: Scope::Metrics, key: "collect_duration", header: "", unit: Unit::Seconds, kind: Kind::Gauge, source: "the clock around the collection", meaning: "How long reading the snapshot took (every process's smaps_rollup included)" },
];

/// The figure of a scope with this key.
pub fn figure(scope: Scope, key: &str) -> Option<&'static Figure> {
    FIGURES.iter().find(|f| f.scope == scope && f.key == key)
}

/// The figures of a scope, in catalogue order.
pub fn of(scope: Scope) -> impl Iterator<Item = &'static Figure> {
    FIGURES.iter().filter(move |f| f.scope == scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_within_a_scope_and_meanings_are_there() {
        for (i, a) in FIGURES.iter().enumerate() {
            assert!(
                !a.meaning.is_empty() && !a.source.is_empty() || a.key == "since_boot",
                "{}",
                a.key
            );
            for b in &FIGURES[i + 1..] {
                assert!(!(a.scope == b.scope && a.key == b.key), "{} twice", a.key);
            }
        }
        assert_eq!(figure(Scope::Process, "pss").unwrap().header, "PSS");
    }
}
