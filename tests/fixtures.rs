//! Tests on captured trees (`tests/fixtures/`): every figure memlens prints is checked
//! against the raw kernel text in the capture, read independently here, and against the
//! `procfs` crate as an oracle for the files both read.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use procfs::FromRead;

const TREES: [&str; 3] = ["vm-6.18-hybrid", "v2-unified", "old-3.10-trimmed"];

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

/// PIDs of user processes in a tree (status with VmSize) and of kernel threads.
fn pids(name: &str) -> (Vec<i64>, Vec<i64>) {
    let mut user = Vec::new();
    let mut kernel = Vec::new();
    for e in fs::read_dir(tree(name).join("proc")).unwrap() {
        let e = e.unwrap();
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i64>() else {
            continue;
        };
        let st = read(&e.path().join("status"));
        if kb_field(&st, "VmSize").is_some() {
            user.push(pid);
        } else {
            kernel.push(pid);
        }
    }
    (user, kernel)
}

/// Sum of a smaps key over all mappings (exact key match).
fn smaps_sum(text: &str, key: &str) -> i64 {
    text.lines()
        .filter_map(|l| l.split_once(':').filter(|(k, _)| *k == key))
        .map(|(_, v)| {
            v.trim()
                .trim_end_matches(" kB")
                .trim()
                .parse::<i64>()
                .unwrap()
                * 1024
        })
        .sum()
}

#[test]
fn sys_matches_meminfo_of_every_tree() {
    for name in TREES {
        let mi = read(&tree(name).join("proc/meminfo"));
        let j = at(name, &["sys", "--json"]).json();
        let total = kb_field(&mi, "MemTotal").unwrap();
        let free = kb_field(&mi, "MemFree").unwrap();
        assert_eq!(int(&j, "total"), total, "{name}");
        assert_eq!(int(&j, "free"), free, "{name}");
        match kb_field(&mi, "MemAvailable") {
            Some(a) => {
                assert_eq!(int(&j, "available"), a);
                assert_eq!(int(&j, "used"), total - a);
                assert_eq!(j["available_estimated"], false);
            }
            None => {
                // procps's estimate: free above the low watermark (min_free_kbytes x 5/4),
                // plus the file LRU and reclaimable slab less min(half, watermark) each.
                let k = |f: &str| kb_field(&mi, f).unwrap() / 1024;
                let min_free: i64 = read(&tree(name).join("proc/sys/vm/min_free_kbytes"))
                    .trim()
                    .parse()
                    .unwrap();
                let low = min_free * 5 / 4;
                let file = k("Active(file)") + k("Inactive(file)");
                let slab = k("SReclaimable");
                let est =
                    k("MemFree") - low + file - (file / 2).min(low) + slab - (slab / 2).min(low);
                assert_eq!(
                    int(&j, "available"),
                    est.max(0) * 1024,
                    "{name}: procps's estimate"
                );
                assert_eq!(int(&j, "used"), total - est.max(0) * 1024);
                assert_eq!(j["available_estimated"], true);
            }
        }
        let cached = kb_field(&mi, "Cached").unwrap();
        let sr = kb_field(&mi, "SReclaimable").unwrap();
        let buffers = kb_field(&mi, "Buffers").unwrap();
        assert_eq!(int(&j, "buff_cache"), buffers + cached + sr);
        assert_eq!(int(&j, "used_legacy"), total - free - buffers - cached - sr);
        let id = &j["cache_identity"];
        assert_eq!(
            int(id, "difference"),
            buffers + cached
                - kb_field(&mi, "Active(file)").unwrap()
                - kb_field(&mi, "Inactive(file)").unwrap()
                - kb_field(&mi, "Shmem").unwrap()
        );
        // The procfs crate, as an oracle, reads the same numbers.
        let oracle = procfs::Meminfo::from_file(tree(name).join("proc/meminfo")).unwrap();
        assert_eq!(int(&j, "total") as u64, oracle.mem_total);
        assert_eq!(j["committed_as"].as_u64(), Some(oracle.committed_as));
        assert_eq!(j["slab_unreclaimable"].as_u64(), oracle.s_unreclaim);
        assert_eq!(
            j["available_estimated"] == true,
            oracle.mem_available.is_none()
        );
    }
}

