//! The metrics view: a snapshot's figures as metric families, for `memlens metrics` and
//! `memlens serve`. Names, units, types and help come from the catalogue, following the
//! conventions Prometheus users know, under memlens's own prefix: node_exporter's for
//! the system (`memlens_memory_KEY_bytes`; vmstat's counters `memlens_vmstat_KEY_total`,
//! typed as counters), cAdvisor's for cgroups (`memlens_cgroup_memory_usage_bytes`,
//! `..._working_set_bytes`, limits as `..._limit_bytes`), and `memlens_process_*` for
//! the processes chosen. A row figure's samples carry the row's labels (a process's pid,
//! comm, user, cgroup; a cgroup's path; a zone's node and zone); a figure with a value
//! per order (free blocks) or per event adds a label for it. Units: `_bytes`, `_seconds`,
//! ratios from 0 to 1, counts bare (hugepage counts are named `_pages`).

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use memlens_analysis::procs::{self, ProcRow};
use memlens_analysis::trend::{self, Assessment, Verdict};
use memlens_analysis::watch::{self, Point};
use memlens_analysis::{cgroup, fragmentation, rates, sys, zones};
use memlens_catalogue::{self as catalogue, Figure, Kind, Scope, Unit};
use memlens_model::{CgroupVersion, Snapshot};
use memlens_present::exposition::{Family, MetricType, Sample};
use regex::Regex;
use serde::Serialize;
use serde_json::Value;

use crate::failure::Failure;

/// Which processes and cgroups get series of their own.
pub struct Select {
    /// The processes with the most PSS.
    pub top: usize,
    /// And those whose command line matches.
    pub process: Option<Regex>,
    /// Whether to label them with their command line.
    pub cmdline: bool,
    /// Cgroups at most this many levels below the root.
    pub cgroup_depth: u32,
}

/// The process figures exported, each a family (PSS split by kind, below).
const PROCESS_KEYS: &[&str] = &["rss", "uss", "swap", "swap_pss", "vsz"];

/// Names that differ from `memlens_STEM_KEY`: cAdvisor calls a cgroup's hard limit
/// `limit`, and its other limits `..._limit`.
const RENAMED: &[(Scope, &str, &str)] = &[
    (Scope::Cgroup, "processes", "memlens_cgroup_processes"),
    (Scope::Cgroup, "max", "memlens_cgroup_memory_limit"),
    (Scope::Cgroup, "high", "memlens_cgroup_memory_high_limit"),
    (
        Scope::Cgroup,
        "swap_max",
        "memlens_cgroup_memory_swap_limit",
    ),
    (
        Scope::Cgroup,
        "memsw_max",
        "memlens_cgroup_memory_memsw_limit",
    ),
    (
        Scope::Cgroup,
        "psi_some_avg10",
        "memlens_cgroup_memory_pressure_some_avg10",
    ),
    (
        Scope::Cgroup,
        "psi_full_avg10",
        "memlens_cgroup_memory_pressure_full_avg10",
    ),
];

/// Row figures with no series: a ratio PromQL makes from two series, a constant, a
/// figure already in another family.
const LEFT_OUT: &[(Scope, &str)] = &[(Scope::Cgroup, "limit_pct"), (Scope::Buddy, "block_sizes")];

/// The name, unit, type and factor of a catalogue figure's metric; `None` for labels,
/// text and the figures left out.
pub struct Metric {
    pub name: String,
    pub unit: &'static str,
    pub kind: MetricType,
    pub scale: f64,
}

