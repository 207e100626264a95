//! `memlens report`: a stretch of history (or one moment) folded into charts and a
//! summary. Pure: the command feeds snapshots in time order, [`Builder::finish`] gives a
//! [`Report`] the HTML renderer draws. Nothing here reads a file or writes markup.
//!
//! # Downsampling
//!
//! A chart is [`Frame::columns`] columns wide (one per pixel column of its plot). Every
//! sample falls in one column by its time, and a series keeps, per column, the smallest
//! and largest value seen there and when ([`Bucket`]): a week of 5 s samples becomes a
//! few hundred buckets per series, and a one-sample spike still shows as the column's
//! maximum. The stacked breakdown cannot use minima and maxima (the parts of different
//! samples do not sum to MemTotal), so each of its columns shows one whole sample: the
//! one with the least free memory, the column's moment of greatest use.
//!
//! # System samples and whole samples
//!
//! A sample with its processes costs about 15 ms to rebuild from the store; its system
//! parts alone a fraction of that. So the command may feed every sample to
//! [`Builder::system`] (the system charts, exact per column) and only a spread of them to
//! [`Builder::whole`] (processes, cgroups, the doctor's findings, the growers); on a short
//! history both get every sample.

use std::collections::HashMap;

use memlens_model::Snapshot;
use serde::Serialize;

use crate::cgroup;
use crate::doctor;
use crate::findings::Severity;
use crate::fragmentation;
use crate::procs;
use crate::rates;
use crate::top;
use crate::watch::{self, Point};

/// The time a report covers and how finely it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Frame {
    /// Nanoseconds since the epoch, both included.
    pub since_ns: u64,
    pub until_ns: u64,
    /// Columns of a chart's plot: samples are grouped into this many time slices.
    pub columns: u32,
}

impl Frame {
    /// The column a time falls in (times outside the frame are clamped to its ends).
    pub fn column(&self, t: u64) -> u32 {
        let span = self.until_ns.saturating_sub(self.since_ns) as u128 + 1;
        let off = t.clamp(self.since_ns, self.until_ns) - self.since_ns;
        ((off as u128 * self.columns as u128) / span) as u32
    }
}

/// What one series shows in one column: the smallest and largest value of the samples
/// that fell in it, and when.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bucket {
    pub column: u32,
    pub min: f64,
    pub max: f64,
    pub min_ns: u64,
    pub max_ns: u64,
    /// Time of the column's first and last samples.
    pub first_ns: u64,
    pub last_ns: u64,
    /// Samples in the column.
    pub samples: u32,
}

/// One line (or band, or stacked part) of a chart. Its figure is a catalogue figure:
/// `scope` is the catalogue scope's name, `key` the figure's key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub scope: &'static str,
    pub key: &'static str,
    /// What the legend says (the figure's header, a PID and command, a cgroup path...).
    pub label: String,
    pub buckets: Vec<Bucket>,
    /// The watch verdict of the subject (top processes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<&'static str>,
}

impl Series {
    fn new(scope: &'static str, key: &'static str, label: impl Into<String>) -> Series {
        Series {
            scope,
            key,
            label: label.into(),
            buckets: Vec::new(),
            verdict: None,
        }
    }

    /// Adds a value at time `t`, in column `col` (columns come in order).
    fn add(&mut self, col: u32, t: u64, v: f64) {
        if !v.is_finite() {
            return;
        }
        match self.buckets.last_mut() {
            Some(b) if b.column == col => {
                if v < b.min {
                    (b.min, b.min_ns) = (v, t);
                }
                if v > b.max {
                    (b.max, b.max_ns) = (v, t);
                }
                b.last_ns = t;
                b.samples += 1;
            }
            _ => self.buckets.push(Bucket {
                column: col,
                min: v,
                max: v,
                min_ns: t,
                max_ns: t,
                first_ns: t,
                last_ns: t,
                samples: 1,
            }),
        }
    }

