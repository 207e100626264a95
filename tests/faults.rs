//! Page faults per process: MINFLT and MAJFLT since start, and their rates between two
//! snapshots (`ps --interval`, two `--root`, `--at`), checked against `/proc/PID/stat`.

mod common;

use std::fs;
use std::path::Path;
use std::time::Duration;

use common::*;
use serde_json::Value;

/// Field `n` (1-based, as proc(5) numbers them) of a `stat` line.
fn stat_field(stat: &str, n: usize) -> u64 {
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    after
        .split_whitespace()
        .nth(n - 3)
        .unwrap()
        .parse()
        .unwrap()
}

fn minflt(stat: &str) -> u64 {
    stat_field(stat, 10)
}

fn uptime(text: &str) -> f64 {
    text.split_whitespace().next().unwrap().parse().unwrap()
}

/// A lab process touching 4 MiB every 100 ms for 10 s: about 10,000 minor faults a second.
const GROWING: &[&str] = &[
    "leak",
    "--count",
    "100",
    "--size",
    "4M",
    "--interval",
    "100ms",
];

fn row(j: &Value, pid: u32) -> Value {
    j["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["pid"] == pid)
        .unwrap_or_else(|| panic!("no PID {pid} in {j}"))
        .clone()
}

#[test]
fn rates_between_two_captures_are_the_stat_difference_over_the_uptime_difference() {
    let dir = std::env::temp_dir().join(format!("memlens-faults-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let (a, b) = (dir.join("a"), dir.join("b"));
    // Touches 4 MiB every 100 ms: about 10,000 minor faults a second.
    let lab = Lab::start_growing(GROWING);
    let idle = Lab::start(&["leak", "--count", "1", "--size", "1M"]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(memlens(&["capture", a.to_str().unwrap()]).code, 0);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(memlens(&["capture", b.to_str().unwrap()]).code, 0);
    let (sa, sb) = (a.to_str().unwrap(), b.to_str().unwrap());
    let pids = format!("{},{}", lab.pid(), idle.pid());
    let r = memlens(&["--root", sa, "--root", sb, "ps", "--pid", &pids, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    let read = |d: &Path, rel: &str| fs::read_to_string(d.join(rel)).unwrap();
    let seconds = uptime(&read(&b, "proc/uptime")) - uptime(&read(&a, "proc/uptime"));
    let stat = |d: &Path, pid: u32| read(d, &format!("proc/{pid}/stat"));
    for (pid, busy) in [(lab.pid(), true), (idle.pid(), false)] {
        let (f0, f1) = (minflt(&stat(&a, pid)), minflt(&stat(&b, pid)));
        let r = row(&j, pid);
        assert_eq!(r["minflt"], f1, "{r}");
        let rate = r["minflt_rate"].as_f64().unwrap();
        let want = (f1 - f0) as f64 / seconds;
        assert!((rate - want).abs() < 1e-6, "PID {pid}: {rate} ≠ {want}");
        assert_eq!(r["majflt_rate"], 0.0, "{r}");
        if busy {
            // At least one fault per 2 MiB (THP), 4 MiB every 100 ms.
            assert!(rate > 10.0, "{rate}");
        } else {
            assert_eq!(rate, 0.0, "an idle process faults no pages: {r}");
        }
    }
    // The table has the rate columns, sorted by them when asked.
    let t = memlens(&[
        "--root",
        sa,
        "--root",
        sb,
        "ps",
        "--pid",
        &pids,
        "--sort",
        "minflt_rate",
    ]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    let header = t.stdout.lines().next().unwrap();
    assert!(
        header.contains("MINFLT/s") && header.contains("MAJFLT/s"),
        "{header}"
    );
    let first = t.stdout.lines().nth(1).unwrap();
    assert!(
        first.trim_start().starts_with(&lab.pid().to_string()),
        "{}",
        t.stdout
    );
    // CSV carries the rate exactly enough to multiply back.
    let c = memlens(&["--root", sa, "--root", sb, "ps", "--pid", &pids, "--csv"]);
    assert!(
        c.stdout.lines().next().unwrap().contains("minflt_rate"),
        "{}",
        c.stdout
    );
    drop(lab);
    drop(idle);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_live_interval_counts_the_faults_made_within_it() {
    let lab = Lab::start_growing(GROWING);
    let pid = lab.pid();
    let path = format!("/proc/{pid}/stat");
    let up = || uptime(&fs::read_to_string("/proc/uptime").unwrap());
    let (f0, u0) = (minflt(&fs::read_to_string(&path).unwrap()), up());
    let r = memlens(&[
        "ps",
        "--interval",
        "1s",
        "--pid",
        &pid.to_string(),
        "--json",
    ]);
    let (f1, u1) = (minflt(&fs::read_to_string(&path).unwrap()), up());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rate = row(&r.json(), pid)["minflt_rate"].as_f64().unwrap();
    // memlens's interval lies within [u0, u1] and is at least 1 s long.
    assert!(
        rate * 1.0 <= (f1 - f0) as f64,
        "{rate} over 1 s > {} faults in all",
        f1 - f0
    );
    let mean = (f1 - f0) as f64 / (u1 - u0);
    assert!(
        rate > mean * 0.5,
        "{rate}/s while the lab faulted {mean:.0}/s on average over {:.2} s",
        u1 - u0
    );
}

#[test]
fn rates_need_two_snapshots() {
    let r = memlens(&["ps", "--sort", "majflt_rate"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("two snapshots"), "{}", r.stderr);
    let fx = fixtures().join("vm-6.18-hybrid");
    let r = memlens(&["--root", fx.to_str().unwrap(), "ps", "--interval", "1s"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let r = memlens(&[
        "ps",
        "--by",
        "user",
        "--sort",
        "minflt_rate",
        "--interval",
        "1s",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}