#[test]
fn ps_rows_match_each_process_files() {
    for name in TREES {
        let (user, kernel) = pids(name);
        let j = at(name, &["ps", "--json", "--sort", "pid"]).json();
        let rows = j["processes"].as_array().unwrap();
        let listed: Vec<i64> = rows.iter().map(|r| int(r, "pid")).collect();
        let mut expect = user.clone();
        expect.sort();
        assert_eq!(listed, expect, "{name}: every user process, in PID order");
        assert_eq!(int(&j["skipped"], "kernel_threads"), kernel.len() as i64);
        assert_eq!(int(&j["skipped"], "vanished"), 0, "{name}");
        for r in rows {
            let dir = tree(name).join(format!("proc/{}", int(r, "pid")));
            let st = read(&dir.join("status"));
            assert_eq!(r["rss"].as_i64(), kb_field(&st, "VmRSS"));
            assert_eq!(r["vsz"].as_i64(), kb_field(&st, "VmSize"));
            assert_eq!(
                r["anon"].as_i64(),
                kb_field(&st, "RssAnon"),
                "absent on old kernels"
            );
            let rollup = dir.join("smaps_rollup");
            let smaps = dir.join("smaps");
            let text = if rollup.exists() {
                read(&rollup)
            } else if smaps.exists() {
                read(&smaps)
            } else {
                assert!(r["pss"].is_null(), "unreadable in the capture");
                assert_eq!(r["unreadable"][0], "smaps_rollup: permission denied");
                continue;
            };
            assert_eq!(
                int(r, "pss"),
                smaps_sum(&text, "Pss"),
                "Pss, not Pss_Anon/Pss_Dirty"
            );
            assert_eq!(
                int(r, "uss"),
                smaps_sum(&text, "Private_Clean")
                    + smaps_sum(&text, "Private_Dirty")
                    + smaps_sum(&text, "Private_Hugetlb")
            );
            assert_eq!(int(r, "swap"), smaps_sum(&text, "Swap"));
            if text.contains("SwapPss:") {
                assert_eq!(int(r, "swap_pss"), smaps_sum(&text, "SwapPss"));
            } else {
                assert!(r["swap_pss"].is_null(), "absent, not zero");
            }
            if rollup.exists() {
                let oracle = procfs::process::SmapsRollup::from_file(&rollup).unwrap();
                let pss = oracle.memory_map_rollup.0[0].extension.map["Pss"];
                assert_eq!(int(r, "pss") as u64, pss);
            }
        }
    }
}

