//! `/proc/PID/smaps` and `/proc/PID/smaps_rollup`: per-mapping memory counters.

use serde::{Deserialize, Serialize};

crate::kernel_counters! {
    /// The counters of one mapping in `smaps`, or of a whole process in `smaps_rollup`
    /// (which has no `Size`, `KernelPageSize` or `MMUPageSize`). Bytes.
    pub struct SmapsCounters {
        size = "Size",
        kernel_page_size = "KernelPageSize",
        mmu_page_size = "MMUPageSize",
        rss = "Rss",
        pss = "Pss",
        pss_dirty = "Pss_Dirty",
        pss_anon = "Pss_Anon",
        pss_file = "Pss_File",
        pss_shmem = "Pss_Shmem",
        shared_clean = "Shared_Clean",
        shared_dirty = "Shared_Dirty",
        private_clean = "Private_Clean",
        private_dirty = "Private_Dirty",
        referenced = "Referenced",
        anonymous = "Anonymous",
        ksm = "KSM",
        lazy_free = "LazyFree",
        anon_huge_pages = "AnonHugePages",
        shmem_pmd_mapped = "ShmemPmdMapped",
        file_pmd_mapped = "FilePmdMapped",
        shared_hugetlb = "Shared_Hugetlb",
        private_hugetlb = "Private_Hugetlb",
        swap = "Swap",
        swap_pss = "SwapPss",
        locked = "Locked",
    }
}

impl SmapsCounters {
    /// Unique set size as the kernel defines it: pages mapped by this process alone,
    /// `Private_Clean + Private_Dirty + Private_Hugetlb`. `None` when the kernel printed
    /// none of the three.
    pub fn uss(&self) -> Option<u64> {
        if self.private_clean.is_none() && self.private_dirty.is_none() {
            return None;
        }
        Some(
            self.private_clean
                .unwrap_or(0)
                .saturating_add(self.private_dirty.unwrap_or(0))
                .saturating_add(self.private_hugetlb.unwrap_or(0)),
        )
    }
}

/// What a mapping holds, from its path and flags (as `pmap` and the kernel name them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappingKind {
    /// `[heap]`: the brk area.
    Heap,
    /// `[stack]` (and `[stack:TID]` of old kernels).
    Stack,
    /// Private anonymous memory (malloc'd blocks, thread stacks, `[anon:NAME]`).
    Anon,
    /// Shared memory: SysV (`/SYSV...`), POSIX (`/dev/shm/...`), memfd, shared anonymous
    /// (`/dev/zero (deleted)`), `[anon_shmem:NAME]`.
    Shmem,
    /// A regular file mapping (program text, libraries, mmap'd files).
    File,
    /// Kernel-provided pages: `[vdso]`, `[vvar]`, `[vsyscall]`, `[uprobes]`...
    Kernel,
}

impl MappingKind {
    /// The lowercase name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            MappingKind::Heap => "heap",
            MappingKind::Stack => "stack",
            MappingKind::Anon => "anon",
            MappingKind::Shmem => "shmem",
            MappingKind::File => "file",
            MappingKind::Kernel => "kernel",
        }
    }
}

/// One mapping of a process, from `/proc/PID/smaps`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    /// `rwxp` / `rwxs` as the kernel prints it.
    pub perms: String,
    pub offset: u64,
    /// `major:minor` of the backing device, as printed (hex).
    pub dev: String,
    pub inode: u64,
    /// The path or pseudo-path (`[heap]`), empty for anonymous memory. Bytes that are not
    /// UTF-8 are replaced. A trailing ` (deleted)` is kept as the kernel printed it.
    pub path: String,
    pub kind: MappingKind,
    pub counters: SmapsCounters,
    /// `THPeligible:` where the kernel prints it.
    pub thp_eligible: Option<bool>,
    /// `VmFlags:` two-letter codes, space separated, where the kernel prints them.
    pub vm_flags: Option<String>,
}

impl Mapping {
    /// Virtual size of the mapping in bytes (`end - start`).
    pub fn size(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }
}