    /// The largest value, and when.
    pub fn peak(&self) -> Option<(f64, u64)> {
        self.buckets
            .iter()
            .map(|b| (b.max, b.max_ns))
            .reduce(|a, b| if b.0 > a.0 { b } else { a })
    }

    /// The smallest value, and when.
    pub fn trough(&self) -> Option<(f64, u64)> {
        self.buckets
            .iter()
            .map(|b| (b.min, b.min_ns))
            .reduce(|a, b| if b.0 < a.0 { b } else { a })
    }
}

/// One chart: its series share a unit (their figures' unit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// Stable identifier (the SVG's file name with `--svg`).
    pub id: &'static str,
    pub title: &'static str,
    /// The series are parts of a whole, drawn stacked.
    pub stacked: bool,
    pub series: Vec<Series>,
    /// A line breaks where its samples are further apart than this (three times the usual
    /// time between them: the recorder was stopped, or the machine down).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap_secs: Option<f64>,
    /// Why a chart has nothing to draw, or what to know to read it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Chart {
    fn new(id: &'static str, title: &'static str, series: Vec<Series>) -> Chart {
        Chart {
            id,
            title,
            stacked: false,
            series,
            gap_secs: None,
            note: None,
        }
    }

    /// Whether any series has a point.
    pub fn has_points(&self) -> bool {
        self.series.iter().any(|s| !s.buckets.is_empty())
    }
}

/// The highest (or lowest) a figure went, and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Peak {
    pub scope: &'static str,
    pub key: &'static str,
    /// `max` or `min`.
    pub which: &'static str,
    pub value: f64,
    pub at_ns: u64,
}

/// A stretch of samples in which the doctor found the same thing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Episode {
    pub id: &'static str,
    /// The worst severity it had.
    pub severity: Severity,
    pub title: String,
    /// Its evidence at the last sample it was found in.
    pub evidence: String,
    pub started_ns: u64,
    /// The last sample it was found in.
    pub last_ns: u64,
    /// Still found in the period's last whole sample.
    pub ongoing: bool,
    pub samples: usize,
}

/// A process whose memory grew over the period, as `memlens watch` judges it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grower {
    pub pid: u32,
    pub command: String,
    pub verdict: &'static str,
    pub slope_bytes_per_second: f64,
    pub growth_bytes: i64,
    pub confidence: f64,
    pub samples: usize,
}

/// A process as the period ended (the last whole sample).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessAtEnd {
    pub pid: u32,
    pub command: String,
    pub pss: Option<u64>,
    pub rss: Option<u64>,
    pub swap: Option<u64>,
}

/// A cgroup with a limit as the period ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CgroupAtEnd {
    pub path: String,
    pub usage: Option<u64>,
    pub limit: Option<u64>,
    pub limit_pct: Option<f64>,
}

/// The summary at the top of a report.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Summary {
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    pub mem_total: Option<u64>,
    pub swap_total: Option<u64>,
    /// The first and last samples read.
    pub first_ns: Option<u64>,
    pub last_ns: Option<u64>,
    /// Samples read for the system charts, and of them read whole.
    pub samples: usize,
    pub whole_samples: usize,
    /// The median time between samples, seconds.
    pub interval_secs: Option<f64>,
    pub peaks: Vec<Peak>,
    /// Oldest first.
    pub findings: Vec<Episode>,
    /// Fastest growth first.
    pub growers: Vec<Grower>,
    /// Largest PSS first.
    pub processes: Vec<ProcessAtEnd>,
    /// Closest to its limit first.
    pub cgroups: Vec<CgroupAtEnd>,
    /// Parts of the samples that could not be read, each said once.
    pub unreadable: Vec<String>,
}

/// A report: the summary and the charts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub frame: Frame,
    pub summary: Summary,
    pub charts: Vec<Chart>,
}

impl Report {
    /// One moment (a capture, or one sample): no time to draw along.
    pub fn is_moment(&self) -> bool {
        self.summary.samples <= 1
    }
}

