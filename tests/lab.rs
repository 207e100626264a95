//! Ground truth: run each lab experiment and check memlens's figures against what the
//! experiment knows it did. Tolerances are a few hundred KiB of runtime noise (the lab's
//! own heap, stacks, libraries), never percentages of the total.

mod common;

use std::sync::Mutex;

use common::*;
use serde_json::Value;

/// Lab tests measure system-wide figures (Shmem, Cached): one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn row(pid: u32) -> Value {
    memlens(&["ps", "--json", "--pid", &pid.to_string()]).json()["processes"][0].clone()
}

/// Sum of a byte field over the mappings of `pid` that overlap `start..start+size`.
fn in_region(pid: u32, start: u64, size: i64, field: &str) -> i64 {
    let j = memlens(&["maps", "--json", &pid.to_string()]).json();
    j["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            let s = u64::from_str_radix(m["start"].as_str().unwrap(), 16).unwrap();
            let e = u64::from_str_radix(m["end"].as_str().unwrap(), 16).unwrap();
            s < start + size as u64 && e > start
        })
        .map(|m| m[field].as_i64().unwrap_or(0))
        .sum()
}

const NOISE: i64 = 512 * KIB;
/// Runtime noise plus code pages of the memlens binary touched on one path and not another.
/// A code fault maps up to 16 neighbouring pages that are in the page cache (fault-around),
/// so how many come along depends on what other memlens processes have read of the binary:
/// 0.3 to 1.5 MiB with the debug binary, as it grew. The anon figures, which hold the
/// experiment's blocks, keep the tight NOISE.
const CODE_NOISE: i64 = 2 * MIB;

#[test]
fn leak_grows_rss_uss_anon_by_what_it_allocated() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let base = Lab::start(&["leak", "--count", "0"]);
    let leak = Lab::start(&["leak", "--count", "4", "--size", "16M"]);
    let (b, l) = (row(base.pid()), row(leak.pid()));
    for k in ["anon", "vsz"] {
        close(k, int(&l, k) - int(&b, k), 64 * MIB, NOISE);
    }
    // RSS, PSS and USS also count the memlens binary's code pages, which differ a little
    // with the code path the experiment took (USS: the code pages no other process maps,
    // and which those are depends on what other memlens processes have touched).
    for k in ["rss", "pss", "uss"] {
        close(k, int(&l, k) - int(&b, k), 64 * MIB, CODE_NOISE);
    }
    // The blocks themselves: 64 MiB resident. Adjacent blocks may be merged into one
    // mapping by the kernel, so count each overlapping mapping once.
    let regions: Vec<(u64, u64)> = (0..4)
        .map(|i| {
            let (s, n) = leak.region(i);
            (s, s + n as u64)
        })
        .collect();
    let j = memlens(&["maps", "--json", &leak.pid().to_string()]).json();
    let resident: i64 = j["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            let s = u64::from_str_radix(m["start"].as_str().unwrap(), 16).unwrap();
            let e = u64::from_str_radix(m["end"].as_str().unwrap(), 16).unwrap();
            regions.iter().any(|(rs, re)| s < *re && e > *rs)
        })
        .map(|m| int(m, "rss"))
        .sum();
    close("resident blocks", resident, 64 * MIB, NOISE);
}

#[test]
fn noleak_stays_flat_and_reserve_grows_only_vsz() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let base = Lab::start(&["leak", "--count", "0"]);
    let noleak = Lab::start(&["noleak", "--count", "4", "--size", "16M"]);
    let reserve = Lab::start(&["reserve", "--count", "4", "--size", "16M"]);
    let (b, n, r) = (row(base.pid()), row(noleak.pid()), row(reserve.pid()));
    close("noleak rss", int(&n, "rss"), int(&b, "rss"), CODE_NOISE);
    close("noleak anon", int(&n, "anon"), int(&b, "anon"), NOISE);
    close("noleak vsz", int(&n, "vsz"), int(&b, "vsz"), NOISE);
    assert_eq!(noleak.report["figures"]["allocated_and_freed"], 64 << 20);
    close(
        "reserve vsz",
        int(&r, "vsz") - int(&b, "vsz"),
        64 * MIB,
        NOISE,
    );
    close("reserve rss", int(&r, "rss"), int(&b, "rss"), CODE_NOISE);
    let (s, size) = reserve.region(0);
    assert_eq!(
        in_region(reserve.pid(), s, size, "rss"),
        0,
        "never touched: nothing resident"
    );
}

