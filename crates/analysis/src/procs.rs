//! Per-process figures (`memlens ps`): one row per process, sorting, grouping, totals.

use memlens_model::{memory_cgroup, Problem, ProcessSample};
use serde::Serialize;

/// One process's memory, in bytes. `None` where the kernel lacks the field or the file
/// could not be read (see `unreadable`).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ProcRow {
    pub pid: u32,
    pub ppid: Option<u32>,
    pub uid: Option<u32>,
    pub user: String,
    /// Command name (`comm`, at most 15 bytes).
    pub comm: String,
    /// Full command line, or `[comm]` when it has none.
    pub command: String,
    /// Virtual size (`VmSize`).
    pub vsz: Option<u64>,
    /// Resident set size (`VmRSS`).
    pub rss: Option<u64>,
    /// Proportional set size (`Pss` of smaps_rollup).
    pub pss: Option<u64>,
    /// Unique set size: `Private_Clean + Private_Dirty + Private_Hugetlb`.
    pub uss: Option<u64>,
    /// Swapped-out memory (`Swap` of smaps_rollup, or `VmSwap` when that is unreadable).
    pub swap: Option<u64>,
    /// Proportional swap (`SwapPss`).
    pub swap_pss: Option<u64>,
    /// Resident anonymous memory (`RssAnon`).
    pub anon: Option<u64>,
    /// Resident file-backed memory (`RssFile`).
    pub file: Option<u64>,
    /// Resident shared memory (`RssShmem`).
    pub shmem: Option<u64>,
    pub pss_anon: Option<u64>,
    pub pss_file: Option<u64>,
    pub pss_shmem: Option<u64>,
    pub locked: Option<u64>,
    pub anon_huge_pages: Option<u64>,
    /// Page tables (`VmPTE`), part of what the OOM killer counts.
    pub page_tables: Option<u64>,
    /// The memory cgroup (v1 `memory` controller path, else the v2 path). Read, and so in
    /// the JSON, only when asked for (`ps --by cgroup`, `memlens oom`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cgroup: Option<String>,
    /// `/proc/PID/oom_score`, read only by `memlens oom`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oom_score: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oom_score_adj: Option<i64>,
    /// Page faults since the process started (`/proc/PID/stat` minflt, majflt), read
    /// only when asked for (`ps --faults`, or a sort by them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minflt: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub majflt: Option<u64>,
    /// Page faults per second between an earlier snapshot and this one (see
    /// [`add_fault_rates`]); absent without an earlier snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minflt_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub majflt_rate: Option<f64>,
    /// Soft limits from `/proc/PID/limits`, read only when asked for (`ps --rlimits`):
    /// its keys are absent when not read.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub rlimits: Option<Rlimits>,
    /// Files that could not be read, as `file: reason`.
    pub unreadable: Vec<String>,
}

/// The memory limits of a process (`null` in JSON: unlimited) and how much of each it
/// uses, 0 to 1: VSZ of RLIMIT_AS, VmData of RLIMIT_DATA, VmLck of RLIMIT_MEMLOCK.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Rlimits {
    pub limit_as: Option<u64>,
    pub limit_as_used: Option<f64>,
    pub limit_data: Option<u64>,
    pub limit_data_used: Option<f64>,
    pub limit_stack: Option<u64>,
    pub limit_memlock: Option<u64>,
    pub limit_memlock_used: Option<f64>,
}

impl Rlimits {
    /// The limits of a process and their use by its `status` figures.
    pub fn of(l: &memlens_model::MemoryLimits, st: &memlens_model::StatusCounters) -> Rlimits {
        let bytes = |l: Option<memlens_model::Limit>| l.and_then(|x| x.bytes());
        // The share of a limit in use: `None` when either is unknown or there is no limit.
        let used = |have: Option<u64>, limit: Option<memlens_model::Limit>| {
            let (have, limit) = (have?, bytes(limit)?);
            (limit > 0).then(|| have as f64 / limit as f64)
        };
        Rlimits {
            limit_as: bytes(l.address_space),
            limit_as_used: used(st.vm_size, l.address_space),
            limit_data: bytes(l.data),
            limit_data_used: used(st.vm_data, l.data),
            limit_stack: bytes(l.stack),
            limit_memlock: bytes(l.locked),
            limit_memlock_used: used(st.vm_lck, l.locked),
        }
    }
}

