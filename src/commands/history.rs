//! `memlens history`: time series from the history store — the system summary, a
//! process, the processes matching a command, or a cgroup — or the top growers of a
//! time range with their slopes and verdicts.

use memlens_analysis::watch::{self, Point};
use memlens_analysis::{cgroup, procs, sys};
use memlens_catalogue::{self as catalogue, Scope, Unit};
use memlens_model::Snapshot;
use memlens_present::{Cell, Column, Table};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::cli::{Global, HistoryArgs};
use crate::failure::{Failure, Outcome};
use crate::output::{print, print_json, Format, Output};

/// What the series follow.
enum Subject {
    System,
    Pid(u32),
    Command(regex::Regex),
    /// A cgroup's path as `memlens cgroup` prints it.
    Cgroup(String),
}

impl Subject {
    fn scope(&self) -> Scope {
        match self {
            Subject::System => Scope::System,
            Subject::Pid(_) | Subject::Command(_) => Scope::Process,
            Subject::Cgroup(_) => Scope::Cgroup,
        }
    }
    fn defaults(&self) -> &'static [&'static str] {
        match self {
            Subject::System => &["used", "available", "buff_cache", "swap_used"],
            Subject::Pid(_) | Subject::Command(_) => &["rss", "pss", "uss", "swap"],
            Subject::Cgroup(_) => &["usage", "anon", "file", "swap"],
        }
    }
}

/// Who a row is of (a PID or a cgroup path; none for the system) and the row's JSON.
type Row = (Option<Value>, Map<String, Value>);

/// The rows a snapshot gives for the subject.
fn rows(s: &Snapshot, subject: &Subject) -> Result<Vec<Row>, Failure> {
    let obj = |v: Value| match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    Ok(match subject {
        Subject::System => vec![(
            None,
            obj(serde_json::to_value(sys::view(s)?).unwrap_or_default()),
        )],
        Subject::Pid(_) | Subject::Command(_) => {
            let Some(scan) = s.processes.ok() else {
                return Ok(Vec::new());
            };
            scan.processes
                .iter()
                .filter(|p| match subject {
                    Subject::Pid(pid) => p.pid == *pid,
                    Subject::Command(re) => re.is_match(&p.command()),
                    _ => false,
                })
                .map(|p| {
                    let r = procs::row(p, |u| u.to_string());
                    (
                        Some(Value::from(p.pid)),
                        obj(serde_json::to_value(r).unwrap_or_default()),
                    )
                })
                .collect()
        }
        Subject::Cgroup(path) => s
            .cgroups
            .ok()
            .into_iter()
            .flatten()
            .flat_map(|t| t.cgroups.iter())
            .filter(|c| &c.path == path)
            .take(1)
            .map(|c| {
                (
                    Some(Value::from(path.clone())),
                    obj(serde_json::to_value(cgroup::row(c)).unwrap_or_default()),
                )
            })
            .collect(),
    })
}

#[derive(Serialize)]
struct Sample {
    /// Nanoseconds since the epoch.
    t: u64,
    time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pid: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cgroup: Option<Value>,
    #[serde(flatten)]
    figures: Map<String, Value>,
}

#[derive(Serialize)]
struct Grower {
    #[serde(skip_serializing_if = "Option::is_none")]
    pid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cgroup: Option<String>,
    command: String,
    verdict: &'static str,
    slope_bytes_per_second: f64,
    growth_bytes: i64,
    confidence: f64,
    samples: usize,
    reason: String,
}

