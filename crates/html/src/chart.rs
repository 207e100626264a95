//! One chart of a report as SVG: title, time range, axes with units, the series (each
//! column's smallest and largest value, or stacked parts), a legend, and each series's
//! data in `data-b` for the page's hover script and for tests.

use std::fmt::Write;

use jiff::tz::TimeZone;
use memlens_analysis::report::{Bucket, Chart, Frame, Series};
use memlens_catalogue::{self as catalogue, Scope, Unit};

use crate::axis;
use crate::esc;

/// The SVG's width; a plot's left and right margins.
pub const WIDTH: u32 = 960;
const LEFT: u32 = 76;
const RIGHT: u32 = 14;
/// Columns of a plot: one per pixel, what [`Frame::columns`] should be.
pub const COLUMNS: u32 = WIDTH - LEFT - RIGHT;
const TOP: u32 = 50;
const PLOT_HEIGHT: u32 = 180;
const LEGEND_ROW: u32 = 18;

/// Series colours, in order (Tableau 10).
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// The breakdown's parts keep their colour whatever is drawn.
fn part_colour(key: &str) -> Option<&'static str> {
    Some(match key {
        "anon" => "#e15759",
        "page_cache" => "#4e79a7",
        "shmem" => "#b07aa1",
        "slab" => "#f28e2b",
        "kernel" => "#9c755f",
        "hugetlb" => "#edc948",
        "free" => "#c9d3c0",
        _ => return None,
    })
}

/// A breakdown part's colour, else the `k`th of the palette.
pub fn colour(key: &str, k: usize) -> &'static str {
    part_colour(key).unwrap_or(PALETTE[k % PALETTE.len()])
}

/// A series's catalogue figure.
fn figure(scope: &str, key: &str) -> Option<&'static catalogue::Figure> {
    catalogue::figure(Scope::named(scope)?, key)
}

/// A figure's unit, by its scope's name and key (bytes when not catalogued).
pub fn unit_of(scope: &str, key: &str) -> Unit {
    figure(scope, key).map_or(Unit::Bytes, |f| f.unit)
}

/// A figure's header, by its scope's name and key (the key when it has none).
pub fn header_of(scope: &str, key: &str) -> String {
    match figure(scope, key) {
        Some(f) if !f.header.is_empty() => f.header.trim().to_string(),
        _ => key.to_string(),
    }
}

/// A series's unit.
fn unit(s: &Series) -> Unit {
    unit_of(s.scope, s.key)
}

/// What the legend calls a series: its label, else its figure's header.
pub fn label(s: &Series) -> String {
    if s.label.is_empty() {
        header_of(s.scope, s.key)
    } else {
        s.label.clone()
    }
}

fn unit_name(u: Unit) -> &'static str {
    match u {
        Unit::Bytes => "bytes",
        Unit::BytesPerSecond => "bytes_per_second",
        Unit::PerSecond => "per_second",
        Unit::Percent => "percent",
        Unit::Fraction => "fraction",
        _ => "number",
    }
}