/// The metric a catalogue figure becomes; `None` for labels, figures that are not
/// numbers and those no family carries.
pub fn metric(f: &Figure) -> Option<Metric> {
    let stem = match f.scope {
        Scope::System => "memory_",
        Scope::Process => "process_",
        // The counters behind `vmstat`'s rates, as counted since boot.
        Scope::Rates if f.kind == Kind::Counter => "vmstat_",
        Scope::Cgroup => "cgroup_memory_",
        Scope::Zone => "zone_",
        Scope::Buddy => "buddy_",
        Scope::Huge => "hugepages_",
        Scope::Metrics => "",
        _ => return None,
    };
    if LEFT_OUT.contains(&(f.scope, f.key))
        || (f.scope, f.key) == (Scope::Metrics, "vmstat_nr")
        || f.key.contains('.')
        || (f.scope == Scope::Process && f.key != "pss" && !PROCESS_KEYS.contains(&f.key))
    {
        return None;
    }
    let (unit, scale) = match f.unit {
        Unit::PerSecond => ("", 1.0),
        Unit::BytesPerSecond => ("bytes_per_second", 1.0),
        Unit::Bytes => ("bytes", 1.0),
        Unit::Seconds => ("seconds", 1.0),
        Unit::Fraction => ("ratio", 1.0),
        Unit::Percent => ("ratio", 0.01),
        Unit::Count => ("", 1.0),
        _ => return None,
    };
    let kind = match f.kind {
        Kind::Gauge => MetricType::Gauge,
        Kind::Counter => MetricType::Counter,
        Kind::Label => return None,
    };
    let base = RENAMED
        .iter()
        .find(|(s, k, _)| *s == f.scope && *k == f.key)
        .map(|(_, _, n)| n.to_string())
        .unwrap_or_else(|| format!("memlens_{stem}{}", f.key));
    let name = match unit {
        "" => base,
        u => format!("{base}_{u}"),
    };
    Some(Metric {
        name,
        unit,
        kind,
        scale,
    })
}

/// The labels of a figure's samples, as the README lists them.
pub fn labels_of(f: &Figure) -> &'static str {
    match (f.scope, f.key) {
        (Scope::Process, "pss") => {
            "pid, comm, user, cgroup, kind (anon, file, shmem; total before 5.7)"
        }
        (Scope::Process, _) => "pid, comm, user, cgroup",
        (Scope::Cgroup, "events") => "cgroup, version, event",
        (Scope::Cgroup, _) => "cgroup, version",
        (Scope::Zone, _) => "node, zone",
        (Scope::Buddy, "free_blocks" | "unusable_index") => "node, zone, order",
        (Scope::Buddy, _) => "node, zone",
        (Scope::Huge, _) => "page_size",
        (Scope::Metrics, "processes_skipped") => "reason",
        (Scope::Metrics, "process_leak_slope" | "process_leaking") => "pid, comm, user, cgroup",
        _ => "",
    }
}

/// Every family the metrics can have, as a Markdown table: name, type, labels and help
/// (`memlens metrics --list`, the README's list).
pub fn list() -> String {
    let mut out = String::from("| metric | type | labels | meaning |\n|---|---|---|---|\n");
    for f in catalogue::FIGURES {
        if (f.scope, f.key) == (Scope::Metrics, "vmstat_nr") {
            out.push_str(&format!(
                "| `memlens_vmstat_nr_*` | gauge (counter: `_total`) |  | {} |\n",
                f.meaning
            ));
            continue;
        }
        let Some(m) = metric(f) else { continue };
        let (name, kind) = match m.kind {
            MetricType::Counter => (format!("{}_total", m.name), "counter"),
            MetricType::Gauge => (m.name, "gauge"),
        };
        out.push_str(&format!(
            "| `{name}` | {kind} | {} | {} |\n",
            labels_of(f),
            f.meaning.replace('|', "\\|")
        ));
    }
    out
}

/// The exported processes' samples across collections, for their leak slopes (`serve`
/// keeps one; a single snapshot has none). A process is known by PID and comm; one not
/// exported in a collection is forgotten, and samples older than the window dropped.
pub struct Trends {
    window: f64,
    series: HashMap<(u32, String), VecDeque<Point>>,
}

impl Trends {
    pub fn new(window: Duration) -> Trends {
        Trends {
            window: window.as_secs_f64(),
            series: HashMap::new(),
        }
    }

