//! `vm.*` (and `kernel.shm*`) tunables: what each means, its usual default, and findings
//! about risky settings. memlens never writes a sysctl; it prints the `sysctl -w` line.

use memlens_model::{MemInfo, Sysctls};
use serde::Serialize;

use crate::findings::{Finding, Severity};

/// What memlens knows of a tunable.
pub struct Known {
    pub name: &'static str,
    /// The kernel's default, as text; "computed" ones say how.
    pub default: &'static str,
    pub meaning: &'static str,
}

macro_rules! known {
    ($($name:literal, $default:literal, $meaning:literal;)*) => {
        &[$(Known { name: $name, default: $default, meaning: $meaning }),*]
    };
}

/// Tunables of today's kernels (Documentation/admin-guide/sysctl/vm.rst, kernel.rst).
pub const KNOWN: &[Known] = known! {
    "vm.admin_reserve_kbytes", "min(3% of free pages, 8 MiB)", "memory kept free for root to log in and recover when overcommit is strict (mode 2)";
    "vm.compact_unevictable_allowed", "1", "whether compaction may move unevictable (mlocked) pages";
    "vm.compaction_proactiveness", "20", "how hard kcompactd compacts in the background (0-100); higher keeps huge pages available at some CPU cost";
    "vm.dirty_background_bytes", "0", "dirty page cache (bytes) at which background writeback starts; 0 means dirty_background_ratio applies";
    "vm.dirty_background_ratio", "10", "dirty page cache, as % of available memory, at which background writeback starts";
    "vm.dirty_bytes", "0", "dirty page cache (bytes) at which writers are throttled and write themselves; 0 means dirty_ratio applies";
    "vm.dirty_expire_centisecs", "3000", "age (1/100 s) after which dirty data is written back";
    "vm.dirty_ratio", "20", "dirty page cache, as % of available memory, at which writing processes are throttled";
    "vm.dirty_writeback_centisecs", "500", "how often (1/100 s) the flusher threads wake up";
    "vm.defrag_mode", "0", "1 makes the allocator and kcompactd keep whole page blocks free for huge pages, at some reclaim cost (6.15+)";
    "vm.numa_zonelist_order", "Node", "obsolete since 4.14: only node order remains; writing anything but Node (or default) fails with EINVAL";
    "vm.vfs_cache_pressure_denom", "100", "denominator of vm.vfs_cache_pressure (6.15+): pressure = vfs_cache_pressure / vfs_cache_pressure_denom";
    "vm.dirtytime_expire_seconds", "43200", "age after which lazily-updated inode timestamps are written";
    "vm.drop_caches", "(write-only)", "writing 1/2/3 drops clean page cache / slab / both; a test tool, not a tuning knob";
    "vm.compact_memory", "(write-only)", "writing 1 compacts all zones now";
    "vm.extfrag_threshold", "500", "fragmentation index (0-1000) above which the kernel compacts rather than reclaims for high-order allocations";
    "vm.hugetlb_shm_group", "0", "group allowed to create SysV shm segments backed by huge pages";
    "vm.laptop_mode", "0", "delay writeback to let disks spin down";
    "vm.legacy_va_layout", "0", "use the old mmap layout (bottom-up)";
    "vm.lowmem_reserve_ratio", "256 256 32 0 ... (one per zone)", "how much of lower zones is kept back from allocations that could use higher zones";
    "vm.max_map_count", "65530", "most mappings (VMAs) one process may have; mmap fails with ENOMEM beyond it";
    "vm.memory_failure_early_kill", "0", "kill processes at once when a hardware memory error hits their pages";
    "vm.memory_failure_recovery", "1", "try to recover from hardware memory errors instead of panicking";
    "vm.min_free_kbytes", "sqrt(lowmem KiB x 16), 128 KiB to 256 MiB", "free memory kept for atomic allocations; sets the zone min watermarks (low and high derive from it)";
    "vm.min_slab_ratio", "5", "NUMA: % of a zone's pages of reclaimable slab before zone reclaim frees slab";
    "vm.min_unmapped_ratio", "1", "NUMA: % of unmapped file pages before zone reclaim runs";
    "vm.mmap_min_addr", "4096 (65536 on most distributions)", "lowest address a process may mmap (guards against NULL-dereference exploits); the kernel's default is CONFIG_DEFAULT_MMAP_MIN_ADDR";
    "vm.mmap_rnd_bits", "28 (x86_64)", "bits of randomness in mmap addresses (ASLR)";
    "vm.mmap_rnd_compat_bits", "8", "ASLR bits for 32-bit processes";
    "vm.nr_hugepages", "0", "size of the default hugetlb pool (pages); reserved memory, used or not";
    "vm.nr_hugepages_mempolicy", "0", "nr_hugepages, allocated on the nodes of the writer's NUMA policy";
    "vm.nr_overcommit_hugepages", "0", "surplus huge pages the pool may grow by on demand";
    "vm.numa_stat", "1", "keep NUMA hit/miss statistics";
    "vm.oom_dump_tasks", "1", "log every task's memory when the OOM killer runs";
    "vm.oom_kill_allocating_task", "0", "kill the task that triggered the OOM instead of the one with the highest oom_score";
    "vm.overcommit_kbytes", "0", "CommitLimit in KiB of RAM instead of overcommit_ratio (mode 2 only)";
    "vm.overcommit_memory", "0", "0 heuristic (refuse only absurd requests), 1 always grant, 2 strict: refuse past CommitLimit";
    "vm.overcommit_ratio", "50", "mode 2: CommitLimit = swap + this % of RAM";
    "vm.page-cluster", "3", "log2 of pages read from swap at once (readahead); 0 is common with zram (compressed RAM), where readahead buys nothing";
    "vm.page_lock_unfairness", "5", "how often a waiter may lose a page lock before it is handed over";
    "vm.panic_on_oom", "0", "panic instead of OOM-killing (1: unless a cpuset/cgroup OOM, 2: always)";
    "vm.percpu_pagelist_high_fraction", "0", "size of per-CPU free page lists as a fraction of the zone; 0 lets the kernel choose";
    "vm.stat_interval", "1", "seconds between updates of vm statistics";
    "vm.stat_refresh", "(write-only)", "reading or writing folds per-CPU vm counters into the global ones";
    "vm.swappiness", "60", "relative cost of swapping anon pages vs dropping file pages, 0-200; 0 swaps only to avoid OOM";
    "vm.unprivileged_userfaultfd", "0", "whether unprivileged users may use userfaultfd for kernel faults";
    "vm.user_reserve_kbytes", "min(3% of free pages, 128 MiB)", "mode 2: memory kept back from each process's commit so a user can still kill a runaway one (applied as min(3% of the process size, this))";
    "vm.vfs_cache_pressure", "100", "how readily dentry and inode caches are reclaimed relative to page cache";
    "vm.watermark_boost_factor", "15000", "how far watermarks are raised temporarily after fragmentation events (1/10000 of high)";
    "vm.watermark_scale_factor", "10", "distance between watermarks in 1/10000 of memory; higher wakes kswapd earlier";
    "vm.zone_reclaim_mode", "0", "NUMA: reclaim in the local node before allocating on a remote one";
    "vm.hugetlb_optimize_vmemmap", "0", "free the struct page memory of hugetlb pages";
    "vm.memfd_noexec", "0", "whether memfd_create without MFD_EXEC/MFD_NOEXEC_SEAL is executable";
    "vm.nr_trim_pages", "1 (no-MMU only)", "no-MMU systems: excess pages trimmed from allocations";
    "kernel.shmmax", "18446744073692774399", "largest SysV shared memory segment (bytes)";
    "kernel.shmall", "18446744073692774399", "total SysV shared memory (pages)";
    "kernel.shmmni", "4096", "most SysV shared memory segments";
    "kernel.shm_rmid_forced", "0", "destroy SysV segments when no process is attached, even without IPC_RMID";
    "kernel.shm_next_id", "-1", "id of the next segment (checkpoint/restore)";
};

