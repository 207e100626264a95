//! `memlens watch PID... | --command REGEX | --cgroup PATH`: a snapshot of the watched
//! targets every interval, a line per sample, then each series' verdict, the mappings that
//! grew and how long until a limit at the slope found.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use memlens_analysis::procs;
use memlens_analysis::trend::Assessment;
use memlens_analysis::watch::{self, LimitAhead, MappingGrowth, Point, FAULT_RATES, FIGURES};
use memlens_model::{Mapping, MemCgroup, ProcessSample, Snapshot};
use memlens_present::{bytes, Units};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;
use serde::Serialize;

use crate::cli::WatchArgs;
use crate::failure::{Failure, Outcome};
use crate::output::{print, warn, Format, Output};

/// The exit status when `--alert RATE` finds a leak faster than RATE.
pub const EXIT_ALERT: i32 = 4;

/// A mapping group must grow by this much to be named.
const MIN_MAPPING_GROWTH: u64 = 64 << 10;

enum Targets {
    Pids(Vec<u32>),
    Command(regex::Regex),
    /// The cgroup's path as `memlens cgroup` prints it.
    Cgroup(String),
}

/// What a series follows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
enum Target {
    Pid { pid: u32 },
    Cgroup { cgroup: String },
}

struct Series {
    target: Target,
    command: String,
    points: Vec<Point>,
    first_maps: Option<Vec<Mapping>>,
    last_maps: Option<Vec<Mapping>>,
    /// The last sample of the process, for its limits and cgroup.
    last: Option<ProcessSample>,
    /// Seconds into the watch at which the process was last seen, once it is gone.
    exited: Option<f64>,
}

#[derive(Serialize)]
struct SampleLine<'a> {
    r#type: &'static str,
    #[serde(flatten)]
    target: &'a Target,
    #[serde(flatten)]
    point: &'a Point,
    /// Each figure's change since the previous sample (absent on the first).
    change: Option<Vec<(&'static str, i64)>>,
}

#[derive(Serialize)]
struct Verdict<'a> {
    #[serde(flatten)]
    target: &'a Target,
    command: &'a str,
    #[serde(flatten)]
    assessment: &'a Assessment,
    /// Seconds into the watch when the process was last seen, if it exited.
    exited_at: Option<f64>,
    mappings_grown: Vec<MappingGrowth>,
    limits: Vec<LimitAhead>,
}

#[derive(Serialize)]
struct Summary<'a> {
    r#type: &'static str,
    interval_secs: f64,
    elapsed_secs: f64,
    verdicts: &'a [Verdict<'a>],
    alert_bytes_per_second: Option<f64>,
    alert: bool,
}

