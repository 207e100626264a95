//! `memlens top`: what a live view shows, folded from the snapshots it has seen.
//!
//! A [`Session`] takes each snapshot in turn (live, or read back from the history store)
//! and keeps what the screens draw over time: the system's available memory, swap use,
//! reclaim and memory pressure, and each process's figures for its growth and verdict.
//! [`Session::view`] gives everything one screen needs of the latest snapshot. Nothing
//! here reads a file or knows of a terminal.

use std::collections::{HashMap, VecDeque};

use memlens_model::{Mapping, ReadFailure, Snapshot};
use serde::Serialize;

use crate::cgroup::{self, CgroupRow};
use crate::findings::Finding;
use crate::fragmentation::{self, BuddyView};
use crate::procs::{self, ProcRow};
use crate::rates::{self, Interval};
use crate::slab::{self, SlabRow};
use crate::swap::{self, SwapView};
use crate::trend::Assessment;
use crate::watch::{self, Point};
use crate::zones::{self, ZoneView};

/// One moment of the system series the header's sparklines draw.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SysPoint {
    /// Nanoseconds since the epoch.
    pub taken_at_ns: u64,
    /// `MemAvailable`.
    pub available: Option<u64>,
    /// `SwapTotal − SwapFree`.
    pub swap_used: Option<u64>,
    /// Pages reclaimed (`pgsteal`, every reclaimer) per second since the snapshot before,
    /// in bytes per second.
    pub reclaim: Option<f64>,
    /// PSI memory `some avg10`, percent.
    pub psi_some: Option<f64>,
}

/// One part of the header's bar: MemTotal split into parts that sum to it exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BarPart {
    pub key: &'static str,
    pub bytes: u64,
}

/// The bar's parts, in drawing order.
pub const BAR: [&str; 7] = [
    "anon",
    "page_cache",
    "shmem",
    "slab",
    "kernel",
    "hugetlb",
    "free",
];

/// A process row with what the session knows of its past.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopRow {
    #[serde(flatten)]
    pub row: ProcRow,
    /// PSS change per second over the session (its first and last samples), bytes; `None`
    /// until the process has been seen twice.
    pub pss_growth: Option<f64>,
}

/// Everything one screen of `memlens top` shows of the latest snapshot.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TopView {
    pub taken_at_ns: Option<u64>,
    pub hostname: Option<String>,
    pub mem_total: Option<u64>,
    /// Empty when meminfo could not be read.
    pub bar: Vec<BarPart>,
    pub available: Option<u64>,
    pub swap_total: Option<u64>,
    pub swap_used: Option<u64>,
    /// The session's system series, oldest first.
    pub series: Vec<SysPoint>,
    /// The doctor's findings, worst first.
    pub findings: Vec<Finding>,
    pub processes: Vec<TopRow>,
    pub cgroups: Vec<CgroupRow>,
    pub zones: Vec<ZoneView>,
    pub buddy: Vec<BuddyView>,
    /// Largest first.
    pub slab: Vec<SlabRow>,
    pub vmstat: Option<Interval>,
    pub swap: Option<SwapView>,
    /// Parts that could not be read (`slabinfo: permission denied`...), each once.
    pub unreadable: Vec<String>,
}

/// A drilled-into process: its figures over the session, their verdict, its mappings by
/// kind and its limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detail {
    pub row: ProcRow,
    pub points: Vec<Point>,
    pub assessment: Assessment,
    /// `None` when its mappings were not read (history holds no smaps).
    pub by_kind: Option<Vec<crate::maps::MapGroup>>,
}

/// Points a session keeps of each process (the drill-down's series and verdict): at
/// 1,000 processes about 12 MiB.
pub const PROCESS_POINTS: usize = 60;

/// What a session keeps of one process.
#[derive(Debug, Clone)]
struct Track {
    /// The process's start time (`stat` field 22): a reused PID starts a new track.
    start: Option<u64>,
    /// Its first point in the session, for its growth over the whole session.
    first: Point,
    /// Its last [`PROCESS_POINTS`] points.
    points: VecDeque<Point>,
}

