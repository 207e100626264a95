//! `memlens doctor`: findings and exit status on the fixtures, and live with a lab leak in
//! a cgroup near its limit.

mod common;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

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
    if !is_root() {
        eprintln!("not root: cannot make a cgroup");
        return;
    }
    let v1 = PathBuf::from("/sys/fs/cgroup/memory");
    let (base, limit_file, procs_file) = if v1.join("memory.limit_in_bytes").exists() {
        (v1, "memory.limit_in_bytes", "tasks")
    } else if fs::read_to_string("/sys/fs/cgroup/cgroup.controllers")
        .is_ok_and(|c| c.contains("memory"))
    {
        (
            PathBuf::from("/sys/fs/cgroup"),
            "memory.max",
            "cgroup.procs",
        )
    } else {
        eprintln!("no memory cgroup hierarchy");
        return;
    };
    let dir = base.join("memlens-doctor-test");
    let _ = fs::create_dir(&dir);
    fs::write(dir.join(limit_file), (96u64 << 20).to_string()).unwrap();
    let script = format!(
        "echo $$ > {}/{procs_file} && exec {} lab --json leak --count 1 --size 88M",
        dir.display(),
        bin()
    );
    let mut leak = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(leak.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let r = memlens(&["doctor", "--sample", "0s", "--json"]);
    // SAFETY: signalling our own child.
    unsafe { libc::kill(leak.id() as i32, libc::SIGTERM) };
    let _ = leak.wait();
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let f = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["next"] == "memlens cgroup /memlens-doctor-test")
        .unwrap_or_else(|| panic!("near-limit finding: {}", j["findings"]))
        .clone();
    assert_eq!(f["id"], "cgroup_near_limit");
    assert!(r.code >= 1, "a warning at least");
    // Push it over the limit: the cgroup view and the doctor show the events.
    let script = format!(
        "echo $$ > {}/{procs_file} && exec {} lab leak --count 2 --size 64M --hold 0",
        dir.display(),
        bin()
    );
    let _ = Command::new("sh").arg("-c").arg(script).output().unwrap();
    let c = memlens(&["cgroup", "/memlens-doctor-test"]);
    let d = memlens(&["doctor", "--sample", "0s", "--json"]);
    let _ = fs::remove_dir(&dir);
    assert!(
        c.stdout.contains("failcnt=")
            || c.stdout.contains("max=")
            || c.stdout.contains("oom_kill="),
        "{}",
        c.stdout
    );
    let j: serde_json::Value = serde_json::from_str(&d.stdout).unwrap();
    let f = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["next"] == "memlens cgroup /memlens-doctor-test")
        .unwrap_or_else(|| panic!("limit events: {}", j["findings"]))
        .clone();
    assert!(f["evidence"].as_str().unwrap().contains("events"), "{f}");
}
