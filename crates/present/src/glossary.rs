//! `memlens explain`: what each term memlens shows means, in one place.
//!
//! Every meminfo field (by its kernel name, as `memlens sys` reads them), the vmstat
//! counters `memlens vmstat` shows, the concepts behind the views (RSS, PSS, THP, KSM, PSI,
//! watermarks...), and obsolete terms still found in old documentation, each explained as
//! obsolete with what replaced it. Lookup ignores case, and then spaces, `-` and `_`.

use memlens_catalogue::shared_meaning;
use serde::Serialize;

/// One glossary entry.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Entry {
    /// The name shown (the kernel's spelling for kernel fields).
    pub term: &'static str,
    /// `concept`, `meminfo`, `vmstat`, `process` (per-process files), `sysctl` or `sysfs`.
    pub kind: &'static str,
    pub meaning: &'static str,
    /// True for terms of older kernels; `meaning` says what replaced them.
    pub obsolete: bool,
    /// Other names that find this entry.
    #[serde(skip)]
    pub aliases: &'static [&'static str],
}

const fn e(term: &'static str, kind: &'static str, meaning: &'static str) -> Entry {
    Entry {
        term,
        kind,
        meaning,
        obsolete: false,
        aliases: &[],
    }
}

const fn a(
    term: &'static str,
    aliases: &'static [&'static str],
    kind: &'static str,
    meaning: &'static str,
) -> Entry {
    Entry {
        term,
        kind,
        meaning,
        obsolete: false,
        aliases,
    }
}

const fn old(term: &'static str, kind: &'static str, meaning: &'static str) -> Entry {
    Entry {
        term,
        kind,
        meaning,
        obsolete: true,
        aliases: &[],
    }
}

