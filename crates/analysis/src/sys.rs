//! `memlens sys`: meminfo broken down the way `free -w` does, and explained.

use memlens_model::{MemInfo, ReadFailure, Snapshot};
use serde::Serialize;

/// The summary of a snapshot: its meminfo, and the `vm.*` sysctls `overcommit_memory`
/// and `min_free_kbytes` (a missing sysctl is unknown, not a failure).
pub fn view(s: &Snapshot) -> Result<SysSummary, ReadFailure> {
    let m = s.meminfo.get("meminfo")?;
    let vm = s.sysctl_vm.ok().map(|d| &d.values);
    let int = |name: &str| {
        vm.and_then(|v| v.get(name))
            .and_then(|v| v.trim().parse::<i64>().ok())
    };
    let min_free = if m.mem_available.is_none() {
        int("min_free_kbytes").map(|v| v.max(0) as u64)
    } else {
        None
    };
    Ok(SysSummary::from_meminfo_vm(
        m,
        int("overcommit_memory"),
        min_free,
    ))
}

/// `vm.overcommit_memory` modes.
pub fn overcommit_mode_name(mode: i64) -> &'static str {
    match mode {
        0 => "heuristic",
        1 => "always",
        2 => "never (strict accounting)",
        _ => "unknown",
    }
}

/// The page-cache identity: `Buffers + Cached + SwapCached` (all file pages the kernel
/// holds, NR_FILE_PAGES) against `Active(file) + Inactive(file) + Shmem + SwapCached`
/// (the file LRU plus shmem, which lives on the anon LRU). The difference is mostly
/// unevictable file pages (mlocked files, ramfs).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CacheIdentity {
    pub buffers_cached_swap_cached: u64,
    pub file_lru_shmem_swap_cached: u64,
    /// Left side minus right side, in bytes.
    pub difference: i64,
}

/// The system summary. Every size is bytes; `None` when this kernel lacks the field.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SysSummary {
    pub total: u64,
    /// `total - available`, as procps 4 `free` computes "used".
    pub used: u64,
    /// `total - free - buffers - cached - slab_reclaimable`, the "used" of procps before 4.0.1
    /// (htop and `sar -r` show similar older definitions).
    pub used_legacy: u64,
    pub free: u64,
    pub available: u64,
    /// True when the kernel has no `MemAvailable` (before 3.14) and `available` is
    /// procps's estimate ([`procps_available_estimate`]), or when `MemAvailable` exceeds
    /// `MemTotal` and `available` is `MemFree`, as procps falls back.
    pub available_estimated: bool,
    pub buffers: Option<u64>,
    pub cached: Option<u64>,
    /// `Shmem`: tmpfs, shared anonymous and SysV/POSIX shared memory.
    pub shared: Option<u64>,
    /// `Buffers + Cached + SReclaimable`, `free`'s "buff/cache".
    pub buff_cache: u64,
    pub slab: Option<u64>,
    pub slab_reclaimable: Option<u64>,
    pub slab_unreclaimable: Option<u64>,
    /// `AnonPages`: anonymous memory mapped into processes.
    pub anon: Option<u64>,
    pub anon_active: Option<u64>,
    pub anon_inactive: Option<u64>,
    pub file_active: Option<u64>,
    pub file_inactive: Option<u64>,
    pub unevictable: Option<u64>,
    pub mlocked: Option<u64>,
    pub dirty: Option<u64>,
    pub writeback: Option<u64>,
    pub kernel_stack: Option<u64>,
    pub page_tables: Option<u64>,
    pub vmalloc_used: Option<u64>,
    pub percpu: Option<u64>,
    /// Memory reserved for hugetlb pools (`Hugetlb`, or `HugePages_Total × Hugepagesize`).
    pub hugetlb: Option<u64>,
    pub anon_huge_pages: Option<u64>,
    /// Page cache as the mission counts it: file LRU + shmem (`Active(file) +
    /// Inactive(file) + Shmem`).
    pub page_cache: Option<u64>,
    /// `KernelStack + PageTables`: memory the kernel spends per thread and per mapping.
    pub kernel_stack_page_tables: Option<u64>,
    pub swap_total: Option<u64>,
    pub swap_free: Option<u64>,
    pub swap_used: Option<u64>,
    pub swap_cached: Option<u64>,
    pub commit_limit: Option<u64>,
    pub committed_as: Option<u64>,
    /// `vm.overcommit_memory`: 0 heuristic, 1 always, 2 never.
    pub overcommit_memory: Option<i64>,
    pub cache_identity: Option<CacheIdentity>,
}

