//! `memlens watch`: the series of one watched target (a process, or a memory cgroup) over
//! snapshots taken at intervals, its verdict (see [`crate::trend`]), the mappings that
//! grew, and how long until a limit at the slope found.

use memlens_model::{Limit, Mapping, MemCgroup, MemInfo, ProcessSample};
use serde::Serialize;

use crate::maps;
use crate::procs::ProcRow;
use crate::trend::{self, Assessment, Verdict};

/// One sample of a watched target. Figures a target has no such thing for (a cgroup has
/// no PSS or VSZ) are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Point {
    /// Seconds since the first sample.
    pub t: f64,
    pub rss: Option<u64>,
    pub pss: Option<u64>,
    pub uss: Option<u64>,
    pub anon: Option<u64>,
    pub file: Option<u64>,
    pub shmem: Option<u64>,
    pub swap: Option<u64>,
    pub vsz: Option<u64>,
    /// Page faults so far: a process's since it started (`/proc/PID/stat`), a cgroup's
    /// since it was made (`memory.stat` `pgfault` less `pgmajfault`, and `pgmajfault`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minflt: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub majflt: Option<u64>,
    /// Faults per second since the sample before (see [`Point::with_rates_since`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minflt_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub majflt_rate: Option<f64>,
}

/// The figures of a watched sample, in column order (catalogue keys of the process scope).
pub const FIGURES: [&str; 8] = ["rss", "pss", "uss", "anon", "file", "shmem", "swap", "vsz"];

/// The fault rates of a watched sample, after its figures (catalogue keys).
pub const FAULT_RATES: [&str; 2] = ["minflt_rate", "majflt_rate"];

impl Point {
    pub fn of_process(r: &ProcRow, t: f64) -> Point {
        Point {
            t,
            rss: r.rss,
            pss: r.pss,
            uss: r.uss,
            anon: r.anon,
            file: r.file,
            shmem: r.shmem,
            swap: r.swap,
            vsz: r.vsz,
            minflt: r.minflt,
            majflt: r.majflt,
            ..Default::default()
        }
    }

    /// The point with its fault rates: the faults since `before` over the time between.
    pub fn with_rates_since(mut self, before: &Point) -> Point {
        let dt = self.t - before.t;
        let rate = |now: Option<u64>, then: Option<u64>| match (now, then) {
            (Some(a), Some(b)) if dt > 0.0 => Some(a.saturating_sub(b) as f64 / dt),
            _ => None,
        };
        self.minflt_rate = rate(self.minflt, before.minflt);
        self.majflt_rate = rate(self.majflt, before.majflt);
        self
    }

    /// A fault rate by its catalogue key (one of [`FAULT_RATES`]).
    pub fn rate(&self, key: &str) -> Option<f64> {
        match key {
            "minflt_rate" => self.minflt_rate,
            "majflt_rate" => self.majflt_rate,
            _ => None,
        }
    }

    /// A memory cgroup: `rss` is `memory.current` (everything charged to it: anon, page
    /// cache, kernel memory), `anon`/`file`/`shmem` come from `memory.stat` (v1: `rss`,
    /// `cache`, `shmem`), `swap` from `memory.swap.current`.
    pub fn of_cgroup(c: &MemCgroup, t: f64) -> Point {
        let stat = |names: &[&str]| names.iter().find_map(|n| c.stat.get(n));
        Point {
            t,
            rss: c.current,
            anon: stat(&["anon", "total_rss", "rss"]),
            file: stat(&["file", "total_cache", "cache"]),
            shmem: stat(&["shmem", "total_shmem"]),
            swap: c.swap_current,
            minflt: stat(&["total_pgfault", "pgfault"])
                .zip(stat(&["total_pgmajfault", "pgmajfault"]))
                .map(|(all, major)| all.saturating_sub(major)),
            majflt: stat(&["total_pgmajfault", "pgmajfault"]),
            ..Default::default()
        }
    }

    /// The figure named `key` (one of [`FIGURES`]).
    pub fn get(&self, key: &str) -> Option<u64> {
        match key {
            "rss" => self.rss,
            "pss" => self.pss,
            "uss" => self.uss,
            "anon" => self.anon,
            "file" => self.file,
            "shmem" => self.shmem,
            "swap" => self.swap,
            "vsz" => self.vsz,
            _ => None,
        }
    }
}

