//! `memlens huge`: huge pages of every kind, and who holds them.
//!
//! - **hugetlb** pools (`/sys/kernel/mm/hugepages/hugepages-<size>kB/`): pages reserved
//!   up front for `hugetlbfs`, `MAP_HUGETLB` and `SHM_HUGETLB`. `nr_hugepages` is the
//!   pool (persistent + surplus), `free_hugepages` those not faulted in, `resv_hugepages`
//!   those promised to mappings but not faulted in yet (still counted free), and
//!   `surplus_hugepages` those above the persistent pool, allowed by
//!   `nr_overcommit_hugepages`. A process's hugetlb memory is `HugetlbPages` in its
//!   status and `Private_Hugetlb`/`Shared_Hugetlb` in smaps_rollup; neither is in RSS.
//! - **THP** (transparent huge pages): anonymous memory the kernel backs with PMD-sized
//!   pages by itself (`enabled`: always, madvise or never; `defrag`: how hard a fault
//!   tries to make one). meminfo `AnonHugePages` is the system total; smaps_rollup
//!   `AnonHugePages` each process's share (part of its RSS).
//! - **KSM** (kernel samepage merging): identical anonymous pages of areas registered with
//!   `MADV_MERGEABLE` (or `prctl(PR_SET_MEMORY_MERGE)`) merged into one. `pages_shared`
//!   pages are in use for `pages_sharing` further mappings, so `pages_sharing` pages are
//!   saved (Documentation/admin-guide/mm/ksm.rst). `ksm_merging_pages` of
//!   `/proc/PID/ksm_stat` is how many of one process's pages are merged.

use memlens_model::{HugePool, Ksm, MemInfo, ProcessSample, Thp};
use serde::Serialize;

/// One hugetlb pool: page counts as the kernel gives them, and the same in bytes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PoolRow {
    pub page_size: u64,
    pub total_pages: Option<u64>,
    pub free_pages: Option<u64>,
    pub reserved_pages: Option<u64>,
    pub surplus_pages: Option<u64>,
    pub overcommit_pages: Option<u64>,
    /// `total_pages × page_size`.
    pub total: Option<u64>,
    pub free: Option<u64>,
    pub reserved: Option<u64>,
    pub surplus: Option<u64>,
    /// `(total_pages − free_pages) × page_size`: faulted in by someone.
    pub used: Option<u64>,
}

pub fn pool_row(p: &HugePool) -> PoolRow {
    let b = |n: Option<u64>| n.map(|n| n.saturating_mul(p.page_size));
    PoolRow {
        page_size: p.page_size,
        total_pages: p.nr_hugepages,
        free_pages: p.free_hugepages,
        reserved_pages: p.resv_hugepages,
        surplus_pages: p.surplus_hugepages,
        overcommit_pages: p.nr_overcommit_hugepages,
        total: b(p.nr_hugepages),
        free: b(p.free_hugepages),
        reserved: b(p.resv_hugepages),
        surplus: b(p.surplus_hugepages),
        used: match (p.nr_hugepages, p.free_hugepages) {
            (Some(t), Some(f)) => Some(t.saturating_sub(f).saturating_mul(p.page_size)),
            _ => None,
        },
    }
}

/// A process holding hugetlb memory, in bytes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HugetlbProc {
    pub pid: u32,
    pub user: String,
    pub command: String,
    /// status `HugetlbPages`.
    pub hugetlb_pages: Option<u64>,
    /// smaps_rollup `Private_Hugetlb`.
    pub private_hugetlb: Option<u64>,
    /// smaps_rollup `Shared_Hugetlb`.
    pub shared_hugetlb: Option<u64>,
}

/// A process with transparent huge pages, in bytes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ThpProc {
    pub pid: u32,
    pub user: String,
    pub command: String,
    /// smaps_rollup `AnonHugePages`.
    pub anon_huge_pages: u64,
    /// status `VmRSS`, which includes them.
    pub rss: Option<u64>,
}

/// A process with KSM-merged pages.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KsmProc {
    pub pid: u32,
    pub user: String,
    pub command: String,
    /// ksm_stat `ksm_merging_pages` (a page count).
    pub ksm_merging_pages: u64,
    /// The same in bytes.
    pub ksm_merging: u64,
    /// ksm_stat `ksm_process_profit`, bytes (negative when metadata outweighs savings).
    pub ksm_process_profit: Option<i64>,
}

/// THP policy: the selected option of each selector file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct ThpState {
    /// False when the kernel has no THP (`/sys/kernel/mm/transparent_hugepage` missing).
    pub available: bool,
    pub enabled: Option<String>,
    pub defrag: Option<String>,
    pub shmem_enabled: Option<String>,
    /// Bytes of one PMD-sized huge page (`hpage_pmd_size`).
    pub pmd_size: Option<u64>,
}

