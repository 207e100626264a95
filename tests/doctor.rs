//! `memlens doctor`: findings and exit status on the fixtures, and live with a lab leak in
//! a cgroup near its limit.

mod common;

use std::process::Command;

use common::*;

#[test]
fn v2_fixture_names_the_cgroups_at_their_limits() {
    let root = fixtures().join("v2-unified");
    let r = memlens(&["--root", root.to_str().unwrap(), "doctor", "--json"]);
    assert_eq!(r.code, 2, "a critical finding: {}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["exit_status"], 2);
    assert!(j["sample_secs"].is_null(), "no live sample on a capture");
    let f = j["findings"].as_array().unwrap();
    let svc = f
        .iter()
        .find(|f| f["next"] == "memlens cgroup /system.slice/memlens.service")
        .unwrap();
    assert_eq!(svc["id"], "cgroup_oom");
    assert_eq!(svc["severity"], "critical");
    assert!(svc["evidence"]
        .as_str()
        .unwrap()
        .contains("usage 60 MiB of 64 MiB (94%)"));
    let sess = f
        .iter()
        .find(|f| f["next"] == "memlens cgroup /user.slice/user-0.slice/session-1.scope")
        .unwrap();
    assert_eq!(sess["id"], "cgroup_near_limit");
    assert!(
        sess["evidence"].as_str().unwrap().contains("high=14"),
        "{sess}"
    );
    assert_eq!(f[0]["severity"], "critical", "most serious first");
    let t = memlens(&["--root", root.to_str().unwrap(), "doctor"]);
    assert_eq!(t.code, 2);
    assert!(t
        .stdout
        .contains("[CRITICAL] cgroup /system.slice/memlens.service"));
}

#[test]
fn captured_machine_and_old_kernel() {
    for tree in ["vm-6.18-hybrid", "old-3.10-trimmed"] {
        let root = fixtures().join(tree);
        let r = memlens(&["--root", root.to_str().unwrap(), "doctor", "--json"]);
        let j: serde_json::Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{tree}: {e}: {}", r.stderr));
        assert_eq!(r.code as i64, j["exit_status"].as_i64().unwrap(), "{tree}");
        assert!(!r.stderr.contains("panicked"));
        // The capture of an idle machine has nothing wrong; the old kernel lacks the files.
        assert_eq!(
            j["findings"].as_array().unwrap().len(),
            0,
            "{tree}: {}",
            j["findings"]
        );
    }
}

#[test]
fn live_leak_in_a_cgroup_near_its_limit() {
    let Some(mut g) = TestGroup::new("memlens-doctor-test", 96 << 20) else {
        eprintln!("no writable memory cgroup hierarchy here (not root?)");
        return;
    };
    let next = format!("memlens cgroup {}", g.rel());
    let mine = |j: &serde_json::Value| {
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["next"] == next.as_str())
            .cloned()
    };
    g.run_lab("leak --count 1 --size 88M");
    let r = memlens(&["doctor", "--sample", "0s", "--json"]);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let f = mine(&j).unwrap_or_else(|| panic!("near-limit finding: {}", j["findings"]));
    assert_eq!(f["id"], "cgroup_near_limit");
    assert!(r.code >= 1, "a warning at least");
    // Push it over the limit: the cgroup view and the doctor show the events.
    let script = format!(
        "echo $$ > {}/{} && exec {} lab leak --count 2 --size 64M --hold 0",
        g.dir.display(),
        g.procs_file(),
        bin()
    );
    let _ = Command::new("sh").arg("-c").arg(script).output().unwrap();
    let c = memlens(&["cgroup", &g.rel()]);
    assert!(
        c.stdout.contains("failcnt=")
            || c.stdout.contains("max=")
            || c.stdout.contains("oom_kill="),
        "{}",
        c.stdout
    );
    let d = memlens(&["doctor", "--sample", "0s", "--json"]);
    let j: serde_json::Value = serde_json::from_str(&d.stdout).unwrap();
    let f = mine(&j).unwrap_or_else(|| panic!("limit events: {}", j["findings"]));
    assert!(f["evidence"].as_str().unwrap().contains("events"), "{f}");
}

fn mem_total_mib() -> u64 {
    (kb_field(
        &std::fs::read_to_string("/proc/meminfo").unwrap(),
        "MemTotal",
    )
    .unwrap()
        >> 20) as u64
}

fn finding(j: &serde_json::Value, id: &str) -> Option<serde_json::Value> {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .cloned()
}

/// Reserving one and a half times RAM (never touched) promises more than RAM + swap.
#[test]
fn live_overcommit_risk_from_a_lab_reserve() {
    let mode = sh("cat /proc/sys/vm/overcommit_memory").trim().to_string();
    if mode == "2" {
        eprintln!("strict overcommit: the reservation would be refused");
        return;
    }
    let half = format!("{}M", mem_total_mib() / 2 + 1);
    let _lab = Lab::start(&["reserve", "--count", "3", "--size", &half]);
    let r = memlens(&["doctor", "--sample", "0s", "--json"]);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let f = finding(&j, "overcommit_risk").unwrap_or_else(|| panic!("{}", j["findings"]));
    assert_eq!(f["severity"], "warning");
    assert!(f["evidence"].as_str().unwrap().contains("Committed_AS"));
    assert!(r.code >= 1);
}

/// A tmpfs file of over a fifth of RAM: shmem holds much memory.
#[test]
fn live_shmem_large_from_a_lab_tmpfs() {
    let size = format!("{}M", mem_total_mib() / 5 + 256);
    let _lab = Lab::start(&["tmpfs", "--size", &size]);
    let j: serde_json::Value =
        serde_json::from_str(&memlens(&["doctor", "--sample", "0s", "--json"]).stdout).unwrap();
    let f = finding(&j, "shmem_large").unwrap_or_else(|| panic!("{}", j["findings"]));
    assert!(f["evidence"].as_str().unwrap().contains("Shmem"));
}

/// An OOM kill while the doctor samples is critical.
#[test]
fn live_oom_kill_during_the_sample() {
    let Some(g) = TestGroup::new("memlens-doctor-oom", 32 << 20) else {
        eprintln!("no writable memory cgroup hierarchy here (not root?)");
        return;
    };
    let doctor = std::process::Command::new(bin())
        .args(["doctor", "--sample", "3s", "--json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let script = format!(
        "echo $$ > {}/{} && exec {} lab leak --count 4 --size 16M --hold 0",
        g.dir.display(),
        g.procs_file(),
        bin()
    );
    let _ = Command::new("sh").arg("-c").arg(script).output().unwrap();
    let out = doctor.wait_with_output().unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = finding(&j, "oom_kill_now").unwrap_or_else(|| panic!("{}", j["findings"]));
    assert_eq!(f["severity"], "critical");
    assert_eq!(out.status.code(), Some(2));
}