/// `MemAvailable` as procps (3.3.10 and later) estimates it on kernels before 3.14, which
/// lack the field: free memory above the low watermark (`min_free_kbytes × 5/4`), plus
/// the file LRU and reclaimable slab, each less the smaller of its half and the watermark.
pub fn procps_available_estimate(m: &MemInfo, min_free_kbytes: Option<u64>) -> u64 {
    let kb = |v: Option<u64>| (v.unwrap_or(0) / 1024) as i128;
    let low = (min_free_kbytes.unwrap_or(0) as i128) * 5 / 4;
    let file = kb(m.active_file) + kb(m.inactive_file);
    let slab = kb(m.s_reclaimable);
    let est = kb(m.mem_free) - low + file - (file / 2).min(low) + slab - (slab / 2).min(low);
    (est.max(0) as u64).saturating_mul(1024)
}

/// Sum of the present values (saturating), `None` when all are absent.
fn sum_present(v: &[Option<u64>]) -> Option<u64> {
    v.iter().flatten().fold(None, |acc: Option<u64>, x| {
        Some(acc.unwrap_or(0).saturating_add(*x))
    })
}

fn sub(a: u64, b: Option<u64>) -> u64 {
    a.saturating_sub(b.unwrap_or(0))
}

impl SysSummary {
    pub fn from_meminfo(m: &MemInfo, overcommit_memory: Option<i64>) -> SysSummary {
        SysSummary::from_meminfo_vm(m, overcommit_memory, None)
    }