/// KSM state and savings.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct KsmState {
    /// False when the kernel has no KSM (`/sys/kernel/mm/ksm` missing).
    pub available: bool,
    /// 0 stopped, 1 running, 2 stopped and unmerged everything.
    pub run: Option<i64>,
    pub pages_shared: Option<i64>,
    pub pages_sharing: Option<i64>,
    pub pages_unshared: Option<i64>,
    pub pages_volatile: Option<i64>,
    /// `pages_sharing × page size`: memory saved by merging.
    pub savings: Option<u64>,
    /// `general_profit` (6.x): savings minus KSM's own metadata, bytes.
    pub general_profit: Option<i64>,
}

/// Everything `memlens huge` shows.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HugeReport {
    pub page_size: u64,
    pub pools: Vec<PoolRow>,
    /// meminfo `Hugetlb` (4.16+): all hugetlb pools' memory, bytes.
    pub hugetlb: Option<u64>,
    pub hugetlb_processes: Vec<HugetlbProc>,
    pub thp: ThpState,
    /// meminfo `AnonHugePages`, `ShmemHugePages`, `FileHugePages`.
    pub anon_huge_pages: Option<u64>,
    pub shmem_huge_pages: Option<u64>,
    pub file_huge_pages: Option<u64>,
    /// The top processes by `AnonHugePages` (those with none are left out).
    pub thp_processes: Vec<ThpProc>,
    /// How many processes have any (before the list was cut to the limit).
    pub thp_processes_total: usize,
    pub ksm: KsmState,
    /// Processes with merged pages, most first (needs `/proc/PID/ksm_stat`, Linux 6.1+).
    pub ksm_processes: Vec<KsmProc>,
    pub ksm_processes_total: usize,
}

/// What the report is built from.
pub struct Inputs<'a> {
    pub pools: &'a [HugePool],
    pub meminfo: &'a MemInfo,
    pub thp: &'a Thp,
    /// Whether the THP directory exists.
    pub thp_available: bool,
    pub ksm: &'a Ksm,
    pub procs: &'a [Box<ProcessSample>],
    pub page_size: u64,
}