pub fn run(root: &Root, args: &WatchArgs, out: &Output) -> Outcome {
    if !root.is_live() {
        return Err(Failure::refused(format!(
            "{}: watch samples a live machine over time; it cannot run on a capture",
            root.base().display()
        )));
    }
    let targets = if let Some(re) = &args.command {
        Targets::Command(crate::cli::command_regex(re)?)
    } else if let Some(c) = &args.cgroup {
        Targets::Cgroup(crate::cli::cgroup_path(c)?)
    } else {
        Targets::Pids(args.pid.clone())
    };
    let timeout = Duration::from_secs_f64(args.timeout.max(0.001));
    crate::output::catch_interrupts();
    let start = Instant::now();
    let mut series: Vec<Series> = Vec::new();
    let mut t0: Option<f64> = None;
    let mut taken = 0u32;
    let tty = std::io::stderr().is_terminal() && out.format == Format::Table;
    if out.format == Format::Csv {
        let mut h = vec!["t", "pid", "cgroup"];
        h.extend(FIGURES);
        h.extend(FAULT_RATES);
        print(&(h.join(",") + "\n"));
    }
    loop {
        let snaps = take(root, &targets, &series, timeout, false)?;
        for snap in &snaps {
            let up = snap.uptime.get("uptime")?;
            let t = up - *t0.get_or_insert(*up);
            record(snap, &targets, &mut series, t, out)?;
        }
        exits(&snaps, &targets, &mut series, taken == 0)?;
        if taken == 0 && series.is_empty() {
            return Err(match &targets {
                Targets::Command(re) => Failure::usage(format!(
                    "--command {:?}: no process's command line matches",
                    re.as_str()
                )),
                _ => Failure::read("nothing to watch"),
            });
        }
        taken += 1;
        let all_gone =
            !matches!(targets, Targets::Command(_)) && series.iter().all(|s| s.exited.is_some());
        if all_gone {
            warn("every watched process has exited");
            break;
        }
        let next = start + args.interval * taken;
        if args.duration.is_some_and(|d| next > start + d) {
            break;
        }
        if !sleep_until(next, start, args, &series, tty) {
            break;
        }
    }
    // The closing read: smaps of the processes still there, the machine's MemAvailable
    // and the cgroups' limits.
    let elapsed = start.elapsed().as_secs_f64();
    let closing = take(root, &targets, &series, timeout, true)?;
    let closing = closing.last();
    let meminfo = closing.and_then(|s| s.meminfo.ok());
    let groups: Vec<&MemCgroup> = closing
        .and_then(|s| s.cgroups.ok())
        .map(|trees| trees.iter().flat_map(|t| t.cgroups.iter()).collect())
        .unwrap_or_default();
    if let Some(snap) = closing {
        if let Ok(scan) = snap.processes.get("processes") {
            for p in &scan.processes {
                if let Some(s) = series
                    .iter_mut()
                    .find(|s| s.target == (Target::Pid { pid: p.pid }))
                {
                    s.last_maps = p.mappings.clone();
                    s.last = Some(ProcessSample::clone(p));
                }
            }
        }
    }
    let assessments: Vec<Assessment> = series.iter().map(|s| watch::assess(&s.points)).collect();
    let verdicts: Vec<Verdict> = series
        .iter()
        .zip(&assessments)
        .map(|(s, a)| {
            let cgroup = match &s.target {
                Target::Cgroup { cgroup } => groups.iter().copied().find(|g| g.path == *cgroup),
                Target::Pid { .. } => s
                    .last
                    .as_ref()
                    .and_then(|p| p.cgroup.as_deref())
                    .and_then(memlens_model::memory_cgroup)
                    .and_then(|path| groups.iter().copied().find(|g| g.path == path)),
            };
            let vsz = watch::vsz_slope(&s.points);
            Verdict {
                target: &s.target,
                command: &s.command,
                assessment: a,
                exited_at: s.exited,
                mappings_grown: match (&s.first_maps, &s.last_maps) {
                    (Some(a), Some(b)) => watch::grown_mappings(a, b, MIN_MAPPING_GROWTH),
                    _ => Vec::new(),
                },
                limits: match (s.exited, s.points.last()) {
                    (None, Some(last)) => watch::limits_ahead(
                        meminfo,
                        cgroup,
                        s.last.as_ref(),
                        last,
                        a.slope_bytes_per_second,
                        vsz,
                    ),
                    _ => Vec::new(),
                },
            }
        })
        .collect();
    let alert = args
        .alert
        .is_some_and(|rate| assessments.iter().any(|a| watch::alarms(a, rate)));
    if tty {
        clear_status();
    }
    match out.format {
        Format::Json => print(
            &(serde_json::to_string(&Summary {
                r#type: "summary",
                interval_secs: args.interval.as_secs_f64(),
                elapsed_secs: elapsed,
                verdicts: &verdicts,
                alert_bytes_per_second: args.alert,
                alert,
            })
            .expect("serialisable")
                + "\n"),
        ),
        Format::Csv => {
            for v in &verdicts {
                warn(&verdict_text(v, Units::Human));
            }
        }
        Format::Table => {
            let mut text = String::from("\n");
            for v in &verdicts {
                text.push_str(&verdict_text(v, out.units));
                text.push('\n');
            }
            print(&text);
        }
    }
    if alert {
        warn(&format!(
            "--alert: a leak faster than {}/s was found",
            bytes(args.alert.unwrap_or(0.0) as u64, Units::Human)
        ));
        return Ok(EXIT_ALERT);
    }
    Ok(0)
}

