//! The views of issue 5 (vmstat, zones, buddy, slab, huge, ipc, oom, explain) on the
//! captured trees: every figure is recomputed here from the raw kernel text in the tree.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

fn tree(name: &str) -> PathBuf {
    fixtures().join(name)
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn at(name: &str, args: &[&str]) -> Run {
    let root = tree(name);
    let mut all = vec!["--root", root.to_str().unwrap()];
    all.extend_from_slice(args);
    memlens(&all)
}

/// `name value` lines of a vmstat-like text.
fn counters(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .map(|l| {
            let mut f = l.split_whitespace();
            (
                f.next().unwrap().to_string(),
                f.next().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

fn sum_where(c: &[(String, u64)], pred: impl Fn(&str) -> bool) -> u64 {
    c.iter().filter(|(n, _)| pred(n)).map(|(_, v)| v).sum()
}

fn rel_close(what: &str, a: f64, b: f64) {
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        "{what}: memlens {a} vs {b}"
    );
}

#[test]
fn vmstat_since_boot_rates_are_the_raw_counters_over_uptime() {
    let name = "vm-6.18-hybrid";
    let raw = counters(&read(&tree(name).join("proc/vmstat")));
    let up: f64 = read(&tree(name).join("proc/uptime"))
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mi = read(&tree(name).join("proc/meminfo"));
    let j = at(name, &["vmstat", "--json"]).json();
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "a capture gives the since-boot row only");
    let r = &rows[0];
    assert_eq!(r["since_boot"], true);
    assert_eq!(r["seconds"].as_f64().unwrap(), up);
    let get = |n: &str| raw.iter().find(|(k, _)| k == n).map(|(_, v)| *v).unwrap();
    let expect = [
        ("pgfault", get("pgfault")),
        ("pgmajfault", get("pgmajfault")),
        ("pswpin", get("pswpin")),
        ("pswpout", get("pswpout")),
        ("pgpgin", get("pgpgin")),
        ("pgpgout", get("pgpgout")),
        (
            "pgscan_kswapd",
            sum_where(&raw, |n| n.starts_with("pgscan_kswapd")),
        ),
        (
            "pgscan_direct",
            sum_where(&raw, |n| {
                n.starts_with("pgscan_direct") && n != "pgscan_direct_throttle"
            }),
        ),
        ("pgsteal", get("pgsteal_kswapd") + get("pgsteal_direct")),
        ("compact_stall", get("compact_stall")),
        ("thp_fault_alloc", get("thp_fault_alloc")),
        ("oom_kill", get("oom_kill")),
    ];
    for (k, v) in expect {
        let c = &r["counters"][k];
        assert_eq!(c["delta"].as_u64(), Some(v), "{k}");
        rel_close(k, c["per_second"].as_f64().unwrap(), v as f64 / up);
    }
    // Nothing scanned on this machine: no %vmeff rather than 0 or NaN.
    assert!(r["vmeff_percent"].is_null());
    assert_eq!(int(r, "free"), kb_field(&mi, "MemFree").unwrap());
    assert_eq!(int(r, "available"), kb_field(&mi, "MemAvailable").unwrap());
    assert_eq!(int(r, "anon"), kb_field(&mi, "AnonPages").unwrap());
    assert_eq!(
        int(r, "file"),
        kb_field(&mi, "Active(file)").unwrap() + kb_field(&mi, "Inactive(file)").unwrap()
    );
    assert_eq!(
        int(r, "swap_used"),
        kb_field(&mi, "SwapTotal").unwrap() - kb_field(&mi, "SwapFree").unwrap()
    );
    assert_eq!(r["psi_some_avg10"].as_f64(), Some(0.0));
    // CSV: the same row, keys as header.
    let csv = at(name, &["vmstat", "--csv"]);
    let mut lines = csv.stdout.lines();
    let keys: Vec<&str> = lines.next().unwrap().split(',').collect();
    let vals: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |k: &str| vals[keys.iter().position(|x| *x == k).unwrap()];
    assert_eq!(col("free").parse::<i64>().unwrap(), int(r, "free"));
    rel_close(
        "csv pgfault",
        col("pgfault_per_s").parse().unwrap(),
        get("pgfault") as f64 / up,
    );
    // An interval on a capture is refused politely: the since-boot row only.
    let i = at(name, &["vmstat", "1", "3", "--json"]);
    assert_eq!(i.json()["rows"].as_array().unwrap().len(), 1);
    assert!(i.stderr.contains("since-boot row only"), "{}", i.stderr);
}

#[test]
fn vmstat_without_uptime_or_psi_says_so() {
    let r = at("old-3.10-trimmed", &["vmstat"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("no proc/uptime"), "{}", r.stderr);
    assert!(
        r.stdout.contains("no /proc/pressure/memory"),
        "{}",
        r.stdout
    );
    let j = at("old-3.10-trimmed", &["vmstat", "--json"]).json();
    let row = &j["rows"][0];
    assert!(row["counters"]["pgfault"]["per_second"].is_null());
    assert!(row["counters"]["pgfault"]["delta"].as_u64().is_some());
    assert!(row["psi_some_avg10"].is_null());
    assert!(row["available"].is_null(), "3.10 has no MemAvailable");
}

#[test]
fn vmstat_garbled_input_is_one_line_and_exit_2() {
    let dir = std::env::temp_dir().join(format!("memlens-vmstat-bad-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("proc")).unwrap();
    fs::copy(
        tree("vm-6.18-hybrid").join("proc/meminfo"),
        dir.join("proc/meminfo"),
    )
    .unwrap();
    fs::write(dir.join("proc/vmstat"), "pgfault 12\npgmajfault x\n").unwrap();
    fs::write(dir.join("proc/uptime"), "12.00 3.00\n").unwrap();
    let r = memlens(&["--root", dir.to_str().unwrap(), "vmstat"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("proc/vmstat:2"), "{}", r.stderr);
    fs::write(dir.join("proc/vmstat"), "pgfault 12\n").unwrap();
    fs::write(dir.join("proc/uptime"), "12.00").unwrap();
    let r = memlens(&["--root", dir.to_str().unwrap(), "vmstat"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("proc/uptime:1"), "{}", r.stderr);
    let _ = fs::remove_dir_all(&dir);
}