#[test]
fn old_kernel_sums_smaps_and_leaves_absent_fields_absent() {
    let j = at("old-3.10-trimmed", &["ps", "--json"]).json();
    let py = j["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["comm"] == "python3")
        .unwrap();
    assert!(int(py, "pss") > 32 * MIB, "the fixture's 32 MiB allocation");
    for k in ["anon", "file", "shmem", "swap_pss", "pss_anon"] {
        assert!(py[k].is_null(), "{k} must be absent on this kernel");
    }
    let t = at("old-3.10-trimmed", &["ps"]);
    assert_eq!(t.code, 0);
    assert!(t.stdout.contains("python3"));
}

#[test]
fn grouping_by_cgroup_uses_the_memory_hierarchy() {
    let j = at("v2-unified", &["ps", "--json", "--by", "cgroup"]).json();
    let keys = group_keys(&j);
    assert!(
        keys.contains(&"/user.slice/user-0.slice/session-1.scope"),
        "{keys:?}"
    );
    let j = at("vm-6.18-hybrid", &["ps", "--json", "--by", "cgroup"]).json();
    for g in j["groups"].as_array().unwrap() {
        assert!(
            g["key"].as_str().unwrap().starts_with("/process_api") || g["key"] == "/",
            "v1 memory controller path: {g}"
        );
    }
    // --by user sums exactly the per-process rows.
    let rows = at("vm-6.18-hybrid", &["ps", "--json"]).json();
    let rss: i64 = rows["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| int(r, "rss"))
        .sum();
    let by = at(
        "vm-6.18-hybrid",
        &["ps", "--json", "--by", "user", "--totals"],
    )
    .json();
    assert_eq!(int(&by["totals"], "rss"), rss);
}

#[test]
fn maps_of_a_captured_process() {
    let (user, _) = pids("vm-6.18-hybrid");
    for pid in user {
        let dir = tree("vm-6.18-hybrid").join(format!("proc/{pid}"));
        if !dir.join("smaps").exists() {
            let r = at("vm-6.18-hybrid", &["maps", &pid.to_string()]);
            assert_eq!(r.code, EXIT_REFUSED);
            assert!(r.stderr.contains("permission denied"), "{}", r.stderr);
            continue;
        }
        let j = at("vm-6.18-hybrid", &["maps", "--json", &pid.to_string()]).json();
        let smaps = read(&dir.join("smaps"));
        let headers = smaps
            .lines()
            .filter(|l| {
                l.contains('-') && !l.contains(':')
                    || l.split(' ')
                        .next()
                        .is_some_and(|w| w.contains('-') && !w.contains(':'))
            })
            .count();
        assert_eq!(j["mappings"].as_array().unwrap().len(), headers);
        assert_eq!(
            int(&j["totals"]["counters"], "Pss"),
            smaps_sum(&smaps, "Pss")
        );
        // smaps_rollup and smaps were read a few ms apart on a live machine, while other
        // processes sharing libraries came and went.
        let c = &j["rollup_check"];
        close("pss", int(c, "smaps_pss"), int(c, "rollup_pss"), 256 * KIB);
        close("rss", int(c, "smaps_rss"), int(c, "rollup_rss"), 256 * KIB);
        if pid == 15507 {
            // The idle `sleep`: nothing it shares changed between the two reads.
            assert_eq!(c["agrees"], true, "{c}");
        }
    }
}

/// Copies a tree into a temporary directory.
fn scratch(name: &str, tag: &str) -> PathBuf {
    let dst = std::env::temp_dir().join(format!("memlens-garble-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dst);
    sh(&format!("cp -r {} {}", tree(name).display(), dst.display()));
    dst
}

#[test]
fn garbled_files_are_named_with_file_and_line() {
    let (user, _) = pids("vm-6.18-hybrid");
    let pid = user.iter().copied().find(|p| *p != 1).unwrap();
    let cases: Vec<(String, &str, Vec<&str>)> = vec![
        (
            "proc/meminfo".into(),
            "s/^MemFree:.*/MemFree:  12x4 kB/",
            vec!["sys"],
        ),
        (
            format!("proc/{pid}/status"),
            "s/^VmRSS:.*/VmRSS: lots kB/",
            vec!["ps"],
        ),
        (
            format!("proc/{pid}/smaps_rollup"),
            "s/^Pss:.*/Pss 12 kB/",
            vec!["ps"],
        ),
        (
            format!("proc/{pid}/smaps"),
            "3s/.*/Rss:  99999999999999999999999 kB/",
            vec!["maps", &"PID"],
        ),
        (
            format!("proc/{pid}/cgroup"),
            "1s/.*/garbage/",
            vec!["ps", "--by", "cgroup"],
        ),
    ];
    for (i, (file, sed, args)) in cases.iter().enumerate() {
        let dst = scratch("vm-6.18-hybrid", &format!("g{i}"));
        sh(&format!("sed -i '{sed}' {}", dst.join(file).display()));
        let pid_s = pid.to_string();
        let args: Vec<&str> = args
            .iter()
            .map(|a| if *a == "PID" { pid_s.as_str() } else { a })
            .collect();
        let mut all = vec!["--root", dst.to_str().unwrap()];
        all.extend(&args);
        let r = memlens(&all);
        // A system-wide file stops the command; one process's file read by a scan marks
        // that process, with one warning naming file and line, and the listing goes on.
        let per_process = file.starts_with("proc/") && args[0] == "ps";
        assert_eq!(
            r.code,
            if per_process { 0 } else { EXIT_READ },
            "{file}: {}",
            r.stderr
        );
        let naming: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.contains(file.as_str()))
            .collect();
        assert_eq!(naming.len(), 1, "names the file once: {}", r.stderr);
        assert!(
            naming[0].contains(&format!("{file}:")) && !r.stderr.contains("panicked"),
            "names the line: {}",
            r.stderr
        );
        let _ = fs::remove_dir_all(&dst);
    }
    // Truncated: the last line lost its newline and part of its number.
    let dst = scratch("vm-6.18-hybrid", "trunc");
    let mi = dst.join("proc/meminfo");
    let text = read(&mi);
    fs::write(&mi, &text[..text.len() / 2]).unwrap();
    let r = memlens(&["--root", dst.to_str().unwrap(), "sys"]);
    assert_eq!(r.code, EXIT_READ);
    assert!(
        r.stderr.contains("proc/meminfo:") && r.stderr.contains("truncated"),
        "{}",
        r.stderr
    );
    let _ = fs::remove_dir_all(&dst);
}

#[test]
fn capture_round_trips() {
    let dst = std::env::temp_dir().join(format!("memlens-capture-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dst);
    let src = tree("vm-6.18-hybrid");
    let r = memlens(&[
        "--root",
        src.to_str().unwrap(),
        "capture",
        dst.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for args in [vec!["ps", "--json"], vec!["sys", "--json"]] {
        let a = at("vm-6.18-hybrid", &args).json();
        let mut all = vec!["--root", dst.to_str().unwrap()];
        all.extend(args.iter());
        let b = memlens(&all).json();
        assert!(a == b, "a capture of a capture reads the same: {args:?}");
    }
    // Capturing into a non-empty directory is refused.
    let again = memlens(&[
        "--root",
        src.to_str().unwrap(),
        "capture",
        dst.to_str().unwrap(),
    ]);
    assert_eq!(again.code, EXIT_USAGE);
    assert!(again.stderr.contains("not empty"));
    let _ = fs::remove_dir_all(&dst);
}
