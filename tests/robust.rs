//! Robustness: a stuck target, process churn, an unprivileged user, a small memory
//! cgroup, a process with 100,000 mappings. memlens must answer, bounded, without panics.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Thousands of short-lived processes start and exit while ps and maps run in a loop.
#[test]
fn churn_is_skipped_and_counted() {
    let churn = Guard::spawn(
        Command::new("sh")
            .arg("-c")
            .arg("for j in $(seq 200); do for i in $(seq 50); do /bin/true & done; wait; done"),
    );
    let target = Guard::spawn(Command::new("sleep").arg("600"));
    let mut vanished = 0;
    let mut runs = 0;
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(20) && (runs < 20 || vanished == 0) {
        let r = memlens(&["ps", "--json"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!r.stderr.contains("panicked"));
        vanished += int(&r.json()["skipped"], "vanished");
        let m = memlens(&["maps", "--json", &target.pid().to_string()]);
        assert_eq!(m.code, 0, "{}", m.stderr);
        runs += 1;
    }
    drop(churn);
    assert!(
        vanished > 0,
        "in {runs} scans under churn, some process exited mid-scan and was counted"
    );
}

/// Every command as an unprivileged user: exit 0 with what is readable, or one clear
/// line and exit 1 (could not read) or 3 (refused); never a panic.
#[test]
fn every_command_as_an_unprivileged_user() {
    if !is_root() {
        eprintln!("not root: cannot switch to the test user");
        return;
    }
    test_user();
    let dir = std::env::temp_dir().join(format!("memlens-unpriv-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    sh(&format!("chown memlens-test {}", dir.display()));
    let cap = dir.join("cap");
    let cmds: Vec<Vec<&str>> = vec![
        vec![],
        vec!["sys"],
        vec!["sys", "--explain", "--json"],
        vec!["ps"],
        vec!["ps", "--by", "cgroup", "--csv"],
        vec!["maps", "1"],
        vec!["wss", "1", "--interval", "10ms"],
        vec!["cgroup"],
        vec!["tunables"],
        vec!["vmstat"],
        vec!["zones"],
        vec!["buddy", "--types"],
        vec!["slab"],
        vec!["oom"],
        vec!["doctor", "--sample", "0s"],
        vec!["huge"],
        vec!["ipc"],
        vec!["explain", "PSS"],
        vec!["capture", cap.to_str().unwrap()],
        vec!["lab", "leak", "--count", "1", "--size", "1M", "--hold", "0"],
    ];
    for c in &cmds {
        let r = as_user(c, Some(&dir));
        assert!(!r.stderr.contains("panicked"), "{c:?}: {}", r.stderr);
        match r.code {
            // doctor's exit status is its worst finding (1 warning, 2 critical).
            0..=2 if c.first() == Some(&"doctor") => assert!(!r.stdout.is_empty(), "{c:?}"),
            // and it is UNKNOWN (3) only when it could not judge: one clear line.
            3 if c.first() == Some(&"doctor") => assert_eq!(r.stderr.lines().count(), 1),
            0 => assert!(
                r.stderr.lines().count() <= 1,
                "{c:?}: one warning at most: {}",
                r.stderr
            ),
            EXIT_READ | EXIT_REFUSED => assert_eq!(
                r.stderr.lines().count(),
                1,
                "{c:?}: one clear line: {}",
                r.stderr
            ),
            other => panic!("{c:?}: exit {other}: {}", r.stderr),
        }
    }
    // The unprivileged capture reads back, with the unreadable files as denied.
    let r = memlens(&["--root", cap.to_str().unwrap(), "ps", "--json"]);
    assert!(int(&r.json()["skipped"], "partially_readable") > 0);
    let _ = fs::remove_dir_all(&dir);
}

/// Inside a memory cgroup with a 32 MiB limit, every reading command still works.
#[test]
fn inside_a_small_memory_cgroup() {
    if !is_root() {
        eprintln!("not root: cannot create a cgroup");
        return;
    }
    let v1 = PathBuf::from("/sys/fs/cgroup/memory");
    let (dir, limit_file, procs_file) = if v1.join("memory.limit_in_bytes").exists() {
        (v1.join("memlens-robust"), "memory.limit_in_bytes", "tasks")
    } else if PathBuf::from("/sys/fs/cgroup/cgroup.controllers").exists() {
        (
            PathBuf::from("/sys/fs/cgroup/memlens-robust"),
            "memory.max",
            "cgroup.procs",
        )
    } else {
        eprintln!("no memory cgroup hierarchy mounted");
        return;
    };
    let _ = fs::create_dir(&dir);
    if fs::write(dir.join(limit_file), "33554432").is_err() {
        eprintln!("cannot set a memory limit here");
        let _ = fs::remove_dir(&dir);
        return;
    }
    for c in [vec!["sys"], vec!["ps", "--json"], vec![], vec!["maps", "1"]] {
        let script = format!(
            "echo $$ > {}/{} && exec {} {}",
            dir.display(),
            procs_file,
            bin(),
            c.join(" ")
        );
        let out = Command::new("sh").arg("-c").arg(&script).output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            code == 0 || ((1..=3).contains(&code) && err.lines().count() == 1),
            "{c:?}: exit {code}: {err}"
        );
        assert!(!err.contains("panicked"));
    }
    // A lab leak past the limit is stopped by the kernel, not by a memlens crash.
    let script = format!(
        "echo $$ > {}/{} && exec {} lab leak --count 8 --size 16M --hold 0",
        dir.display(),
        procs_file,
        bin()
    );
    let out = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    let _ = fs::remove_dir(&dir);
}

/// `maps` of a process with 100,000 mappings: complete, and it adds up.
#[test]
fn maps_of_a_process_with_100k_mappings() {
    if !is_root() {
        eprintln!("not root: cannot raise vm.max_map_count");
        return;
    }
    let old = sh("cat /proc/sys/vm/max_map_count").trim().to_string();
    if old.parse::<u64>().unwrap() < 131072 {
        fs::write("/proc/sys/vm/max_map_count", "131072").unwrap();
    }
    let mut child = Command::new(bin())
        .args(["lab", "--json", "mappings", "--count", "100000"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pid = child.id().to_string();
    let t = Instant::now();
    let r = memlens(&["maps", "--json", &pid]);
    let took = t.elapsed();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let _ = child.wait();
    fs::write("/proc/sys/vm/max_map_count", &old).unwrap();
    let j = r.json();
    assert!(j["mappings"].as_array().unwrap().len() >= 100_000);
    let c = &j["rollup_check"];
    close("rss", int(c, "smaps_rss"), int(c, "rollup_rss"), 256 * KIB);
    eprintln!("maps of 100k mappings took {took:?}");
}