/// The limits `ps --rlimits` shows, in order (keys of [`Rlimits`]).
pub const LIMIT_KEYS: &[&str] = &[
    "limit_as",
    "limit_as_used",
    "limit_data",
    "limit_data_used",
    "limit_stack",
    "limit_memlock",
    "limit_memlock_used",
];

/// Builds the row of a sample; `user_name` maps a UID to a name.
pub fn row(s: &ProcessSample, user_name: impl Fn(u32) -> String) -> ProcRow {
    let st = &s.status.counters;
    let r = s.rollup.as_ref();
    let rollup_field = |f: fn(&memlens_model::SmapsCounters) -> Option<u64>| r.and_then(f);
    ProcRow {
        pid: s.pid,
        ppid: s.status.ppid,
        uid: s.status.uid,
        user: s.status.uid.map(&user_name).unwrap_or_else(|| "?".into()),
        comm: s.status.name.clone(),
        command: s.command(),
        vsz: st.vm_size.or(s.statm.map(|m| m.size)),
        rss: st.vm_rss.or(s.statm.map(|m| m.resident)),
        pss: rollup_field(|c| c.pss),
        uss: r.and_then(|c| c.uss()),
        swap: rollup_field(|c| c.swap).or(st.vm_swap),
        swap_pss: rollup_field(|c| c.swap_pss),
        anon: st.rss_anon,
        file: st.rss_file,
        shmem: st.rss_shmem,
        pss_anon: rollup_field(|c| c.pss_anon),
        pss_file: rollup_field(|c| c.pss_file),
        pss_shmem: rollup_field(|c| c.pss_shmem),
        locked: rollup_field(|c| c.locked),
        anon_huge_pages: rollup_field(|c| c.anon_huge_pages),
        page_tables: st.vm_pte,
        cgroup: s
            .cgroup
            .as_deref()
            .and_then(memory_cgroup)
            .map(str::to_string),
        oom_score: s.oom_score,
        oom_score_adj: s.oom_score_adj,
        minflt: s.stat.as_ref().map(|st| st.minflt),
        majflt: s.stat.as_ref().map(|st| st.majflt),
        minflt_rate: None,
        majflt_rate: None,
        rlimits: s.limits.as_ref().map(|l| Rlimits::of(l, st)),
        unreadable: s
            .problems
            .iter()
            .map(|p| match (p.problem, &p.detail) {
                (Problem::Unusable, Some(d)) => d.clone(),
                (Problem::Unusable, None) => format!("{}: unusable", p.file),
                (Problem::Denied, _) => format!("{}: permission denied", p.file),
                (Problem::TimedOut, _) => format!("{}: timed out", p.file),
            })
            .collect(),
    }
}

impl ProcRow {
    /// A byte column by its JSON name.
    pub fn bytes(&self, key: &str) -> Option<u64> {
        match key {
            "vsz" => self.vsz,
            "rss" => self.rss,
            "pss" => self.pss,
            "uss" => self.uss,
            "swap" => self.swap,
            "swap_pss" => self.swap_pss,
            "anon" => self.anon,
            "file" => self.file,
            "shmem" => self.shmem,
            "pss_anon" => self.pss_anon,
            "pss_file" => self.pss_file,
            "pss_shmem" => self.pss_shmem,
            // (Counts, not bytes: sorted the same way, largest first.)
            "minflt" => self.minflt,
            "majflt" => self.majflt,
            _ => None,
        }
    }

    /// A per-second figure by its JSON name.
    pub fn rate(&self, key: &str) -> Option<f64> {
        match key {
            "minflt_rate" => self.minflt_rate,
            "majflt_rate" => self.majflt_rate,
            _ => None,
        }
    }
}