/// The series as the trend tests take it (unknown figures as 0: a figure unknown in every
/// sample has no trend; one unknown now and then is not expected of a live process).
pub fn samples(points: &[Point]) -> Vec<trend::Sample> {
    points
        .iter()
        .map(|p| trend::Sample {
            t: p.t,
            rss: p.rss.unwrap_or(0),
            anon: p.anon.unwrap_or(0),
            file: p.file.unwrap_or(0),
            shmem: p.shmem.unwrap_or(0),
            swap: p.swap.unwrap_or(0),
            vsz: p.vsz.unwrap_or(0),
        })
        .collect()
}

/// A group of mappings (by path; anonymous ones together as `[anon]`) whose resident plus
/// swapped memory changed between the first and the last smaps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MappingGrowth {
    pub mapping: String,
    /// RSS + swap of the group, bytes, at the start and at the end.
    pub before: u64,
    pub after: u64,
    pub growth: i64,
}

fn by_path(m: &Mapping) -> String {
    if m.path.is_empty() {
        "[anon]".to_string()
    } else {
        m.path.clone()
    }
}

/// The mapping groups that grew by at least `min` bytes, most growth first.
pub fn grown_mappings(before: &[Mapping], after: &[Mapping], min: u64) -> Vec<MappingGrowth> {
    let held = |g: &maps::MapGroup| g.counters.rss.unwrap_or(0) + g.counters.swap.unwrap_or(0);
    let old = maps::group(before, by_path);
    let mut out: Vec<MappingGrowth> = maps::group(after, by_path)
        .iter()
        .map(|g| {
            let b = old.iter().find(|o| o.key == g.key).map_or(0, held);
            let a = held(g);
            MappingGrowth {
                mapping: g.key.clone(),
                before: b,
                after: a,
                growth: a as i64 - b as i64,
            }
        })
        .filter(|g| g.growth >= min as i64)
        .collect();
    out.sort_by_key(|g| std::cmp::Reverse(g.growth));
    out
}

/// A limit the target would reach at the slope found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitAhead {
    /// `mem_available` (the machine's MemAvailable), `memory_max` (the cgroup's
    /// `memory.max` or v1 `memory.limit_in_bytes`) or `rlimit_as` (the process's
    /// address-space limit, against VSZ).
    pub limit: &'static str,
    /// What is left before it, bytes.
    pub headroom: u64,
    /// Seconds until reached at the slope; `None` when not growing.
    pub seconds: Option<f64>,
}

/// The limits ahead of a growing target: MemAvailable and the cgroup limit at `slope`
/// (bytes per second of the memory that grows), the address-space limit at `vsz_slope`.
pub fn limits_ahead(
    meminfo: Option<&MemInfo>,
    cgroup: Option<&MemCgroup>,
    process: Option<&ProcessSample>,
    last: &Point,
    slope: f64,
    vsz_slope: f64,
) -> Vec<LimitAhead> {
    let mut out = Vec::new();
    let mut push = |limit, headroom: u64, slope: f64| {
        out.push(LimitAhead {
            limit,
            headroom,
            seconds: trend::time_to_limit(0, headroom, slope),
        })
    };
    if let Some(avail) = meminfo.and_then(|m| m.mem_available) {
        push("mem_available", avail, slope);
    }
    if let Some(c) = cgroup {
        if let (Some(Limit::Bytes(max)), Some(cur)) = (c.max, c.current) {
            push("memory_max", max.saturating_sub(cur), slope);
        }
    }
    if let (Some(Limit::Bytes(l)), Some(vsz)) = (
        process.and_then(|p| p.limits).and_then(|l| l.address_space),
        last.vsz,
    ) {
        push("rlimit_as", l.saturating_sub(vsz), vsz_slope);
    }
    out
}

/// The verdict on a target's series.
pub fn assess(points: &[Point]) -> Assessment {
    trend::assess(&samples(points), &trend::Options::default())
}

/// The Theil–Sen slope of VSZ, bytes per second (0 without enough samples).
pub fn vsz_slope(points: &[Point]) -> f64 {
    let (t, v): (Vec<f64>, Vec<f64>) = points
        .iter()
        .filter_map(|p| p.vsz.map(|v| (p.t, v as f64)))
        .unzip();
    trend::theil_sen(&t, &v).map_or(0.0, |s| s.slope)
}

/// Whether a verdict is a leak faster than `rate` bytes per second (`--alert`).
pub fn alarms(a: &Assessment, rate: f64) -> bool {
    a.verdict == Verdict::Leak && a.slope_bytes_per_second > rate
}

#[cfg(test)]
mod tests {
    use super::*;
    use memlens_model::{CgroupVersion, MappingKind, NamedCounters, SmapsCounters};