/// Tunables that modern kernels no longer have, and what replaced them.
pub const REMOVED: &[(&str, &str)] = &[
    ("vm.nr_pdflush_threads", "removed in 3.x: the pdflush pool was replaced by per-device flusher threads (2.6.32), which need no tuning; see vm.dirty_* for writeback"),
    ("vm.swap_token_timeout", "removed in 3.5 with the swap token (a 2.6 anti-thrashing heuristic); reclaim now balances anon and file pages by vm.swappiness and refault cost"),
    ("vm.block_dump", "removed in 5.12; use the block tracepoints (blktrace, perf trace) instead"),
    ("vm.scan_unevictable_pages", "added with the unevictable LRU in 2.6.28 to rescue pages by hand, disabled in 2011 (3.x) and later removed: the kernel moves pages off the unevictable list itself"),
    ("vm.oom_adj", "not a sysctl: /proc/PID/oom_adj was replaced by /proc/PID/oom_score_adj (-1000..1000) in 2.6.36 and is deprecated"),
    ("vm.swap_tendency", "never a sysctl: a 2.6-era reclaim formula; today vm.swappiness and refault cost balance the anon and file LRUs"),
    ("vm.vdso_enabled", "renamed vm.vdso_enabled on x86_32 only; 64-bit kernels always map the vDSO"),
];

