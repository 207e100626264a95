//! `memlens cgroup`: on the fixtures against their raw files, and live against a cgroup
//! this test makes, with a lab leak inside.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

fn at(tree: &str, args: &[&str]) -> Value {
    let root = fixtures().join(tree);
    let mut all = vec!["--root", root.to_str().unwrap()];
    all.extend_from_slice(args);
    memlens(&all).json()
}

fn num(dir: &Path, file: &str) -> Option<i64> {
    fs::read_to_string(dir.join(file)).ok()?.trim().parse().ok()
}

fn keyed(dir: &Path, file: &str, key: &str) -> Option<i64> {
    fs::read_to_string(dir.join(file))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key} "))?.parse().ok())
}

#[test]
fn v2_tree_matches_its_files() {
    let j = at("v2-unified", &["cgroup", "--json"]);
    let h = &j["hierarchies"][0];
    assert_eq!(h["version"], "v2");
    let base = fixtures().join("v2-unified/sys/fs/cgroup");
    let groups = h["cgroups"].as_array().unwrap();
    assert_eq!(groups.len(), 8);
    for g in groups {
        let path = g["path"].as_str().unwrap();
        let dir = base.join(path.trim_start_matches('/'));
        assert_eq!(g["usage"].as_i64(), num(&dir, "memory.current"), "{path}");
        assert_eq!(g["anon"].as_i64(), keyed(&dir, "memory.stat", "anon"));
        assert_eq!(g["file"].as_i64(), keyed(&dir, "memory.stat", "file"));
        assert_eq!(g["kernel"].as_i64(), keyed(&dir, "memory.stat", "kernel"));
        match fs::read_to_string(dir.join("memory.max"))
            .ok()
            .as_deref()
            .map(str::trim)
        {
            Some("max") => assert_eq!(g["max"], "max"),
            Some(n) => assert_eq!(g["max"].as_i64(), n.parse().ok()),
            None => assert!(g["max"].is_null()),
        }
        let procs = fs::read_to_string(dir.join("cgroup.procs"))
            .map(|t| t.lines().count() as i64)
            .ok();
        assert_eq!(g["processes"].as_i64(), procs);
    }
    let svc = groups
        .iter()
        .find(|g| g["path"] == "/system.slice/memlens.service")
        .unwrap();
    let pct = svc["limit_pct"].as_f64().unwrap();
    assert!((pct - 60.0 / 64.0 * 100.0).abs() < 1e-9);
    assert_eq!(
        svc["events"],
        serde_json::json!({"low": 0, "high": 0, "max": 37, "oom": 2, "oom_kill": 1, "oom_group_kill": 0})
    );
    assert_eq!(svc["psi_some_avg10"], 12.5);
    // Siblings sorted by usage: user.slice (700M), system.slice (120M), init.scope (12M).
    let order: Vec<&str> = groups
        .iter()
        .filter(|g| g["depth"] == 1)
        .map(|g| g["path"].as_str().unwrap())
        .collect();
    assert_eq!(order, vec!["/user.slice", "/system.slice", "/init.scope"]);
    // A subtree and a depth limit.
    let j = at(
        "v2-unified",
        &["cgroup", "/user.slice", "--depth", "1", "--json"],
    );
    let paths: Vec<&str> = j["hierarchies"][0]["cgroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["/user.slice", "/user.slice/user-0.slice"]);
    let oom = at("v2-unified", &["oom", "--json"]);
    assert_eq!(
        oom["cgroup_oom_kills"],
        serde_json::json!([{"path": "/system.slice/memlens.service", "version": "v2", "oom_kill": 1}])
    );
    let bare = at(
        "v2-unified",
        &["cgroup", "user.slice/", "--depth", "1", "--json"],
    );
    assert_eq!(bare, j, "`user.slice/` names `/user.slice`");
}

#[test]
fn v1_tree_of_the_captured_machine() {
    let j = at("vm-6.18-hybrid", &["cgroup", "--json"]);
    let h = &j["hierarchies"][0];
    assert_eq!(h["version"], "v1");
    let base = fixtures().join("vm-6.18-hybrid/sys/fs/cgroup/memory");
    let groups = h["cgroups"].as_array().unwrap();
    assert!(groups.len() >= 2);
    for g in groups {
        let path = g["path"].as_str().unwrap();
        let dir = base.join(path.trim_start_matches('/'));
        assert_eq!(g["usage"].as_i64(), num(&dir, "memory.usage_in_bytes"));
        let rss = keyed(&dir, "memory.stat", "total_rss").unwrap();
        let mapped = keyed(&dir, "memory.stat", "total_mapped_file").unwrap();
        assert_eq!(
            int(g, "resident"),
            rss + mapped,
            "v1 resident = total_rss + total_mapped_file"
        );
        assert_eq!(g["max"], "max", "PAGE_COUNTER_MAX reads as no limit");
    }
    let r = memlens(&[
        "--root",
        fixtures().join("old-3.10-trimmed").to_str().unwrap(),
        "cgroup",
    ]);
    assert_eq!(r.code, EXIT_REFUSED);
    assert!(
        r.stderr.contains("no memory cgroup hierarchy"),
        "{}",
        r.stderr
    );
    let r = memlens(&[
        "--root",
        fixtures().join("v2-unified").to_str().unwrap(),
        "cgroup",
        "/nope",
    ]);
    assert_eq!(r.code, EXIT_READ);
    assert_eq!(r.stderr.lines().count(), 1);
}

#[test]
fn live_cgroup_with_a_lab_leak_inside() {
    let Some(mut g) = TestGroup::new("memlens-cg-test", 64 << 20) else {
        eprintln!("no writable memory cgroup hierarchy here (not root?)");
        return;
    };
    g.run_lab("leak --count 3 --size 16M");
    let j = memlens(&["cgroup", &g.rel(), "--json"]).json();
    let c = &j["hierarchies"][0]["cgroups"][0];
    let usage_file = if g.v1 {
        "memory.usage_in_bytes"
    } else {
        "memory.current"
    };
    close(
        "usage",
        int(c, "usage"),
        num(&g.dir, usage_file).unwrap(),
        256 * KIB,
    );
    assert_eq!(int(c, "max"), 64 << 20);
    assert!(int(c, "anon") >= 48 * MIB, "the leak is charged here: {c}");
    assert!(c["limit_pct"].as_f64().unwrap() > 75.0);
    assert_eq!(int(c, "processes"), 1);
}

#[test]
fn live_cgroup_events_when_a_leak_hits_the_limit() {
    let Some(g) = TestGroup::new("memlens-cg-oom", 32 << 20) else {
        eprintln!("no writable memory cgroup hierarchy here (not root?)");
        return;
    };
    // Past the limit: the kernel reclaims, fails charges and OOM-kills the leak.
    let script = format!(
        "echo $$ > {}/{} && exec {} lab leak --count 4 --size 16M --hold 0",
        g.dir.display(),
        g.procs_file(),
        bin()
    );
    let _ = Command::new("sh").arg("-c").arg(script).output().unwrap();
    let j = memlens(&["cgroup", &g.rel(), "--json"]).json();
    let c = &j["hierarchies"][0]["cgroups"][0];
    let events: Vec<(String, i64)> = c["events"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
        .collect();
    let hit = events
        .iter()
        .any(|(k, v)| (k == "failcnt" || k == "max" || k == "oom_kill") && *v > 0);
    assert!(hit, "limit events recorded: {events:?}");
    // `memlens oom` lists the group's kills, as its events record them.
    let kills = events
        .iter()
        .find(|(k, _)| k == "oom_kill")
        .map(|e| e.1)
        .unwrap_or(0);
    let oom = memlens(&["oom", "--json", "-n", "1"]).json();
    let listed = oom["cgroup_oom_kills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == g.rel().as_str())
        .map(|c| int(c, "oom_kill"))
        .unwrap_or(0);
    assert_eq!(listed, kills, "{}", oom["cgroup_oom_kills"]);
    let table = memlens(&["cgroup", &g.rel()]);
    assert!(
        table.stdout.contains("oom_kill=")
            || table.stdout.contains("failcnt=")
            || table.stdout.contains("max="),
        "{}",
        table.stdout
    );
}

/// Containers are named as operators know them: a copy of the v2 fixture given a docker
/// scope (systemd driver) and a Kubernetes pod with a containerd container, each holding
/// one of the tree's processes.
#[test]
fn container_cgroups_are_named_in_cgroup_and_ps_by_cgroup() {
    const ID: &str = "3f2a9c1b7d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef";
    const UID: &str = "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901";
    let t = TempTree::copy_of("v2-unified", "containers");
    let cg = t.0.join("sys/fs/cgroup");
    let docker = format!("system.slice/docker-{ID}.scope");
    let pod = format!(
        "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice",
        UID.replace('-', "_")
    );
    let container = format!("{pod}/cri-containerd-{ID}.scope");
    for dir in [
        "kubepods.slice",
        "kubepods.slice/kubepods-burstable.slice",
        &pod,
        &container,
        &docker,
    ] {
        sh(&format!(
            "mkdir -p '{0}/{dir}' && cp '{0}'/system.slice/memfd.service/* '{0}/{dir}/'",
            cg.display()
        ));
    }
    // Two processes moved into them.
    t.write("proc/1036/cgroup", &format!("0::/{docker}\n"));
    t.write("proc/2944/cgroup", &format!("0::/{container}\n"));
    let j = t.run(&["cgroup", "--json"]).json();
    let named = |path: &str| {
        j["hierarchies"][0]["cgroups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"] == path)
            .unwrap_or_else(|| panic!("no {path}"))["container"]
            .clone()
    };
    assert_eq!(named(&format!("/{docker}")), "docker 3f2a9c1b7d4e");
    assert_eq!(
        named(&format!("/{container}")),
        format!("k8s pod {UID} (burstable) containerd 3f2a9c1b7d4e")
    );
    assert_eq!(
        named(&format!("/{pod}")),
        format!("k8s pod {UID} (burstable)")
    );
    assert_eq!(
        named("/kubepods.slice/kubepods-burstable.slice"),
        serde_json::Value::Null
    );
    assert_eq!(named("/system.slice/memlens.service"), "memlens.service");
    let text = t.run(&["cgroup", "--wide"]).stdout;
    assert!(text.contains("docker 3f2a9c1b7d4e"), "{text}");
    // ps --by cgroup says it too.
    let p = t.run(&["ps", "--by", "cgroup", "--json"]).json();
    let groups = p["groups"].as_array().unwrap();
    let g = groups
        .iter()
        .find(|g| g["key"] == format!("/{docker}"))
        .unwrap();
    assert_eq!(g["container"], "docker 3f2a9c1b7d4e");
    assert_eq!(int(g, "processes"), 1);
    let text = t.run(&["ps", "--by", "cgroup", "--wide"]).stdout;
    assert!(
        text.contains(&format!(
            "(k8s pod {UID} (burstable) containerd 3f2a9c1b7d4e)"
        )),
        "{text}"
    );
}