/// Sort keys accepted by `--sort`.
pub const SORT_KEYS: &[&str] = &[
    "pid",
    "user",
    "command",
    "vsz",
    "rss",
    "pss",
    "uss",
    "swap",
    "swap_pss",
    "anon",
    "file",
    "shmem",
    "minflt",
    "majflt",
    "minflt_rate",
    "majflt_rate",
];

/// Sort keys that are the page fault counts (`/proc/PID/stat`, read only for them).
pub const FAULT_KEYS: &[&str] = &["minflt", "majflt"];

/// Sort keys that are fault rates: they need an earlier snapshot.
pub const FAULT_RATE_KEYS: &[&str] = &["minflt_rate", "majflt_rate"];

/// Clock ticks per second of `/proc/PID/stat` times (`USER_HZ`): 100 on every
/// architecture Linux runs on today but Alpha.
pub const USER_HZ: f64 = 100.0;

/// Sets each row's fault rates: the faults of its process between `before` and `now`,
/// per second of that interval. A process in both (the same PID and start time) counts
/// the difference; one that started after `before` was taken counts all its faults (they
/// all fell in the interval). Others (not read in `before`, or without `stat`) get none.
/// Needs the uptime and processes of both snapshots; otherwise leaves the rows be and says
/// why.
pub fn add_fault_rates(
    rows: &mut [ProcRow],
    now: &memlens_model::Snapshot,
    before: &memlens_model::Snapshot,
) -> Result<(), memlens_model::ReadFailure> {
    let (t1, t0) = (*now.uptime.get("uptime")?, *before.uptime.get("uptime")?);
    let seconds = t1 - t0;
    if seconds <= 0.0 {
        return Ok(());
    }
    let scan = now.processes.get("processes")?;
    let earlier = before.processes.get("processes")?;
    let then: std::collections::HashMap<u32, &memlens_model::Stat> = earlier
        .processes
        .iter()
        .filter_map(|p| Some((p.pid, p.stat.as_ref()?)))
        .collect();
    let stats: std::collections::HashMap<u32, &memlens_model::Stat> = scan
        .processes
        .iter()
        .filter_map(|p| Some((p.pid, p.stat.as_ref()?)))
        .collect();
    for r in rows {
        let Some(st) = stats.get(&r.pid) else {
            continue;
        };
        let faults = match then.get(&r.pid) {
            Some(old) if old.starttime == st.starttime => Some((
                st.minflt.saturating_sub(old.minflt),
                st.majflt.saturating_sub(old.majflt),
            )),
            _ if st.starttime as f64 / USER_HZ >= t0 => Some((st.minflt, st.majflt)),
            _ => None,
        };
        if let Some((min, maj)) = faults {
            r.minflt_rate = Some(min as f64 / seconds);
            r.majflt_rate = Some(maj as f64 / seconds);
        }
    }
    Ok(())
}