pub fn lookup(name: &str) -> Option<&'static Known> {
    let n = normalize(name);
    KNOWN.iter().find(|k| k.name == n)
}

pub fn removed(name: &str) -> Option<&'static str> {
    let n = normalize(name);
    REMOVED.iter().find(|(k, _)| *k == n).map(|(_, why)| *why)
}

/// `swappiness`, `vm/swappiness` and `vm.swappiness` all name `vm.swappiness`.
pub fn normalize(name: &str) -> String {
    let n = name.trim().replace('/', ".");
    if n.contains('.') && (n.starts_with("vm.") || n.starts_with("kernel.")) {
        n
    } else if n.starts_with("shm") {
        format!("kernel.{n}")
    } else {
        format!("vm.{n}")
    }
}

/// One tunable as shown.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TunableRow {
    pub name: String,
    pub value: String,
    pub default: Option<&'static str>,
    /// True when the value differs from a plain-number default.
    pub changed: bool,
    pub meaning: Option<&'static str>,
}

pub fn rows(vm: &Sysctls, kernel_shm: &Sysctls) -> Vec<TunableRow> {
    let mut out = Vec::new();
    let mut add = |prefix: &str, s: &Sysctls| {
        for (n, v) in &s.0 {
            let name = format!("{prefix}.{n}");
            let k = KNOWN.iter().find(|k| k.name == name);
            let changed = k.is_some_and(|k| {
                let d = k.default.split_whitespace().collect::<Vec<_>>().join(" ");
                let digits = k
                    .default
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
                digits && d != v.split_whitespace().collect::<Vec<_>>().join(" ")
            });
            out.push(TunableRow {
                name,
                value: v.clone(),
                default: k.map(|k| k.default),
                changed,
                meaning: k.map(|k| k.meaning),
            });
        }
    };
    add("vm", vm);
    add("kernel", kernel_shm);
    out
}

/// The min_free_kbytes the kernel computes for `lowmem_kb` of low memory (mm/page_alloc.c:
/// `sqrt(lowmem_kbytes * 16)`, clamped to 128 KiB .. 256 MiB).
pub fn default_min_free_kbytes(lowmem_kb: u64) -> u64 {
    ((lowmem_kb.saturating_mul(16)) as f64)
        .sqrt()
        .clamp(128.0, 262_144.0) as u64
}

