//! `memlens cache`: page cache by file, checked against util-linux `fincore` and the lab's
//! known file.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const MIB: u64 = 1 << 20;

/// A directory on a disk file system (not tmpfs), removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let d = PathBuf::from(format!(
            "/var/tmp/memlens-cache-{tag}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn s(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn fincore_bytes(path: &str) -> Option<u64> {
    if !have("fincore") {
        return None;
    }
    let out = sh(&format!(
        "fincore --bytes --noheadings --output RES '{path}'"
    ));
    Some(out.trim().parse().unwrap())
}

fn file<'a>(j: &'a Value, path: &str) -> Option<&'a Value> {
    j["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
}

#[test]
fn a_lab_file_read_back_is_cached_whole_as_fincore_says() {
    let dir = Dir::new("lab");
    let lab = Lab::start(&["pagecache", "--size", "48M", "--dir", dir.s()]);
    let path = lab.report["figures"]["path"].as_str().unwrap().to_string();
    let r = memlens(&["cache", &path, "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    let f = file(&j, &path).unwrap_or_else(|| panic!("{j}"));
    assert_eq!(f["size"], 48 * MIB);
    assert_eq!(f["cached"], 48 * MIB, "read back whole just now: {f}");
    assert_eq!(f["cached_ratio"], 1.0);
    assert_eq!(f["holders"], 0, "given by path");
    assert_eq!(
        (j["examined_files"].as_u64(), j["cached"].as_u64()),
        (Some(1), Some(48 * MIB))
    );
    if let Some(res) = fincore_bytes(&path) {
        assert_eq!(f["cached"], res, "fincore says {res}");
    }
    // cachestat counts dirty, writeback and evicted pages; mincore cannot (null).
    let counted = j["method"] == "cachestat";
    for k in ["dirty", "writeback", "recently_evicted"] {
        assert_eq!(f[k].is_u64(), counted, "{k}: {f}");
    }
    // By default: the files processes hold, the lab's among them (it keeps it open).
    let all = memlens(&["cache", "--top", "0", "--json"]).json();
    let f = file(&all, &path).unwrap_or_else(|| panic!("the lab's file among {all}"));
    assert_eq!(f["holders"], 1, "{f}");
    assert_eq!(f["cached"], 48 * MIB);
    assert!(all["examined_files"].as_u64().unwrap() >= 2, "{all}");
    // The table: the file's row, and the total line.
    let t = memlens(&["cache", &path]);
    assert!(
        t.stdout.lines().next().unwrap().contains("CACHED%"),
        "{}",
        t.stdout
    );
    assert!(
        t.stdout.contains("48Mi") && t.stdout.contains("100.0%"),
        "{}",
        t.stdout
    );
    assert!(t.stdout.contains("in 1 file examined"), "{}", t.stdout);
    // Every key of a file's row is a catalogued figure of the cache scope, and each
    // figure is printed.
    let keys: std::collections::BTreeSet<String> = f.as_object().unwrap().keys().cloned().collect();
    let catalogued: std::collections::BTreeSet<String> =
        memlens_catalogue::of(memlens_catalogue::Scope::Cache)
            .map(|f| f.key.to_string())
            .collect();
    assert_eq!(keys, catalogued);
    // CSV, one row.
    let c = memlens(&["cache", &path, "--csv"]);
    assert_eq!(c.stdout.lines().count(), 2, "{}", c.stdout);
    assert!(c.stdout.contains(&format!("{}", 48 * MIB)), "{}", c.stdout);
}

#[test]
fn a_dropped_file_holds_almost_nothing() {
    let dir = Dir::new("drop");
    let lab = Lab::start(&["pagecache", "--size", "32M", "--drop", "--dir", dir.s()]);
    let path = lab.report["figures"]["path"].as_str().unwrap().to_string();
    let j = memlens(&["cache", &path, "--json"]).json();
    let cached = file(&j, &path).map_or(0, |f| f["cached"].as_u64().unwrap());
    assert!(cached < MIB, "posix_fadvise(DONTNEED) dropped it: {cached}");
    if let Some(res) = fincore_bytes(&path) {
        assert_eq!(cached, res);
    }
}

#[test]
fn a_directory_is_walked_and_the_limits_are_said() {
    let dir = Dir::new("walk");
    for (name, kib) in [("a", 64usize), ("b", 128), ("c", 256)] {
        fs::write(dir.0.join(name), vec![1u8; kib << 10]).unwrap();
    }
    fs::create_dir(dir.0.join("sub")).unwrap();
    fs::write(dir.0.join("sub/d"), vec![2u8; 8 << 10]).unwrap();
    sh(&format!("mkfifo '{}'", dir.0.join("fifo").display()));
    sh(&format!(
        "sync '{}' && cat {}/a {}/b {}/c {}/sub/d > /dev/null",
        dir.s(),
        dir.s(),
        dir.s(),
        dir.s(),
        dir.s()
    ));
    let r = memlens(&["cache", dir.s(), "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    assert_eq!(j["examined_files"], 4, "{j}");
    assert_eq!(j["skipped"]["not_regular"], 1, "the FIFO: {j}");
    assert!(
        r.stderr.contains("1 not regular file"),
        "said once: {}",
        r.stderr
    );
    let order: Vec<&str> = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let want: Vec<String> = ["c", "b", "a", "sub/d"]
        .iter()
        .map(|n| format!("{}/{n}", dir.s()))
        .collect();
    assert_eq!(order, want, "largest first");
    for (n, kib) in [("a", 64), ("b", 128), ("c", 256), ("sub/d", 8)] {
        let f = file(&j, &format!("{}/{n}", dir.s())).unwrap();
        assert_eq!(f["cached"], kib << 10, "{f}");
    }
    // One file at most: the others are counted as left, and said.
    let r = memlens(&["cache", dir.s(), "--max-files", "1", "--json"]);
    let j = r.json();
    assert_eq!(
        (j["examined_files"].as_u64(), j["stopped_early"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(j["skipped"]["over_limit"], 3, "{j}");
    assert!(r.stderr.contains("limit"), "{}", r.stderr);
}

#[test]
fn bad_input_is_one_line_and_an_exit_status() {
    let r = memlens(&["cache", "/no/such/file"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("/no/such/file"), "{}", r.stderr);
    let fx = fixtures().join("vm-6.18-hybrid");
    let r = memlens(&["--root", fx.to_str().unwrap(), "cache"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let r = memlens(&["cache", "--at", "now"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(Path::new("/proc/self/maps").exists());
}

#[test]
fn another_users_file_is_measured_by_cachestat_or_counted_as_denied_never_a_false_zero() {
    if !is_root() {
        eprintln!("not root: cannot run as another user");
        return;
    }
    // Root's, readable by all, writable by none but root: read it so that it is cached.
    let _ = fs::read("/etc/passwd").unwrap();
    let r = as_user(&["cache", "/etc/passwd", "--json"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    match file(&j, "/etc/passwd") {
        // cachestat answered: the file is cached, with its dirty count.
        Some(f) => {
            assert_eq!(j["method"], "cachestat", "{j}");
            assert!(f["cached"].as_u64().unwrap() > 0, "{f}");
            assert!(f["dirty"].is_u64(), "{f}");
        }
        // Refused (a kernel that keeps others' page cache private, or mincore): said.
        None => {
            assert_eq!(j["skipped"]["denied"], 1, "{j}");
            assert!(r.stderr.contains("1 permission denied"), "{}", r.stderr);
        }
    }
}