/// Processes drawn in the top processes chart.
pub const TOP_PROCESSES: usize = 8;
/// Cgroups drawn against their limits.
pub const TOP_CGROUPS: usize = 8;
/// Growers listed in the summary.
pub const GROWERS: usize = 10;
/// Points kept of each process for its verdict: an even spread of its samples, halved
/// each time it doubles (the trend statistics use at most 400 points anyway).
pub const VERDICT_POINTS: usize = 256;
/// The fragmentation chart's order: 2 MiB blocks on 4 KiB pages (a transparent huge
/// page, a pageblock on x86-64), or the zone's largest order when it has fewer.
pub const FRAGMENTATION_ORDER: usize = 9;

/// What a report keeps of one process (PID and start time).
#[derive(Debug, Clone)]
struct ProcTrack {
    pid: u32,
    command: String,
    pss: Series,
    points: Vec<Point>,
    /// Keep one sample in `stride`.
    stride: usize,
    seen: usize,
}

/// Folds samples, in time order, into a [`Report`].
#[derive(Debug)]
pub struct Builder {
    frame: Frame,
    summary: Summary,
    /// The sample before, for rates: its meta, uptime and vmstat alone.
    before: Option<Snapshot>,
    intervals: Vec<u64>,
    whole_intervals: Vec<u64>,
    /// The breakdown: per column, the sample with the least free memory.
    stack: Vec<(u32, u64, Vec<top::BarPart>)>,
    available: Series,
    free: Series,
    wm_low: Series,
    wm_high: Series,
    swap_used: Series,
    swap_in: Series,
    swap_out: Series,
    majfault: Series,
    reclaim: [Series; 4],
    psi: [Series; 2],
    used: Series,
    frag: Vec<((u32, String), Series)>,
    procs: HashMap<(u32, Option<u64>), ProcTrack>,
    cgroups: HashMap<String, Series>,
    open: HashMap<&'static str, usize>,
    last_whole: Option<Snapshot>,
}

impl Builder {
    pub fn new(frame: Frame) -> Builder {
        let sys = |key, label| Series::new("sys", key, label);
        let vm = |key, label| Series::new("vmstat", key, label);
        let rep = |key, label| Series::new("report", key, label);
        Builder {
            frame,
            summary: Summary::default(),
            before: None,
            intervals: Vec::new(),
            whole_intervals: Vec::new(),
            stack: Vec::new(),
            available: sys("available", "available"),
            free: sys("free", "free"),
            wm_low: rep("watermark_low", "low watermark"),
            wm_high: rep("watermark_high", "high watermark"),
            swap_used: sys("swap_used", "swap used"),
            swap_in: vm("pswpin", "swapped in"),
            swap_out: vm("pswpout", "swapped out"),
            majfault: vm("pgmajfault", "major faults"),
            reclaim: [
                rep("reclaim_kswapd", "kswapd"),
                rep("reclaim_direct", "direct"),
                vm("pgsteal_memcg", "cgroup"),
                rep("reclaim_other", "khugepaged, proactive"),
            ],
            psi: [vm("psi_some_avg10", "some"), vm("psi_full_avg10", "full")],
            used: sys("used", "used"),
            frag: Vec::new(),
            procs: HashMap::new(),
            cgroups: HashMap::new(),
            open: HashMap::new(),
            last_whole: None,
        }
    }

    fn unreadable(&mut self, what: String) {
        if !self.summary.unreadable.contains(&what) {
            self.summary.unreadable.push(what);
        }
    }

    /// Takes a sample from before the period, for rates only (the earlier of two
    /// captures): it is drawn nowhere.
    pub fn before(&mut self, s: Snapshot) {
        self.keep_for_rates(&s);
        self.last_whole = Some(s);
    }

    fn keep_for_rates(&mut self, s: &Snapshot) {
        self.before = Some(Snapshot {
            meta: s.meta.clone(),
            uptime: s.uptime.clone(),
            vmstat: s.vmstat.clone(),
            ..Snapshot::default()
        });
    }