/// Every entry, concepts first, then meminfo in kernel order, vmstat, obsolete terms.
pub const ENTRIES: &[Entry] = &[
    // Concepts.
    a("VSS", &["VSZ", "VmSize", "virtual size"], "concept",
      "Virtual set size: the address space a process has mapped (status VmSize, ps VSZ), touched or not. mmap of 1 GiB raises it by 1 GiB at once; it says little about RAM use."),
    a("RSS", &["VmRSS", "resident set size"], "concept",
      "Resident set size: the process's pages in RAM now (status VmRSS = RssAnon + RssFile + RssShmem). A page shared by ten processes counts in each one's RSS, so RSS summed over processes overstates memory use."),
    a("PSS", &["proportional set size"], "concept",
      "Proportional set size (smaps Pss): each resident page divided by the number of processes mapping it. Summed over all processes it is the memory they really use."),
    a("USS", &["unique set size"], "concept",
      "Unique set size: Private_Clean + Private_Dirty + Private_Hugetlb of smaps, the pages only this process maps: what its exit would free."),
    a("swap PSS", &["SwapPss", "swap_pss"], "concept",
      "Proportional swap (smaps SwapPss, 4.3+): the process's swapped-out pages, each divided by the number of processes sharing it, like PSS for swap."),
    a("anon", &["anonymous", "anonymous memory", "RssAnon"], "concept",
      "Anonymous memory: pages backed by no file (heap, stacks, private copies made by copy-on-write, MAP_ANONYMOUS). It can only go to swap, never be dropped. meminfo AnonPages is the system's mapped total; status RssAnon a process's."),
    a("file-backed", &["file", "file-backed memory", "RssFile"], "concept",
      "File-backed memory: page cache pages of mapped files (programs, libraries, mmap of a file). Clean ones can be dropped and read again; dirty ones are written back first. status RssFile is a process's resident part."),
    a("page cache", &["pagecache", "cache"], "concept",
      "Pages holding file contents in RAM, mapped or not (meminfo Cached + Buffers). Reads fill it and writes go through it. Clean page cache is dropped under pressure, which is why it counts as available."),
    a("working set", &["workingset", "refault"], "concept",
      "The pages a workload touches again soon. The kernel estimates it from refaults: a page read back in shortly after being evicted (vmstat workingset_refault_*) means the working set no longer fits, and reclaim shifts towards the other LRU."),
    a("watermarks", &["watermark", "min", "low", "high"], "concept",
      "Per-zone free-page thresholds (zoneinfo min/low/high, from vm.min_free_kbytes and vm.watermark_scale_factor). Below low, kswapd wakes to reclaim until high; below min, allocations reclaim directly (stall) and only atomic ones may dip further. See memlens zones."),
    a("buddy orders", &["buddy", "order", "orders", "buddy allocator"], "concept",
      "The page allocator keeps free memory in blocks of 2^order pages (order 0 = 4 KiB up to order 10 = 4 MiB on x86_64), listed per zone in /proc/buddyinfo. Plenty of free memory but no high-order blocks is fragmentation: huge page and large kernel allocations then fail or compact. See memlens buddy."),
    a("PSI", &["pressure", "pressure stall information", "memory pressure"], "concept",
      "Pressure stall information (/proc/pressure/memory, 4.20+): the share of time some (at least one) or full (all non-idle) tasks were stalled waiting for memory (reclaim, refaults, compaction), as 10 s, 60 s and 300 s averages and a total in microseconds."),
    a("THP", &["transparent huge pages", "transparent hugepages", "transparent_hugepage"], "concept",
      "Transparent huge pages: the kernel backs anonymous memory with 2 MiB pages by itself (enabled: always, madvise or never; defrag: how hard a fault tries to get one; khugepaged collapses small pages later). Fewer TLB misses, but more memory per touched region. See memlens huge."),
    a("KSM", &["kernel samepage merging", "samepage merging"], "concept",
      "Kernel samepage merging: ksmd scans memory registered with MADV_MERGEABLE (or prctl PR_SET_MEMORY_MERGE) and merges identical pages into one copy-on-write page. pages_sharing x page size is the memory saved. See memlens huge."),
    a("overcommit", &["vm.overcommit_memory", "overcommit_memory", "overcommit_ratio"], "concept",
      "Granting more virtual memory than RAM + swap, betting it will not all be touched. vm.overcommit_memory 0 refuses only obvious overcommits (heuristic), 1 never refuses, 2 refuses beyond CommitLimit. Memory granted but not there is settled at touch time by the OOM killer."),
    a("OOM score", &["oom_score", "oom killer", "OOM"], "concept",
      "/proc/PID/oom_score: the badness the OOM killer ranks processes by when memory runs out: RSS + swap + page tables as a share of RAM + swap, shifted by oom_score_adj. Since Linux 5.9 it is printed as (1000 + badness per mille) x 2/3, in 0..2000: an idle process with oom_score_adj 0 scores about 666. The highest is killed first. See memlens oom."),
    a("oom_score_adj", &[], "process",
      "/proc/PID/oom_score_adj, -1000..1000: added (in thousandths of memory) to a process's OOM badness. -1000 exempts it from the OOM killer, +1000 makes it the first victim. Replaced oom_adj in 2.6.36."),
    a("swappiness", &["vm.swappiness"], "sysctl",
      "vm.swappiness (0..200, default 60): how readily reclaim takes anonymous pages (to swap) rather than file pages; 100 weighs them equally. With refault cost tracking (5.8+) the kernel also balances the two LRUs by what evicting each has cost."),
    a("swap", &["swap space"], "concept",
      "Disk (or zram/zswap) space anonymous and shmem pages are written to when reclaimed. Swap used is SwapTotal - SwapFree; a process's share is smaps Swap. Swapping since boot shows in vmstat pswpin/pswpout."),
    a("LRU", &["lru lists", "active list", "inactive list"], "concept",
      "The reclaim lists: anon and file pages each on an active and an inactive list (meminfo Active(anon), Inactive(file), ...). Reclaim takes pages from the inactive tails; pages referenced again are promoted. Multi-gen LRU (6.1+) refines this with generations."),
    a("used", &["memory used"], "concept",
      "memlens sys: MemTotal - MemAvailable, as procps 4 free computes it: memory that cannot be had without swapping or killing. 'used (legacy)' is total - free - buffers - cached - SReclaimable, the older procps, htop and sar definition."),
    // meminfo, in the kernel's order.
    a("MemTotal", &["total"], "meminfo",
      "Usable RAM: physical memory minus firmware reservations and the kernel's own code and early allocations."),
    a("MemFree", &["free"], "meminfo",
      "RAM used for nothing at all. Low MemFree is normal: the kernel fills idle RAM with page cache."),
    a("MemAvailable", &["available"], "meminfo",
      "The kernel's estimate (3.14+) of memory available for new work without swapping: MemFree above the watermarks plus the page cache and reclaimable slab that can be freed. The figure to watch; memlens falls back to MemFree before 3.14."),
    a("Buffers", &[], "meminfo",
      "Page cache of block devices themselves (filesystem metadata, raw device reads), not of files. Usually small."),
    a("Cached", &[], "meminfo",
      "Page cache of files, including tmpfs and shared memory (Shmem), excluding SwapCached. Not all of it can be dropped: Shmem cannot, only swapped."),
    a("SwapCached", &["swap cache"], "meminfo",
      "Swap cache: pages that are both in RAM and in swap (swapped in and not modified since, or being swapped out). They can be freed without I/O; with plenty of swap free the kernel keeps them to avoid writing again."),
    e("Active", "meminfo", "Pages on the active LRU lists (anon + file): used recently, reclaimed last."),
    e("Inactive", "meminfo", "Pages on the inactive LRU lists (anon + file): the candidates for reclaim."),
    e("Active(anon)", "meminfo", "Anonymous and shmem pages on the active list: recently used, swapped out last."),
    e("Inactive(anon)", "meminfo", "Anonymous and shmem pages on the inactive list: the first to go to swap."),
    e("Active(file)", "meminfo", "File pages on the active list: page cache used more than once recently."),
    e("Inactive(file)", "meminfo", "File pages on the inactive list: page cache the kernel drops (or writes back) first under pressure."),
    e("Unevictable", "meminfo", "Pages that cannot be reclaimed: mlocked memory, ramfs, SHM_LOCKed segments, some GPU buffers."),
    e("Mlocked", "meminfo", "Pages locked in RAM with mlock/mlockall or MAP_LOCKED; part of Unevictable."),
    e("HighTotal", "meminfo", "32-bit kernels only: RAM above the kernel's direct map (highmem), usable by processes and page cache but not by most kernel structures."),
    e("HighFree", "meminfo", "32-bit kernels only: free highmem."),
    e("LowTotal", "meminfo", "32-bit kernels only: RAM the kernel maps directly (lowmem), which its own structures need."),
    e("LowFree", "meminfo", "32-bit kernels only: free lowmem; running out of it kills processes even with highmem free."),
    e("MmapCopy", "meminfo", "Kernels without an MMU (nommu) only: memory used to copy mappings that cannot be shared in place."),
    e("SwapTotal", "meminfo", "All swap space configured (partitions, files, zram)."),
    e("SwapFree", "meminfo", "Swap space not in use; swap used is SwapTotal - SwapFree."),
    e("Zswap", "meminfo", "RAM taken by the zswap compressed cache (5.19+): the compressed size of what it holds."),
    e("Zswapped", "meminfo", "Uncompressed size of the pages held in zswap; Zswapped / Zswap is the compression ratio."),
    a("Dirty", &["dirty pages"], "meminfo",
      "File pages modified in RAM and not yet written back. Flusher threads write them after vm.dirty_expire_centisecs or when vm.dirty_background_ratio/bytes is passed; writers are throttled at vm.dirty_ratio/bytes."),
    a("Writeback", &["writeback pages"], "meminfo",
      "Dirty pages being written to disk right now. Persistently high Writeback means storage is the bottleneck."),
    a("AnonPages", &["anon pages"], "meminfo",
      "Anonymous pages mapped into user page tables (includes AnonHugePages; not shmem). Compare with Σ RssAnon of processes."),
    e("Mapped", "meminfo", "Page cache pages mapped into some process (files, libraries, shmem that is mapped): the part of Cached in use by mappings."),
    a("Shmem", &["shared memory", "tmpfs"], "meminfo",
      "Shared memory and tmpfs pages: tmpfs/devtmpfs files, SysV and POSIX shared memory, shared anonymous mappings, memfd, some GPU buffers. Counted in Cached but cannot be dropped, only swapped. See memlens ipc."),
    e("KReclaimable", "meminfo", "Kernel memory the kernel can reclaim under pressure (4.20+): SReclaimable plus other reclaimable kernel caches (such as ION). Counted in MemAvailable."),
    a("Slab", &["slab cache", "slabs"], "meminfo",
      "Kernel object caches (dentries, inodes, buffers of all kinds): SReclaimable + SUnreclaim. See memlens slab."),
    e("SReclaimable", "meminfo", "The part of Slab that can be freed under pressure, mostly dentry and inode caches. Counted as available; drop_caches 2 frees it."),
    e("SUnreclaim", "meminfo", "The part of Slab that cannot be freed on demand (network buffers, kernel objects in use). Growing SUnreclaim with no workload reason suggests a kernel leak."),
    e("KernelStack", "meminfo", "Kernel stacks, one per thread (16 KiB on x86_64): grows with the number of threads."),
    e("ShadowCallStack", "meminfo", "arm64 with shadow call stacks: memory of those stacks, one per thread."),
    e("PageTables", "meminfo", "Memory holding page tables that map virtual to physical addresses; grows with the RSS and number of processes (and without huge pages)."),
    e("SecPageTables", "meminfo", "Secondary page tables (6.0+): KVM and IOMMU page tables mapping guest or device memory."),
    old("Quicklists", "meminfo", "Obsolete: a cache of free page-table pages on some architectures; removed in Linux 5.4, when page tables went back to the page allocator directly."),
    old("NFS_Unstable", "meminfo", "Obsolete: NFS pages written to the server but not yet committed to stable storage. Always 0 since Linux 5.8, which counts them in Writeback instead."),
    e("Bounce", "meminfo", "Pages used as bounce buffers, copies for devices that cannot reach the real page (old DMA limits). Normally 0."),
    e("WritebackTmp", "meminfo", "Temporary buffers FUSE uses for writeback."),
    e("CommitLimit", "meminfo", "Most memory that can be committed under vm.overcommit_memory=2: swap + RAM x vm.overcommit_ratio% (or vm.overcommit_kbytes), less huge page pools. Enforced only in mode 2."),
    a("Committed_AS", &["committed"], "meminfo",
      "Memory promised to all processes (private writable mappings), touched or not: what would be needed if every allocation were used. Above CommitLimit it is refused in mode 2 only."),
    e("VmallocTotal", "meminfo", "Size of the kernel's vmalloc address space (huge on 64-bit); not memory."),
    e("VmallocUsed", "meminfo", "Memory allocated with vmalloc (modules, some drivers and buffers). Was always 0 from Linux 4.3 until 5.3."),
    old("VmallocChunk", "meminfo", "Obsolete: the largest free vmalloc area. Always 0 since Linux 4.3, which stopped computing it (the walk was too costly)."),
    e("Percpu", "meminfo", "Memory of per-CPU allocations (4.16+), grows with CPUs and with cgroups (each has per-CPU counters)."),
    e("EarlyMemtestBad", "meminfo", "RAM found bad by the memtest= boot option, and not used."),
    e("HardwareCorrupted", "meminfo", "RAM taken out of use after hardware memory errors (ECC, memory-failure)."),
    a("AnonHugePages", &["anon huge pages"], "meminfo",
      "Anonymous memory in transparent huge pages (part of AnonPages). A process's share is smaps AnonHugePages. See memlens huge."),
    e("ShmemHugePages", "meminfo", "Shmem and tmpfs memory in huge pages (4.8+, see transparent_hugepage/shmem_enabled)."),
    e("ShmemPmdMapped", "meminfo", "Shmem huge pages mapped into user space with a single PMD entry."),
    e("FileHugePages", "meminfo", "Page cache of files held in huge pages (5.4+; large folios of filesystems that support them)."),
    e("FilePmdMapped", "meminfo", "File huge pages mapped into user space with a single PMD entry."),
    e("CmaTotal", "meminfo", "Memory reserved for the contiguous memory allocator (devices needing large physically contiguous buffers); movable pages may borrow it meanwhile."),
    e("CmaFree", "meminfo", "The CMA area not allocated to devices."),
    e("Unaccepted", "meminfo", "Confidential-computing guests (TDX, SEV-SNP, 6.5+): memory the guest has not accepted from the host yet, accepted lazily on first use."),
    e("Balloon", "meminfo", "Memory taken by a balloon driver (virtio-balloon) and given back to the hypervisor."),
    // The default-size pool's figures of `memlens huge`: the catalogue's meanings.
    e("HugePages_Total", "meminfo", concat!(shared_meaning!(huge_total_pages), "; of the default-size pool (memlens huge shows every pool).")),
    e("HugePages_Free", "meminfo", concat!(shared_meaning!(huge_free_pages), "; of the default-size pool.")),
    e("HugePages_Rsvd", "meminfo", concat!(shared_meaning!(huge_reserved_pages), "; of the default-size pool.")),
    e("HugePages_Surp", "meminfo", concat!(shared_meaning!(huge_surplus_pages), "; of the default-size pool.")),
    e("Hugepagesize", "meminfo", "Size of the default hugetlb page (2048 kB on x86_64)."),
    a("Hugetlb", &["hugetlbfs", "huge pages", "hugepages"], "meminfo",
      "Memory in all hugetlb pools of all sizes (4.16+). Hugetlb pages are reserved up front in pools per size (vm.nr_hugepages, /sys/kernel/mm/hugepages) and used through hugetlbfs, MAP_HUGETLB or SHM_HUGETLB; never swapped, and in no process's RSS nor in AnonPages. See memlens huge."),
    e("DirectMap4k", "meminfo", "Part of the kernel's direct map of RAM mapped with 4 KiB pages; splits (by module loading, debug options) move memory here from the larger sizes and cost TLB misses."),
    e("DirectMap4M", "meminfo", "32-bit non-PAE x86: direct map in 4 MiB pages."),
    e("DirectMap2M", "meminfo", "Part of the kernel's direct map of RAM mapped with 2 MiB pages."),
    e("DirectMap1G", "meminfo", "Part of the kernel's direct map of RAM mapped with 1 GiB pages."),
    // vmstat counters memlens vmstat shows.
    e("pgfault", "vmstat", "Page faults since boot, minor and major: a process touched a page not mapped yet (first touch, copy-on-write, page cache already in RAM)."),
    e("pgmajfault", "vmstat", "Major page faults: the page had to be read from disk or swap. A high rate means the working set does not fit."),
    e("pswpin", "vmstat", "Pages read in from swap since boot."),
    e("pswpout", "vmstat", "Pages written out to swap since boot. Sustained swap-out means memory is short."),
    e("pgpgin", "vmstat", "KiB read from block devices into memory since boot (all I/O, not only paging, despite the name)."),
    e("pgpgout", "vmstat", "KiB written from memory to block devices since boot."),
    e("pgscan", "vmstat", "Pages scanned for reclaim by anyone: pgscan_anon + pgscan_file (Linux 5.8+), which, unlike the per-reclaimer counters, include memory cgroups reclaiming against their limits; on older kernels the sum of the global reclaimers."),
    e("pgscan_memcg", "vmstat", "Pages scanned by memory cgroups reclaiming against their own memory.high/memory.max (v1 limit_in_bytes): pgscan less the global reclaimers (kswapd, direct, khugepaged, proactive), which the kernel does not count for cgroup reclaim. sar -B does not show it; unknown before Linux 5.8."),
    e("pgsteal_memcg", "vmstat", "Pages reclaimed by memory cgroups against their own limits: pgsteal_anon + pgsteal_file less the global reclaimers' pgsteal_*."),
    e("pgscan_khugepaged", "vmstat", "Pages scanned by khugepaged reclaiming to collapse huge pages (global reclaim only)."),
    e("pgscan_proactive", "vmstat", "Pages scanned by proactive reclaim asked for through memory.reclaim (Linux 6.14+), counted here when it is global."),
    e("pgscan_kswapd", "vmstat", "Pages kswapd scanned for reclaim in the background (memlens sums the per-zone pgscan_kswapd_* of old kernels). Global reclaim only."),
    e("pgscan_direct", "vmstat", "Pages scanned by direct reclaim: allocating processes reclaiming themselves and stalling, because kswapd could not keep up. Global reclaim only: a cgroup at its limit reclaims as pgscan_memcg."),
    e("pgsteal", "vmstat", "Pages reclaimed by anyone: pgsteal_anon + pgsteal_file (5.8+; before, pgsteal_kswapd + pgsteal_direct). pgsteal / pgscan is %vmeff, over all reclaim (sar's counts only global reclaim)."),
    e("pgsteal_kswapd", "vmstat", "Pages kswapd reclaimed."),
    e("pgsteal_direct", "vmstat", "Pages direct reclaim reclaimed."),
    e("compact_stall", "vmstat", "Times an allocation stalled to compact memory (move pages to make high-order blocks): fragmentation costs latency."),
    e("thp_fault_alloc", "vmstat", "Page faults served with a newly allocated transparent huge page."),
    e("oom_kill", "vmstat", "Processes killed by the OOM killer since boot (4.13+), system-wide and in cgroups."),
    // Obsolete terms.
    old("pdflush", "concept", "Obsolete: the pool of kernel threads that wrote dirty pages back before Linux 2.6.32. Replaced by per-backing-device flusher threads (flush-MAJ:MIN, then kworker writeback work items), one per device, so one slow disk no longer stalls the others."),
    old("nr_pdflush_threads", "sysctl", "Obsolete: /proc/sys/vm/nr_pdflush_threads, the number of pdflush threads. Meaningless since per-bdi flusher threads replaced pdflush in 2.6.32; the file was later deprecated and removed."),
    old("swap_token_timeout", "sysctl", "Obsolete: /proc/sys/vm/swap_token_timeout, how long the swap token protected one thrashing process's pages from reclaim. The swap token was removed in Linux 3.5; reclaim's LRU and refault logic handle thrashing."),
    old("oom_adj", "process", "Obsolete: /proc/PID/oom_adj, -17..15 (-17 exempt). Replaced by oom_score_adj (-1000..1000) in 2.6.36; writing oom_adj still works as a scaled view of oom_score_adj, and was deprecated then."),
    old("swap_tendency", "concept", "Obsolete: the 2.6-era reclaim heuristic (mapped ratio / 2 + distress + vm_swappiness) deciding when to start reclaiming mapped pages. Removed with the split anon/file LRUs in 2.6.28; today vm.swappiness and refault cost balance the anon and file LRUs."),
];

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The entry for a term or alias: exact ignoring case first, then also ignoring spaces,
/// `-` and `_` (`swap-pss`, `Committed AS`).
pub fn lookup(term: &str) -> Option<&'static Entry> {
    let t = term.trim();
    let names = |e: &'static Entry| std::iter::once(e.term).chain(e.aliases.iter().copied());
    ENTRIES
        .iter()
        .find(|e| names(e).any(|n| n.eq_ignore_ascii_case(t)))
        .or_else(|| {
            let k = norm(t);
            ENTRIES.iter().find(|e| names(e).any(|n| norm(n) == k))
        })
}