/// The snapshots a live view has seen, as series.
#[derive(Debug, Clone)]
pub struct Session {
    /// Points kept of each series.
    cap: usize,
    first_ns: Option<u64>,
    series: VecDeque<SysPoint>,
    tracks: HashMap<u32, Track>,
}

impl Session {
    /// A session that keeps the last `cap` points of every series.
    pub fn new(cap: usize) -> Session {
        Session {
            cap: cap.max(2),
            first_ns: None,
            series: VecDeque::new(),
            tracks: HashMap::new(),
        }
    }

    /// Takes the next snapshot; `before` is the one taken before it (for rates).
    pub fn push(&mut self, now: &Snapshot, before: Option<&Snapshot>) {
        let at = now.meta.taken_at_ns.unwrap_or(0);
        let first = *self.first_ns.get_or_insert(at);
        let i = rates::between(before, now);
        let page = now.meta.page_size;
        let reclaim = before.and(i.per_second("pgsteal").map(|p| p * page as f64));
        self.series.push_back(SysPoint {
            taken_at_ns: at,
            available: i.available,
            swap_used: i.swap_used,
            reclaim,
            psi_some: i.psi_some_avg10,
        });
        while self.series.len() > self.cap {
            self.series.pop_front();
        }
        let Some(scan) = now.processes.ok() else {
            return;
        };
        let t = at.saturating_sub(first) as f64 / 1e9;
        let mut seen = HashMap::with_capacity(scan.processes.len());
        for s in &scan.processes {
            let start = s.stat.as_ref().map(|st| st.starttime);
            // Not checked since its last point: that point stands (its rates at the next
            // check are over the time since).
            if s.unchecked {
                if let Some(tr) = self.tracks.remove(&s.pid).filter(|tr| tr.start == start) {
                    seen.insert(s.pid, tr);
                    continue;
                }
            }
            let row = procs::row(s, |u| u.to_string());
            let point = Point::of_process(&row, t);
            let mut track = match self.tracks.remove(&s.pid) {
                Some(tr) if tr.start == start => tr,
                _ => Track {
                    start,
                    first: point.clone(),
                    points: VecDeque::new(),
                },
            };
            let point = match track.points.back() {
                Some(p) => point.with_rates_since(p),
                None => point,
            };
            track.points.push_back(point);
            while track.points.len() > self.cap.min(PROCESS_POINTS) {
                track.points.pop_front();
            }
            seen.insert(s.pid, track);
        }
        // Processes gone since are forgotten.
        self.tracks = seen;
    }