/// One or two snapshots of the targets: for processes, those already watched and (with
/// their smaps) those seen for the first time; `closing`: with smaps, meminfo and cgroups.
fn take(
    root: &Root,
    targets: &Targets,
    series: &[Series],
    timeout: Duration,
    closing: bool,
) -> Result<Vec<Snapshot>, Failure> {
    let base = Plan {
        uptime: true,
        meminfo: closing,
        cgroups: closing,
        ..Plan::NOTHING
    };
    let pids = match targets {
        Targets::Cgroup(_) => {
            return Ok(vec![collect(
                root,
                &Plan {
                    cgroups: true,
                    meminfo: true,
                    ..base
                },
            )])
        }
        Targets::Pids(p) => p.clone(),
        Targets::Command(re) => {
            let all = collect(
                root,
                &Plan {
                    processes: Some(ScanOptions {
                        rollup: false,
                        cmdline: true,
                        timeout,
                        ..Default::default()
                    }),
                    ..Plan::NOTHING
                },
            );
            let me = std::process::id();
            all.processes
                .get("processes")?
                .processes
                .iter()
                .filter(|p| p.pid != me && re.is_match(&p.command()))
                .map(|p| p.pid)
                .collect()
        }
    };
    let known = |pid: &u32| series.iter().any(|s| s.target == Target::Pid { pid: *pid });
    let (old, new): (Vec<u32>, Vec<u32>) = if closing {
        (
            Vec::new(),
            pids.into_iter()
                .filter(|p| {
                    series
                        .iter()
                        .any(|s| s.target == Target::Pid { pid: *p } && s.exited.is_none())
                })
                .collect(),
        )
    } else {
        pids.into_iter()
            .filter(|p| {
                !series
                    .iter()
                    .any(|s| s.target == Target::Pid { pid: *p } && s.exited.is_some())
            })
            .partition(known)
    };
    let scan = |pids: Vec<u32>, smaps: bool| {
        collect(
            root,
            &Plan {
                processes: Some(ScanOptions {
                    rollup: true,
                    cmdline: true,
                    stat: true,
                    cgroup: closing,
                    limits: closing,
                    smaps,
                    pids: Some(pids),
                    timeout,
                    ..Default::default()
                }),
                ..base.clone()
            },
        )
    };
    let mut out = Vec::new();
    if !old.is_empty() || (new.is_empty() && !closing) {
        out.push(scan(old, false));
    }
    if !new.is_empty() {
        out.push(scan(new, true));
    }
    Ok(out)
}

/// Adds a snapshot's figures to the series and prints its lines.
fn record(
    snap: &Snapshot,
    targets: &Targets,
    series: &mut Vec<Series>,
    t: f64,
    out: &Output,
) -> Result<(), Failure> {
    if let Targets::Cgroup(path) = targets {
        let groups = crate::failure::Failure::part(
            &snap.cgroups,
            "cgroups",
            "permission denied reading the cgroup tree",
            "this machine has no memory cgroup hierarchy",
        )?;
        let found = groups
            .iter()
            .flat_map(|t| t.cgroups.iter())
            .find(|g| &g.path == path);
        let Some(g) = found else {
            if series.is_empty() {
                return Err(Failure::usage(format!(
                    "--cgroup {path}: no such memory cgroup (see `memlens cgroup`)"
                )));
            }
            if series[0].exited.is_none() {
                warn(&format!("cgroup {path} was removed"));
                series[0].exited = Some(t);
            }
            return Ok(());
        };
        if series.is_empty() {
            series.push(Series {
                target: Target::Cgroup {
                    cgroup: path.clone(),
                },
                command: String::new(),
                points: Vec::new(),
                first_maps: None,
                last_maps: None,
                last: None,
                exited: None,
            });
        }
        push(&mut series[0], Point::of_cgroup(g, t), out);
        return Ok(());
    }
    let scan = snap.processes.get("processes")?;
    for p in &scan.processes {
        let row = procs::row(p, |u| u.to_string());
        let i = match series
            .iter()
            .position(|s| s.target == Target::Pid { pid: p.pid })
        {
            Some(i) => i,
            None => {
                if out.format == Format::Table {
                    print(&format!("watching PID {}: {}\n", p.pid, row.command));
                }
                series.push(Series {
                    target: Target::Pid { pid: p.pid },
                    command: row.command.clone(),
                    points: Vec::new(),
                    first_maps: p.mappings.clone(),
                    last_maps: None,
                    last: None,
                    exited: None,
                });
                series.len() - 1
            }
        };
        series[i].last = Some(ProcessSample::clone(p));
        push(&mut series[i], Point::of_process(&row, t), out);
    }
    Ok(())
}