    /// The summary, with `vm.min_free_kbytes` (in KiB) for kernels without `MemAvailable`.
    pub fn from_meminfo_vm(
        m: &MemInfo,
        overcommit_memory: Option<i64>,
        min_free_kbytes: Option<u64>,
    ) -> SysSummary {
        let total = m.mem_total.unwrap_or(0);
        let free = m.mem_free.unwrap_or(0);
        let (available, available_estimated) = match m.mem_available {
            Some(a) if a <= total => (a, false),
            Some(_) => (free, true),
            None => (
                procps_available_estimate(m, min_free_kbytes).min(total),
                true,
            ),
        };
        let sreclaimable = m.s_reclaimable;
        let buff_cache = m
            .buffers
            .unwrap_or(0)
            .saturating_add(m.cached.unwrap_or(0))
            .saturating_add(sreclaimable.unwrap_or(0));
        let used_legacy = sub(
            sub(sub(sub(total, Some(free)), m.buffers), m.cached),
            sreclaimable,
        );
        let hugetlb = m
            .hugetlb
            .or_else(|| match (m.huge_pages_total, m.hugepagesize) {
                (Some(n), Some(sz)) => Some(n.saturating_mul(sz)),
                _ => None,
            });
        let cache_identity = match (
            m.buffers,
            m.cached,
            m.swap_cached,
            m.active_file,
            m.inactive_file,
            m.shmem,
        ) {
            (Some(b), Some(c), Some(sc), Some(af), Some(inf), Some(sh)) => {
                let lhs = b.saturating_add(c).saturating_add(sc);
                let rhs = af.saturating_add(inf).saturating_add(sh).saturating_add(sc);
                let diff = lhs as i128 - rhs as i128;
                Some(CacheIdentity {
                    buffers_cached_swap_cached: lhs,
                    file_lru_shmem_swap_cached: rhs,
                    difference: diff.clamp(i64::MIN as i128, i64::MAX as i128) as i64,
                })
            }
            _ => None,
        };
        SysSummary {
            total,
            used: total.saturating_sub(available),
            used_legacy,
            free,
            available,
            available_estimated,
            buffers: m.buffers,
            cached: m.cached,
            shared: m.shmem,
            buff_cache,
            slab: m.slab,
            slab_reclaimable: m.s_reclaimable,
            slab_unreclaimable: m.s_unreclaim,
            anon: m.anon_pages,
            anon_active: m.active_anon,
            anon_inactive: m.inactive_anon,
            file_active: m.active_file,
            file_inactive: m.inactive_file,
            unevictable: m.unevictable,
            mlocked: m.mlocked,
            dirty: m.dirty,
            writeback: m.writeback,
            kernel_stack: m.kernel_stack,
            page_tables: m.page_tables,
            vmalloc_used: m.vmalloc_used,
            percpu: m.percpu,
            hugetlb,
            anon_huge_pages: m.anon_huge_pages,
            page_cache: sum_present(&[m.active_file, m.inactive_file, m.shmem]),
            kernel_stack_page_tables: sum_present(&[m.kernel_stack, m.page_tables]),
            swap_total: m.swap_total,
            swap_free: m.swap_free,
            swap_used: m.swap_total.map(|t| sub(t, m.swap_free)),
            swap_cached: m.swap_cached,
            commit_limit: m.commit_limit,
            committed_as: m.committed_as,
            overcommit_memory,
            cache_identity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mi(pairs: &[(&str, u64)]) -> MemInfo {
        let mut m = MemInfo::default();
        for (k, v) in pairs {
            *m.slot(k).unwrap() = Some(*v);
        }
        m
    }

    #[test]
    fn used_and_identity() {
        let m = mi(&[
            ("MemTotal", 1000),
            ("MemFree", 400),
            ("MemAvailable", 700),
            ("Buffers", 10),
            ("Cached", 200),
            ("SwapCached", 5),
            ("Active(file)", 100),
            ("Inactive(file)", 80),
            ("Shmem", 25),
            ("SReclaimable", 30),
            ("SwapTotal", 100),
            ("SwapFree", 60),
        ]);
        let s = SysSummary::from_meminfo(&m, Some(0));
        assert_eq!(s.used, 300);
        assert_eq!(s.used_legacy, 1000 - 400 - 10 - 200 - 30);
        assert_eq!(s.buff_cache, 240);
        assert_eq!(s.swap_used, Some(40));
        let id = s.cache_identity.unwrap();
        assert_eq!(id.buffers_cached_swap_cached, 215);
        assert_eq!(id.file_lru_shmem_swap_cached, 210);
        assert_eq!(id.difference, 5);
        assert!(!s.available_estimated);
    }

    #[test]
    fn procps_estimate_without_memavailable() {
        // KiB: free 400000, file 300000, slab 50000, min_free 40000 -> low 50000.
        let m = mi(&[
            ("MemTotal", 1_000_000 * 1024),
            ("MemFree", 400_000 * 1024),
            ("Active(file)", 200_000 * 1024),
            ("Inactive(file)", 100_000 * 1024),
            ("SReclaimable", 50_000 * 1024),
        ]);
        let s = SysSummary::from_meminfo_vm(&m, None, Some(40_000));
        // 400000 - 50000 + 300000 - min(150000, 50000) + 50000 - min(25000, 50000)
        assert_eq!(
            s.available,
            (400_000 - 50_000 + 300_000 - 50_000 + 50_000 - 25_000) * 1024
        );
        assert!(s.available_estimated);
        let mut bad = m.clone();
        bad.mem_available = Some(2_000_000 * 1024);
        assert_eq!(
            SysSummary::from_meminfo(&bad, None).available,
            400_000 * 1024,
            "above MemTotal: MemFree"
        );
    }

    #[test]
    fn old_kernel_without_memavailable_is_estimated() {
        let m = mi(&[
            ("MemTotal", 1000 * 1024),
            ("MemFree", 400 * 1024),
            ("HugePages_Total", 2),
            ("Hugepagesize", 2048),
        ]);
        let s = SysSummary::from_meminfo(&m, None);
        assert_eq!(
            s.available,
            400 * 1024,
            "no file pages, no slab, no watermark known"
        );
        assert!(s.available_estimated);
        assert_eq!(s.used, 600 * 1024);
        assert_eq!(s.hugetlb, Some(4096));
        assert_eq!(s.cache_identity, None);
        assert_eq!(s.swap_used, None);
    }
}