    /// Takes the system parts of the next sample: the system charts.
    pub fn system(&mut self, s: &Snapshot) {
        let Some(t) = s.meta.taken_at_ns else {
            self.unreadable("a sample without its time".into());
            return;
        };
        let col = self.frame.column(t);
        self.summary.samples += 1;
        self.summary.first_ns.get_or_insert(t);
        if let Some(l) = self.summary.last_ns.replace(t) {
            self.intervals.push(t.saturating_sub(l));
        }
        if s.meta.hostname.is_some() {
            self.summary.hostname = s.meta.hostname.clone();
        }
        if s.meta.kernel.is_some() {
            self.summary.kernel = s.meta.kernel.clone();
        }
        let page = s.meta.page_size.max(1) as f64;
        if let Some(m) = s.meminfo.ok() {
            self.summary.mem_total = m.mem_total.or(self.summary.mem_total);
            self.summary.swap_total = m.swap_total.or(self.summary.swap_total);
        } else if let Some(f) = s.meminfo.failure() {
            self.unreadable(format!("meminfo: {f}"));
        }
        // The breakdown: the column's sample with the least free memory.
        match top::bar(s) {
            Ok(parts) if !parts.is_empty() => {
                let free =
                    |p: &[top::BarPart]| p.iter().find(|x| x.key == "free").map_or(0, |x| x.bytes);
                match self.stack.last_mut() {
                    Some(last) if last.0 == col => {
                        if free(&parts) < free(&last.2) {
                            *last = (col, t, parts);
                        }
                    }
                    _ => self.stack.push((col, t, parts)),
                }
            }
            Ok(_) => {}
            Err(e) => self.unreadable(format!("the breakdown: {e}")),
        }
        // Rates against the sample before, when it is of the same boot.
        let prev = self.before.as_ref().filter(|b| rates::same_boot(b, s));
        let i = rates::between(prev, s);
        let gauge = |v: Option<u64>| v.map(|x| x as f64);
        self.available
            .add(col, t, gauge(i.available).unwrap_or(f64::NAN));
        self.free.add(col, t, gauge(i.free).unwrap_or(f64::NAN));
        self.swap_used
            .add(col, t, gauge(i.swap_used).unwrap_or(f64::NAN));
        if let Some(m) = s.meminfo.ok() {
            if let (Some(total), Some(avail)) = (m.mem_total, m.mem_available) {
                self.used.add(col, t, total.saturating_sub(avail) as f64);
            }
        }
        self.psi[0].add(col, t, i.psi_some_avg10.unwrap_or(f64::NAN));
        self.psi[1].add(col, t, i.psi_full_avg10.unwrap_or(f64::NAN));
        if prev.is_some() {
            let rate = |k: &str| i.per_second(k).unwrap_or(f64::NAN);
            self.swap_in.add(col, t, rate("pswpin"));
            self.swap_out.add(col, t, rate("pswpout"));
            self.majfault.add(col, t, rate("pgmajfault"));
            // The reclaimers `vmstat` does not show.
            let r = |name: &str| {
                rates::change(prev, s, name, i.seconds)
                    .per_second
                    .unwrap_or(f64::NAN)
            };
            self.reclaim[0].add(col, t, r("pgsteal_kswapd"));
            self.reclaim[1].add(col, t, r("pgsteal_direct"));
            self.reclaim[2].add(col, t, rate("pgsteal_memcg"));
            self.reclaim[3].add(
                col,
                t,
                r("pgsteal_khugepaged") + r("pgsteal_proactive").max(0.0),
            );
        }
        // Watermarks, summed over the zones, and fragmentation per zone.
        if let Some(z) = s.zoneinfo.ok() {
            let sum = |f: fn(&memlens_model::Zone) -> Option<u64>| {
                z.zones.iter().filter_map(f).sum::<u64>() as f64 * page
            };
            if !z.zones.is_empty() {
                self.wm_low.add(col, t, sum(|z| z.low));
                self.wm_high.add(col, t, sum(|z| z.high));
            }
        }
        if let Some(b) = s.buddyinfo.ok() {
            for zone in b {
                let idx = fragmentation::unusable_index(&zone.free);
                let Some(v) = idx.get(FRAGMENTATION_ORDER.min(idx.len().saturating_sub(1))) else {
                    continue;
                };
                let id = (zone.node, zone.zone.clone());
                let k = match self.frag.iter().position(|(z, _)| *z == id) {
                    Some(k) => k,
                    None => {
                        let label = format!("node {} {}", zone.node, zone.zone);
                        self.frag
                            .push((id, Series::new("report", "unusable_index", label)));
                        self.frag.len() - 1
                    }
                };
                self.frag[k].1.add(col, t, *v);
            }
        }
        self.keep_for_rates(s);
    }