/// After a sample: a PID asked for that was never seen is an error (on the first sample:
/// there is no such process, or it is a kernel thread); a watched process not seen in this
/// sample has exited.
fn exits(
    snaps: &[Snapshot],
    targets: &Targets,
    series: &mut [Series],
    first: bool,
) -> Result<(), Failure> {
    if matches!(targets, Targets::Cgroup(_)) {
        return Ok(());
    }
    let seen: Vec<u32> = snaps
        .iter()
        .filter_map(|s| s.processes.ok())
        .flat_map(|scan| scan.processes.iter().map(|p| p.pid))
        .collect();
    if let (Targets::Pids(pids), true) = (targets, first) {
        for &pid in pids {
            if !seen.contains(&pid) {
                let snap = snaps
                    .iter()
                    .find(|s| s.processes.is_read())
                    .unwrap_or(&snaps[0]);
                return Err(match crate::scanned::one(snap, &Root::live(), pid) {
                    Ok(crate::scanned::One::KernelThread(name)) => Failure::usage(format!(
                        "{pid}: [{name}] is a kernel thread: it has no user memory to watch"
                    )),
                    Ok(_) => Failure::no_process(&Root::live(), pid),
                    Err(e) => e,
                });
            }
        }
    }
    for s in series.iter_mut() {
        if let Target::Pid { pid } = s.target {
            if s.exited.is_none() && !seen.contains(&pid) {
                warn(&format!("PID {pid} exited (or could no longer be read)"));
                s.exited = Some(s.points.last().map_or(0.0, |p| p.t));
            }
        }
    }
    Ok(())
}

fn push(s: &mut Series, p: Point, out: &Output) {
    let p = match s.points.last() {
        Some(prev) => p.with_rates_since(prev),
        None => p,
    };
    let change = s.points.last().map(|prev| {
        FIGURES
            .iter()
            .filter_map(|k| match (prev.get(k), p.get(k)) {
                (Some(a), Some(b)) => Some((*k, b as i64 - a as i64)),
                _ => None,
            })
            .collect::<Vec<_>>()
    });
    match out.format {
        Format::Json => print(
            &(serde_json::to_string(&SampleLine {
                r#type: "sample",
                target: &s.target,
                point: &p,
                change: change.clone(),
            })
            .expect("serialisable")
                + "\n"),
        ),
        Format::Csv => {
            let (pid, cg) = match &s.target {
                Target::Pid { pid } => (pid.to_string(), String::new()),
                Target::Cgroup { cgroup } => (String::new(), cgroup.clone()),
            };
            let mut cells = vec![format!("{:.3}", p.t), pid, cg];
            cells.extend(
                FIGURES
                    .iter()
                    .map(|k| p.get(k).map(|v| v.to_string()).unwrap_or_default()),
            );
            cells.extend(
                FAULT_RATES
                    .iter()
                    .map(|k| p.rate(k).map(|v| format!("{v:.3}")).unwrap_or_default()),
            );
            print(&(cells.join(",") + "\n"));
        }
        Format::Table => {
            if std::io::stderr().is_terminal() {
                clear_status();
            }
            if s.points.is_empty() {
                print(&header(&s.target));
            }
            print(&line(&s.target, &p, change.as_deref(), out.units));
        }
    }
    s.points.push(p);
}

const WIDTH: usize = 7;

fn header(t: &Target) -> String {
    let mut l = format!(
        "{:>7}  {:>7}",
        "TIME",
        match t {
            Target::Pid { .. } => "PID",
            Target::Cgroup { .. } => "",
        }
    );
    for k in FIGURES {
        let h = memlens_catalogue::figure(memlens_catalogue::Scope::Process, k)
            .map(|f| f.header)
            .unwrap_or(k);
        l.push_str(&format!("  {h:>WIDTH$}"));
    }
    for k in FAULT_RATES {
        let h = memlens_catalogue::figure(memlens_catalogue::Scope::Process, k)
            .map(|f| f.header)
            .unwrap_or(k);
        l.push_str(&format!("  {h:>8}"));
    }
    l.push_str("  CHANGE\n");
    l
}

fn line(t: &Target, p: &Point, change: Option<&[(&str, i64)]>, units: Units) -> String {
    let who = match t {
        Target::Pid { pid } => pid.to_string(),
        Target::Cgroup { .. } => String::new(),
    };
    let mut l = format!("{:>7}  {who:>7}", format!("{:.1}s", p.t));
    for k in FIGURES {
        let v = p
            .get(k)
            .map(|v| bytes(v, units))
            .unwrap_or_else(|| "-".into());
        l.push_str(&format!("  {v:>WIDTH$}"));
    }
    for k in FAULT_RATES {
        let v = p
            .rate(k)
            .map(memlens_present::table::per_second)
            .unwrap_or_else(|| "-".into());
        l.push_str(&format!("  {v:>8}"));
    }
    let changed: Vec<String> = change
        .unwrap_or(&[])
        .iter()
        .filter(|(_, d)| *d != 0)
        .map(|(k, d)| format!("{k} {}", signed(*d, units)))
        .collect();
    l.push_str(&format!("  {}\n", changed.join(" ")));
    l
}