#[test]
fn cow_splits_pss_and_children_own_what_they_wrote() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for (write, written) in [("0", 0), ("0.25", 8 * MIB)] {
        let lab = Lab::start(&["cow", "--children", "3", "--size", "32M", "--write", write]);
        let (start, size) = lab.region(0);
        let shared = (size - written) / 4;
        for pid in std::iter::once(lab.pid()).chain(lab.children()) {
            let pss = in_region(pid, start, size, "pss");
            close(
                &format!("cow write={write} pid {pid} pss"),
                pss,
                written + shared,
                64 * KIB,
            );
            let uss = in_region(pid, start, size, "private_clean")
                + in_region(pid, start, size, "private_dirty");
            close(
                &format!("cow write={write} pid {pid} uss"),
                uss,
                written,
                64 * KIB,
            );
            close("rss", in_region(pid, start, size, "rss"), size, 64 * KIB);
        }
    }
}

#[test]
fn shared_pss_is_size_over_k_for_each_kind() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for kind in ["anon", "shm", "file"] {
        let lab = Lab::start(&["shared", "--procs", "4", "--size", "32M", "--kind", kind]);
        let (start, size) = lab.region(0);
        let pids: Vec<u32> = std::iter::once(lab.pid()).chain(lab.children()).collect();
        assert_eq!(pids.len(), 4);
        for pid in pids {
            close(
                &format!("{kind} pss of {pid}"),
                in_region(pid, start, size, "pss"),
                8 * MIB,
                64 * KIB,
            );
            close(
                &format!("{kind} rss of {pid}"),
                in_region(pid, start, size, "rss"),
                32 * MIB,
                64 * KIB,
            );
            let kinds = memlens(&["maps", "--json", &pid.to_string()]).json();
            let m = kinds["mappings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| u64::from_str_radix(m["start"].as_str().unwrap(), 16).unwrap() == start)
                .unwrap()
                .clone();
            let expect = if kind == "file" { "file" } else { "shmem" };
            assert_eq!(m["kind"], expect, "{m}");
        }
    }
}

#[test]
fn tmpfs_raises_shmem_not_rss() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let before = int(&memlens(&["sys", "--json"]).json(), "shared");
    let lab = Lab::start(&["tmpfs", "--size", "64M"]);
    let after = int(&memlens(&["sys", "--json"]).json(), "shared");
    close("Shmem growth", after - before, 64 * MIB, 2 * MIB);
    assert!(
        int(&row(lab.pid()), "rss") < 32 * MIB,
        "the file is not in the process's RSS"
    );
    let path = lab.report["figures"]["path"].as_str().unwrap().to_string();
    drop(lab);
    assert!(!std::path::Path::new(&path).exists(), "removed on exit");
    let released = int(&memlens(&["sys", "--json"]).json(), "shared");
    close("Shmem after release", released, before, 2 * MIB);
}