    /// Takes the next whole sample (after [`Builder::system`] of the same sample, when
    /// every sample is read whole): processes, cgroups and the doctor's findings.
    pub fn whole(&mut self, s: Snapshot) {
        let Some(t) = s.meta.taken_at_ns else {
            return;
        };
        let col = self.frame.column(t);
        self.summary.whole_samples += 1;
        if let Some(l) = self.last_whole.as_ref().and_then(|l| l.meta.taken_at_ns) {
            self.whole_intervals.push(t.saturating_sub(l));
        }
        let secs = t.saturating_sub(self.frame.since_ns) as f64 / 1e9;
        if let Some(scan) = s.processes.ok() {
            for p in &scan.processes {
                let start = p.stat.as_ref().map(|st| st.starttime);
                let row = procs::row(p, |u| u.to_string());
                let tr = self
                    .procs
                    .entry((p.pid, start))
                    .or_insert_with(|| ProcTrack {
                        pid: p.pid,
                        command: row.command.clone(),
                        pss: Series::new("process", "pss", ""),
                        points: Vec::new(),
                        stride: 1,
                        seen: 0,
                    });
                if let Some(pss) = row.pss {
                    tr.pss.add(col, t, pss as f64);
                }
                if tr.seen.is_multiple_of(tr.stride) {
                    tr.points.push(Point::of_process(&row, secs));
                    if tr.points.len() >= 2 * VERDICT_POINTS {
                        let mut k = 0;
                        tr.points.retain(|_| {
                            k += 1;
                            k % 2 == 1
                        });
                        tr.stride *= 2;
                    }
                }
                tr.seen += 1;
            }
        } else if let Some(f) = s.processes.failure() {
            self.unreadable(format!("processes: {f}"));
        }
        for c in s
            .cgroups
            .ok()
            .into_iter()
            .flatten()
            .flat_map(|tree| tree.cgroups.iter())
        {
            if cgroup::effective_limit(c).is_none() {
                continue;
            }
            if let Some(pct) = cgroup::row(c).limit_pct {
                self.cgroups
                    .entry(c.path.clone())
                    .or_insert_with(|| Series::new("cgroup", "limit_pct", c.path.clone()))
                    .add(col, t, pct);
            }
        }
        // The doctor, against the whole sample before (rates over the time between).
        match doctor::diagnose(&s, self.last_whole.as_ref()) {
            Ok(found) => {
                let mut now: Vec<&'static str> = Vec::new();
                for f in found {
                    now.push(f.id);
                    match self.open.get(f.id) {
                        Some(&k) => {
                            let e = &mut self.summary.findings[k];
                            e.last_ns = t;
                            e.samples += 1;
                            e.severity = e.severity.max(f.severity);
                            e.evidence = f.evidence;
                        }
                        None => {
                            self.open.insert(f.id, self.summary.findings.len());
                            self.summary.findings.push(Episode {
                                id: f.id,
                                severity: f.severity,
                                title: f.title,
                                evidence: f.evidence,
                                started_ns: t,
                                last_ns: t,
                                ongoing: false,
                                samples: 1,
                            });
                        }
                    }
                }
                self.open.retain(|id, _| now.contains(id));
            }
            Err(e) => self.unreadable(format!("the doctor: {e}")),
        }
        self.last_whole = Some(s);
    }