/// Findings about risky or unusual settings, most serious first.
pub fn findings(
    vm: &Sysctls,
    mi: &MemInfo,
    numa_nodes: usize,
    thp_enabled: Option<&str>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mib = |b: u64| b >> 20;
    let total = mi.mem_total.unwrap_or(0);
    let swap = mi.swap_total.unwrap_or(0);
    let f = |severity, id, title: String, evidence: String, advice: Option<String>| Finding {
        severity,
        id,
        title,
        evidence,
        next: "memlens tunables".into(),
        advice,
    };
    match vm.get_i64("overcommit_memory") {
        Some(1) => out.push(f(
            Severity::Warning,
            "overcommit_always",
            "vm.overcommit_memory=1: every allocation is granted".into(),
            format!(
                "Committed_AS {} MiB against {} MiB RAM + {} MiB swap; nothing is refused, the OOM killer settles it when the memory is touched",
                mib(mi.committed_as.unwrap_or(0)),
                mib(total),
                mib(swap)
            ),
            Some("sysctl -w vm.overcommit_memory=0".into()),
        )),
        Some(2) => {
            let (c, l) = (mi.committed_as.unwrap_or(0), mi.commit_limit.unwrap_or(0));
            let pct = if l > 0 { c as f64 * 100.0 / l as f64 } else { 0.0 };
            out.push(f(
                if pct >= 90.0 { Severity::Critical } else { Severity::Info },
                "overcommit_strict",
                "vm.overcommit_memory=2: allocations fail past CommitLimit".into(),
                format!(
                    "CommitLimit {} MiB (swap + {}% of RAM), Committed_AS {} MiB ({pct:.0}%)",
                    mib(l),
                    vm.get("overcommit_ratio").unwrap_or("50"),
                    mib(c)
                ),
                (pct >= 90.0).then(|| "sysctl -w vm.overcommit_ratio=80   # or add swap".to_string()),
            ));
        }
        _ => {}
    }
    if vm.get_i64("swappiness") == Some(0) && swap > 0 {
        out.push(f(
            Severity::Warning,
            "swappiness_zero",
            "vm.swappiness=0 with swap configured".into(),
            format!("{} MiB of swap is there, but anon pages go to it only to avoid OOM: page cache is thrown out first and the OOM killer comes sooner", mib(swap)),
            Some("sysctl -w vm.swappiness=10".into()),
        ));
    }
    if let Some(mfk) = vm.get_i64("min_free_kbytes") {
        let want = default_min_free_kbytes(total / 1024);
        if (mfk as u64) < want / 2 {
            out.push(f(
                Severity::Warning,
                "min_free_kbytes_low",
                "vm.min_free_kbytes is far below the kernel's own choice".into(),
                format!("{mfk} KiB, where the kernel's base choice for {} MiB of RAM is {want} KiB (more with transparent huge pages on): atomic allocations (network) may fail under pressure", mib(total)),
                Some(format!("sysctl -w vm.min_free_kbytes={want}")),
            ));
        }
    }
    let dr = vm.get_i64("dirty_ratio");
    let dbr = vm.get_i64("dirty_background_ratio");
    let dbytes = vm.get_i64("dirty_bytes").unwrap_or(0) as u64;
    if dr.is_some_and(|r| r >= 40) || (dbytes > 0 && dbytes > total / 4) {
        out.push(f(
            Severity::Warning,
            "dirty_large",
            "writers may stall for long on a large dirty page cache".into(),
            format!(
                "vm.dirty_ratio={} vm.dirty_bytes={}: up to {} MiB can be dirty before writers are throttled, and flushing it takes long",
                dr.unwrap_or(0),
                dbytes,
                mib(if dbytes > 0 { dbytes } else { total / 100 * dr.unwrap_or(0) as u64 })
            ),
            Some("sysctl -w vm.dirty_ratio=20 vm.dirty_background_ratio=10".into()),
        ));
    }
    if let (Some(r), Some(b)) = (dr, dbr) {
        if b >= r
            && vm.get_i64("dirty_bytes").unwrap_or(0) == 0
            && vm.get_i64("dirty_background_bytes").unwrap_or(0) == 0
        {
            out.push(f(
                Severity::Warning,
                "dirty_background_late",
                "background writeback starts no earlier than throttling".into(),
                format!("vm.dirty_background_ratio={b} >= vm.dirty_ratio={r}: the kernel uses half of dirty_ratio instead, writers hit the throttle first"),
                Some(format!("sysctl -w vm.dirty_background_ratio={}", (r / 2).max(1))),
            ));
        }
    }
    if let Some(z) = vm.get_i64("zone_reclaim_mode") {
        if z != 0 {
            out.push(f(
                if numa_nodes > 1 { Severity::Warning } else { Severity::Info },
                "zone_reclaim",
                format!("vm.zone_reclaim_mode={z}"),
                if numa_nodes > 1 {
                    format!("{numa_nodes} NUMA nodes: the kernel reclaims local page cache rather than use free memory on another node, which often hurts file-serving and database hosts")
                } else {
                    "one NUMA node: it has no effect here".into()
                },
                (numa_nodes > 1).then(|| "sysctl -w vm.zone_reclaim_mode=0".to_string()),
            ));
        }
    }
    if thp_enabled == Some("always") {
        out.push(f(
            Severity::Info,
            "thp_always",
            "transparent huge pages: always".into(),
            "every large anonymous mapping gets huge pages, with compaction stalls and memory bloat that latency-sensitive hosts (databases, Redis) often avoid".into(),
            Some("echo madvise > /sys/kernel/mm/transparent_hugepage/enabled".into()),
        ));
    }
    if let Some(m) = vm.get_i64("max_map_count") {
        if m < 65530 {
            out.push(f(
                Severity::Info,
                "max_map_count_low",
                "vm.max_map_count below the default".into(),
                format!("{m}: processes with many mappings (JVMs, Elasticsearch) will fail mmap"),
                Some("sysctl -w vm.max_map_count=65530".into()),
            ));
        }
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc(pairs: &[(&str, &str)]) -> Sysctls {
        Sysctls(
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    fn mi(total_mib: u64, swap_mib: u64) -> MemInfo {
        MemInfo {
            mem_total: Some(total_mib << 20),
            swap_total: Some(swap_mib << 20),
            committed_as: Some(900 << 20),
            commit_limit: Some(1000 << 20),
            ..Default::default()
        }
    }

    #[test]
    fn risky_settings_are_found() {
        let vm = sc(&[
            ("overcommit_memory", "2"),
            ("overcommit_ratio", "50"),
            ("swappiness", "0"),
            ("min_free_kbytes", "1024"),
            ("dirty_ratio", "60"),
            ("dirty_background_ratio", "70"),
            ("zone_reclaim_mode", "1"),
        ]);
        let f = findings(&vm, &mi(16384, 2048), 2, Some("always"));
        let ids: Vec<&str> = f.iter().map(|f| f.id).collect();
        assert_eq!(f[0].id, "overcommit_strict");
        assert_eq!(f[0].severity, Severity::Critical, "90% of CommitLimit");
        for id in [
            "swappiness_zero",
            "min_free_kbytes_low",
            "dirty_large",
            "dirty_background_late",
            "zone_reclaim",
            "thp_always",
        ] {
            assert!(ids.contains(&id), "{id} in {ids:?}");
        }
        assert!(f.iter().all(|f| f
            .advice
            .as_deref()
            .is_none_or(|a| a.starts_with("sysctl -w") || a.starts_with("echo"))));
        let quiet = findings(
            &sc(&[
                ("overcommit_memory", "0"),
                ("swappiness", "60"),
                ("min_free_kbytes", "67584"),
                ("dirty_ratio", "20"),
                ("dirty_background_ratio", "10"),
                ("zone_reclaim_mode", "0"),
            ]),
            &mi(24000, 0),
            1,
            Some("madvise"),
        );
        assert!(quiet.is_empty(), "{quiet:?}");
    }

    #[test]
    fn defaults_names_and_removed() {
        assert_eq!(default_min_free_kbytes(24_684_096), 19_873);
        assert_eq!(default_min_free_kbytes(1024), 128);
        assert_eq!(normalize("swappiness"), "vm.swappiness");
        assert_eq!(normalize("vm/dirty_ratio"), "vm.dirty_ratio");
        assert_eq!(normalize("shmmax"), "kernel.shmmax");
        assert!(lookup("swappiness").unwrap().meaning.contains("swap"));
        assert!(removed("nr_pdflush_threads").unwrap().contains("flusher"));
        assert!(removed("swap_token_timeout").is_some());
        let r = rows(
            &sc(&[("swappiness", "10"), ("dirty_ratio", "20")]),
            &Sysctls::default(),
        );
        assert!(r[0].changed && !r[1].changed);
    }
}