    /// Adds the samples of the processes exported at `t` (seconds) and assesses each.
    fn update(&mut self, t: f64, rows: &[&ProcRow]) -> Vec<Assessment> {
        let mut kept = HashMap::with_capacity(rows.len());
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let key = (r.pid, r.comm.clone());
            let mut points = self.series.remove(&key).unwrap_or_default();
            points.push_back(Point::of_process(r, t));
            while points.front().is_some_and(|p| p.t < t - self.window) {
                points.pop_front();
            }
            out.push(watch::assess(points.make_contiguous()));
            kept.insert(key, points);
        }
        self.series = kept;
        out
    }
}

type Labels = Vec<(&'static str, String)>;

/// Families built sample by sample, each once, in the order first met.
#[derive(Default)]
struct Families {
    list: Vec<Family>,
    index: HashMap<String, usize>,
}

impl Families {
    fn add(&mut self, f: &Figure, labels: Labels, value: f64) {
        let Some(m) = metric(f) else { return };
        let i = match self.index.get(&m.name) {
            Some(&i) => i,
            None => {
                self.list.push(Family {
                    name: m.name.clone(),
                    help: f.meaning.to_string(),
                    kind: m.kind,
                    unit: m.unit,
                    samples: Vec::new(),
                });
                self.index.insert(m.name, self.list.len() - 1);
                self.list.len() - 1
            }
        };
        self.list[i].samples.push(Sample {
            labels,
            value: value * m.scale,
        });
    }

    /// A family named apart from the catalogue's pattern (a kernel field's own name),
    /// with the figure's meaning as help after `about`.
    fn add_named(&mut self, name: String, about: &str, f: &Figure, kind: MetricType, value: f64) {
        self.index.insert(name.clone(), self.list.len());
        self.list.push(Family {
            name,
            help: format!("{about}: {}", f.meaning),
            kind,
            unit: "",
            samples: vec![Sample {
                labels: Vec::new(),
                value,
            }],
        });
    }

    /// The figure of `scope` named `key`, whose value is known.
    fn figure(&mut self, scope: Scope, key: &str, labels: Labels, value: Option<f64>) {
        if let (Some(f), Some(v)) = (catalogue::figure(scope, key), value) {
            self.add(f, labels, v);
        }
    }

    /// A row's figures: every numeric figure of the scope the row holds. An array is a
    /// value per order (label `order`), an object a value per name (label `by`; none
    /// when `by` is empty).
    fn row(&mut self, scope: Scope, row: &impl Serialize, labels: &Labels, by: &'static str) {
        let Ok(Value::Object(row)) = serde_json::to_value(row) else {
            return;
        };
        for f in catalogue::of(scope) {
            let with = |extra: Option<(&'static str, String)>| {
                let mut l = labels.clone();
                l.extend(extra);
                l
            };
            match row.get(f.key) {
                Some(Value::Number(n)) => self.add(f, with(None), n.as_f64().unwrap_or(0.0)),
                Some(Value::Array(a)) => {
                    for (i, v) in a.iter().enumerate() {
                        if let Some(v) = v.as_f64() {
                            self.add(f, with(Some(("order", i.to_string()))), v);
                        }
                    }
                }
                Some(Value::Object(o)) if !by.is_empty() => {
                    for (k, v) in o {
                        // (One of another type has a figure of its own: v1's under_oom
                        // is a state, not a count.)
                        let other = catalogue::figure(scope, &format!("{}.{k}", f.key))
                            .is_some_and(|g| g.kind != f.kind);
                        if let (Some(v), false) = (v.as_f64(), other) {
                            self.add(f, with(Some((by, k.clone()))), v);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// The families of a snapshot. `collect_secs`: how long collecting it took, when known;
/// `trends`: the samples before, given this one to assess the processes' growth.
pub fn families(
    s: &Snapshot,
    sel: &Select,
    collect_secs: Option<f64>,
    trends: Option<&mut Trends>,
) -> Result<Vec<Family>, Failure> {
    let mut out = Families::default();
    let none = Labels::new;
    out.row(Scope::System, &sys::view(s)?, &none(), "");
    // vmstat's counters since boot (a counter summed from several, as `vmstat` shows it,
    // where the kernel splits it: pgscan is pgscan_anon + pgscan_file).
    if let Some(v) = s.vmstat.ok() {
        for f in catalogue::of(Scope::Rates).filter(|f| f.kind == Kind::Counter) {
            if let Some(x) = rates::counter(v, f.key) {
                out.add(f, none(), x as f64);
            }
        }
    }
    // Every nr_* field of /proc/vmstat, by the kernel's name: levels (a few counters).
    if let (Some(v), Some(f)) = (
        s.vmstat.ok(),
        catalogue::figure(Scope::Metrics, "vmstat_nr"),
    ) {
        for (field, value) in &v.0 {
            let ok_name = field
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !field.starts_with("nr_") || !ok_name {
                continue;
            }
            let counts = matches!(field.as_str(), "nr_dirtied" | "nr_written")
                || field.starts_with("nr_foll_pin_");
            let kind = if counts {
                MetricType::Counter
            } else {
                MetricType::Gauge
            };
            let about = format!("{field} of /proc/vmstat");
            // (`sec` reads as seconds to Prometheus's linter: nr_sec_page_table_pages.)
            let name = format!("memlens_vmstat_{}", field.replace("_sec_", "_secondary_"));
            out.add_named(name, &about, f, kind, *value as f64);
        }
    }
    if let Some(Some(p)) = s.pressure.ok() {
        let seconds = |l: Option<memlens_model::PsiLine>| l.map(|l| l.total as f64 / 1e6);
        out.figure(
            Scope::Metrics,
            "pressure_memory_some",
            none(),
            seconds(p.some),
        );
        out.figure(
            Scope::Metrics,
            "pressure_memory_full",
            none(),
            seconds(p.full),
        );
    }
    processes(s, sel, trends, &mut out)?;
    cgroups(s, sel, &mut out);
    let page = s.meta.page_size;
    if let Some(z) = s.zoneinfo.ok() {
        for zone in &z.zones {
            let v = zones::view(zone, page);
            let labels = vec![("node", v.node.to_string()), ("zone", v.zone.clone())];
            out.row(Scope::Zone, &v, &labels, "");
        }
    }
    if let Some(b) = s.buddyinfo.ok() {
        for z in b {
            let v = fragmentation::view(z.node, &z.zone, &z.free, page);
            let labels = vec![("node", v.node.to_string()), ("zone", v.zone.clone())];
            out.row(Scope::Buddy, &v, &labels, "");
        }
    }
    if let Some(pools) = s.hugepages.ok() {
        for v in pools.iter().map(memlens_analysis::huge::pool_row) {
            let labels = vec![("page_size", v.page_size.to_string())];
            out.row(Scope::Huge, &v, &labels, "");
        }
    }
    let at = s.meta.taken_at_ns.map(|ns| ns as f64 / 1e9);
    out.figure(Scope::Metrics, "snapshot_timestamp", none(), at);
    out.figure(Scope::Metrics, "collect_duration", none(), collect_secs);
    Ok(out.list)
}

fn processes(
    s: &Snapshot,
    sel: &Select,
    trends: Option<&mut Trends>,
    out: &mut Families,
) -> Result<(), Failure> {
    let (mut rows, skipped) = crate::scanned::rows(s)?;
    procs::sort(&mut rows, "pss", false);
    let chosen: Vec<&ProcRow> = rows
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            *i < sel.top
                || sel
                    .process
                    .as_ref()
                    .is_some_and(|re| re.is_match(&r.command))
        })
        .map(|(_, r)| r)
        .collect();
    let labels = |r: &ProcRow| {
        let mut l = vec![
            ("pid", r.pid.to_string()),
            ("comm", r.comm.clone()),
            ("user", r.user.clone()),
            ("cgroup", r.cgroup.clone().unwrap_or_default()),
        ];
        if sel.cmdline {
            l.push(("command", r.command.clone()));
        }
        l
    };
    for r in &chosen {
        // PSS by kind, so that a sum over kinds is the process's PSS: its anon, file and
        // shmem parts where the kernel splits them (smaps_rollup Pss_Anon... since 5.7),
        // else one sample of kind "total".
        let split = [
            ("anon", r.pss_anon),
            ("file", r.pss_file),
            ("shmem", r.pss_shmem),
        ];
        if split.iter().all(|(_, v)| v.is_some()) {
            for (kind, v) in split {
                let mut l = labels(r);
                l.push(("kind", kind.to_string()));
                out.figure(Scope::Process, "pss", l, v.map(|v| v as f64));
            }
        } else {
            let mut l = labels(r);
            l.push(("kind", "total".to_string()));
            out.figure(Scope::Process, "pss", l, r.pss.map(|v| v as f64));
        }
        for key in PROCESS_KEYS {
            out.figure(
                Scope::Process,
                key,
                labels(r),
                r.bytes(key).map(|v| v as f64),
            );
        }
    }
    if let (Some(trends), Some(ns)) = (trends, s.meta.taken_at_ns) {
        let assessed = trends.update(ns as f64 / 1e9, &chosen);
        for (r, a) in chosen.iter().zip(assessed) {
            if a.samples < trend::Options::default().min_samples {
                continue; // too few samples yet to say anything
            }
            let slope = Some(a.slope_bytes_per_second);
            out.figure(Scope::Metrics, "process_leak_slope", labels(r), slope);
            let leaking = Some(if a.verdict == Verdict::Leak { 1.0 } else { 0.0 });
            out.figure(Scope::Metrics, "process_leaking", labels(r), leaking);
        }
    }
    let count = |n: usize| Some(n as f64);
    out.figure(Scope::Metrics, "processes", Vec::new(), count(rows.len()));
    for (reason, n) in [
        ("vanished", skipped.vanished as usize),
        ("hidden", skipped.hidden as usize),
        ("timed_out", skipped.timed_out.len()),
        ("unusable", skipped.unusable.len()),
        ("incomplete", skipped.incomplete as usize),
    ] {
        let l = vec![("reason", reason.to_string())];
        out.figure(Scope::Metrics, "processes_skipped", l, count(n));
    }
    let partial = count(skipped.partially_readable as usize);
    out.figure(Scope::Metrics, "processes_partial", Vec::new(), partial);
    Ok(())
}

/// Every memory cgroup to the depth chosen, labelled with its path and, as a machine
/// can mount both, its hierarchy's version.
fn cgroups(s: &Snapshot, sel: &Select, out: &mut Families) {
    let Some(trees) = s.cgroups.ok() else { return };
    for t in trees {
        let version = match t.version {
            CgroupVersion::V1 => "v1",
            CgroupVersion::V2 => "v2",
        };
        let Some(part) = cgroup::subtree(&t.cgroups, "/", Some(sel.cgroup_depth)) else {
            continue;
        };
        for c in part.iter().filter(|c| cgroup::has_memory_files(c)) {
            let row = cgroup::row(c);
            let labels = vec![
                ("cgroup", row.path.clone()),
                ("version", version.to_string()),
            ];
            out.row(Scope::Cgroup, &row, &labels, "event");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_figures_share_a_metric_name() {
        let mut seen = HashMap::new();
        for f in catalogue::FIGURES {
            if let Some(m) = metric(f) {
                let other = seen.insert(m.name.clone(), (f.scope, f.key));
                assert!(
                    other.is_none(),
                    "{} is {other:?} and {:?}",
                    m.name,
                    (f.scope, f.key)
                );
            }
        }
        assert!(seen.len() > 100, "{}", seen.len());
    }
}
