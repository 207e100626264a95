//! `memlens vmstat [INTERVAL [COUNT]]`: collect raw samples, derive per-interval rates,
//! render one row per interval (the first since boot), like `vmstat` and `sar -r/-B/-W`.

use crate::failure::{Failure, Outcome};
use std::time::Instant;

use memlens_analysis::rates::{between, Interval, COUNTERS};
use memlens_catalogue::{self as catalogue, Scope};
use memlens_present::{bytes, Units};
use memlens_sources::Root;

use crate::commands::rates_snapshot;
use serde::Serialize;

use crate::cli::VmstatArgs;
use crate::output::{print, print_json, warn, Format, Output};

#[derive(Clone, Copy)]
enum Kind {
    Bytes,
    Rate,
    Percent,
    Count,
}

/// The columns: a figure of the catalogue's rates (which names and explains it) and how
/// it is shown. The CSV key is the figure's key, with `_per_s` for a rate.
const COLUMNS: &[(&str, Kind)] = &[
    ("free", Kind::Bytes),
    ("available", Kind::Bytes),
    ("anon", Kind::Bytes),
    ("file", Kind::Bytes),
    ("swap_used", Kind::Bytes),
    ("pgfault", Kind::Rate),
    ("pgmajfault", Kind::Rate),
    ("pswpin", Kind::Rate),
    ("pswpout", Kind::Rate),
    ("pgpgin", Kind::Rate),
    ("pgpgout", Kind::Rate),
    ("pgscan", Kind::Rate),
    ("pgscan_kswapd", Kind::Rate),
    ("pgscan_direct", Kind::Rate),
    ("pgscan_memcg", Kind::Rate),
    ("pgsteal", Kind::Rate),
    ("vmeff_percent", Kind::Percent),
    ("compact_stall", Kind::Rate),
    ("thp_fault_alloc", Kind::Rate),
    ("oom_kill", Kind::Count),
    ("psi_some_avg10", Kind::Percent),
    ("psi_full_avg10", Kind::Percent),
];

/// A column's header, from the catalogue.
fn header(key: &str) -> &'static str {
    catalogue::figure(Scope::Rates, key)
        .map(|f| f.header)
        .expect("every vmstat column is in the catalogue")
}

/// A column's CSV key.
fn csv_key(key: &str, kind: Kind) -> String {
    match kind {
        Kind::Rate => format!("{key}_per_s"),
        _ => key.to_string(),
    }
}

fn cell(i: &Interval, kind: Kind, what: &str, units: Option<Units>) -> String {
    let b = |v: Option<u64>| match (v, units) {
        (None, _) => {
            if units.is_some() {
                "-".into()
            } else {
                String::new()
            }
        }
        (Some(v), Some(u)) => bytes(v, u),
        (Some(v), None) => v.to_string(),
    };
    let f = |v: Option<f64>| match v {
        Some(x) if units.is_some() => format!("{x:.2}"),
        Some(x) => x.to_string(),
        None if units.is_some() => "-".into(),
        None => String::new(),
    };
    match kind {
        Kind::Bytes => b(match what {
            "free" => i.free,
            "available" => i.available,
            "anon" => i.anon,
            "file" => i.file,
            _ => i.swap_used,
        }),
        Kind::Rate => f(i.get(what).and_then(|c| c.per_second)),
        Kind::Percent => f(match what {
            "vmeff_percent" => i.vmeff_percent,
            "psi_some_avg10" => i.psi_some_avg10,
            _ => i.psi_full_avg10,
        }),
        Kind::Count => match i.get(what).and_then(|c| c.delta) {
            Some(v) => v.to_string(),
            None if units.is_some() => "-".into(),
            None => String::new(),
        },
    }
}

fn width(h: &str, kind: Kind, units: Units) -> usize {
    let w = match (kind, units) {
        (Kind::Bytes, Units::Human) => 6,
        (Kind::Bytes, Units::Kib) => 10,
        (Kind::Bytes, Units::Bytes) => 12,
        (Kind::Rate, _) => 9,
        (Kind::Percent, _) => 6,
        (Kind::Count, _) => 4,
    };
    w.max(h.len())
}