fn signed(d: i64, units: Units) -> String {
    let sign = if d < 0 { "-" } else { "+" };
    format!("{sign}{}", bytes(d.unsigned_abs(), units))
}

fn human_secs(s: f64) -> String {
    match s {
        s if s < 120.0 => format!("{s:.0} s"),
        s if s < 7200.0 => format!("{:.0} min", s / 60.0),
        s if s < 172_800.0 => format!("{:.1} h", s / 3600.0),
        s => format!("{:.1} days", s / 86400.0),
    }
}

fn verdict_text(v: &Verdict, units: Units) -> String {
    let a = v.assessment;
    let who = match v.target {
        Target::Pid { pid } => format!("PID {pid} ({})", v.command),
        Target::Cgroup { cgroup } => format!("cgroup {cgroup}"),
    };
    let rate = |r: f64| {
        format!(
            "{}{}/s",
            if r < 0.0 { "-" } else { "" },
            bytes(r.abs() as u64, units)
        )
    };
    let mut t = format!(
        "{who}: {} — slope {} ({} to {}), confidence {:.1}%, over {} samples\n  {}\n",
        a.verdict.as_str(),
        rate(a.slope_bytes_per_second),
        rate(a.slope_low),
        rate(a.slope_high),
        a.confidence * 100.0,
        a.samples,
        a.reason
    );
    if let Some(e) = v.exited_at {
        t.push_str(&format!("  exited after {}\n", human_secs(e)));
    }
    if !v.mappings_grown.is_empty() {
        let g: Vec<String> = v
            .mappings_grown
            .iter()
            .take(5)
            .map(|g| format!("{} {}", g.mapping, signed(g.growth, units)))
            .collect();
        t.push_str(&format!("  grew: {}\n", g.join(", ")));
    }
    let ahead: Vec<String> = v
        .limits
        .iter()
        .filter_map(|l| {
            l.seconds.map(|s| {
                let name = match l.limit {
                    "mem_available" => "MemAvailable",
                    "memory_max" => "the cgroup's memory.max",
                    _ => "RLIMIT_AS",
                };
                format!(
                    "{name} ({} left) in {}",
                    bytes(l.headroom, units),
                    human_secs(s)
                )
            })
        })
        .collect();
    if !ahead.is_empty() && a.slope_bytes_per_second > 0.0 {
        t.push_str(&format!(
            "  at this slope it reaches {}\n",
            ahead.join("; ")
        ));
    }
    t
}

/// Sleeps until `next`; on a terminal, a status line says how long is left and the
/// verdicts so far. False when interrupted.
fn sleep_until(
    next: Instant,
    start: Instant,
    args: &WatchArgs,
    series: &[Series],
    tty: bool,
) -> bool {
    let status = if tty {
        let v: Vec<String> = series
            .iter()
            .filter(|s| s.exited.is_none())
            .take(4)
            .map(|s| {
                let who = match &s.target {
                    Target::Pid { pid } => pid.to_string(),
                    Target::Cgroup { cgroup } => cgroup.clone(),
                };
                format!("{who}: {}", watch::assess(&s.points).verdict.as_str())
            })
            .collect();
        v.join(", ")
    } else {
        String::new()
    };
    loop {
        if crate::output::interrupted() {
            return false;
        }
        let now = Instant::now();
        if now >= next {
            return true;
        }
        if tty {
            use std::io::Write;
            let el = start.elapsed().as_secs_f64();
            let of = match args.duration {
                Some(d) => format!(
                    " of {} ({} left)",
                    human_secs(d.as_secs_f64()),
                    human_secs((d.as_secs_f64() - el).max(0.0))
                ),
                None => " (Ctrl-C ends it)".into(),
            };
            let mut e = std::io::stderr().lock();
            let _ = write!(
                e,
                "\r\x1b[Kwatching {}{of} · so far {status}",
                human_secs(el)
            );
            let _ = e.flush();
        }
        std::thread::sleep((next - now).min(Duration::from_millis(100)));
    }
}

fn clear_status() {
    use std::io::Write;
    let mut e = std::io::stderr().lock();
    let _ = write!(e, "\r\x1b[K");
    let _ = e.flush();
}
