//! `memlens oom`: processes in the order the OOM killer would pick them.
//!
//! When memory runs out, the kernel kills the process with the highest badness: its RSS,
//! swap entries and page tables in pages, plus `oom_score_adj` thousandths of all memory
//! (Documentation/filesystems/proc.rst, "/proc/<pid>/oom_score_adj"). `/proc/PID/oom_score`
//! shows that badness normalised against all memory (RAM + swap): since Linux 5.9 as
//! `(1000 + badness × 1000 / totalpages) × 2/3`, in 0..2000, so an idle process with
//! `oom_score_adj` 0 shows about 666 (fs/proc/base.c, `proc_oom_score`). Ranking by it is
//! the kernel's order (up to the rounding of the normalisation). `oom_score_adj` ranges from -1000 (never kill: `OOM_SCORE_ADJ_MIN`)
//! to +1000 (kill first). The kernel never picks init (PID 1), kernel threads, or a process
//! whose adjustment is -1000. `/proc/PID/oom_adj` (-17..15) is obsolete since 2.6.36: it is
//! a scaled view of `oom_score_adj`, kept for old programs.

use serde::Serialize;

use crate::procs::ProcRow;

/// `oom_score_adj` that exempts a process from the OOM killer.
pub const OOM_SCORE_ADJ_MIN: i64 = -1000;

/// One process as the OOM killer sees it. Sizes in bytes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OomRow {
    pub pid: u32,
    pub user: String,
    pub comm: String,
    pub command: String,
    pub oom_score: Option<i64>,
    pub oom_score_adj: Option<i64>,
    pub rss: Option<u64>,
    pub swap: Option<u64>,
    pub pss: Option<u64>,
    /// Memory cgroup path.
    pub cgroup: Option<String>,
    /// False for init and for `oom_score_adj = -1000`: the kernel never picks these.
    pub killable: bool,
    /// The kernel's unrounded badness in pages (`oom_badness()` in mm/oom_kill.c): RSS +
    /// swap entries + page tables, plus `oom_score_adj` × (RAM + swap pages) / 1000.
    /// `oom_score` is this scaled and rounded; two processes with the same score are
    /// told apart by it. `None` when a figure could not be read.
    pub badness: Option<i64>,
}

/// The kernel's badness of one process, in pages; `total_pages` is RAM + swap in pages.
pub fn badness(r: &ProcRow, page_size: u64, total_pages: u64) -> Option<i64> {
    let pages = (r.rss? + r.swap.unwrap_or(0) + r.page_tables?) / page_size.max(1);
    let adj = r.oom_score_adj.unwrap_or(0);
    Some(pages as i64 + adj * (total_pages / 1000) as i64)
}

pub fn killable(pid: u32, adj: Option<i64>) -> bool {
    pid != 1 && adj != Some(OOM_SCORE_ADJ_MIN)
}

/// Rows ranked as the OOM killer would pick them: by `oom_score`, highest first; equal
/// scores by the unrounded badness; equal badness by PID, highest first (the kernel keeps
/// the last of equals it meets walking the task list, which runs in creation order).
/// Unknown scores come last. `total_pages` is MemTotal + SwapTotal in pages.
pub fn rank(rows: &[ProcRow], page_size: u64, total_pages: u64) -> Vec<OomRow> {
    let mut v: Vec<OomRow> = rows
        .iter()
        .map(|r| OomRow {
            pid: r.pid,
            user: r.user.clone(),
            comm: r.comm.clone(),
            command: r.command.clone(),
            oom_score: r.oom_score,
            oom_score_adj: r.oom_score_adj,
            rss: r.rss,
            swap: r.swap,
            pss: r.pss,
            cgroup: r.cgroup.clone(),
            killable: killable(r.pid, r.oom_score_adj),
            badness: badness(r, page_size, total_pages),
        })
        .collect();
    v.sort_by(|a, b| {
        b.oom_score
            .unwrap_or(i64::MIN)
            .cmp(&a.oom_score.unwrap_or(i64::MIN))
            .then(
                b.badness
                    .unwrap_or(i64::MIN)
                    .cmp(&a.badness.unwrap_or(i64::MIN)),
            )
            .then(b.pid.cmp(&a.pid))
    });
    v
}

/// The process the OOM killer would pick now: the highest score among killable ones.
pub fn first_victim(ranked: &[OomRow]) -> Option<&OomRow> {
    ranked.iter().find(|r| r.killable && r.oom_score.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pid: u32, score: Option<i64>, adj: i64) -> ProcRow {
        ProcRow {
            pid,
            user: "root".into(),
            comm: "x".into(),
            command: "x".into(),
            oom_score: score,
            oom_score_adj: Some(adj),
            ..Default::default()
        }
    }

    #[test]
    fn ranking_and_victim() {
        let r = rank(
            &[
                row(1, Some(900), 0),
                row(10, Some(5), 0),
                row(11, Some(700), -1000),
                row(12, None, 0),
                row(13, Some(666), 500),
            ],
            4096,
            1 << 20,
        );
        let pids: Vec<u32> = r.iter().map(|x| x.pid).collect();
        assert_eq!(pids, vec![1, 11, 13, 10, 12]);
        assert!(!r[0].killable && !r[1].killable);
        assert_eq!(first_victim(&r).unwrap().pid, 13);
        assert_eq!(
            first_victim(&rank(&[row(1, Some(3), 0)], 4096, 1 << 20)),
            None
        );
    }

    #[test]
    fn equal_scores_are_told_apart_by_badness_then_by_the_later_pid() {
        let sized = |pid, rss: u64, swap: u64, pte: u64| ProcRow {
            rss: Some(rss),
            swap: Some(swap),
            page_tables: Some(pte),
            ..row(pid, Some(667), 0)
        };
        // A 1 MiB memfd holder with the lower PID, a 14 MiB python with the higher: the
        // same rounded oom_score on a large machine, very different badness.
        let r = rank(
            &[
                sized(91, 1 << 20, 0, 4096),
                sized(4000, 14 << 20, 0, 8192),
                sized(5000, 1 << 20, 0, 4096),
            ],
            4096,
            6 << 20,
        );
        assert_eq!(r[0].pid, 4000);
        assert_eq!(r[0].badness, Some((14 * 256) + 2));
        // Equal badness: the later process, as the kernel's task-list walk keeps it.
        assert_eq!(r[1].pid, 5000);
        assert_eq!(r[2].pid, 91);
        // oom_score_adj shifts badness by thousandths of RAM + swap.
        let mut adj = sized(7, 1 << 20, 0, 0);
        adj.oom_score_adj = Some(500);
        assert_eq!(badness(&adj, 4096, 1_000_000), Some(256 + 500 * 1000));
    }
}
