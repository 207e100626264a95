//! Reclaim inside a small memory cgroup: the kernel counts it in `pgscan_anon/file` and
//! `pgsteal_anon/file` but not in the global reclaimers' `pgscan_kswapd/direct` (which is
//! all that `sar -B` reads). memlens shows it as `pgscan_memcg`, in the totals, in
//! `%vmeff`, and as a doctor finding.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

fn raw() -> (i64, i64, i64) {
    let text = std::fs::read_to_string("/proc/vmstat").unwrap();
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k} ")))
            .map(|v| v.trim().parse::<i64>().unwrap())
    };
    let total = get("pgscan_anon").unwrap() + get("pgscan_file").unwrap();
    let global: i64 = [
        "pgscan_kswapd",
        "pgscan_direct",
        "pgscan_khugepaged",
        "pgscan_proactive",
    ]
    .iter()
    .filter_map(|k| get(k))
    .sum();
    let steal = get("pgsteal_anon").unwrap() + get("pgsteal_file").unwrap();
    (total, global, steal)
}

#[test]
fn reclaim_inside_a_small_memory_cgroup_is_counted() {
    if std::fs::read_to_string("/proc/vmstat").is_ok_and(|t| !t.contains("pgscan_file ")) {
        eprintln!("kernel before 5.8: cgroup reclaim is not counted in /proc/vmstat");
        return;
    }
    let Some(mut g) = TestGroup::new("memlens-reclaim-test", 32 << 20) else {
        eprintln!("no memory cgroup to make (not root, or no memory controller)");
        return;
    };
    let before = raw();
    let spawn = |args: &[&str]| {
        Command::new(bin())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let vmstat = spawn(&["vmstat", "4", "2", "--json"]);
    let doctor = spawn(&["doctor", "--sample", "4s", "--json"]);
    // Both have taken their first reading; then 128 MiB of page cache goes through a
    // 32 MiB group: about 24,000 pages reclaimed by the group against its limit.
    std::thread::sleep(Duration::from_millis(500));
    g.run_lab("pagecache --size 128M --dir /var/tmp");
    let v = vmstat.wait_with_output().unwrap();
    let d = doctor.wait_with_output().unwrap();
    drop(g);
    let after = raw();
    let (total, global, steal) = (after.0 - before.0, after.1 - before.1, after.2 - before.2);
    let memcg = total - global;
    assert!(
        memcg >= 10_000,
        "the group reclaimed: {memcg} pages (total {total}, global {global})"
    );

    let vj: serde_json::Value = serde_json::from_slice(&v.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&v.stderr)));
    let row = &vj["rows"][1];
    let c = |k: &str| row["counters"][k]["delta"].as_i64().unwrap();
    // memlens's interval lies inside the raw readings' window and holds the whole reclaim.
    for (k, outer) in [
        ("pgscan", total),
        ("pgscan_memcg", memcg),
        ("pgsteal", steal),
    ] {
        let got = c(k);
        assert!(
            got <= outer && got * 10 >= outer * 9,
            "{k}: memlens {got}, raw /proc/vmstat around it {outer}"
        );
    }
    assert!(c("pgscan_memcg") * 10 >= c("pgscan") * 9, "{row}");
    assert_eq!(
        c("pgscan"),
        c("pgscan_memcg")
            + c("pgscan_kswapd")
            + c("pgscan_direct")
            + c("pgscan_khugepaged")
            + c("pgscan_proactive"),
        "the parts sum to the total: {row}"
    );
    let eff = row["vmeff_percent"].as_f64().unwrap();
    let want = c("pgsteal") as f64 * 100.0 / c("pgscan") as f64;
    assert!((eff - want).abs() < 1e-9 && eff > 0.0, "{eff} vs {want}");

    let dj: serde_json::Value = serde_json::from_slice(&d.stdout).unwrap();
    let f = dj["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "cgroup_reclaim")
        .unwrap_or_else(|| panic!("no cgroup_reclaim finding: {}", dj["findings"]));
    assert!(f["evidence"].as_str().unwrap().contains("pages/s"), "{f}");
}