/// Levenshtein distance over characters.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Terms close to an unknown one, closest first (at most 5): by edit distance over the
/// normalised names (within a third of the length, at least 2), then names containing it.
pub fn suggestions(term: &str) -> Vec<&'static str> {
    let k = norm(term);
    if k.is_empty() {
        return Vec::new();
    }
    let limit = (k.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &'static str)> = Vec::new();
    for e in ENTRIES {
        let best = std::iter::once(e.term)
            .chain(e.aliases.iter().copied())
            .map(|n| {
                let nn = norm(n);
                let d = distance(&k, &nn);
                if d > limit
                    && (nn.contains(&k) || (k.len() >= 4 && nn.len() >= 3 && k.contains(&nn)))
                {
                    limit
                } else {
                    d
                }
            })
            .min()
            .unwrap_or(usize::MAX);
        if best <= limit {
            scored.push((best, e.term));
        }
    }
    scored.sort();
    scored.dedup_by_key(|s| s.1);
    scored.into_iter().take(5).map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_ignores_case_and_separators() {
        assert_eq!(lookup("sreclaimable").unwrap().term, "SReclaimable");
        assert_eq!(lookup("VSZ").unwrap().term, "VSS");
        assert_eq!(lookup("swap-pss").unwrap().term, "swap PSS");
        assert_eq!(lookup("committed as").unwrap().term, "Committed_AS");
        assert_eq!(lookup("Active(File)").unwrap().term, "Active(file)");
        assert!(lookup("nonsense").is_none());
    }

    #[test]
    fn names_are_unique() {
        let mut all: Vec<String> = ENTRIES
            .iter()
            .flat_map(|e| std::iter::once(e.term).chain(e.aliases.iter().copied()))
            .map(|n| n.to_ascii_lowercase())
            .collect();
        all.sort();
        let twice: Vec<&String> = all
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| &w[0])
            .collect();
        assert!(twice.is_empty(), "used twice: {twice:?}");
        for e in ENTRIES {
            assert!(!e.meaning.is_empty());
            assert_eq!(e.obsolete, e.meaning.starts_with("Obsolete"), "{}", e.term);
        }
    }

    #[test]
    fn suggestions_are_close() {
        assert_eq!(suggestions("SReclaimabel")[0], "SReclaimable");
        assert!(suggestions("pgmajflt").contains(&"pgmajfault"));
        assert_eq!(suggestions("hugepage")[0], "Hugetlb");
        assert!(suggestions("zzzzzzzzzz").is_empty());
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
