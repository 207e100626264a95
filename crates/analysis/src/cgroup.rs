//! Memory cgroups: usage against limits, the resident breakdown, events, pressure.

use memlens_model::{CgroupVersion, Limit, MemCgroup};
use serde::Serialize;

/// One cgroup's figures as `memlens cgroup` shows them. Bytes; `None` where absent.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CgroupRow {
    pub version: CgroupVersion,
    pub path: String,
    pub depth: u32,
    /// Who the group belongs to, from its path: `docker 3f2a9c1b7d4e`, `k8s pod UID
    /// (burstable) containerd ID`, `nginx.service` (see [`crate::containers`]).
    pub container: Option<String>,
    /// Processes directly in the group (`cgroup.procs`).
    pub processes: Option<u64>,
    pub usage: Option<u64>,
    pub peak: Option<u64>,
    pub max: Option<Limit>,
    pub high: Option<Limit>,
    pub low: Option<Limit>,
    pub min: Option<Limit>,
    pub soft_limit: Option<Limit>,
    /// Usage as a percentage of the tightest of max and high.
    pub limit_pct: Option<f64>,
    /// Usage less `inactive_file` (v1 `total_inactive_file`), at least 0: cAdvisor's and
    /// the kubelet's working set.
    pub working_set: Option<u64>,
    pub swap: Option<u64>,
    /// v2 `memory.swap.max`, a limit on swap alone.
    pub swap_max: Option<Limit>,
    /// v1 `memory.memsw.limit_in_bytes`: memory and swap together (not a swap limit).
    pub memsw_max: Option<Limit>,
    /// Anonymous memory (v2 `anon`; v1 `total_rss`).
    pub anon: Option<u64>,
    /// Page cache (v2 `file`; v1 `total_cache`).
    pub file: Option<u64>,
    /// Kernel memory charged to the group (v2 `kernel`).
    pub kernel: Option<u64>,
    pub slab: Option<u64>,
    pub sock: Option<u64>,
    pub shmem: Option<u64>,
    pub file_mapped: Option<u64>,
    pub dirty: Option<u64>,
    pub writeback: Option<u64>,
    /// v1: `total_rss + total_mapped_file`, the group's resident size as v1 tools show it.
    pub resident: Option<u64>,
    pub workingset_refault: Option<u64>,
    pub workingset_activate: Option<u64>,
    /// Events: v2 `high`, `max`, `oom`, `oom_kill`; v1 `failcnt`, `oom_kill` (a JSON
    /// object, in the kernel's order).
    #[serde(serialize_with = "as_map")]
    pub events: Vec<(String, u64)>,
    /// PSI of the group (`memory.pressure`), as `memlens vmstat` names the system's.
    pub psi_some_avg10: Option<f64>,
    pub psi_full_avg10: Option<f64>,
}

fn as_map<S: serde::Serializer>(v: &[(String, u64)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(v.len()))?;
    for (k, n) in v {
        m.serialize_entry(k, n)?;
    }
    m.end()
}

/// The part of a hierarchy (depth first, as collected) at `start` (its path, `/` for
/// all) and at most `max_depth` levels below it, with depths counted from `start`.
/// `None` when no group has that path.
pub fn subtree(tree: &[MemCgroup], start: &str, max_depth: Option<u32>) -> Option<Vec<MemCgroup>> {
    let top = tree.iter().find(|c| c.path == start)?;
    let base = top.depth;
    let under = |p: &str| {
        start == "/" || p == start || p.strip_prefix(start).is_some_and(|r| r.starts_with('/'))
    };
    Some(
        tree.iter()
            .filter(|c| under(&c.path))
            .filter(|c| max_depth.is_none_or(|m| c.depth - base <= m))
            .map(|c| MemCgroup {
                depth: c.depth - base,
                ..c.clone()
            })
            .collect(),
    )
}

/// Whether a group has any memory controller figure (a directory of the hierarchy
/// without them is not a memory cgroup, or the controller is off for it).
pub fn has_memory_files(c: &MemCgroup) -> bool {
    c.current.is_some() || !c.stat.0.is_empty() || c.path == "/"
}