    /// The report.
    pub fn finish(mut self) -> Report {
        for &k in self.open.values() {
            self.summary.findings[k].ongoing = true;
        }
        self.summary.interval_secs = median_secs(&mut self.intervals);
        let whole_interval = median_secs(&mut self.whole_intervals);
        // Peaks.
        let mut peaks = Vec::new();
        let mut peak = |s: &Series, which: &'static str| {
            let p = if which == "max" { s.peak() } else { s.trough() };
            if let Some((value, at_ns)) = p {
                peaks.push(Peak {
                    scope: s.scope,
                    key: s.key,
                    which,
                    value,
                    at_ns,
                });
            }
        };
        peak(&self.used, "max");
        peak(&self.available, "min");
        peak(&self.swap_used, "max");
        peak(&self.psi[0], "max");
        peak(&self.majfault, "max");
        peak(&self.swap_out, "max");
        self.summary.peaks = peaks;
        // Growers: every process, judged as `watch` judges a series.
        let mut growers: Vec<Grower> = Vec::new();
        let mut tracks: Vec<ProcTrack> = self.procs.into_values().collect();
        for tr in &mut tracks {
            let a = watch::assess(&tr.points);
            tr.pss.verdict = Some(a.verdict.as_str());
            if a.growth_bytes > 0 {
                growers.push(Grower {
                    pid: tr.pid,
                    command: tr.command.clone(),
                    verdict: a.verdict.as_str(),
                    slope_bytes_per_second: a.slope_bytes_per_second,
                    growth_bytes: a.growth_bytes,
                    confidence: a.confidence,
                    samples: tr.seen,
                });
            }
        }
        growers.sort_by(|a, b| b.growth_bytes.cmp(&a.growth_bytes).then(a.pid.cmp(&b.pid)));
        // The top processes chart: the largest by peak PSS, and the fastest growers.
        let tracks = largest_first(tracks, |t| &t.pss, |t| t.pid);
        let mut chosen: Vec<usize> = (0..tracks.len().min(TOP_PROCESSES - 2)).collect();
        for g in growers.iter().filter(|g| g.verdict == "leak").take(2) {
            if let Some(k) = tracks
                .iter()
                .position(|t| t.pid == g.pid && t.command == g.command)
            {
                if !chosen.contains(&k) {
                    chosen.push(k);
                }
            }
        }
        let mut k = chosen.len();
        while chosen.len() < TOP_PROCESSES && k < tracks.len() {
            if !chosen.contains(&k) {
                chosen.push(k);
            }
            k += 1;
        }
        let top: Vec<Series> = chosen
            .iter()
            .map(|&k| {
                let t = &tracks[k];
                let mut s = t.pss.clone();
                s.label = format!("{} {}", t.pid, short(&t.command, 40));
                s
            })
            .filter(|s| !s.buckets.is_empty())
            .collect();
        growers.truncate(GROWERS);
        self.summary.growers = growers;
        // The last whole sample's largest processes and tightest cgroups.
        if let Some(s) = &self.last_whole {
            if let Some(scan) = s.processes.ok() {
                let mut rows: Vec<_> = scan
                    .processes
                    .iter()
                    .map(|p| procs::row(p, |u| u.to_string()))
                    .collect();
                rows.sort_by(|a, b| b.pss.cmp(&a.pss).then(a.pid.cmp(&b.pid)));
                self.summary.processes = rows
                    .into_iter()
                    .take(10)
                    .map(|r| ProcessAtEnd {
                        pid: r.pid,
                        command: r.command,
                        pss: r.pss,
                        rss: r.rss,
                        swap: r.swap,
                    })
                    .collect();
            }
            let mut cg: Vec<CgroupAtEnd> = s
                .cgroups
                .ok()
                .into_iter()
                .flatten()
                .flat_map(|tree| tree.cgroups.iter())
                .filter_map(|c| {
                    let limit = cgroup::effective_limit(c)?;
                    let r = cgroup::row(c);
                    Some(CgroupAtEnd {
                        path: c.path.clone(),
                        usage: r.usage,
                        limit: Some(limit),
                        limit_pct: r.limit_pct,
                    })
                })
                .collect();
            cg.sort_by(|a, b| {
                b.limit_pct
                    .unwrap_or(0.0)
                    .total_cmp(&a.limit_pct.unwrap_or(0.0))
                    .then(a.path.cmp(&b.path))
            });
            cg.truncate(10);
            self.summary.cgroups = cg;
        }
        let cgroups: Vec<Series> = self.cgroups.into_values().collect();
        let mut cgroups = largest_first(cgroups, |s| s, |s| s.label.clone());
        cgroups.truncate(TOP_CGROUPS);
        // The breakdown, one series per part.
        let mut parts: Vec<Series> = top::BAR
            .iter()
            .map(|&k| Series::new("top", k, ""))
            .collect();
        for (col, t, bar) in &self.stack {
            for p in bar {
                if let Some(s) = parts.iter_mut().find(|s| s.key == p.key) {
                    s.add(*col, *t, p.bytes as f64);
                }
            }
        }
        let mut breakdown = Chart::new("breakdown", "Where memory went (MemTotal)", parts);
        breakdown.stacked = true;
        breakdown.note = Some(
            "each column shows its sample with the least free memory; the parts sum to MemTotal"
                .into(),
        );
        let mut charts = vec![
            breakdown,
            Chart::new(
                "available",
                "Available and free memory against the zones' watermarks",
                vec![self.available, self.free, self.wm_low, self.wm_high],
            ),
            Chart::new("swap_used", "Swap used", vec![self.swap_used]),
            Chart::new(
                "swap_io",
                "Pages swapped in and out",
                vec![self.swap_in, self.swap_out],
            ),
            Chart::new("major_faults", "Major page faults", vec![self.majfault]),
            Chart::new(
                "reclaim",
                "Pages reclaimed, by who reclaimed them",
                self.reclaim.into(),
            ),
            Chart::new("pressure", "Memory pressure (PSI)", self.psi.into()),
            Chart::new("processes", "The largest processes' PSS", top),
            Chart::new("cgroups", "Cgroups against their limits", cgroups),
            Chart::new(
                "fragmentation",
                "Fragmentation: unusable free space index for 2 MiB blocks",
                self.frag.into_iter().map(|(_, s)| s).collect(),
            ),
        ];
        for c in &mut charts {
            let every = match c.id {
                "processes" | "cgroups" => whole_interval,
                _ => self.summary.interval_secs,
            };
            c.gap_secs = every.map(|i| 3.0 * i);
            if c.note.is_none() && !c.has_points() {
                c.note = Some(match c.id {
                    "cgroups" => "no memory cgroup has a limit".into(),
                    "swap_io" | "major_faults" | "reclaim" => {
                        "rates need two samples of the same boot".into()
                    }
                    "processes" => "no process was read".into(),
                    _ => "not read in these samples".into(),
                });
            }
        }
        Report {
            frame: self.frame,
            summary: self.summary,
            charts,
        }
    }
}