pub fn run(global: &Global, args: &HistoryArgs, out: &Output) -> Outcome {
    let store = crate::history::open(global.db.as_ref())?;
    let (since, until) =
        crate::history::period(&store, args.since.as_deref(), args.until.as_deref())?;
    if args.top_growers {
        return top_growers(&store, since, until, args, out);
    }
    let subject = if let Some(p) = args.pid {
        Subject::Pid(p)
    } else if let Some(re) = &args.command {
        Subject::Command(crate::cli::command_regex(re)?)
    } else if let Some(c) = &args.cgroup {
        Subject::Cgroup(crate::cli::cgroup_path(c)?)
    } else {
        Subject::System
    };
    let scope = subject.scope();
    let asked: Vec<String> = if args.metric.is_empty() {
        subject.defaults().iter().map(|s| s.to_string()).collect()
    } else {
        args.metric.clone()
    };
    let mut metrics: Vec<&'static catalogue::Figure> = Vec::new();
    for m in &asked {
        match catalogue::figure(scope, m) {
            Some(f) => metrics.push(f),
            None => {
                let known: Vec<&str> = catalogue::of(scope).map(|f| f.key).collect();
                return Err(Failure::usage(format!(
                    "--metric {m}: not a figure of {} (its figures: {})",
                    match scope {
                        Scope::System => "the system",
                        Scope::Cgroup => "a cgroup",
                        _ => "a process",
                    },
                    known.join(", ")
                )));
            }
        }
    }
    // Collect the series.
    let mut samples = Vec::new();
    for item in range(&store, since, until, args) {
        let (t, snap) = item?;
        for (who, row) in rows(&snap, &subject)? {
            let figures: Map<String, Value> = metrics
                .iter()
                .map(|f| {
                    (
                        f.key.to_string(),
                        row.get(f.key).cloned().unwrap_or(Value::Null),
                    )
                })
                .collect();
            let (pid, cgroup) = match subject {
                Subject::Cgroup(_) => (None, who),
                _ => (who, None),
            };
            samples.push(Sample {
                t,
                time: crate::when::show(t),
                pid,
                cgroup,
                figures,
            });
        }
    }
    if samples.is_empty() {
        return Err(Failure::read(format!(
            "{}: {} in no sample between {} and {}",
            store.dir().display(),
            match &subject {
                Subject::Pid(p) => format!("PID {p} is"),
                Subject::Command(re) => format!("no process matching {:?} is", re.as_str()),
                Subject::Cgroup(c) => format!("cgroup {c} is"),
                Subject::System => "the system summary is".into(),
            },
            crate::when::show(since),
            crate::when::show(until)
        )));
    }
    // Render.
    match out.format {
        Format::Json => print_json(&samples),
        Format::Csv | Format::Table => {
            // CSV: the time as nanoseconds since the epoch, as the JSON's `t`.
            let mut cols = vec![Column::left(
                "TIME",
                if out.format == Format::Csv {
                    "t"
                } else {
                    "time"
                },
            )];
            match subject {
                Subject::System => {}
                Subject::Cgroup(_) => cols.push(Column::left("CGROUP", "cgroup")),
                _ => cols.push(Column::right("PID", "pid")),
            }
            for f in &metrics {
                let header = if f.header.is_empty() { f.key } else { f.header };
                cols.push(Column::right(header, f.key));
            }
            let mut t = Table::new(cols);
            for s in &samples {
                let mut row = vec![Cell::Text(if out.format == Format::Csv {
                    s.t.to_string()
                } else {
                    s.time.clone()
                })];
                if let Some(w) = s.pid.as_ref().or(s.cgroup.as_ref()) {
                    row.push(Cell::Text(match w {
                        Value::String(x) => x.clone(),
                        v => v.to_string(),
                    }));
                }
                for f in &metrics {
                    row.push(match (s.figures.get(f.key), f.unit) {
                        (Some(Value::Number(n)), Unit::Bytes) => match n.as_u64() {
                            Some(b) => Cell::Bytes(Some(b)),
                            None => Cell::Text(n.to_string()),
                        },
                        (Some(Value::Null) | None, _) => Cell::Text("-".into()),
                        (Some(Value::String(x)), _) => Cell::Text(x.clone()),
                        (Some(v), _) => Cell::Text(v.to_string()),
                    });
                }
                t.rows.push(row);
            }
            if out.format == Format::Csv {
                print(&t.csv());
            } else {
                print(&out.table(&t));
            }
        }
    }
    Ok(0)
}