/// Builds the report; `limit` cuts the process lists (after sorting, largest first).
pub fn report(
    input: &Inputs<'_>,
    user_name: impl Fn(u32) -> String,
    limit: Option<usize>,
) -> HugeReport {
    let Inputs {
        pools,
        meminfo: mi,
        thp,
        thp_available,
        ksm,
        procs,
        page_size,
    } = *input;
    let user = |s: &ProcessSample| s.status.uid.map(&user_name).unwrap_or_else(|| "?".into());
    let cut = |n: usize| limit.unwrap_or(usize::MAX).min(n);

    let mut hugetlb_processes: Vec<HugetlbProc> = procs
        .iter()
        .filter_map(|s| {
            let r = s.rollup.as_ref();
            let p = HugetlbProc {
                pid: s.pid,
                user: user(s),
                command: s.command(),
                hugetlb_pages: s.status.counters.hugetlb_pages,
                private_hugetlb: r.and_then(|r| r.private_hugetlb),
                shared_hugetlb: r.and_then(|r| r.shared_hugetlb),
            };
            let any = [p.hugetlb_pages, p.private_hugetlb, p.shared_hugetlb]
                .iter()
                .any(|v| v.unwrap_or(0) > 0);
            any.then_some(p)
        })
        .collect();
    let held = |p: &HugetlbProc| {
        p.hugetlb_pages
            .unwrap_or(0)
            .max(p.private_hugetlb.unwrap_or(0) + p.shared_hugetlb.unwrap_or(0))
    };
    hugetlb_processes.sort_by(|a, b| held(b).cmp(&held(a)).then(a.pid.cmp(&b.pid)));
    hugetlb_processes.truncate(cut(hugetlb_processes.len()));

    let mut thp_processes: Vec<ThpProc> = procs
        .iter()
        .filter_map(|s| {
            let a = s.rollup.as_ref()?.anon_huge_pages?;
            (a > 0).then(|| ThpProc {
                pid: s.pid,
                user: user(s),
                command: s.command(),
                anon_huge_pages: a,
                rss: s.status.counters.vm_rss,
            })
        })
        .collect();
    thp_processes.sort_by(|a, b| {
        b.anon_huge_pages
            .cmp(&a.anon_huge_pages)
            .then(a.pid.cmp(&b.pid))
    });
    let thp_processes_total = thp_processes.len();
    thp_processes.truncate(cut(thp_processes_total));

    let mut ksm_processes: Vec<KsmProc> = procs
        .iter()
        .filter_map(|s| {
            let k = s.ksm_stat.as_ref()?;
            let n = u64::try_from(k.get("ksm_merging_pages")?).ok()?;
            (n > 0).then(|| KsmProc {
                pid: s.pid,
                user: user(s),
                command: s.command(),
                ksm_merging_pages: n,
                ksm_merging: n.saturating_mul(page_size),
                ksm_process_profit: k.get("ksm_process_profit"),
            })
        })
        .collect();
    ksm_processes.sort_by(|a, b| {
        b.ksm_merging_pages
            .cmp(&a.ksm_merging_pages)
            .then(a.pid.cmp(&b.pid))
    });
    let ksm_processes_total = ksm_processes.len();
    ksm_processes.truncate(cut(ksm_processes_total));

    let sharing = ksm.get("pages_sharing");
    HugeReport {
        page_size,
        pools: pools.iter().map(pool_row).collect(),
        hugetlb: mi.hugetlb,
        hugetlb_processes,
        thp: ThpState {
            available: thp_available,
            enabled: thp.enabled.as_ref().map(|c| c.selected.clone()),
            defrag: thp.defrag.as_ref().map(|c| c.selected.clone()),
            shmem_enabled: thp.shmem_enabled.as_ref().map(|c| c.selected.clone()),
            pmd_size: thp.hpage_pmd_size,
        },
        anon_huge_pages: mi.anon_huge_pages,
        shmem_huge_pages: mi.shmem_huge_pages,
        file_huge_pages: mi.file_huge_pages,
        thp_processes,
        thp_processes_total,
        ksm: KsmState {
            available: !ksm.0.is_empty(),
            run: ksm.get("run"),
            pages_shared: ksm.get("pages_shared"),
            pages_sharing: sharing,
            pages_unshared: ksm.get("pages_unshared"),
            pages_volatile: ksm.get("pages_volatile"),
            savings: sharing
                .and_then(|n| u64::try_from(n).ok())
                .map(|n| n.saturating_mul(page_size)),
            general_profit: ksm.get("general_profit"),
        },
        ksm_processes,
        ksm_processes_total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use memlens_model::{Choice, KsmStat, SmapsCounters, Status};

    fn proc(pid: u32, ahp: u64, hugetlb: u64, ksm: Option<i64>) -> Box<ProcessSample> {
        let mut st = Status {
            name: format!("p{pid}"),
            uid: Some(0),
            ..Default::default()
        };
        st.counters.vm_rss = Some(ahp + (1 << 20));
        st.counters.hugetlb_pages = Some(hugetlb);
        Box::new(ProcessSample {
            pid,
            status: st,
            rollup: Some(SmapsCounters {
                anon_huge_pages: Some(ahp),
                private_hugetlb: Some(hugetlb),
                shared_hugetlb: Some(0),
                ..Default::default()
            }),
            ksm_stat: ksm.map(|n| KsmStat(vec![("ksm_merging_pages".into(), n)])),
            ..Default::default()
        })
    }

    #[test]
    fn pools_processes_and_ksm() {
        let pools = [HugePool {
            page_size: 2 << 20,
            nr_hugepages: Some(10),
            free_hugepages: Some(4),
            resv_hugepages: Some(1),
            surplus_hugepages: Some(0),
            nr_overcommit_hugepages: Some(0),
        }];
        let mi = MemInfo {
            anon_huge_pages: Some(8 << 20),
            hugetlb: Some(20 << 20),
            ..Default::default()
        };
        let thp = Thp {
            enabled: Some(Choice {
                selected: "madvise".into(),
                options: vec![],
            }),
            ..Default::default()
        };
        let ksm = Ksm(vec![("pages_sharing".into(), 100), ("run".into(), 1)]);
        let procs = [
            proc(1, 0, 0, None),
            proc(2, 4 << 20, 0, Some(0)),
            proc(3, 6 << 20, 12 << 20, Some(7)),
            proc(4, 2 << 20, 0, Some(3)),
        ];
        let input = Inputs {
            pools: &pools,
            meminfo: &mi,
            thp: &thp,
            thp_available: true,
            ksm: &ksm,
            procs: &procs,
            page_size: 4096,
        };
        let r = report(&input, |u| u.to_string(), Some(2));
        assert_eq!(r.pools[0].used, Some(12 << 20));
        assert_eq!(r.pools[0].reserved, Some(2 << 20));
        assert_eq!(
            r.thp_processes.iter().map(|p| p.pid).collect::<Vec<_>>(),
            [3, 2]
        );
        assert_eq!(r.thp_processes_total, 3);
        assert_eq!(r.hugetlb_processes.len(), 1);
        assert_eq!(r.hugetlb_processes[0].pid, 3);
        assert_eq!(r.ksm.savings, Some(409600));
        assert_eq!(
            r.ksm_processes
                .iter()
                .map(|p| (p.pid, p.ksm_merging))
                .collect::<Vec<_>>(),
            [(3, 7 * 4096), (4, 3 * 4096)]
        );
        assert_eq!(r.thp.enabled.as_deref(), Some("madvise"));
    }
}
