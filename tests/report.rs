//! `memlens report`: a short history recorded with lab workloads running (a leak in a
//! memory cgroup with a limit, a page cache run) rendered to HTML, checked for any
//! external reference, opened in headless Chromium (no console message, every chart with
//! its data points, a screenshot kept in `target/test-artifacts/`), and the charts'
//! values checked against `memlens history --json` of the same samples; one-moment
//! reports of captures; bad input.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("memlens-report-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
    fn join(&self, p: &str) -> String {
        self.0.join(p).to_str().unwrap().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> Run {
    memlens_env(args, &[("TZ", "UTC")])
}

/// Each chart of a page: id → (data-since, data-until, data-columns, its series).
type Charts = BTreeMap<String, (u64, u64, u64, Vec<SeriesData>)>;

#[derive(Debug, Clone)]
struct SeriesData {
    key: String,
    label: String,
    verdict: Option<String>,
    /// column → (min, max)
    buckets: BTreeMap<u64, (f64, f64)>,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let pat = format!(" {name}=\"");
    let start = tag.find(&pat)? + pat.len();
    let end = tag[start..].find('"')? + start;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

/// The charts of a page, from the SVG elements' data attributes.
fn charts(html: &str) -> Charts {
    let mut out = Charts::new();
    for part in html.split("<svg ").skip(1) {
        let head = &part[..part.find('>').unwrap()];
        let Some(id) = attr(head, "data-chart") else {
            continue;
        };
        let num = |n: &str| attr(head, n).unwrap().parse::<u64>().unwrap();
        let body = &part[..part.find("</svg>").unwrap()];
        let mut series = Vec::new();
        for p in body.split("<path ").skip(1) {
            let tag = &p[..p.find('>').unwrap()];
            let Some(b) = attr(tag, "data-b") else {
                continue;
            };
            let buckets = b
                .split(';')
                .filter(|x| !x.is_empty())
                .map(|x| {
                    let f: Vec<&str> = x.split(':').collect();
                    (
                        f[0].parse().unwrap(),
                        (f[1].parse().unwrap(), f[2].parse().unwrap()),
                    )
                })
                .collect();
            series.push(SeriesData {
                key: attr(tag, "data-key").unwrap(),
                label: attr(tag, "data-label").unwrap(),
                verdict: attr(tag, "data-verdict"),
                buckets,
            });
        }
        out.insert(
            id,
            (
                num("data-since"),
                num("data-until"),
                num("data-columns"),
                series,
            ),
        );
    }
    out
}

/// The series of a chart whose label `is` one asked for.
fn labelled<'a>(
    chart: &'a (u64, u64, u64, Vec<SeriesData>),
    is: impl Fn(&str) -> bool,
    what: &str,
) -> &'a SeriesData {
    chart.3.iter().find(|s| is(&s.label)).unwrap_or_else(|| {
        panic!(
            "{what} among {:?}",
            chart.3.iter().map(|s| &s.label).collect::<Vec<_>>()
        )
    })
}

/// The column a sample falls in, as the report computes it.
fn column(t: u64, since: u64, until: u64, columns: u64) -> u64 {
    ((t.clamp(since, until) - since) as u128 * columns as u128 / (until - since + 1) as u128) as u64
}

/// Checks a series against the samples of the same figure: each sample within its
/// column's range, and each column's minimum and maximum a sample of that column.
fn agrees(s: &SeriesData, samples: &[(u64, f64)], frame: (u64, u64, u64), what: &str) {
    let mut by_col: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for (t, v) in samples {
        by_col
            .entry(column(*t, frame.0, frame.1, frame.2))
            .or_default()
            .push(*v);
    }
    assert_eq!(
        s.buckets.keys().collect::<Vec<_>>(),
        by_col.keys().collect::<Vec<_>>(),
        "{what}: the columns drawn are those of the samples"
    );
    for (col, vs) in &by_col {
        let (min, max) = s.buckets[col];
        let lo = vs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!((min, max), (lo, hi), "{what}: column {col} of {vs:?}");
    }
}