/// The chart as an SVG element. `standalone` adds the XML namespace (a file of its own);
/// inline in HTML it needs none.
pub fn svg(chart: &Chart, frame: &Frame, tz: &TimeZone, standalone: bool) -> String {
    let unit = chart.series.first().map_or(Unit::Bytes, unit);
    let series: Vec<&Series> = chart
        .series
        .iter()
        .filter(|s| !s.buckets.is_empty())
        .collect();
    // The value range.
    let top = if chart.stacked {
        stacked_max(&series)
    } else {
        series
            .iter()
            .flat_map(|s| s.buckets.iter().map(|b| b.max))
            .fold(0.0, f64::max)
    };
    let top = if unit == Unit::Fraction { 1.0 } else { top };
    let (div, unit_label) = axis::scale(unit, top);
    let ticks = axis::value_ticks(top / div, 4);
    let y_top = ticks.last().copied().unwrap_or(1.0).max(f64::MIN_POSITIVE) * div;
    let y = |v: f64| {
        let f = (v / y_top).clamp(0.0, 1.0);
        TOP as f64 + PLOT_HEIGHT as f64 * (1.0 - f)
    };
    let x = |col: u32| LEFT as f64 + col as f64 + 0.5;
    // Legend layout: items in rows.
    let mut legend = Vec::new();
    let (mut lx, mut row) = (LEFT, 0u32);
    for (k, s) in chart.series.iter().enumerate() {
        let mut text = label(s);
        if let Some(v) = s.verdict {
            let _ = write!(text, " ({v})");
        }
        if s.buckets.is_empty() {
            text.push_str(" (no data)");
        }
        let w = 18 + 7 * text.chars().count() as u32 + 16;
        if lx + w > WIDTH - RIGHT && lx > LEFT {
            lx = LEFT;
            row += 1;
        }
        legend.push((k, lx, row, text));
        lx += w;
    }
    let rows = if legend.is_empty() { 0 } else { row + 1 };
    let axis_y = TOP + PLOT_HEIGHT;
    let height = axis_y + 34 + rows * LEGEND_ROW + 6;
    let mut o = String::with_capacity(16 * 1024);
    let _ = write!(
        o,
        r#"<svg {ns}class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-labelledby="t-{id}" font-family="system-ui, sans-serif" font-size="12" data-chart="{id}" data-since="{since}" data-until="{until}" data-columns="{cols}" data-left="{LEFT}" data-unit="{uname}" data-scale="{div}" data-unit-label="{unit_label}" data-stacked="{stacked}">"#,
        ns = if standalone {
            r#"xmlns="http://www.w3.org/2000/svg" "#
        } else {
            ""
        },
        id = chart.id,
        since = frame.since_ns,
        until = frame.until_ns,
        cols = frame.columns,
        uname = unit_name(unit),
        stacked = chart.stacked,
    );
    let range = format!(
        "{} to {}",
        axis::show_time(frame.since_ns, "%Y-%m-%d %H:%M:%S", tz),
        axis::show_time(frame.until_ns, "%Y-%m-%d %H:%M:%S %:z", tz)
    );
    let _ = write!(
        o,
        r##"<title id="t-{id}">{title}</title><rect width="{WIDTH}" height="{height}" fill="#fff"/><text x="{LEFT}" y="20" font-size="15" font-weight="600" fill="#222">{title}</text><text x="{LEFT}" y="38" fill="#666">{range}</text>"##,
        id = chart.id,
        title = esc(chart.title),
        range = esc(&range),
    );
    // The y axis: grid lines and labels, the unit above them.
    let step = if ticks.len() > 1 {
        ticks[1] - ticks[0]
    } else {
        1.0
    };
    for t in &ticks {
        let yy = y(t * div);
        let _ = write!(
            o,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{yy:.1}" y2="{yy:.1}" stroke="#e4e4e4"/><text x="{lx}" y="{ty:.1}" text-anchor="end" fill="#555">{label}</text>"##,
            x2 = WIDTH - RIGHT,
            lx = LEFT - 6,
            ty = yy + 4.0,
            label = axis::tick_label(*t, step),
        );
    }
    let _ = write!(
        o,
        r##"<text x="{lx}" y="{uy}" text-anchor="end" fill="#555" font-style="italic">{u}</text>"##,
        lx = LEFT - 6,
        uy = TOP - 16,
        u = esc(unit_label),
    );
    // The x axis: round local times.
    let (times, format) = axis::time_ticks(frame.since_ns, frame.until_ns, 8, tz);
    let _ = write!(
        o,
        r##"<line x1="{LEFT}" x2="{x2}" y1="{axis_y}" y2="{axis_y}" stroke="#888"/>"##,
        x2 = WIDTH - RIGHT
    );
    for t in times {
        let xx = x(frame.column(t));
        let _ = write!(
            o,
            r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{axis_y}" y2="{y2}" stroke="#888"/><text x="{xx:.1}" y="{ty}" text-anchor="middle" fill="#555">{label}</text>"##,
            y2 = axis_y + 4,
            ty = axis_y + 17,
            label = axis::show_time(t, format, tz),
        );
    }
    // The series.
    let gap = chart.gap_secs.map(|s| (s * 1e9) as u64);
    o.push_str(r#"<g class="series" fill="none" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round">"#);
    if chart.stacked {
        stacked_paths(&mut o, &chart.series, &y, &x, gap, unit, tz);
    } else {
        for (k, s) in chart.series.iter().enumerate() {
            if s.buckets.is_empty() {
                continue;
            }
            let colour = PALETTE[k % PALETTE.len()];
            let d = line_path(&s.buckets, &y, &x, gap);
            let _ = write!(
                o,
                r#"<path class="s" stroke="{colour}" d="{d}" {data}><title>{tip}</title></path>"#,
                data = data_attrs(s),
                tip = esc(&series_tip(s, unit, tz)),
            );
        }
    }
    o.push_str("</g>");
    // The legend.
    for (k, lx, row, text) in legend {
        let s = &chart.series[k];
        let colour = if chart.stacked {
            colour(s.key, k)
        } else {
            PALETTE[k % PALETTE.len()]
        };
        let ly = axis_y + 34 + row * LEGEND_ROW;
        let _ = write!(
            o,
            r##"<rect x="{lx}" y="{ry}" width="12" height="12" fill="{colour}"/><text x="{tx}" y="{ty}" fill="#222">{t}</text>"##,
            ry = ly - 10,
            tx = lx + 17,
            ty = ly,
            t = esc(&text),
        );
    }
    if let Some(note) = &chart.note {
        let _ = write!(
            o,
            r##"<text x="{x}" y="{y}" text-anchor="end" fill="#666" font-size="11">{n}</text>"##,
            x = WIDTH - RIGHT,
            y = 38,
            n = esc(note)
        );
    }
    // The hover guide, moved by the page's script.
    let _ = write!(
        o,
        r##"<line class="guide" x1="0" x2="0" y1="{TOP}" y2="{axis_y}" stroke="#333" stroke-dasharray="3 3" visibility="hidden"/>"##
    );
    o.push_str("</svg>");
    o
}

/// The largest sum of the parts in any column.
fn stacked_max(series: &[&Series]) -> f64 {
    let mut sums: std::collections::BTreeMap<u32, f64> = Default::default();
    for s in series {
        for b in &s.buckets {
            *sums.entry(b.column).or_default() += b.max;
        }
    }
    sums.values().copied().fold(0.0, f64::max)
}

/// A line through each column's smallest and largest value (in the order they came),
/// broken where the time between two columns' samples exceeds `gap`.
fn line_path(
    buckets: &[Bucket],
    y: &dyn Fn(f64) -> f64,
    x: &dyn Fn(u32) -> f64,
    gap: Option<u64>,
) -> String {
    let mut d = String::with_capacity(buckets.len() * 16);
    let mut prev: Option<&Bucket> = None;
    for b in buckets {
        let xx = x(b.column);
        let broken = match (prev, gap) {
            (None, _) => true,
            (Some(p), Some(g)) => b.first_ns.saturating_sub(p.last_ns) > g,
            (Some(_), None) => false,
        };
        let (a, z) = if b.min_ns <= b.max_ns {
            (b.min, b.max)
        } else {
            (b.max, b.min)
        };
        let _ = write!(d, "{}{xx:.1},{:.1}", if broken { "M" } else { "L" }, y(a));
        if z != a {
            let _ = write!(d, "L{xx:.1},{:.1}", y(z));
        } else if broken {
            // A lone point still shows, as a dot of the line's round caps.
            d.push_str("h0.01");
        }
        prev = Some(b);
    }
    d
}

/// One column of the stacked parts: its sample's time and each part's value.
struct Column {
    col: u32,
    first: u64,
    last: u64,
    parts: Vec<f64>,
}

/// The stacked parts: each an area between the parts below it and itself.
fn stacked_paths(
    o: &mut String,
    series: &[Series],
    y: &dyn Fn(f64) -> f64,
    x: &dyn Fn(u32) -> f64,
    gap: Option<u64>,
    unit: Unit,
    tz: &TimeZone,
) {
    // Columns in order, with each part's value.
    let mut cols: std::collections::BTreeMap<u32, (u64, u64, Vec<f64>)> = Default::default();
    for (k, s) in series.iter().enumerate() {
        for b in &s.buckets {
            let e = cols
                .entry(b.column)
                .or_insert_with(|| (b.first_ns, b.last_ns, vec![0.0; series.len()]));
            e.2[k] = b.max;
        }
    }
    let cols: Vec<Column> = cols
        .into_iter()
        .map(|(col, (first, last, parts))| Column {
            col,
            first,
            last,
            parts,
        })
        .collect();
    // Runs of columns without a gap.
    let mut runs: Vec<&[Column]> = Vec::new();
    let mut start = 0;
    for i in 1..=cols.len() {
        let broken = i == cols.len()
            || gap.is_some_and(|g| cols[i].first.saturating_sub(cols[i - 1].last) > g);
        if broken {
            runs.push(&cols[start..i]);
            start = i;
        }
    }
    for (k, s) in series.iter().enumerate() {
        if s.buckets.is_empty() {
            continue;
        }
        let colour = colour(s.key, k);
        let mut d = String::new();
        for run in &runs {
            let below = |c: &Column| c.parts[..k].iter().sum::<f64>();
            let (x0, x1) = (x(run[0].col) - 0.5, x(run[run.len() - 1].col) + 0.5);
            let _ = write!(d, "M{x0:.1},{:.1}", y(below(&run[0]) + run[0].parts[k]));
            for c in run.iter() {
                let _ = write!(d, "L{:.1},{:.1}", x(c.col), y(below(c) + c.parts[k]));
            }
            let last = &run[run.len() - 1];
            let _ = write!(d, "L{x1:.1},{:.1}", y(below(last) + last.parts[k]));
            let _ = write!(d, "L{x1:.1},{:.1}", y(below(last)));
            for c in run.iter().rev() {
                let _ = write!(d, "L{:.1},{:.1}", x(c.col), y(below(c)));
            }
            let _ = write!(d, "L{x0:.1},{:.1}Z", y(below(&run[0])));
        }
        let _ = write!(
            o,
            r#"<path class="s" fill="{colour}" stroke="none" d="{d}" {data}><title>{tip}</title></path>"#,
            data = data_attrs(s),
            tip = esc(&series_tip(s, unit, tz)),
        );
    }
}

/// A series's figure and data: `data-b` is `column:min:max` per bucket, `;`-separated.
fn data_attrs(s: &Series) -> String {
    let mut b = String::with_capacity(s.buckets.len() * 24);
    for (i, x) in s.buckets.iter().enumerate() {
        if i > 0 {
            b.push(';');
        }
        let _ = write!(b, "{}:{}:{}", x.column, x.min, x.max);
    }
    let verdict = s
        .verdict
        .map(|v| format!(r#" data-verdict="{v}""#))
        .unwrap_or_default();
    format!(
        r#"data-scope="{}" data-key="{}" data-label="{}"{verdict} data-b="{b}""#,
        s.scope,
        s.key,
        esc(&label(s))
    )
}

/// What hovering a series says without the script: its highest and lowest, and when.
fn series_tip(s: &Series, unit: Unit, tz: &TimeZone) -> String {
    let mut t = label(s);
    if let Some((v, at)) = s.peak() {
        let _ = write!(
            t,
            ": highest {} at {}",
            axis::show_value(v, unit),
            axis::show_time(at, "%Y-%m-%d %H:%M:%S", tz)
        );
    }
    if let Some((v, at)) = s.trough() {
        let _ = write!(
            t,
            ", lowest {} at {}",
            axis::show_value(v, unit),
            axis::show_time(at, "%Y-%m-%d %H:%M:%S", tz)
        );
    }
    t
}