/// The median of times between samples, in seconds.
fn median_secs(ns: &mut [u64]) -> Option<f64> {
    ns.sort_unstable();
    (!ns.is_empty()).then(|| ns[ns.len() / 2] as f64 / 1e9)
}

/// Items by their series's peak, largest first (ties by `tie`), each peak found once.
fn largest_first<T, K: Ord>(
    items: Vec<T>,
    series: impl Fn(&T) -> &Series,
    tie: impl Fn(&T) -> K,
) -> Vec<T> {
    let mut keyed: Vec<(f64, T)> = items
        .into_iter()
        .map(|t| (series(&t).peak().map_or(0.0, |p| p.0), t))
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| tie(&a.1).cmp(&tie(&b.1))));
    keyed.into_iter().map(|(_, t)| t).collect()
}

/// The first `n` characters of a command, with `…` when cut.
fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use memlens_model::{MemInfo, NamedCounters, Part};

    const S: u64 = 1_000_000_000;
    const MIB: u64 = 1 << 20;

    /// A sample at `t` seconds: `available` MiB available, `faults` major faults so far.
    fn snap(t: u64, available: u64, faults: u64) -> Snapshot {
        let mut s = Snapshot::default();
        s.meta.taken_at_ns = Some(t * S);
        s.meta.page_size = 4096;
        s.meta.boot_id = Some("b".into());
        s.uptime = Part::Read(100.0 + t as f64);
        s.meminfo = Part::Read(MemInfo {
            mem_total: Some(1024 * MIB),
            mem_free: Some(available * MIB / 2),
            mem_available: Some(available * MIB),
            swap_total: Some(0),
            swap_free: Some(0),
            ..Default::default()
        });
        s.vmstat = Part::Read(NamedCounters(vec![("pgmajfault".into(), faults)]));
        s
    }

    #[test]
    fn a_column_keeps_its_smallest_and_largest_sample_so_a_spike_shows() {
        // 1,000 samples a second apart into 10 columns: 100 samples each; one sample
        // of column 4 dips to 10 MiB available.
        let frame = Frame {
            since_ns: 0,
            until_ns: 999 * S,
            columns: 10,
        };
        assert_eq!(frame.column(0), 0);
        assert_eq!(frame.column(99 * S), 0);
        assert_eq!(frame.column(100 * S), 1);
        assert_eq!(frame.column(999 * S), 9);
        assert_eq!(frame.column(5000 * S), 9);
        let mut b = Builder::new(frame);
        for t in 0..1000 {
            let avail = if t == 437 { 10 } else { 500 + t % 7 };
            b.system(&snap(t, avail, t * 3));
        }
        let r = b.finish();
        let avail = &r.charts[1].series[0];
        assert_eq!(avail.key, "available");
        assert_eq!(avail.buckets.len(), 10);
        let col4 = avail.buckets[4];
        assert_eq!((col4.min, col4.min_ns), ((10 * MIB) as f64, 437 * S));
        assert_eq!(col4.max, (506 * MIB) as f64);
        assert_eq!(
            (col4.first_ns, col4.last_ns, col4.samples),
            (400 * S, 499 * S, 100)
        );
        assert!(avail
            .buckets
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || b.min == (500 * MIB) as f64));
        // The trough is the spike, and it is in the summary's peaks.
        let peak = r
            .summary
            .peaks
            .iter()
            .find(|p| p.key == "available")
            .unwrap();
        assert_eq!(
            (peak.which, peak.value, peak.at_ns),
            ("min", (10 * MIB) as f64, 437 * S)
        );
        // Major faults: 3 a second throughout, from the second sample on.
        let faults = &r.charts[4].series[0];
        assert_eq!(faults.key, "pgmajfault");
        assert_eq!(faults.buckets.iter().map(|b| b.samples).sum::<u32>(), 999);
        assert!(faults.buckets.iter().all(|b| b.min == 3.0 && b.max == 3.0));
        assert_eq!(r.summary.interval_secs, Some(1.0));
        assert_eq!(r.charts[1].gap_secs, Some(3.0));
    }

    #[test]
    fn rates_start_again_after_a_reboot() {
        let frame = Frame {
            since_ns: 0,
            until_ns: 9 * S,
            columns: 10,
        };
        let mut b = Builder::new(frame);
        for t in 0..10 {
            let mut s = snap(t, 500, 1000 + t * 2);
            if t >= 5 {
                // Rebooted: a new boot, uptime and counters from zero.
                s.meta.boot_id = Some("c".into());
                s.uptime = Part::Read(t as f64);
                s.vmstat = Part::Read(NamedCounters(vec![("pgmajfault".into(), t)]));
            }
            b.system(&s);
        }
        let r = b.finish();
        let cols: Vec<u32> = r.charts[4].series[0]
            .buckets
            .iter()
            .map(|b| b.column)
            .collect();
        // No rate at the first sample, nor at the first of the new boot.
        assert_eq!(cols, vec![1, 2, 3, 4, 6, 7, 8, 9]);
        assert!(r.charts[4].series[0]
            .buckets
            .iter()
            .all(|b| b.max == if b.column < 5 { 2.0 } else { 1.0 }));
    }
}