/// A v1 child whose usage is above the v1 root's, as (path, child usage, root usage): the
/// largest one. The v1 root's `memory.usage_in_bytes` is not a sum of its children: the
/// kernel computes it from the global page cache and anon counters (`mem_cgroup_usage()`),
/// while a child's counts every page charged to it, kernel memory included; with
/// `use_hierarchy` off the root does not even cover its children.
pub fn v1_child_above_root(rows: &[CgroupRow]) -> Option<(String, u64, u64)> {
    let root = rows
        .iter()
        .find(|r| r.version == CgroupVersion::V1 && r.path == "/")?;
    let root_usage = root.usage?;
    rows.iter()
        .filter(|r| r.version == CgroupVersion::V1 && r.path != "/")
        .filter_map(|r| Some((r, r.usage?)))
        .filter(|(_, u)| *u > root_usage)
        .max_by_key(|(_, u)| *u)
        .map(|(r, u)| (r.path.clone(), u, root_usage))
}

/// The tightest limit that applies (max or high), in bytes.
pub fn effective_limit(c: &MemCgroup) -> Option<u64> {
    [c.max, c.high]
        .into_iter()
        .flatten()
        .filter_map(Limit::bytes)
        .min()
}

fn stat(c: &MemCgroup, v2: &str, v1: &str) -> Option<u64> {
    match c.version {
        CgroupVersion::V2 => c.stat.get(v2),
        CgroupVersion::V1 => c.stat.get(v1),
    }
}

fn sum2(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

pub fn row(c: &MemCgroup) -> CgroupRow {
    let limit = effective_limit(c);
    let events: Vec<(String, u64)> = c
        .events
        .0
        .iter()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "low"
                    | "high"
                    | "max"
                    | "oom"
                    | "oom_kill"
                    | "oom_group_kill"
                    | "failcnt"
                    | "under_oom"
            )
        })
        .cloned()
        .collect();
    let v1 = c.version == CgroupVersion::V1;
    CgroupRow {
        version: c.version,
        path: c.path.clone(),
        depth: c.depth,
        container: crate::containers::owner(&c.path).map(|o| o.label()),
        processes: c.procs,
        usage: c.current,
        peak: c.peak,
        max: c.max,
        high: c.high,
        low: c.low,
        min: c.min,
        soft_limit: c.soft_limit,
        limit_pct: match (c.current, limit) {
            (Some(u), Some(l)) if l > 0 => Some(u as f64 * 100.0 / l as f64),
            _ => None,
        },
        working_set: match (c.current, stat(c, "inactive_file", "total_inactive_file")) {
            (Some(u), Some(i)) => Some(u.saturating_sub(i)),
            _ => None,
        },
        swap: c.swap_current,
        swap_max: c.swap_max,
        memsw_max: c.memsw_max,
        anon: stat(c, "anon", "total_rss"),
        file: stat(c, "file", "total_cache"),
        kernel: if v1 { None } else { c.stat.get("kernel") },
        slab: if v1 { None } else { c.stat.get("slab") },
        sock: if v1 { None } else { c.stat.get("sock") },
        shmem: stat(c, "shmem", "total_shmem"),
        file_mapped: stat(c, "file_mapped", "total_mapped_file"),
        dirty: stat(c, "file_dirty", "total_dirty"),
        writeback: stat(c, "file_writeback", "total_writeback"),
        resident: if v1 {
            sum2(c.stat.get("total_rss"), c.stat.get("total_mapped_file"))
        } else {
            None
        },
        workingset_refault: if v1 {
            sum2(
                c.stat.get("total_workingset_refault_anon"),
                c.stat.get("total_workingset_refault_file"),
            )
        } else {
            sum2(
                c.stat.get("workingset_refault_anon"),
                c.stat.get("workingset_refault_file"),
            )
        },
        workingset_activate: if v1 {
            sum2(
                c.stat.get("total_workingset_activate_anon"),
                c.stat.get("total_workingset_activate_file"),
            )
        } else {
            sum2(
                c.stat.get("workingset_activate_anon"),
                c.stat.get("workingset_activate_file"),
            )
        },
        events,
        psi_some_avg10: c.pressure.and_then(|p| p.some).map(|l| l.avg10),
        psi_full_avg10: c.pressure.and_then(|p| p.full).map(|l| l.avg10),
    }
}