/// Rows are printed as they come, so columns have fixed widths.
fn text_line(cells: &[String], out: &Output) -> String {
    let mut l = String::new();
    // Where each whole column ends, to cut between columns.
    let mut ends = Vec::new();
    for (k, (c, (key, kind))) in cells.iter().zip(COLUMNS).enumerate() {
        if k > 0 {
            l.push(' ');
        }
        l.push_str(&format!(
            "{c:>w$}",
            w = width(header(key), *kind, out.units)
        ));
        ends.push(l.chars().count());
    }
    if let Some(max) = out.width {
        if l.chars().count() > max {
            // Whole columns only, then `…` for the ones that do not fit (--wide shows them).
            let keep = ends
                .iter()
                .copied()
                .filter(|e| e + 2 <= max)
                .max()
                .unwrap_or(0);
            l = l.chars().take(keep).collect();
            l.push_str(" …");
        }
    }
    l.push('\n');
    l
}

fn emit(i: &Interval, out: &Output) {
    match out.format {
        Format::Json => {}
        Format::Csv => {
            let mut cells = vec![
                i.since_boot.to_string(),
                i.seconds.map(|s| format!("{s:.3}")).unwrap_or_default(),
            ];
            cells.extend(COLUMNS.iter().map(|(w, k)| cell(i, *k, w, None)));
            print(&(cells.join(",") + "\n"));
        }
        Format::Table => {
            let cells: Vec<String> = COLUMNS
                .iter()
                .map(|(w, k)| cell(i, *k, w, Some(out.units)))
                .collect();
            print(&text_line(&cells, out));
        }
    }
}

#[derive(Serialize)]
struct VmstatJson<'a> {
    /// Counters included in each row, in order.
    counters: &'static [&'static str],
    rows: &'a [Interval],
}

/// `earlier`: an earlier capture of the same machine (`--root A --root B`): the rows are
/// then A since boot, and A to B.
pub fn run(root: &Root, earlier: Option<&Root>, args: &VmstatArgs, out: &Output) -> Outcome {
    let mut interval = args.interval;
    let mut count = args.count;
    if earlier.is_some() && interval.is_some() {
        warn("two captures: the rows are since boot and between the captures; INTERVAL is ignored");
        interval = None;
        count = None;
    } else if !root.is_live() && interval.is_some() {
        warn("a capture is one moment: showing the since-boot row only");
        interval = None;
        count = None;
    }
    if interval.is_some_and(|d| d.is_zero()) {
        return Err(usage("INTERVAL must be more than 0"));
    }
    if out.format == Format::Json && interval.is_some() && count.is_none() {
        return Err(usage("--json prints one document at the end: give a COUNT"));
    }
    let rows_wanted = match (interval, count) {
        (None, _) => Some(1),
        (Some(_), c) => c,
    };
    if rows_wanted == Some(0) {
        return Err(usage("COUNT must be at least 1"));
    }
    let first = rates_snapshot(earlier.unwrap_or(root))?;
    let row = between(None, &first);
    if row.seconds.is_none() {
        warn(
            "no proc/uptime under this root: since-boot rates are unknown (counters are in --json)",
        );
    }
    if first.pressure.ok().copied().flatten().is_none() && out.format == Format::Table {
        print("(no /proc/pressure/memory: PSI needs Linux 4.20 or newer with CONFIG_PSI)\n");
    }
    match out.format {
        Format::Table => {
            let headers: Vec<String> = COLUMNS.iter().map(|(k, _)| header(k).to_string()).collect();
            print(&text_line(&headers, out));
        }
        Format::Csv => {
            let mut keys = vec!["since_boot".to_string(), "seconds".to_string()];
            keys.extend(COLUMNS.iter().map(|(k, kind)| csv_key(k, *kind)));
            print(&(keys.join(",") + "\n"));
        }
        Format::Json => {}
    }
    emit(&row, out);
    let mut rows = vec![row];
    if earlier.is_some() {
        // main checked that `root` is the later capture.
        let later = rates_snapshot(root)?;
        let row = between(Some(&first), &later);
        emit(&row, out);
        rows.push(row);
    }
    if let Some(every) = interval {
        let start = Instant::now();
        let mut prev = first;
        let mut n: u32 = 1;
        while rows_wanted.is_none_or(|w| (n as u64) < w) {
            let due = start + every * n;
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                crate::output::wait(wait, "next row in");
            }
            let cur = rates_snapshot(root)?;
            let row = between(Some(&prev), &cur);
            emit(&row, out);
            if out.format == Format::Json {
                rows.push(row);
            }
            prev = cur;
            n += 1;
        }
    }
    if out.format == Format::Json {
        print_json(&VmstatJson {
            counters: COUNTERS,
            rows: &rows,
        });
    }
    Ok(0)
}

fn usage(msg: &str) -> Failure {
    Failure::usage(format!("vmstat: {msg}"))
}
