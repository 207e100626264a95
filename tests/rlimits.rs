//! Memory limits per process: `lab leak --limit-as` is refused at its RLIMIT_AS, `ps
//! --rlimits` shows the limits of `/proc/PID/limits` and how much of each is used, and the
//! doctor names a process near its address-space limit.

mod common;

use std::fs;

use common::*;

const MIB: i64 = 1 << 20;

/// The soft limit of a `/proc/PID/limits` line (`None`: unlimited).
fn soft(limits: &str, name: &str) -> Option<i64> {
    let line = limits.lines().find(|l| l.starts_with(name)).unwrap();
    let w: Vec<&str> = line.split_whitespace().collect();
    w[w.len() - 3].parse().ok()
}

#[test]
fn lab_leak_is_refused_at_its_address_space_limit() {
    let lab = Lab::start(&["leak", "--limit-as", "256M", "--size", "16M"]);
    let f = &lab.report["figures"];
    let limit = int(f, "limit_as");
    let vsz = int(f, "vsz_at_refusal");
    let block = int(f, "refused_block");
    assert_eq!(limit, 256 * MIB);
    // Refused because the block would pass the limit, not before: VSZ was within it and
    // VSZ plus the block is beyond it.
    assert!(
        vsz <= limit && vsz + block > limit,
        "VSZ {vsz}, block {block}, limit {limit}"
    );
    assert_eq!(int(f, "allocated_before_refusal") % block, 0);
    assert!(int(f, "allocated_before_refusal") >= 200 * MIB, "{f}");
    assert!(f["error"].as_str().unwrap().contains("ENOMEM"), "{f}");

    // ps --rlimits: the limits file, and VSZ over the limit.
    let pid = lab.pid();
    let limits = fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let j = memlens(&["ps", "--json", "--rlimits", "--pid", &pid.to_string()]).json();
    let row = &j["processes"][0];
    assert_eq!(row["limit_as"].as_i64(), soft(&limits, "Max address space"));
    assert_eq!(row["limit_stack"].as_i64(), soft(&limits, "Max stack size"));
    assert_eq!(row["limit_data"].as_i64(), soft(&limits, "Max data size"));
    assert_eq!(
        row["limit_memlock"].as_i64(),
        soft(&limits, "Max locked memory")
    );
    let vm_size = kb_field(&status, "VmSize").unwrap();
    let used = row["limit_as_used"].as_f64().unwrap();
    assert!(
        (used - vm_size as f64 / limit as f64).abs() < 1e-9,
        "{used}"
    );
    assert!(used > 0.9, "{used}");
    let table = memlens(&["ps", "--rlimits", "--pid", &pid.to_string(), "--wide"]).stdout;
    assert!(
        table.contains("256Mi") && table.contains("AS LIMIT"),
        "{table}"
    );

    // maps shows the same limits.
    let m = memlens(&["maps", "--json", &pid.to_string()]).json();
    assert_eq!(int(&m["rlimits"], "limit_as"), 256 * MIB);
    let text = memlens(&["maps", &pid.to_string()]).stdout;
    assert!(text.contains("limits: address space 256Mi ("), "{text}");
    // The doctor names it.
    let r = memlens(&["doctor", "--json", "--sample", "100ms"]);
    let d: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let f = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["id"] == "rlimit_as" && f["title"].as_str().unwrap().contains(&format!("PID {pid}"))
        })
        .unwrap_or_else(|| panic!("{}", d["findings"]));
    assert!(f["next"].as_str().unwrap().contains("ps --rlimits"), "{f}");
}

#[test]
fn rlimits_of_a_capture() {
    // The fixture's newest process has RLIMIT_AS at 4 GiB; the others are unlimited.
    let root = fixtures().join("vm-6.18-hybrid");
    let j = memlens(&[
        "--root",
        root.to_str().unwrap(),
        "ps",
        "--json",
        "--rlimits",
    ])
    .json();
    let rows = j["processes"].as_array().unwrap();
    let limited: Vec<_> = rows.iter().filter(|r| r["limit_as"].is_i64()).collect();
    assert_eq!(limited.len(), 1, "{rows:?}");
    let r = limited[0];
    assert_eq!(int(r, "limit_as"), 4 << 30);
    let used = r["limit_as_used"].as_f64().unwrap();
    assert!((used - int(r, "vsz") as f64 / (4u64 << 30) as f64).abs() < 1e-12);
    assert!(rows.iter().all(|r| r["limit_stack"].is_i64()));
    // Without --rlimits, no limit keys at all.
    let j = memlens(&["--root", root.to_str().unwrap(), "ps", "--json"]).json();
    assert!(j["processes"][0].get("limit_as").is_none());
}