    /// How many snapshots the system series holds.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// A process's last points (at most [`PROCESS_POINTS`]), oldest first.
    pub fn points(&self, pid: u32) -> Vec<Point> {
        self.tracks
            .get(&pid)
            .map(|t| t.points.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// PSS change per second between a process's first and last points.
    fn growth(&self, pid: u32) -> Option<f64> {
        let tr = self.tracks.get(&pid)?;
        let (a, b) = (&tr.first, tr.points.back()?);
        let dt = b.t - a.t;
        let (pa, pb) = (a.pss?, b.pss?);
        (dt > 0.0).then(|| (pb as f64 - pa as f64) / dt)
    }

    /// Everything the screens show of `now` (the snapshot pushed last), with rates since
    /// `before`.
    pub fn view(&self, now: &Snapshot, before: Option<&Snapshot>) -> TopView {
        let mut unreadable = Vec::new();
        let page = now.meta.page_size;
        let mi = now.meminfo.ok();
        let users = now.users.ok();
        let processes = match now.processes.get("processes") {
            Ok(scan) => scan
                .processes
                .iter()
                .map(|s| {
                    let mut row = procs::row(s, |u| match users {
                        Some(n) => n.name(u),
                        None => u.to_string(),
                    });
                    // Fault rates since the process's point before, when there is one.
                    if let Some(p) = self.tracks.get(&s.pid).and_then(|t| t.points.back()) {
                        row.minflt_rate = p.minflt_rate;
                        row.majflt_rate = p.majflt_rate;
                    }
                    TopRow {
                        row,
                        pss_growth: self.growth(s.pid),
                    }
                })
                .collect(),
            Err(e) => note(&mut unreadable, "processes", e),
        };
        let cgroups = match now.cgroups.get("cgroups") {
            Ok(hs) => hs
                .iter()
                .flat_map(|h| cgroup::sort_tree(h.cgroups.iter().map(cgroup::row).collect()))
                .collect(),
            Err(e) => note(&mut unreadable, "cgroups", e),
        };
        let zones = match now.zoneinfo.get("zoneinfo") {
            Ok(z) => z.zones.iter().map(|z| zones::view(z, page)).collect(),
            Err(e) => note(&mut unreadable, "zoneinfo", e),
        };
        let buddy = match now.buddyinfo.get("buddyinfo") {
            Ok(b) => b
                .iter()
                .map(|z| fragmentation::view(z.node, &z.zone, &z.free, page))
                .collect(),
            Err(e) => note(&mut unreadable, "buddyinfo", e),
        };
        let slab = match now.slabinfo.get("slabinfo") {
            Ok(c) => {
                let mut rows = slab::rows(c, page);
                rows.sort_by(|a, b| b.size.cmp(&a.size).then(a.name.cmp(&b.name)));
                rows
            }
            Err(e) => note(&mut unreadable, "slabinfo", e),
        };
        let swap = match swap::view(now, before, 10) {
            Ok(v) => Some(v),
            Err(e) => note(&mut unreadable, "swap", e),
        };
        let mut findings = match crate::doctor::diagnose(now, before) {
            Ok(f) => f,
            Err(e) => note(&mut unreadable, "doctor", e),
        };
        let bar = match bar(now) {
            Ok(b) => b,
            Err(e) => note(&mut unreadable, "the bar of MemTotal", e),
        };
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        TopView {
            taken_at_ns: now.meta.taken_at_ns,
            hostname: now.meta.hostname.clone(),
            mem_total: mi.and_then(|m| m.mem_total),
            bar,
            available: mi.and_then(|m| m.mem_available),
            swap_total: mi.and_then(|m| m.swap_total),
            swap_used: mi.and_then(|m| Some(m.swap_total?.saturating_sub(m.swap_free?))),
            series: self.series.iter().cloned().collect(),
            findings,
            processes,
            cgroups,
            zones,
            buddy,
            slab,
            vmstat: rates::check(now).ok().map(|()| rates::between(before, now)),
            swap,
            unreadable,
        }
    }

    /// A drilled-into process of `now`: `mappings` are its smaps when they were read.
    pub fn detail(&self, now: &Snapshot, pid: u32, mappings: Option<&[Mapping]>) -> Option<Detail> {
        let scan = now.processes.ok()?;
        let s = scan.processes.iter().find(|p| p.pid == pid)?;
        let users = now.users.ok();
        let row = procs::row(s, |u| match users {
            Some(n) => n.name(u),
            None => u.to_string(),
        });
        let points = self.points(pid);
        Some(Detail {
            assessment: watch::assess(&points),
            points,
            by_kind: mappings.map(|m| crate::maps::group(m, |m| m.kind.as_str().to_string())),
            row,
        })
    }
}

/// Notes a part that could not be read, once, as `name: why`; what it would have given is
/// left empty.
fn note<T: Default>(unreadable: &mut Vec<String>, name: &str, e: ReadFailure) -> T {
    let line = format!("{name}: {e}");
    if !unreadable.contains(&line) {
        unreadable.push(line);
    }
    T::default()
}

/// MemTotal split for the header's bar ([`BAR`]), summing to it exactly: `kernel` is
/// kernel stacks, page tables, vmalloc, per-CPU, compressed swap pools, other kernel
/// memory and the unaccounted rest (see `memlens where`).
pub fn bar(s: &Snapshot) -> Result<Vec<BarPart>, ReadFailure> {
    let w = crate::r#where::view(s)?;
    let Some(total) = w.tree.find("memtotal") else {
        return Ok(Vec::new());
    };
    let take = |key: &str| {
        total
            .parts
            .iter()
            .find(|p| p.key == key)
            .map_or(0, |p| p.bytes.max(0) as u64)
    };
    let mut out: Vec<BarPart> = ["anon", "page_cache", "shmem", "slab", "hugetlb", "free"]
        .into_iter()
        .map(|key| BarPart {
            key,
            bytes: take(key),
        })
        .collect();
    let listed: u64 = out.iter().map(|p| p.bytes).sum();
    let kernel = (total.bytes.max(0) as u64).saturating_sub(listed);
    out.insert(
        4,
        BarPart {
            key: "kernel",
            bytes: kernel,
        },
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use memlens_model::{Part, ProcessSample, ProcessScan, SmapsCounters, Stat};

    /// A snapshot at `t` seconds holding processes (PID, start time, PSS, minflt).
    fn snap(t: f64, procs: &[(u32, u64, u64, u64)]) -> Snapshot {
        let mut s = Snapshot::default();
        s.meta.taken_at_ns = Some((t * 1e9) as u64);
        s.meta.page_size = 4096;
        s.processes = Part::Read(ProcessScan {
            processes: procs
                .iter()
                .map(|&(pid, start, pss, minflt)| {
                    Box::new(ProcessSample {
                        pid,
                        rollup: Some(SmapsCounters {
                            pss: Some(pss),
                            ..Default::default()
                        }),
                        stat: Some(Stat {
                            starttime: start,
                            minflt,
                            ..Default::default()
                        }),
                        ..Default::default()
                    })
                })
                .collect(),
            ..Default::default()
        });
        s
    }

    #[test]
    fn growth_and_fault_rates_follow_each_process_and_a_reused_pid_starts_anew() {
        let mut s = Session::new(10);
        let a = snap(100.0, &[(7, 1, 10 << 20, 1000), (8, 1, 4 << 20, 0)]);
        let b = snap(102.0, &[(7, 1, 14 << 20, 1500), (8, 99, 9 << 20, 10)]);
        s.push(&a, None);
        assert_eq!(s.view(&a, None).processes[0].pss_growth, None);
        s.push(&b, Some(&a));
        let v = s.view(&b, Some(&a));
        let row = |pid: u32| v.processes.iter().find(|r| r.row.pid == pid).unwrap();
        // 4 MiB in 2 s; 500 faults in 2 s.
        assert_eq!(row(7).pss_growth, Some((2 << 20) as f64));
        assert_eq!(row(7).row.minflt_rate, Some(250.0));
        // PID 8 is another process now (its start time changed): no growth yet.
        assert_eq!(row(8).pss_growth, None);
        assert_eq!(row(8).row.minflt_rate, None);
        assert_eq!(s.points(7).len(), 2);
        assert_eq!(s.points(8).len(), 1);
        // The series keeps at most `cap` points; a process gone is forgotten.
        let mut last = b;
        for i in 0..12 {
            let n = snap(104.0 + i as f64, &[(7, 1, 14 << 20, 1500)]);
            s.push(&n, Some(&last));
            last = n;
        }
        assert_eq!(s.len(), 10);
        assert_eq!(s.points(7).len(), 10);
        assert!(s.points(8).is_empty());
        // Growth is over the whole session, from the process's first point.
        let v = s.view(&last, None);
        let t = 104.0 + 11.0 - 100.0;
        assert_eq!(v.processes[0].pss_growth, Some((4 << 20) as f64 / t));
    }

    #[test]
    fn an_unchecked_process_adds_no_point_and_its_next_rates_span_the_time_since_its_check() {
        let mut s = Session::new(10);
        let a = snap(100.0, &[(7, 1, 10 << 20, 1000)]);
        let mut b = snap(101.0, &[(7, 1, 10 << 20, 1000)]);
        if let Part::Read(scan) = &mut b.processes {
            scan.processes[0].unchecked = true;
        }
        let c = snap(102.0, &[(7, 1, 12 << 20, 1400)]);
        s.push(&a, None);
        s.push(&b, Some(&a));
        assert_eq!(s.points(7).len(), 1);
        s.push(&c, Some(&b));
        let v = s.view(&c, Some(&b));
        // 400 faults and 2 MiB over the 2 s since the check at 100 s.
        assert_eq!(v.processes[0].row.minflt_rate, Some(200.0));
        assert_eq!(v.processes[0].pss_growth, Some((1 << 20) as f64));
        assert_eq!(s.points(7).len(), 2);
    }
}