/// Every process (by PID) and cgroup of the range, assessed as `watch` assesses a series;
/// the fastest growers first.
/// The samples from `since` to `until`, thinned to `--samples` (and said so once).
fn range<'a>(
    store: &'a memlens_store::Reader,
    since: u64,
    until: u64,
    args: &HistoryArgs,
) -> memlens_store::Range<'a> {
    let r = store.range(since, until);
    let n = r.samples();
    if args.samples == 0 || n <= args.samples.max(2) {
        return r;
    }
    crate::output::warn(&format!(
        "reading {} of the {n} samples in the range, spread evenly over it (--samples; 0 reads every one)",
        args.samples.max(2)
    ));
    r.thinned(args.samples)
}

fn top_growers(
    store: &memlens_store::Reader,
    since: u64,
    until: u64,
    args: &HistoryArgs,
    out: &Output,
) -> Outcome {
    use std::collections::BTreeMap;
    let mut procs_series: BTreeMap<u32, (String, Vec<Point>)> = BTreeMap::new();
    let mut groups: BTreeMap<String, Vec<Point>> = BTreeMap::new();
    for item in range(store, since, until, args) {
        let (t, snap) = item?;
        let secs = (t - since) as f64 / 1e9;
        if let Some(scan) = snap.processes.ok() {
            for p in &scan.processes {
                let r = procs::row(p, |u| u.to_string());
                let e = procs_series
                    .entry(p.pid)
                    .or_insert_with(|| (r.command.clone(), Vec::new()));
                e.1.push(Point::of_process(&r, secs));
            }
        }
        for c in snap
            .cgroups
            .ok()
            .into_iter()
            .flatten()
            .flat_map(|t| t.cgroups.iter())
        {
            groups
                .entry(c.path.clone())
                .or_default()
                .push(Point::of_cgroup(c, secs));
        }
    }
    let mut growers: Vec<Grower> = Vec::new();
    let mut push = |pid: Option<u32>, cgroup: Option<String>, command: String, points: &[Point]| {
        let a = watch::assess(points);
        growers.push(Grower {
            pid,
            cgroup,
            command,
            verdict: a.verdict.as_str(),
            slope_bytes_per_second: a.slope_bytes_per_second,
            growth_bytes: a.growth_bytes,
            confidence: a.confidence,
            samples: a.samples,
            reason: a.reason,
        });
    };
    for (pid, (command, points)) in &procs_series {
        push(Some(*pid), None, command.clone(), points);
    }
    for (path, points) in &groups {
        push(None, Some(path.clone()), String::new(), points);
    }
    growers.retain(|g| g.growth_bytes > 0);
    growers.sort_by_key(|g| std::cmp::Reverse(g.growth_bytes));
    growers.truncate(args.limit);
    match out.format {
        Format::Json => print_json(&growers),
        Format::Csv | Format::Table => {
            let mut t = Table::new(vec![
                Column::left("WHO", "who"),
                Column::right("GROWTH", "growth_bytes"),
                Column::right("SLOPE/s", "slope_bytes_per_second"),
                Column::left("VERDICT", "verdict"),
                Column::right("SAMPLES", "samples"),
                Column::left("COMMAND", "command").wrap(),
            ]);
            for g in &growers {
                t.rows.push(vec![
                    Cell::Text(match (&g.pid, &g.cgroup) {
                        (Some(p), _) => format!("PID {p}"),
                        (_, Some(c)) => format!("cgroup {c}"),
                        _ => String::new(),
                    }),
                    Cell::Bytes(Some(g.growth_bytes.max(0) as u64)),
                    Cell::Bytes(Some(g.slope_bytes_per_second.max(0.0) as u64)),
                    Cell::Text(g.verdict.into()),
                    Cell::Text(g.samples.to_string()),
                    Cell::Text(g.command.clone()),
                ]);
            }
            if out.format == Format::Csv {
                print(&t.csv());
            } else if growers.is_empty() {
                print("Nothing grew in that time.\n");
            } else {
                print(&out.table(&t));
            }
        }
    }
    Ok(0)
}
