//! `memlens metrics`: the exposition of a capture agrees with `sys` and `ps` on the same
//! tree, names and types follow the Prometheus conventions, promtool accepts it, and
//! `--out` writes the file whole.

mod common;

use std::collections::BTreeMap;

use common::*;

fn samples(text: &str) -> BTreeMap<String, f64> {
    exposition_samples(text)
}

fn tree() -> String {
    fixture("vm-6.18-hybrid")
}

#[test]
fn the_exposition_of_a_capture_says_what_sys_and_ps_say() {
    let root = tree();
    let r = memlens(&["--root", &root, "metrics", "--top", "3"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let m = samples(&r.stdout);
    let sys = memlens(&["--root", &root, "sys", "--json"]).json();
    for (key, metric) in [
        ("total", "memlens_memory_total_bytes"),
        ("available", "memlens_memory_available_bytes"),
        ("free", "memlens_memory_free_bytes"),
        ("cached", "memlens_memory_cached_bytes"),
        ("swap_used", "memlens_memory_swap_used_bytes"),
    ] {
        assert_eq!(m[metric], sys[key].as_f64().unwrap(), "{metric}");
    }
    assert!(r
        .stdout
        .contains("# TYPE memlens_memory_available_bytes gauge\n"));
    // The three processes with the most PSS, each PSS the sum of its kinds.
    let ps = memlens(&["--root", &root, "ps", "--json", "--sort", "pss"]).json();
    let top: Vec<&serde_json::Value> = ps["processes"].as_array().unwrap().iter().take(3).collect();
    let pids_with_series: std::collections::BTreeSet<String> = m
        .keys()
        .filter(|k| k.starts_with("memlens_process_rss_bytes{"))
        .map(|k| {
            k.split("pid=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        pids_with_series,
        top.iter().map(|p| p["pid"].to_string()).collect()
    );
    for p in &top {
        let pid = format!("pid=\"{}\"", p["pid"]);
        let of = |name: &str| -> Vec<f64> {
            m.iter()
                .filter(|(k, _)| k.starts_with(&format!("{name}{{")) && k.contains(&pid))
                .map(|(_, v)| *v)
                .collect()
        };
        let kinds = of("memlens_process_pss_bytes");
        assert_eq!(kinds.len(), 3, "anon, file and shmem for {pid}");
        assert_eq!(
            kinds.iter().sum::<f64>(),
            p["pss"].as_f64().unwrap(),
            "{pid}"
        );
        for key in ["rss", "uss", "swap", "vsz"] {
            assert_eq!(
                of(&format!("memlens_process_{key}_bytes")),
                vec![p[key].as_f64().unwrap()],
                "{key} {pid}"
            );
        }
    }
    assert_eq!(
        m["memlens_processes"],
        ps["processes"].as_array().unwrap().len() as f64
    );
    // Command lines only when asked for.
    assert!(!r.stdout.contains("command=\""));
    let with = memlens(&["--root", &root, "metrics", "--top", "1", "--cmdline"]);
    assert!(with.stdout.contains("command=\""), "{}", with.stdout);
}

#[test]
fn process_selects_more_series_and_openmetrics_has_units_and_an_end() {
    let root = tree();
    let ps = memlens(&["--root", &root, "ps", "--json", "--sort", "pss"]).json();
    let last = ps["processes"].as_array().unwrap().last().unwrap().clone();
    let comm = last["comm"].as_str().unwrap();
    let r = memlens(&[
        "--root",
        &root,
        "metrics",
        "--top",
        "0",
        "--process",
        &format!("^{}", regex_escape(last["command"].as_str().unwrap())),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let m = samples(&r.stdout);
    assert!(
        m.keys().any(|k| k.starts_with("memlens_process_rss_bytes{")
            && k.contains(&format!("comm=\"{comm}\""))),
        "{}",
        r.stdout
    );
    let om = memlens(&["--root", &root, "metrics", "--openmetrics"]);
    assert!(om.stdout.ends_with("# EOF\n"));
    assert!(om
        .stdout
        .contains("# UNIT memlens_memory_available_bytes bytes\n"));
    // Bad input: one line, exit 2.
    let bad = memlens(&["--root", &root, "metrics", "--process", "("]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert_eq!(bad.stderr.trim().lines().count(), 1, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("--process: invalid regular expression"),
        "{}",
        bad.stderr
    );
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                format!("\\{c}")
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[test]
fn out_writes_the_file_whole_and_promtool_accepts_it() {
    let root = tree();
    let dir = std::env::temp_dir().join(format!("memlens-metrics-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("memlens.prom");
    std::fs::write(&file, "old\n").unwrap();
    let r = memlens(&["--root", &root, "metrics", "--out", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    let written = std::fs::read_to_string(&file).unwrap();
    // The same, but for the time collecting took.
    assert!(written.contains("\nmemlens_collect_duration_seconds "));
    assert_eq!(
        timeless(&written),
        timeless(&memlens(&["--root", &root, "metrics"]).stdout)
    );
    // Nothing else is left in the directory (the temporary file was renamed).
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    let missing = memlens(&[
        "--root",
        &root,
        "metrics",
        "--out",
        dir.join("no/such/dir/x.prom").to_str().unwrap(),
    ]);
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
    // The Prometheus text through promtool's linter, OpenMetrics through the Python
    // client's OpenMetrics parser (CI installs both from Debian).
    let text = memlens(&["--root", &root, "metrics"]).stdout;
    let om = memlens(&["--root", &root, "metrics", "--openmetrics"]).stdout;
    if !have("promtool") {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs promtool (Debian's prometheus)"
        );
        eprintln!("promtool not installed: its check skipped");
    } else {
        let said = pipe(&["promtool", "check", "metrics"], &text);
        assert!(said.0 && said.1.trim().is_empty(), "promtool: {}", said.1);
    }
    let parser = "import sys\nfrom prometheus_client.openmetrics.parser import text_string_to_metric_families as f\nfams = list(f(sys.stdin.read()))\nprint(len(fams), sum(len(x.samples) for x in fams))";
    // Debian's python, where its python3-prometheus-client is.
    let have_client = std::process::Command::new("/usr/bin/python3")
        .args(["-c", "import prometheus_client"])
        .status()
        .is_ok_and(|s| s.success());
    if !have_client {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs python3-prometheus-client"
        );
        eprintln!("prometheus_client not installed: the OpenMetrics parse skipped");
        return;
    }
    let (ok, said) = pipe(&["/usr/bin/python3", "-c", parser], &om);
    assert!(ok, "the OpenMetrics parser refused it: {said}");
    let families = om.lines().filter(|l| l.starts_with("# TYPE ")).count();
    let n = samples(&om).len();
    assert_eq!(
        said.trim(),
        format!("{families} {n}"),
        "families and samples as parsed"
    );
}

/// Runs `cmd` with `input` on stdin: whether it succeeded, and what it printed.
fn pipe(cmd: &[&str], input: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(cmd[0])
        .args(&cmd[1..])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn vmstat_counters_are_the_kernels_since_boot() {
    for name in ["old-3.10-trimmed", "v2-unified", "vm-6.18-hybrid"] {
        let dir = fixtures().join(name);
        let text = std::fs::read_to_string(dir.join("proc/vmstat")).unwrap();
        let sum = |pred: &dyn Fn(&str) -> bool| -> Option<f64> {
            let v: Vec<f64> = text
                .lines()
                .filter_map(|l| l.split_once(' '))
                .filter(|(k, _)| pred(k))
                .map(|(_, v)| v.trim().parse::<f64>().unwrap())
                .collect();
            (!v.is_empty()).then(|| v.iter().sum())
        };
        let r = memlens(&["--root", dir.to_str().unwrap(), "metrics", "--top", "0"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let m = samples(&r.stdout);
        for key in ["pgfault", "pgmajfault", "pgpgin", "pswpout", "oom_kill"] {
            let metric = format!("memlens_vmstat_{key}_total");
            assert_eq!(
                m.get(&metric).copied(),
                sum(&|k| k == key),
                "{name} {metric}"
            );
        }
        // Old kernels count reclaim scans per zone: their sum.
        let kswapd = sum(&|k| k.starts_with("pgscan_kswapd"));
        assert_eq!(
            m.get("memlens_vmstat_pgscan_kswapd_total").copied(),
            kswapd,
            "{name}"
        );
        assert!(r
            .stdout
            .contains("# TYPE memlens_vmstat_pgfault_total counter\n"));
        // Every nr_* field, by its name and value: levels typed gauge, the few that count
        // since boot typed counter.
        let mut fields = 0;
        for (k, v) in text.lines().filter_map(|l| l.split_once(' ')) {
            if !k.starts_with("nr_") {
                continue;
            }
            let counts = k == "nr_dirtied" || k == "nr_written" || k.starts_with("nr_foll_pin_");
            let metric = format!(
                "memlens_vmstat_{}{}",
                k.replace("_sec_", "_secondary_"),
                if counts { "_total" } else { "" }
            );
            assert_eq!(
                m.get(&metric),
                Some(&v.trim().parse::<f64>().unwrap()),
                "{name} {metric}"
            );
            let kind = if counts { "counter" } else { "gauge" };
            assert!(
                r.stdout.contains(&format!("# TYPE {metric} {kind}\n")),
                "{metric}"
            );
            fields += 1;
        }
        assert!(fields >= 20, "{name}: {fields} nr_ fields");
    }
}

#[test]
fn every_family_is_a_catalogue_figure_and_every_metrics_figure_a_family() {
    use memlens_catalogue::{Scope, FIGURES};
    let mut families = std::collections::BTreeSet::new();
    for fixture in ["vm-6.18-hybrid", "v2-unified", "old-3.10-trimmed"] {
        let root = fixtures().join(fixture);
        let r = memlens(&["--root", root.to_str().unwrap(), "metrics"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        for line in r.stdout.lines() {
            let Some(rest) = line.strip_prefix("# HELP ") else {
                continue;
            };
            let (name, help) = rest.split_once(' ').unwrap();
            // Help is a figure's meaning, word for word (after the kernel field's name,
            // for the families named after one).
            assert!(
                FIGURES.iter().any(|f| f.meaning == help
                    || help.ends_with(&format!(" of /proc/vmstat: {}", f.meaning))),
                "{name}: help not from the catalogue: {help}"
            );
            assert!(name.starts_with("memlens_"), "{name}");
            families.insert(name.to_string());
        }
    }
    // The metrics' own figures, each a family of its name (a counter with _total).
    // (Leak slopes need samples before: only `serve` has them, tests/serve.rs checks.)
    // (vmstat_nr is a family per field: memlens_vmstat_nr_*, checked above.)
    let serve_only = ["process_leak_slope", "process_leaking", "vmstat_nr"];
    for f in FIGURES
        .iter()
        .filter(|f| f.scope == Scope::Metrics && !serve_only.contains(&f.key))
    {
        let unit = match f.unit {
            memlens_catalogue::Unit::Seconds => "_seconds",
            _ => "",
        };
        let total = if f.kind == memlens_catalogue::Kind::Counter {
            "_total"
        } else {
            ""
        };
        let name = format!("memlens_{}{unit}{total}", f.key);
        assert!(families.contains(&name), "{name} is in no exposition");
    }
    // cAdvisor's names for cgroups, node_exporter's shape for the rest.
    for name in [
        "memlens_cgroup_memory_usage_bytes",
        "memlens_cgroup_memory_working_set_bytes",
        "memlens_cgroup_memory_limit_bytes",
        "memlens_cgroup_memory_events_total",
        "memlens_zone_free_bytes",
        "memlens_buddy_free_blocks",
        "memlens_hugepages_total_pages",
        "memlens_vmstat_pgmajfault_total",
    ] {
        assert!(families.contains(name), "{name}");
    }
}

#[test]
fn cgroup_series_are_those_of_cgroup_json_to_the_depth_asked() {
    let root = fixtures().join("v2-unified");
    let root = root.to_str().unwrap();
    for depth in [0u32, 1, 2] {
        let d = depth.to_string();
        let m = samples(&memlens(&["--root", root, "metrics", "--cgroup-depth", &d]).stdout);
        let j = memlens(&["--root", root, "cgroup", "--depth", &d, "--json"]).json();
        let mut want = 0;
        for c in j["hierarchies"][0]["cgroups"].as_array().unwrap() {
            let path = c["path"].as_str().unwrap();
            for (key, metric) in [
                ("usage", "memlens_cgroup_memory_usage_bytes"),
                ("working_set", "memlens_cgroup_memory_working_set_bytes"),
                ("anon", "memlens_cgroup_memory_anon_bytes"),
                ("file", "memlens_cgroup_memory_file_bytes"),
            ] {
                let series = format!("{metric}{{cgroup=\"{path}\",version=\"v2\"}}");
                match c[key].as_f64() {
                    Some(v) => {
                        assert_eq!(m.get(&series), Some(&v), "{series} at depth {depth}");
                        want += 1;
                    }
                    None => assert!(!m.contains_key(&series), "{series}"),
                }
            }
            // A hard limit is a series when set; "max" (unlimited) is none.
            let limit =
                format!("memlens_cgroup_memory_limit_bytes{{cgroup=\"{path}\",version=\"v2\"}}");
            assert_eq!(m.get(&limit).copied(), c["max"].as_f64(), "{limit}");
        }
        let got = m
            .keys()
            .filter(|k| {
                [
                    "memlens_cgroup_memory_usage_bytes{",
                    "memlens_cgroup_memory_working_set_bytes{",
                    "memlens_cgroup_memory_anon_bytes{",
                    "memlens_cgroup_memory_file_bytes{",
                ]
                .iter()
                .any(|p| k.starts_with(p))
            })
            .count();
        assert_eq!(got, want, "series at depth {depth}");
    }
    // Working set = usage - inactive_file, from the capture's own files.
    let dir = fixtures().join("v2-unified/sys/fs/cgroup/system.slice/memlens.service");
    let current: f64 = std::fs::read_to_string(dir.join("memory.current"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let stat = std::fs::read_to_string(dir.join("memory.stat")).unwrap();
    let inactive: f64 = stat
        .lines()
        .find_map(|l| l.strip_prefix("inactive_file "))
        .unwrap()
        .parse()
        .unwrap();
    let m = samples(&memlens(&["--root", root, "metrics"]).stdout);
    assert_eq!(
        m["memlens_cgroup_memory_working_set_bytes{cgroup=\"/system.slice/memlens.service\",version=\"v2\"}"],
        current - inactive
    );
}

#[test]
fn the_readme_lists_every_family_as_metrics_list_does() {
    let list = memlens(&["metrics", "--list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.lines().count() > 100, "{}", list.stdout);
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let start = "<!-- metrics --list -->\n";
    let inside = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once("<!-- end of metrics --list -->"))
        .map(|(table, _)| table)
        .expect("the README's markers");
    assert_eq!(
        inside, list.stdout,
        "the README's family list is not `memlens metrics --list`: paste it again"
    );
    // Every family an exposition of a capture has is in the list.
    let r = memlens(&["--root", &tree(), "metrics"]);
    for line in r.stdout.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().unwrap();
            // (The families named after a vmstat nr_* field are listed as one pattern.)
            let listed = list.stdout.contains(&format!("`{name}`"))
                || (name.starts_with("memlens_vmstat_nr_")
                    && list.stdout.contains("`memlens_vmstat_nr_*`"));
            assert!(listed, "{name} is not listed");
        }
    }
}
