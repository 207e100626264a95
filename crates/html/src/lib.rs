//! memlens html: a [`Report`] as one self-contained HTML page (inline SVG charts, inline
//! style and script, nothing fetched), or its charts as SVG files. A renderer: it reads
//! nothing and knows nothing of the kernel, only the report and the catalogue.

mod axis;
mod chart;

use std::fmt::Write;

pub use chart::{COLUMNS, WIDTH};
use jiff::tz::TimeZone;
use memlens_analysis::report::{Chart, Report};

/// Text made safe for HTML and XML, in text and in quoted attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// The charts a report draws (none for one moment): `(id, standalone SVG)`.
pub fn svgs(r: &Report, tz: &TimeZone) -> Vec<(&'static str, String)> {
    if r.is_moment() {
        return Vec::new();
    }
    r.charts
        .iter()
        .map(|c| (c.id, chart::svg(c, &r.frame, tz, true)))
        .collect()
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0 auto; padding: 16px 20px 40px; max-width: 1000px; background: #fafafa; }
h1 { font-size: 22px; margin: 8px 0 2px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 3px; }
p.period { color: #555; margin: 0 0 12px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 13px; }
th, td { padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { color: #555; font-weight: 600; border-bottom: 1px solid #ccc; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.critical { color: #b00020; font-weight: 600; }
.warning { color: #a15c00; font-weight: 600; }
.info { color: #335; }
.muted { color: #666; }
figure.chart { margin: 14px 0; background: #fff; border: 1px solid #e2e2e2; border-radius: 4px; padding: 4px; width: fit-content; position: relative; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
#tip { position: fixed; pointer-events: none; background: rgba(255,255,255,.96); border: 1px solid #999; border-radius: 3px; padding: 4px 7px; font-size: 12px; display: none; white-space: nowrap; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
nav a { margin-right: 10px; }
@media print {
  body { background: #fff; max-width: none; padding: 0; }
  figure.chart { break-inside: avoid; border: none; }
  nav, #tip { display: none; }
}
"#;

/// The hover: the nearest column's time and every series's value there. The page reads
/// whole without it (each line's title says its highest and lowest).
const SCRIPT: &str = r#"
(function () {
  var tip = document.getElementById('tip');
  var charts = document.querySelectorAll('svg.chart');
  function human(v, unit, label) {
    if (unit === 'bytes' || unit === 'bytes_per_second') {
      var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
      while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; }
      return (i ? v.toFixed(v < 10 ? 2 : 1) : v.toFixed(0)) + ' ' + u[i] + (unit === 'bytes' ? '' : '/s');
    }
    if (unit === 'percent') return v.toFixed(2) + '%';
    if (unit === 'per_second') return v.toFixed(v < 10 ? 2 : 0) + '/s';
    return v.toFixed(3);
  }
  var points = 0;
  charts.forEach(function (svg) {
    var d = svg.dataset, left = +d.left, cols = +d.columns;
    var since = +d.since, until = +d.until;
    var series = [];
    svg.querySelectorAll('path.s').forEach(function (p) {
      var m = new Map();
      (p.dataset.b || '').split(';').forEach(function (b) {
        if (!b) return;
        var f = b.split(':');
        m.set(+f[0], [+f[1], +f[2]]);
        points++;
      });
      series.push({ label: p.dataset.label, map: m, colour: p.getAttribute('stroke') !== 'none' ? p.getAttribute('stroke') : p.getAttribute('fill') });
    });
    var guide = svg.querySelector('line.guide');
    svg.addEventListener('mousemove', function (ev) {
      var box = svg.getBoundingClientRect();
      var x = (ev.clientX - box.left) * (svg.viewBox.baseVal.width / box.width);
      var col = Math.round(x - left - 0.5);
      if (col < 0 || col >= cols) { tip.style.display = 'none'; guide.setAttribute('visibility', 'hidden'); return; }
      var best = null, dist = 1e9;
      series.forEach(function (s) {
        s.map.forEach(function (v, c) { var e = Math.abs(c - col); if (e < dist) { dist = e; best = c; } });
      });
      if (best === null || dist > 12) { tip.style.display = 'none'; guide.setAttribute('visibility', 'hidden'); return; }
      var t0 = since + (until - since + 1) * best / cols;
      var rows = series.filter(function (s) { return s.map.has(best); }).map(function (s) {
        var v = s.map.get(best);
        var val = v[0] === v[1] ? human(v[0], d.unit) : human(v[0], d.unit) + ' to ' + human(v[1], d.unit);
        return '<div><span style="color:' + s.colour + '">\u25a0</span> ' + s.label.replace(/</g, '&lt;') + ': ' + val + '</div>';
      });
      tip.innerHTML = '<b>' + new Date(t0 / 1e6).toLocaleString() + '</b>' + rows.join('');
      tip.style.display = 'block';
      tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + 'px';
      tip.style.top = (ev.clientY + 14) + 'px';
      var gx = left + best + 0.5;
      guide.setAttribute('x1', gx); guide.setAttribute('x2', gx); guide.setAttribute('visibility', 'visible');
    });
    svg.addEventListener('mouseleave', function () { tip.style.display = 'none'; guide.setAttribute('visibility', 'hidden'); });
  });
  document.documentElement.dataset.charts = charts.length;
  document.documentElement.dataset.points = points;
})();
"#;

/// A command line for a table: its first 100 characters, the whole of it on hover.
fn command(c: &str) -> String {
    if c.chars().count() <= 100 {
        return esc(c);
    }
    let cut: String = c.chars().take(99).collect();
    format!("<span title=\"{}\">{}…</span>", esc(c), esc(&cut))
}

fn bytes(v: Option<u64>) -> String {
    v.map_or("-".into(), memlens_present::units::human)
}

/// The whole page. `generator` names the program in the footer.
pub fn page(r: &Report, tz: &TimeZone, generator: &str) -> String {
    let s = &r.summary;
    let when = |ns: u64| axis::show_time(ns, "%Y-%m-%d %H:%M:%S", tz);
    let host = s.hostname.clone().unwrap_or_else(|| "this machine".into());
    let mut o = String::with_capacity(256 * 1024);
    let period = match (s.first_ns, s.last_ns) {
        (Some(a), Some(b)) if a != b => format!(
            "{} to {} ({})",
            when(a),
            axis::show_time(b, "%Y-%m-%d %H:%M:%S %:z", tz),
            duration((b - a) as f64 / 1e9)
        ),
        (Some(a), _) => format!(
            "one moment: {}",
            axis::show_time(a, "%Y-%m-%d %H:%M:%S %:z", tz)
        ),
        _ => "no sample".into(),
    };
    let _ = write!(
        o,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{gen}"><title>Memory report: {host}, {period}</title>
<style>{STYLE}</style></head>
<body>
<header><h1>Memory report: {host}</h1><p class="period">{period}"#,
        gen = esc(generator),
        host = esc(&host),
        period = esc(&period),
    );
    let mut facts = Vec::new();
    if s.samples > 1 {
        facts.push(format!(
            "{} samples{}",
            s.samples,
            s.interval_secs
                .map(|i| format!(", one every {}", duration(i)))
                .unwrap_or_default()
        ));
        if s.whole_samples < s.samples {
            facts.push(format!(
                "processes, cgroups and findings from {} of them, spread evenly",
                s.whole_samples
            ));
        }
    }
    if let Some(k) = &s.kernel {
        facts.push(format!("Linux {k}"));
    }
    if let Some(t) = s.mem_total {
        facts.push(format!("MemTotal {}", bytes(Some(t))));
    }
    if let Some(t) = s.swap_total {
        facts.push(format!("swap {}", bytes(Some(t))));
    }
    for f in facts {
        let _ = write!(o, " · {}", esc(&f));
    }
    o.push_str("</p>");
    if !r.is_moment() {
        o.push_str("<nav>");
        for c in &r.charts {
            let _ = write!(
                o,
                r##"<a href="#chart-{}">{}</a>"##,
                c.id,
                esc(short_title(c))
            );
        }
        o.push_str("</nav>");
    }
    o.push_str("</header>\n<main>\n<section id=\"summary\">");
    // Peaks.
    if !s.peaks.is_empty() {
        let _ = write!(
            o,
            "<h2>{}</h2><table><tr><th>figure</th><th></th><th class=\"n\">value</th><th>when</th></tr>",
            if r.is_moment() { "At that moment" } else { "Peaks" }
        );
        for p in &s.peaks {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"muted\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                esc(&chart::header_of(p.scope, p.key)),
                if r.is_moment() {
                    ""
                } else if p.which == "max" {
                    "highest"
                } else {
                    "lowest"
                },
                esc(&axis::show_value(p.value, chart::unit_of(p.scope, p.key))),
                esc(&when(p.at_ns))
            );
        }
        o.push_str("</table>");
    }
    // Findings.
    o.push_str("<h2>The doctor's findings</h2>");
    if s.findings.is_empty() {
        o.push_str("<p class=\"muted\">Nothing alarming was found.</p>");
    } else {
        o.push_str("<table><tr><th>severity</th><th>finding</th><th>from</th><th>to</th><th class=\"n\">samples</th></tr>");
        for e in &s.findings {
            let sev = e.severity.label();
            let _ = write!(
                o,
                "<tr><td class=\"{}\">{}</td><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                sev.to_ascii_lowercase(),
                sev,
                esc(&e.title),
                esc(&e.evidence),
                esc(&when(e.started_ns)),
                if e.ongoing {
                    "still at the end".to_string()
                } else {
                    esc(&when(e.last_ns))
                },
                e.samples
            );
        }
        o.push_str("</table>");
    }
    // Growers.
    if !r.is_moment() {
        o.push_str("<h2>Top growers</h2>");
        if s.growers.is_empty() {
            o.push_str("<p class=\"muted\">No process grew.</p>");
        } else {
            o.push_str("<table><tr><th class=\"n\">PID</th><th>verdict</th><th class=\"n\">growth</th><th class=\"n\">slope</th><th class=\"n\">confidence</th><th>command</th></tr>");
            for g in &s.growers {
                let _ = write!(
                    o,
                    "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}/s</td><td class=\"n\">{:.2}</td><td>{}</td></tr>",
                    g.pid,
                    g.verdict,
                    bytes(Some(g.growth_bytes.max(0) as u64)),
                    bytes(Some(g.slope_bytes_per_second.max(0.0) as u64)),
                    g.confidence,
                    command(&g.command)
                );
            }
            o.push_str("</table>");
        }
    }
    // The moment's breakdown, drawn as one bar.
    if r.is_moment() {
        if let Some(c) = r.charts.iter().find(|c| c.stacked) {
            o.push_str("<h2>Where memory went</h2>");
            o.push_str(&moment_bar(c));
        }
    }
    // The end of the period.
    if !s.processes.is_empty() {
        let _ = write!(
            o,
            "<h2>The largest processes{}</h2><table><tr><th class=\"n\">PID</th><th class=\"n\">PSS</th><th class=\"n\">RSS</th><th class=\"n\">SWAP</th><th>command</th></tr>",
            if r.is_moment() { "" } else { " at the end" }
        );
        for p in &s.processes {
            let _ = write!(
                o,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                p.pid,
                bytes(p.pss),
                bytes(p.rss),
                bytes(p.swap),
                command(&p.command)
            );
        }
        o.push_str("</table>");
    }
    if !s.cgroups.is_empty() {
        let _ = write!(
            o,
            "<h2>Cgroups nearest their limits{}</h2><table><tr><th>cgroup</th><th class=\"n\">usage</th><th class=\"n\">limit</th><th class=\"n\">LIMIT%</th></tr>",
            if r.is_moment() { "" } else { " at the end" }
        );
        for c in &s.cgroups {
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&c.path),
                bytes(c.usage),
                bytes(c.limit),
                c.limit_pct.map_or("-".into(), |p| format!("{p:.1}%"))
            );
        }
        o.push_str("</table>");
    }
    if !s.unreadable.is_empty() {
        o.push_str("<h2>Not read</h2><ul>");
        for u in &s.unreadable {
            let _ = write!(o, "<li>{}</li>", esc(u));
        }
        o.push_str("</ul>");
    }
    o.push_str("</section>\n");
    if r.is_moment() {
        o.push_str("<p class=\"muted\">One moment: no charts over time. A history recorded by <code>memlens record</code> gives them (<code>memlens report --db DIR</code>).</p>");
    } else {
        o.push_str("<section id=\"charts\"><h2>Over time</h2>\n");
        for c in &r.charts {
            let _ = writeln!(
                o,
                "<figure class=\"chart\" id=\"chart-{}\">{}</figure>",
                c.id,
                chart::svg(c, &r.frame, tz, false)
            );
        }
        o.push_str("</section>\n");
    }
    let _ = write!(
        o,
        "</main>\n<footer class=\"muted\"><p>Made by {} from the figures its catalogue names (<code>memlens explain KEY</code> says what each means). Hover a chart for values.</p></footer>\n<div id=\"tip\"></div>\n<script>{SCRIPT}</script>\n</body></html>\n",
        esc(generator)
    );
    o
}

fn short_title(c: &Chart) -> &'static str {
    match c.id {
        "breakdown" => "breakdown",
        "available" => "available",
        "swap_used" => "swap",
        "swap_io" => "swap in/out",
        "major_faults" => "major faults",
        "reclaim" => "reclaim",
        "pressure" => "pressure",
        "processes" => "processes",
        "cgroups" => "cgroups",
        "fragmentation" => "fragmentation",
        _ => c.title,
    }
}

/// One moment's breakdown as a horizontal bar with its parts named.
fn moment_bar(c: &Chart) -> String {
    let parts: Vec<(String, &str, f64)> = c
        .series
        .iter()
        .filter_map(|s| {
            s.buckets
                .last()
                .map(|b| (chart::label(s), s.key, b.max.max(0.0)))
        })
        .collect();
    let total: f64 = parts.iter().map(|p| p.2).sum();
    let (w, h) = (WIDTH as f64 - 20.0, 28.0);
    let mut o = format!(
        r#"<figure class="chart" id="chart-breakdown"><svg class="bar" viewBox="0 0 {WIDTH} {vh}" width="{WIDTH}" height="{vh}" role="img" aria-label="Where memory went" font-family="system-ui, sans-serif" font-size="12">"#,
        vh = h + 30.0 + 18.0 * parts.len().div_ceil(4) as f64
    );
    let mut x = 10.0;
    for (k, (label, key, v)) in parts.iter().enumerate() {
        let pw = if total > 0.0 { w * v / total } else { 0.0 };
        let colour = chart::colour(key, k);
        let _ = write!(
            o,
            r#"<rect x="{x:.1}" y="10" width="{pw:.1}" height="{h}" fill="{colour}"><title>{}: {}</title></rect>"#,
            esc(label),
            memlens_present::units::human(*v as u64)
        );
        x += pw;
    }
    for (k, (label, key, v)) in parts.iter().enumerate() {
        let (lx, ly) = (
            10.0 + (k % 4) as f64 * 235.0,
            h + 32.0 + (k / 4) as f64 * 18.0,
        );
        let _ = write!(
            o,
            r##"<rect x="{lx}" y="{ry}" width="12" height="12" fill="{colour}"/><text x="{tx}" y="{ly}" fill="#222">{t} {b}</text>"##,
            ry = ly - 10.0,
            tx = lx + 17.0,
            colour = chart::colour(key, k),
            t = esc(label),
            b = memlens_present::units::human(*v as u64),
        );
    }
    o.push_str("</svg></figure>");
    o
}

/// A length of time for people: `5 s`, `90 min`, `2.5 h`, `7 d`.
fn duration(secs: f64) -> String {
    if secs < 120.0 {
        format!("{} s", (secs * 10.0).round() / 10.0)
    } else if secs < 7200.0 {
        format!("{:.0} min", secs / 60.0)
    } else if secs < 3.0 * 86_400.0 {
        format!("{:.1} h", secs / 3600.0)
    } else {
        format!("{:.1} d", secs / 86_400.0)
    }
}
