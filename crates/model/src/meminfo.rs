//! `/proc/meminfo`: system-wide memory counters, in bytes.
//!
//! Values the kernel prints in kB are stored in bytes; the `HugePages_*` lines are page
//! counts and are stored as counts.

crate::kernel_counters! {
    /// One reading of `/proc/meminfo`.
    pub struct MemInfo {
        mem_total = "MemTotal",
        mem_free = "MemFree",
        mem_available = "MemAvailable",
        buffers = "Buffers",
        cached = "Cached",
        swap_cached = "SwapCached",
        active = "Active",
        inactive = "Inactive",
        active_anon = "Active(anon)",
        inactive_anon = "Inactive(anon)",
        active_file = "Active(file)",
        inactive_file = "Inactive(file)",
        unevictable = "Unevictable",
        mlocked = "Mlocked",
        high_total = "HighTotal",
        high_free = "HighFree",
        low_total = "LowTotal",
        low_free = "LowFree",
        mmap_copy = "MmapCopy",
        swap_total = "SwapTotal",
        swap_free = "SwapFree",
        zswap = "Zswap",
        zswapped = "Zswapped",
        dirty = "Dirty",
        writeback = "Writeback",
        anon_pages = "AnonPages",
        mapped = "Mapped",
        shmem = "Shmem",
        k_reclaimable = "KReclaimable",
        slab = "Slab",
        s_reclaimable = "SReclaimable",
        s_unreclaim = "SUnreclaim",
        kernel_stack = "KernelStack",
        shadow_call_stack = "ShadowCallStack",
        page_tables = "PageTables",
        sec_page_tables = "SecPageTables",
        quicklists = "Quicklists",
        nfs_unstable = "NFS_Unstable",
        bounce = "Bounce",
        writeback_tmp = "WritebackTmp",
        commit_limit = "CommitLimit",
        committed_as = "Committed_AS",
        vmalloc_total = "VmallocTotal",
        vmalloc_used = "VmallocUsed",
        vmalloc_chunk = "VmallocChunk",
        percpu = "Percpu",
        early_memtest_bad = "EarlyMemtestBad",
        hardware_corrupted = "HardwareCorrupted",
        anon_huge_pages = "AnonHugePages",
        shmem_huge_pages = "ShmemHugePages",
        shmem_pmd_mapped = "ShmemPmdMapped",
        file_huge_pages = "FileHugePages",
        file_pmd_mapped = "FilePmdMapped",
        cma_total = "CmaTotal",
        cma_free = "CmaFree",
        unaccepted = "Unaccepted",
        balloon = "Balloon",
        /// A page count, not bytes.
        huge_pages_total = "HugePages_Total",
        /// A page count, not bytes.
        huge_pages_free = "HugePages_Free",
        /// A page count, not bytes.
        huge_pages_rsvd = "HugePages_Rsvd",
        /// A page count, not bytes.
        huge_pages_surp = "HugePages_Surp",
        hugepagesize = "Hugepagesize",
        hugetlb = "Hugetlb",
        direct_map_4k = "DirectMap4k",
        direct_map_4m = "DirectMap4M",
        direct_map_2m = "DirectMap2M",
        direct_map_1g = "DirectMap1G",
    }
}

impl MemInfo {
    /// Whether a meminfo field is a page count rather than a size in kB.
    pub fn is_count(kernel_name: &str) -> bool {
        kernel_name.starts_with("HugePages_")
    }
}