/// The order of figures in a sorted table: largest first, unknown after every known one.
pub fn largest_first(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// Sorts rows: byte columns largest first (absent values last), text and PID ascending;
/// `reverse` flips the order. Ties break by PID.
///
/// It sorts the rows' indices and then moves each row once: a row is a few hundred bytes,
/// and at 10,000 processes moving rows through a comparison sort, and looking the figure
/// up by name in each comparison, cost more than the sort itself.
pub fn sort(rows: &mut [ProcRow], key: &str, reverse: bool) {
    // The key is resolved once, not at each of the n log n comparisons.
    enum By {
        Pid,
        User,
        Command,
        Figure(Vec<Option<f64>>),
    }
    let by = match key {
        "pid" => By::Pid,
        "user" => By::User,
        "command" => By::Command,
        k if FAULT_RATE_KEYS.contains(&k) => By::Figure(rows.iter().map(|r| r.rate(k)).collect()),
        k => By::Figure(rows.iter().map(|r| r.bytes(k).map(|v| v as f64)).collect()),
    };
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_unstable_by(|&i, &j| {
        let (a, b) = (&rows[i], &rows[j]);
        let ord = match &by {
            By::Pid => std::cmp::Ordering::Equal,
            By::User => a.user.cmp(&b.user),
            By::Command => a.command.cmp(&b.command),
            By::Figure(f) => largest_first(f[i], f[j]),
        }
        // PIDs are unique: ties end here, so an unstable sort gives one order.
        .then(a.pid.cmp(&b.pid));
        if reverse {
            ord.reverse()
        } else {
            ord
        }
    });
    permute(rows, order);
}

/// Puts `rows[order[k]]` at `k`, in place: each cycle of the permutation by swaps, so a row
/// moves at most once or twice and no second vector is written (at 10,000 rows, moving
/// them through one took 6 to 9 ms, most of `ps`'s sort).
fn permute<T>(rows: &mut [T], mut order: Vec<usize>) {
    for i in 0..rows.len() {
        let mut j = i;
        loop {
            let k = order[j];
            order[j] = j;
            if k == i {
                break;
            }
            rows.swap(j, k);
            j = k;
        }
    }
}

/// A sum over several processes. Each figure sums the members that have it; `incomplete`
/// counts members whose PSS is unknown or some file could not be read.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Group {
    pub key: String,
    /// With `--by cgroup`: who the cgroup belongs to (a container, a pod, a unit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    pub processes: u32,
    pub vsz: Option<u64>,
    pub rss: Option<u64>,
    pub pss: Option<u64>,
    pub uss: Option<u64>,
    pub swap: Option<u64>,
    pub swap_pss: Option<u64>,
    pub anon: Option<u64>,
    pub file: Option<u64>,
    pub shmem: Option<u64>,
    pub incomplete: u32,
    /// Byte keys some member lacked a figure for while it could not be read in full: the
    /// sum of those is a lower bound (tables print `≥`). JSON says so with `incomplete`.
    #[serde(skip)]
    pub partial: Vec<&'static str>,
}

/// The byte keys a group sums.
pub const GROUP_BYTE_KEYS: [&str; 9] = [
    "vsz", "rss", "pss", "uss", "swap", "swap_pss", "anon", "file", "shmem",
];

fn add(acc: &mut Option<u64>, v: Option<u64>) {
    if let Some(v) = v {
        *acc = Some(acc.unwrap_or(0).saturating_add(v));
    }
}

impl Group {
    pub fn add_row(&mut self, r: &ProcRow) {
        self.processes += 1;
        add(&mut self.vsz, r.vsz);
        add(&mut self.rss, r.rss);
        add(&mut self.pss, r.pss);
        add(&mut self.uss, r.uss);
        add(&mut self.swap, r.swap);
        add(&mut self.swap_pss, r.swap_pss);
        add(&mut self.anon, r.anon);
        add(&mut self.file, r.file);
        add(&mut self.shmem, r.shmem);
        if r.pss.is_none() || !r.unreadable.is_empty() {
            self.incomplete += 1;
            for k in GROUP_BYTE_KEYS {
                if r.bytes(k).is_none() && !self.partial.contains(&k) {
                    self.partial.push(k);
                }
            }
        }
    }

    /// A byte column by its JSON name.
    pub fn bytes(&self, key: &str) -> Option<u64> {
        match key {
            "vsz" => self.vsz,
            "rss" => self.rss,
            "pss" => self.pss,
            "uss" => self.uss,
            "swap" => self.swap,
            "swap_pss" => self.swap_pss,
            "anon" => self.anon,
            "file" => self.file,
            "shmem" => self.shmem,
            _ => None,
        }
    }

    /// Whether the sum of this byte key lacks some member's figure (a lower bound).
    pub fn is_partial(&self, key: &str) -> bool {
        self.incomplete > 0 && self.partial.contains(&key) && self.bytes(key).is_some()
    }
}

/// How `--by` groups processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    User,
    Command,
    Cgroup,
}

