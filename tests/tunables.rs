//! `memlens tunables`: values against the files and `sysctl`, findings on settings made
//! risky in a copy of a fixture, explanations of removed tunables.

mod common;

use std::fs;

use common::*;

#[test]
fn values_match_the_files_of_the_capture() {
    let root = fixtures().join("vm-6.18-hybrid");
    let j = memlens(&["--root", root.to_str().unwrap(), "tunables", "--json"]).json();
    let rows = j["tunables"].as_array().unwrap();
    let vm: Vec<_> = rows
        .iter()
        .filter(|r| r["name"].as_str().unwrap().starts_with("vm."))
        .collect();
    let files = fs::read_dir(root.join("proc/sys/vm")).unwrap().count();
    assert_eq!(vm.len(), files, "one row per captured vm.* file");
    for r in &vm {
        let name = r["name"].as_str().unwrap().trim_start_matches("vm.");
        let text = fs::read_to_string(root.join("proc/sys/vm").join(name)).unwrap();
        assert_eq!(
            r["value"],
            text.split_whitespace().collect::<Vec<_>>().join(" "),
            "{name}"
        );
    }
    assert!(rows.iter().any(|r| r["name"] == "kernel.shmmni"));
    assert_eq!(
        j["findings"].as_array().unwrap().len(),
        0,
        "a default machine"
    );
}

#[test]
fn risky_settings_in_a_copy_are_reported_with_advice() {
    let dst = std::env::temp_dir().join(format!("memlens-tunables-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dst);
    sh(&format!(
        "cp -r {} {}",
        fixtures().join("vm-6.18-hybrid").display(),
        dst.display()
    ));
    let vm = dst.join("proc/sys/vm");
    fs::write(vm.join("overcommit_memory"), "1\n").unwrap();
    fs::write(vm.join("dirty_ratio"), "60\n").unwrap();
    fs::write(vm.join("min_free_kbytes"), "256\n").unwrap();
    let j = memlens(&["--root", dst.to_str().unwrap(), "tunables", "--json"]).json();
    let ids: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec!["overcommit_always", "min_free_kbytes_low", "dirty_large"]
    );
    let t = memlens(&["--root", dst.to_str().unwrap(), "tunables"]);
    assert!(
        t.stdout
            .contains("consider: sysctl -w vm.overcommit_memory=0"),
        "{}",
        t.stdout
    );
    let changed: Vec<&str> = j["tunables"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["changed"] == true)
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(changed.contains(&"vm.overcommit_memory") && changed.contains(&"vm.dirty_ratio"));
    let _ = fs::remove_dir_all(&dst);
}

#[test]
fn explain_knows_removed_tunables() {
    for (name, word) in [
        ("nr_pdflush_threads", "flusher"),
        ("vm.swap_token_timeout", "swappiness"),
        ("oom_adj", "oom_score_adj"),
    ] {
        let j = memlens(&["tunables", "--explain", name, "--json"]).json();
        assert!(j["removed"].as_str().unwrap().contains(word), "{name}: {j}");
        assert!(j["value"].is_null(), "{name} is not on this kernel");
    }
    let j = memlens(&["tunables", "--explain", "vm/swappiness", "--json"]).json();
    assert_eq!(j["name"], "vm.swappiness");
    assert_eq!(
        j["value"].as_str().unwrap(),
        sh("cat /proc/sys/vm/swappiness").trim()
    );
    let r = memlens(&["tunables", "--explain", "no_such_knob"]);
    assert_eq!(r.code, EXIT_USAGE);
    assert_eq!(r.stderr.lines().count(), 1);
}

#[test]
fn live_values_match_sysctl() {
    if !have("sysctl") {
        panic!("sysctl (procps) is missing");
    }
    let j = memlens(&["tunables", "--json"]).json();
    for name in [
        "vm.swappiness",
        "vm.overcommit_memory",
        "vm.min_free_kbytes",
        "vm.dirty_ratio",
        "kernel.shmmni",
    ] {
        let row = j["tunables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()
            .clone();
        assert_eq!(
            row["value"].as_str().unwrap(),
            sh(&format!("sysctl -n {name}")).trim(),
            "{name}"
        );
    }
}

/// Without root, the 0600 tunables (`vm.mmap_rnd_bits`...) cannot be read: they are named
/// on stderr and in the JSON, not dropped silently.
#[test]
fn unreadable_tunables_are_named_not_dropped() {
    if !is_root() {
        eprintln!("not root: cannot switch to the test user");
        return;
    }
    test_user();
    let secret: Vec<String> = sh("find /proc/sys/vm -maxdepth 1 -type f -perm 0600")
        .lines()
        .map(|p| format!("vm.{}", p.rsplit('/').next().unwrap()))
        .filter(|n| n != "vm.stat_refresh")
        .collect();
    assert!(!secret.is_empty(), "this kernel has root-only vm tunables");
    let r = as_user(&["tunables", "--json"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let named: Vec<&str> = j["unreadable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u[0].as_str().unwrap())
        .collect();
    for s in &secret {
        assert!(named.contains(&s.as_str()), "{s} in {named:?}");
        assert!(
            r.stderr.contains(&format!("{s} (permission denied)")),
            "{}",
            r.stderr
        );
    }
    // As root, every one of them is read.
    let j = memlens(&["tunables", "--json"]).json();
    assert_eq!(j["unreadable"].as_array().unwrap().len(), 0);
}