    fn mapping(path: &str, rss: u64) -> Mapping {
        Mapping {
            path: path.into(),
            kind: if path.is_empty() {
                MappingKind::Anon
            } else {
                MappingKind::File
            },
            counters: SmapsCounters {
                rss: Some(rss),
                swap: Some(0),
                ..Default::default()
            },
            start: 0,
            end: 4096,
            perms: "rw-p".into(),
            offset: 0,
            dev: "00:00".into(),
            inode: 0,
            thp_eligible: None,
            vm_flags: None,
        }
    }

    #[test]
    fn mappings_that_grew_most_come_first() {
        let before = [
            mapping("[heap]", 10),
            mapping("", 5),
            mapping("/lib/x.so", 7),
        ];
        let after = [
            mapping("[heap]", 1000),
            mapping("", 5),
            mapping("", 300),
            mapping("/lib/x.so", 7),
            mapping("/data/new", 50),
        ];
        let g = grown_mappings(&before, &after, 1);
        let names: Vec<(&str, i64)> = g.iter().map(|g| (g.mapping.as_str(), g.growth)).collect();
        assert_eq!(names, [("[heap]", 990), ("[anon]", 300), ("/data/new", 50)]);
        assert!(grown_mappings(&before, &after, 100).len() == 2);
    }

    #[test]
    fn limits_ahead_at_the_slope() {
        let mi = MemInfo {
            mem_available: Some(1000 << 20),
            ..Default::default()
        };
        let cg = MemCgroup {
            version: CgroupVersion::V2,
            path: "/lab".into(),
            depth: 1,
            current: Some(60 << 20),
            peak: None,
            max: Some(Limit::Bytes(100 << 20)),
            high: None,
            low: None,
            min: None,
            soft_limit: None,
            swap_current: None,
            swap_max: None,
            memsw_max: None,
            stat: NamedCounters::default(),
            events: NamedCounters::default(),
            pressure: None,
            procs: None,
        };
        let last = Point {
            vsz: Some(1 << 30),
            ..Default::default()
        };
        let l = limits_ahead(Some(&mi), Some(&cg), None, &last, (1 << 20) as f64, 0.0);
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].limit, l[0].seconds), ("mem_available", Some(1000.0)));
        assert_eq!((l[1].limit, l[1].headroom), ("memory_max", 40 << 20));
        assert_eq!(l[1].seconds, Some(40.0));
        // Not growing: no time to any limit.
        let l = limits_ahead(Some(&mi), None, None, &last, 0.0, 0.0);
        assert_eq!(l[0].seconds, None);
    }

    #[test]
    fn a_cgroup_point_reads_v2_and_v1_names() {
        let mut cg = MemCgroup {
            version: CgroupVersion::V1,
            path: "/x".into(),
            depth: 1,
            current: Some(9),
            peak: None,
            max: None,
            high: None,
            low: None,
            min: None,
            soft_limit: None,
            swap_current: Some(1),
            swap_max: None,
            memsw_max: None,
            stat: NamedCounters(vec![("rss".into(), 4), ("cache".into(), 5)]),
            events: NamedCounters::default(),
            pressure: None,
            procs: None,
        };
        let p = Point::of_cgroup(&cg, 2.0);
        assert_eq!(
            (p.anon, p.file, p.swap, p.rss),
            (Some(4), Some(5), Some(1), Some(9))
        );
        assert_eq!((p.minflt, p.majflt), (None, None));
        cg.stat = NamedCounters(vec![("anon".into(), 6), ("file".into(), 3)]);
        assert_eq!(Point::of_cgroup(&cg, 0.0).anon, Some(6));
        // Faults: v1's hierarchical totals before its own; minor = all less major.
        cg.stat = NamedCounters(vec![
            ("pgfault".into(), 10),
            ("pgmajfault".into(), 1),
            ("total_pgfault".into(), 100),
            ("total_pgmajfault".into(), 4),
        ]);
        let a = Point::of_cgroup(&cg, 1.0);
        assert_eq!((a.minflt, a.majflt), (Some(96), Some(4)));
        cg.stat = NamedCounters(vec![("pgfault".into(), 50), ("pgmajfault".into(), 2)]);
        let b = Point::of_cgroup(&cg, 3.0);
        assert_eq!((b.minflt, b.majflt), (Some(48), Some(2)));
        let later = Point {
            t: 5.0,
            minflt: Some(148),
            majflt: Some(6),
            ..b.clone()
        };
        let r = later.with_rates_since(&b);
        assert_eq!((r.minflt_rate, r.majflt_rate), (Some(50.0), Some(2.0)));
    }
}