/// `memlens history --json` of the system figures, every sample: t → figures.
fn history(db: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["history", "--db", db, "--samples", "0", "--json"];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str::<Value>(&r.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn series_of(h: &[Value], key: &str) -> Vec<(u64, f64)> {
    h.iter()
        .filter_map(|s| Some((s["t"].as_u64()?, s[key].as_f64()?)))
        .collect()
}

/// What a page refers to outside itself: none may be there. Its text (command lines,
/// paths) may say anything, escaped; what a browser fetches is named by a tag (`link`,
/// `img`, `iframe`...), by an attribute (`src`, `href`, `action`...) or by CSS (`url(`,
/// `@import`), and only `#` anchors are allowed there.
fn external_references(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let tag_re = regex::Regex::new(r"<([a-z][a-z0-9:-]*)([^>]*)>").unwrap();
    let attr_re = regex::Regex::new(
        r#"\s(src|href|xlink:href|action|formaction|poster|srcset|background|data|codebase)\s*=\s*["']?([^"'\s>]*)"#,
    )
    .unwrap();
    for c in tag_re.captures_iter(&lower) {
        let name = &c[1];
        if [
            "link", "img", "iframe", "object", "embed", "audio", "video", "source", "base",
            "frame", "track", "image", "use",
        ]
        .contains(&name)
        {
            found.push(format!("<{name}"));
        }
        for a in attr_re.captures_iter(&c[2]) {
            if !a[2].starts_with('#') {
                found.push(format!("{}={}", &a[1], &a[2]));
            }
        }
    }
    for (i, _) in lower.match_indices("url(") {
        let rest = lower[i + 4..].trim_start_matches(['"', '\'', ' ']);
        if !rest.starts_with('#') {
            found.push(lower[i..(i + 40).min(lower.len())].to_string());
        }
    }
    if lower.contains("@import") {
        found.push("@import".into());
    }
    found
}

/// Headless Chromium on a page: its DOM after the scripts ran, and its console lines.
fn chromium(page: &str, screenshot: Option<&Path>) -> (String, Vec<String>) {
    let profile = Dir::new("chromium-profile");
    let mut cmd = Command::new("chromium");
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1040,6400",
    ])
    .arg(format!("--user-data-dir={}", profile.0.display()));
    match screenshot {
        Some(p) => cmd.arg(format!("--screenshot={}", p.display())),
        None => cmd.arg("--dump-dom"),
    };
    // Into files, not pipes: a full pipe nobody reads would stall the browser.
    let (out_path, err_path) = (profile.0.join("stdout"), profile.0.join("stderr"));
    cmd.arg(format!("file://{page}"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    let mut child = cmd.spawn().expect("chromium (Debian's chromium package)");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    let console = read(&err_path)
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(String::from)
        .collect();
    (read(&out_path), console)
}

#[test]
fn the_harness_sees_a_broken_page() {
    // The checks below can fail: a script error and a fetch are seen.
    let d = Dir::new("broken");
    let page = d.join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>x</p><script>undefined_fn();</script></body></html>",
    )
    .unwrap();
    let (dom, console) = chromium(&page, None);
    assert!(dom.contains("<p>x</p>"), "{dom}");
    assert!(
        console.iter().any(|l| l.contains("undefined_fn")),
        "{console:?}"
    );
    assert_eq!(
        external_references("<img src=\"https://example.org/x.png\">"),
        vec!["<img", "src=https://example.org/x.png"]
    );
    assert_eq!(
        external_references("<a href=\"x.html\">, url(#g) <a href='#top'>"),
        vec!["href=x.html"]
    );
    assert_eq!(
        external_references("<style>b { background: url( 'font.woff') }</style>"),
        vec!["url( 'font.woff') }</style>"]
    );
    // Text is no reference: a command line may hold a URL.
    assert_eq!(
        external_references("<td>curl https://example.org file:///x</td>"),
        Vec::<String>::new()
    );
}

#[test]
fn a_recorded_history_renders_offline_and_its_charts_are_the_history() {
    let d = Dir::new("history");
    let db = d.join("db");
    // A leak of 160 MiB in a cgroup limited to 512 MiB, and a 64 MiB page cache run.
    let name = format!("memlens-report-test-{}", std::process::id());
    let mut cg = TestGroup::new(&name, 512 * MIB as u64)
        .expect("root and a memory cgroup hierarchy, to make a limited cgroup");
    let leak_pid = cg
        .start_lab("leak --count 20 --size 8M --interval 200ms")
        .to_string();
    let _cache = Guard::spawn(Command::new(bin()).args([
        "lab",
        "pagecache",
        "--size",
        "64M",
        "--dir",
        &d.0.to_string_lossy(),
    ]));
    let r = run(&[
        "record",
        "--db",
        &db,
        "--interval",
        "0.25s",
        "--refresh",
        "1s",
        "--for",
        "6s",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = d.join("report.html");
    let svg = d.join("svg");
    let r = run(&["report", "--db", &db, "--out", &out, "--svg", &svg]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("wrote 10 charts to"), "{}", r.stderr);
    assert!(r.stderr.contains("report.html ("), "{}", r.stderr);
    // Its path as memlens prints it, from the root of its hierarchy.
    let cg_path = format!("/{name}");
    drop(cg);
    let html = std::fs::read_to_string(&out).unwrap();
    // Nothing fetched: no URL, no link, no image, no external style or script.
    assert_eq!(external_references(&html), Vec::<String>::new());
    // The SVG files are the page's charts, standalone.
    let page_charts = charts(&html);
    assert_eq!(page_charts.len(), 10, "{:?}", page_charts.keys());
    for id in page_charts.keys() {
        let file = std::fs::read_to_string(format!("{svg}/{id}.svg")).unwrap();
        assert!(file.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert_eq!(charts(&file)[id].3.len(), page_charts[id].3.len(), "{id}");
    }
    // In a browser: no console message, the hover script ran to its end over every
    // chart, and every chart has data points.
    let (dom, console) = chromium(&out, None);
    assert_eq!(console, Vec::<String>::new());
    assert!(
        dom.contains("data-charts=\"10\""),
        "the script ran to its end"
    );
    let drawn = charts(&dom);
    assert_eq!(drawn.len(), 10);
    for (id, (_, _, _, series)) in &drawn {
        let points: usize = series.iter().map(|s| s.buckets.len()).sum();
        assert!(points >= 2, "{id}: {points} points");
        assert!(
            dom.contains(&format!("id=\"chart-{id}\"")),
            "{id} has its figure"
        );
    }
    let counted: usize = drawn
        .values()
        .flat_map(|c| c.3.iter())
        .map(|s| s.buckets.len())
        .sum();
    assert!(
        dom.contains(&format!("data-points=\"{counted}\"")),
        "the script read {counted} points"
    );
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("report.png");
    let _ = std::fs::remove_file(&shot);
    let (_, console) = chromium(&out, Some(&shot));
    assert_eq!(console, Vec::<String>::new());
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 20_000,
        "a screenshot"
    );

    // The charts are the history's figures, sample for sample.
    let h = history(
        &db,
        &[
            "--metric",
            "available",
            "--metric",
            "free",
            "--metric",
            "swap_used",
            "--metric",
            "total",
            "--metric",
            "shared",
            "--metric",
            "slab",
            "--metric",
            "hugetlb",
        ],
    );
    assert!(h.len() >= 8, "{} samples", h.len());
    let frame = |id: &str| {
        let c = &page_charts[id];
        (c.0, c.1, c.2)
    };
    let find = |id: &str, key: &str| {
        page_charts[id]
            .3
            .iter()
            .find(|s| s.key == key)
            .unwrap_or_else(|| panic!("{id}.{key}"))
            .clone()
    };
    assert_eq!(frame("available").0, h[0]["t"].as_u64().unwrap());
    assert_eq!(frame("available").1, h[h.len() - 1]["t"].as_u64().unwrap());
    for (id, key) in [
        ("available", "available"),
        ("available", "free"),
        ("swap_used", "swap_used"),
    ] {
        agrees(&find(id, key), &series_of(&h, key), frame(id), key);
    }
    // The breakdown: each column one sample, its parts summing to MemTotal, shmem, slab
    // and hugetlb that sample's.
    let parts = &page_charts["breakdown"].3;
    let f = frame("breakdown");
    for s in &h {
        let t = s["t"].as_u64().unwrap();
        let col = column(t, f.0, f.1, f.2);
        let part = |k: &str| parts.iter().find(|p| p.key == k).unwrap().buckets[&col].0;
        let sum: f64 = parts.iter().map(|p| p.buckets[&col].0).sum();
        assert_eq!(sum, s["total"].as_f64().unwrap(), "column {col}");
        for (part_key, sys_key) in [
            ("shmem", "shared"),
            ("slab", "slab"),
            ("hugetlb", "hugetlb"),
        ] {
            assert_eq!(part(part_key), s[sys_key].as_f64().unwrap(), "{part_key}");
        }
    }
    // The leak's PSS, and its verdict.
    let procs = &page_charts["processes"];
    let mine = labelled(
        procs,
        |l| l.starts_with(&format!("{leak_pid} ")),
        "the leak",
    );
    let pss = series_of(
        &history(&db, &["--pid", &leak_pid, "--metric", "pss"]),
        "pss",
    );
    agrees(mine, &pss, (procs.0, procs.1, procs.2), "the leak's PSS");
    let grown = pss.last().unwrap().1 - pss[0].1;
    assert!(grown >= 100.0 * MIB as f64, "grew {grown}");
    assert!(
        matches!(mine.verdict.as_deref(), Some("leak" | "plateau")),
        "{:?}",
        mine.verdict
    );
    // Its cgroup against its limit.
    let cgs = &page_charts["cgroups"];
    let theirs = labelled(cgs, |l| l == cg_path, &cg_path);
    let pct = series_of(
        &history(&db, &["--cgroup", &cg_path, "--metric", "limit_pct"]),
        "limit_pct",
    );
    agrees(theirs, &pct, (cgs.0, cgs.1, cgs.2), "the cgroup's LIMIT%");
    assert!(pct.iter().any(|p| p.1 >= 20.0), "{pct:?}");
    // The summary names the period, the leak among the growers, and the peaks.
    assert!(html.contains("<h2>Peaks</h2>"));
    assert!(html.contains("<h2>Top growers</h2>"));
    assert!(html.contains(&format!("<td class=\"n\">{leak_pid}</td>")));
}

/// A copy of the fixture captured `later` seconds after it, its major faults up by `faults`.
fn later_capture(later: u64, faults: u64, tag: &str) -> TempTree {
    let t = TempTree::copy_of("vm-6.18-hybrid", &format!("report-{tag}"));
    let up = t.read("proc/uptime");
    let secs: f64 = up.split_whitespace().next().unwrap().parse().unwrap();
    t.write("proc/uptime", &format!("{:.2} 0.00\n", secs + later as f64));
    let vm: String = t
        .read("proc/vmstat")
        .lines()
        .map(|l| match l.strip_prefix("pgmajfault ") {
            Some(n) => format!("pgmajfault {}\n", n.parse::<u64>().unwrap() + faults),
            None => format!("{l}\n"),
        })
        .collect();
    t.write("proc/vmstat", &vm);
    let meta: String = t
        .read("memlens-capture.txt")
        .lines()
        .map(|l| match l.strip_prefix("captured_at=") {
            Some(n) => format!("captured_at={}\n", n.parse::<u64>().unwrap() + later),
            None => format!("{l}\n"),
        })
        .collect();
    t.write("memlens-capture.txt", &meta);
    t
}

#[test]
fn a_capture_or_a_pair_gives_a_one_moment_report() {
    let d = Dir::new("moment");
    let out = d.join("moment.html");
    let svg = d.join("svg");
    let one = fixture("vm-6.18-hybrid");
    let r = run(&["report", "--root", &one, "--out", &out, "--svg", &svg]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("one moment: no charts over time to write to --svg"),
        "{}",
        r.stderr
    );
    assert!(!Path::new(&svg).exists(), "no SVG written");
    let html = std::fs::read_to_string(&out).unwrap();
    assert_eq!(external_references(&html), Vec::<String>::new());
    assert!(charts(&html).is_empty(), "no chart over time");
    assert!(html.contains("one moment: 2026-11-22 00:04:29 +00:00"));
    // The breakdown as one bar: its parts are `where`'s and sum to MemTotal.
    let bar = &html[html.find("<svg class=\"bar\"").unwrap()..];
    let bar = &bar[..bar.find("</svg>").unwrap()];
    let sys = run(&["sys", "--root", &one, "--json"]).json();
    let total = sys["total"].as_u64().unwrap();
    assert!(
        bar.contains(&format!(
            "shmem: {}",
            memlens_present::units::human(sys["shared"].as_u64().unwrap())
        )),
        "{bar}"
    );
    let widths: f64 = bar
        .split("<rect x=\"")
        .skip(1)
        .filter(|r| r.contains("height=\"28\""))
        .map(|r| {
            attr(&format!(" {r}"), "width")
                .unwrap()
                .parse::<f64>()
                .unwrap()
        })
        .sum();
    assert!(
        (widths - 940.0).abs() < 0.5,
        "{widths} of 940 px for {total}"
    );
    assert!(html.contains("<h2>The largest processes</h2>"));
    // --since/--until must hold the capture's time.
    let r = run(&[
        "report",
        "--root",
        &one,
        "--out",
        &out,
        "--since",
        "2026-11-23T00:00:00Z",
    ]);
    assert_eq!(r.code, EXIT_READ, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim(),
        "memlens: the capture was taken at 2026-11-22 00:04:29 +00:00, outside --since/--until"
    );
    let r = run(&[
        "report",
        "--root",
        &one,
        "--out",
        &out,
        "--since",
        "2026-11-22T00:00:00Z",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Two captures: rates between them (120 major faults in 60 s).
    let later = later_capture(60, 120, "pair");
    let r = run(&[
        "report",
        "--root",
        &one,
        "--root",
        later.0.to_str().unwrap(),
        "--out",
        &out,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&out).unwrap();
    let row = html
        .split("<tr>")
        .find(|r| r.starts_with("<td>majflt/s</td>"))
        .unwrap_or_else(|| panic!("no major fault rate in {html}"));
    assert!(row.contains("<td class=\"n\">2.00/s</td>"), "{row}");
}

#[test]
fn bad_input_is_one_line_and_an_exit_status() {
    let d = Dir::new("bad");
    let empty = d.join("empty-db");
    std::fs::create_dir_all(&empty).unwrap();
    let out = d.join("x.html");
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["report", "--db", &empty, "--out", &out],
            EXIT_READ,
            "no samples",
        ),
        (
            vec!["report", "--root", "/", "--db", &empty],
            EXIT_USAGE,
            "--root and --db exclude each other",
        ),
        (
            vec![
                "report",
                "--root",
                "tests/fixtures/vm-6.18-hybrid",
                "--out",
                "/nonexistent/dir/x.html",
            ],
            EXIT_READ,
            "/nonexistent/dir/x.html: cannot write it",
        ),
        (
            vec!["report", "--json"],
            EXIT_USAGE,
            "--json does not apply to `memlens report`",
        ),
    ];
    for (args, code, says) in cases {
        let r = run(&args);
        assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }
    // Until before since, on a real store.
    let db = d.join("db");
    let r = run(&[
        "record",
        "--db",
        &db,
        "--root",
        "tests/fixtures/vm-6.18-hybrid",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[
        "report",
        "--db",
        &db,
        "--since",
        "2026-11-22T00:00:00Z",
        "--until",
        "2026-11-21T23:00:00Z",
    ]);
    assert_eq!(r.code, EXIT_USAGE, "{}", r.stderr);
    assert_eq!(r.stderr.trim(), "memlens: --until is before --since");
    let r = run(&["report", "--db", &db, "--since", "soon"]);
    assert_eq!(r.code, EXIT_USAGE, "{}", r.stderr);
    assert!(
        r.stderr.trim().starts_with("memlens: --since: "),
        "{}",
        r.stderr
    );
    // One recorded sample is one moment.
    let r = run(&["report", "--db", &db, "--out", &out]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("One moment: no charts over time"));
}