/// Orders a depth-first tree so that siblings come largest usage first, keeping each
/// subtree under its parent.
pub fn sort_tree(rows: Vec<CgroupRow>) -> Vec<CgroupRow> {
    fn build(rows: &[CgroupRow], i: usize, out: &mut Vec<CgroupRow>) -> usize {
        out.push(rows[i].clone());
        let depth = rows[i].depth;
        let mut kids: Vec<(usize, usize)> = Vec::new();
        let mut j = i + 1;
        while j < rows.len() && rows[j].depth > depth {
            let start = j;
            j += 1;
            while j < rows.len() && rows[j].depth > rows[start].depth {
                j += 1;
            }
            kids.push((start, j));
        }
        kids.sort_by(|a, b| {
            rows[b.0]
                .usage
                .cmp(&rows[a.0].usage)
                .then(rows[a.0].path.cmp(&rows[b.0].path))
        });
        for (start, _) in kids {
            build(rows, start, out);
        }
        j
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut i = 0;
    while i < rows.len() {
        i = build(&rows, i, &mut out);
    }
    out
}

/// A cgroup near or at its limit, or whose events show it hit one.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LimitPressure {
    pub path: String,
    pub usage: u64,
    pub limit: u64,
    pub pct: f64,
    /// Non-zero limit events (high, max, oom, oom_kill, failcnt).
    pub events: Vec<(String, u64)>,
}

/// Cgroups using at least `threshold_pct` of their limit, or with limit events.
pub fn near_limit(cgroups: &[MemCgroup], threshold_pct: f64) -> Vec<LimitPressure> {
    cgroups
        .iter()
        .filter_map(|c| {
            let r = row(c);
            let events: Vec<(String, u64)> = r
                .events
                .iter()
                .filter(|(k, v)| *v > 0 && k != "low" && k != "under_oom")
                .cloned()
                .collect();
            let limit = effective_limit(c)?;
            let usage = c.current?;
            let pct = r.limit_pct?;
            (pct >= threshold_pct || !events.is_empty()).then(|| LimitPressure {
                path: c.path.clone(),
                usage,
                limit,
                pct,
                events,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use memlens_model::NamedCounters;

    fn cg(path: &str, depth: u32, current: u64, max: Limit) -> MemCgroup {
        MemCgroup {
            version: CgroupVersion::V2,
            path: path.into(),
            depth,
            current: Some(current),
            peak: None,
            max: Some(max),
            high: Some(Limit::Unlimited),
            low: None,
            min: None,
            soft_limit: None,
            swap_current: None,
            swap_max: None,
            memsw_max: None,
            stat: NamedCounters(vec![("anon".into(), 10), ("file".into(), 20)]),
            events: NamedCounters(vec![("max".into(), 0), ("oom_kill".into(), 0)]),
            pressure: None,
            procs: Some(1),
        }
    }

    #[test]
    fn limits_tree_and_near_limit() {
        let mut tree = vec![
            cg("/", 0, 1000, Limit::Unlimited),
            cg("/a", 1, 100, Limit::Bytes(1000)),
            cg("/a/x", 2, 50, Limit::Unlimited),
            cg("/b", 1, 950, Limit::Bytes(1000)),
        ];
        let rows: Vec<CgroupRow> = tree.iter().map(row).collect();
        assert_eq!(rows[1].limit_pct, Some(10.0));
        assert_eq!(rows[0].limit_pct, None);
        assert_eq!(rows[1].anon, Some(10));
        let sorted = sort_tree(rows);
        let order: Vec<&str> = sorted.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(order, vec!["/", "/b", "/a", "/a/x"]);
        let near = near_limit(&tree, 90.0);
        assert_eq!(near.len(), 1);
        assert_eq!(near[0].path, "/b");
        tree[1].events.0[1].1 = 2;
        let near = near_limit(&tree, 90.0);
        assert_eq!(near.len(), 2, "oom kills count even below the threshold");
        let kills = oom_kills(&tree);
        assert_eq!(kills.len(), 1);
        assert_eq!((kills[0].path.as_str(), kills[0].oom_kill), ("/a", 2));
        tree[1].high = Some(Limit::Bytes(200));
        assert_eq!(
            row(&tree[1]).limit_pct,
            Some(50.0),
            "high is tighter than max"
        );
    }
}

/// A cgroup whose memory events record OOM kills.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CgroupOomKills {
    pub path: String,
    pub version: CgroupVersion,
    /// v2 `memory.events` `oom_kill` (this group and its descendants); v1
    /// `memory.oom_control` `oom_kill`.
    pub oom_kill: u64,
}

/// Cgroups with OOM kills, most first (paths break ties).
pub fn oom_kills(cgroups: &[MemCgroup]) -> Vec<CgroupOomKills> {
    let mut v: Vec<CgroupOomKills> = cgroups
        .iter()
        .filter_map(|c| {
            let n = c.events.get("oom_kill")?;
            (n > 0).then(|| CgroupOomKills {
                path: c.path.clone(),
                version: c.version,
                oom_kill: n,
            })
        })
        .collect();
    v.sort_by(|a, b| b.oom_kill.cmp(&a.oom_kill).then(a.path.cmp(&b.path)));
    v
}