/// Groups rows and sorts groups like rows (byte keys largest first, `key` for text keys).
pub fn group(rows: &[ProcRow], by: GroupBy, sort_key: &str, reverse: bool) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for r in rows {
        let key = match by {
            GroupBy::User => r.user.clone(),
            GroupBy::Command => r.comm.clone(),
            GroupBy::Cgroup => r.cgroup.clone().unwrap_or_else(|| "?".into()),
        };
        let i = *index.entry(key.clone()).or_insert_with(|| {
            groups.push(Group {
                container: match by {
                    GroupBy::Cgroup => crate::containers::owner(&key).map(|o| o.label()),
                    _ => None,
                },
                key,
                ..Default::default()
            });
            groups.len() - 1
        });
        groups[i].add_row(r);
    }
    groups.sort_by(|a, b| {
        let ord = match sort_key {
            "pid" | "user" | "command" => a.key.cmp(&b.key),
            k => match (a.bytes(k), b.bytes(k)) {
                (Some(x), Some(y)) => y.cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            },
        }
        .then_with(|| a.key.cmp(&b.key));
        if reverse {
            ord.reverse()
        } else {
            ord
        }
    });
    groups
}

/// The total over all rows.
pub fn totals(rows: &[ProcRow]) -> Group {
    let mut g = Group {
        key: "total".into(),
        ..Default::default()
    };
    for r in rows {
        g.add_row(r);
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permuting_in_place_gives_what_indexing_gives() {
        let mut seed = 7u64;
        for n in [0usize, 1, 2, 3, 10, 257] {
            let mut order: Vec<usize> = (0..n).collect();
            // A Fisher–Yates shuffle driven by an LCG: many cycles of every length.
            for k in (1..n).rev() {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                order.swap(k, (seed >> 33) as usize % (k + 1));
            }
            let rows: Vec<String> = (0..n).map(|k| format!("row {k}")).collect();
            let want: Vec<String> = order.iter().map(|&k| rows[k].clone()).collect();
            let mut got = rows.clone();
            permute(&mut got, order);
            assert_eq!(got, want, "{n} rows");
        }
    }
    use memlens_model::{SmapsCounters, Status};

    fn sample(pid: u32, uid: u32, name: &str, rss: u64, pss: Option<u64>) -> ProcessSample {
        let mut st = Status {
            name: name.into(),
            uid: Some(uid),
            ..Default::default()
        };
        st.counters.vm_rss = Some(rss);
        st.counters.vm_size = Some(rss * 4);
        ProcessSample {
            pid,
            status: st,
            rollup: pss.map(|p| SmapsCounters {
                pss: Some(p),
                private_clean: Some(p / 4),
                private_dirty: Some(p / 4),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn rows_sort_group_and_total() {
        let names = |u: u32| {
            if u == 0 {
                "root".to_string()
            } else {
                u.to_string()
            }
        };
        let samples = [
            sample(1, 0, "init", 100, Some(80)),
            sample(2, 1000, "bash", 300, Some(200)),
            sample(3, 1000, "bash", 50, None),
        ];
        let mut rows: Vec<ProcRow> = samples.iter().map(|s| row(s, names)).collect();
        assert_eq!(rows[0].user, "root");
        assert_eq!(rows[0].command, "[init]");
        assert_eq!(rows[1].uss, Some(100));
        sort(&mut rows, "pss", false);
        assert_eq!(
            rows.iter().map(|r| r.pid).collect::<Vec<_>>(),
            vec![2, 1, 3]
        );
        sort(&mut rows, "pss", true);
        assert_eq!(
            rows.iter().map(|r| r.pid).collect::<Vec<_>>(),
            vec![3, 1, 2]
        );
        let g = group(&rows, GroupBy::User, "rss", false);
        assert_eq!(g[0].key, "1000");
        assert_eq!(g[0].processes, 2);
        assert_eq!(g[0].rss, Some(350));
        assert_eq!(g[0].pss, Some(200));
        assert_eq!(g[0].incomplete, 1);
        let t = totals(&rows);
        assert_eq!(t.rss, Some(450));
        assert_eq!(t.vsz, Some(1800));
        let g = group(&rows, GroupBy::Command, "pss", false);
        assert_eq!(
            g.iter().map(|g| g.key.as_str()).collect::<Vec<_>>(),
            vec!["bash", "init"]
        );
    }
}