#[test]
fn ps_by_command_sums_a_group_of_lab_processes() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let labs: Vec<Lab> = (0..3)
        .map(|_| Lab::start(&["leak", "--count", "2", "--size", "8M"]))
        .collect();
    let pids: Vec<String> = labs.iter().map(|l| l.pid().to_string()).collect();
    let rows = memlens(&["ps", "--json", "--pid", &pids.join(",")]).json();
    let rss: i64 = rows["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| int(r, "rss"))
        .sum();
    let pss: i64 = rows["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| int(r, "pss"))
        .sum();
    let g = memlens(&["ps", "--json", "--pid", &pids.join(","), "--by", "command"]).json();
    let g = &g["groups"][0];
    assert_eq!(g["key"], "memlens");
    assert_eq!(int(g, "processes"), 3);
    close("group rss", int(g, "rss"), rss, 64 * KIB);
    // The two memlens runs map different code pages of the binary the labs share, which
    // moves the labs' PSS of those pages a little.
    close("group pss", int(g, "pss"), pss, 256 * KIB);
    assert!(int(g, "uss") >= 3 * 16 * MIB);
}

#[test]
fn maps_shows_the_block_as_one_mapping() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Lab::start(&["leak", "--count", "1", "--size", "32M"]);
    let (start, size) = lab.region(0);
    let j = memlens(&["maps", "--json", &lab.pid().to_string()]).json();
    let m: Vec<&Value> = j["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| u64::from_str_radix(m["start"].as_str().unwrap(), 16).unwrap() == start)
        .collect();
    assert_eq!(m.len(), 1);
    assert_eq!(int(m[0], "size"), size);
    assert_eq!(int(m[0], "rss"), 32 * MIB, "every page touched");
    assert_eq!(int(m[0], "private_dirty"), 32 * MIB);
    assert_eq!(m[0]["kind"], "anon");
}

#[test]
fn thp_overcommit_and_pagecache_report_what_the_kernel_did() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Lab::start(&["thp", "--size", "16M"]);
    let (start, size) = lab.region(0);
    let reported = int(&lab.report["figures"], "anon_huge_pages");
    assert_eq!(
        in_region(lab.pid(), start, size, "anon_huge_pages"),
        reported
    );
    if lab.report["figures"]["thp_enabled"] != "never" {
        assert!(
            reported > 0,
            "THP allowed, the madvised region got huge pages"
        );
    }
    drop(lab);
    // Twice RAM + swap: refused under the default heuristic and under strict accounting.
    let mode = sh("cat /proc/sys/vm/overcommit_memory").trim().to_string();
    let lab = Lab::start(&["overcommit"]);
    if mode != "1" {
        assert_eq!(lab.report["figures"]["refused"], true);
    }
    drop(lab);
    // Cached is the whole machine's: a file dropped from the cache meanwhile by anyone
    // moves it, so the comparison gets three tries, as the other live comparisons of
    // system memory do.
    agree_within_tries(3, || {
        let lab = Lab::start(&["pagecache", "--size", "32M", "--drop"]);
        let f = &lab.report["figures"];
        let growth = int(f, "cached_after") - int(f, "cached_before");
        near("Cached growth", growth, 32 * MIB, 4 * MIB)?;
        let dropped = int(f, "cached_after_drop");
        if dropped >= int(f, "cached_after") - 24 * MIB {
            return Err(format!(
                "Cached after the drop: {dropped}, before it {}",
                int(f, "cached_after")
            ));
        }
        Ok(())
    });
}

#[test]
fn lab_refuses_what_does_not_fit() {
    // Serial too: its short-lived lab processes share the memlens binary's pages with the
    // other tests' experiments and would move their PSS.
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let r = memlens(&["lab", "leak", "--count", "1", "--size", "64T"]);
    assert_eq!(r.code, EXIT_REFUSED);
    assert!(r.stderr.contains("refusing"), "{}", r.stderr);
    let r = memlens(&["lab", "leak", "--size", "12Q"]);
    assert_eq!(r.code, EXIT_USAGE);
    let r = memlens(&[
        "lab", "cow", "--write", "1.5", "--size", "1M", "--hold", "0",
    ]);
    assert_eq!(r.code, EXIT_USAGE);
}

#[test]
fn wss_finds_the_working_set_inside_the_resident_set() {
    let _s = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Lab::start(&[
        "wss",
        "--size",
        "64M",
        "--fraction",
        "0.25",
        "--every",
        "50ms",
    ]);
    let idle = Lab::start(&["leak", "--count", "1", "--size", "32M"]);
    for (pid, want) in [(lab.pid(), 16 * MIB), (idle.pid(), 0)] {
        let j = memlens(&["wss", &pid.to_string(), "--interval", "1s", "--json"]).json();
        let anon = j["by_kind"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "anon")
            .unwrap()
            .clone();
        close(
            &format!("referenced anon of {pid}"),
            int(&anon, "referenced"),
            want,
            MIB,
        );
        assert!(int(&anon, "rss") >= 32 * MIB);
        assert!(int(&j["total"], "referenced") <= int(&j["total"], "rss"));
    }
    let r = memlens(&["wss", "4194304999", "--interval", "10ms"]);
    assert_eq!(r.code, EXIT_READ);
    assert!(r.stderr.contains("no process"));
    // A capture cannot be watched: wss writes clear_refs on a live process.
    let r = memlens(&[
        "--root",
        fixtures().join("vm-6.18-hybrid").to_str().unwrap(),
        "wss",
        "1",
    ]);
    assert_eq!(r.code, EXIT_REFUSED);
}
