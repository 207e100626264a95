//! The history store through the CLI: `record` (of captures, and live), every view at a
//! past moment (`--at`) printing what it printed then, `history` series and top growers,
//! crash safety under `kill -9`, a full disk, and bad input.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

struct Db(PathBuf);

impl Db {
    fn new(tag: &str) -> Db {
        let p = std::env::temp_dir().join(format!("memlens-history-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        Db(p)
    }
    fn s(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> (i32, String, String) {
    let r = memlens_env(args, &[("COLUMNS", "100"), ("TZ", "UTC")]);
    (r.code, r.stdout, r.stderr)
}

/// A copy of a fixture tree that says it was captured at `at` (seconds since the epoch).
fn captured_at(name: &str, at: u64, tag: &str) -> TempTree {
    let t = TempTree::copy_of(name, &format!("hist-{tag}-{name}"));
    let f = t.0.join("memlens-capture.txt");
    let text = std::fs::read_to_string(&f).unwrap_or_default();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with("captured_at="))
        .map(String::from)
        .collect();
    lines.push(format!("captured_at={at}"));
    std::fs::write(&f, lines.join("\n") + "\n").unwrap();
    t
}

const T0: u64 = 1_795_305_869;

fn rfc3339(secs: u64) -> String {
    memlens_model::time::rfc3339_utc(secs)
}

#[test]
fn every_view_at_a_recorded_moment_is_the_view_of_that_capture() {
    let db = Db::new("views");
    let trees = [
        captured_at("vm-6.18-hybrid", T0, "views"),
        captured_at("v2-unified", T0 + 100, "views"),
        captured_at("old-3.10-trimmed", T0 + 200, "views"),
    ];
    let mut args = vec!["record", "--db", db.s()];
    let paths: Vec<String> = trees.iter().map(|t| t.0.display().to_string()).collect();
    for p in &paths {
        args.extend(["--root", p.as_str()]);
    }
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("added 3 captures"), "{err}");
    let mut compared = 0;
    for (i, tree) in paths.iter().enumerate() {
        // Exactly at the sample, and 50 s after it (the nearest at or before).
        for late in [0, 50] {
            let at = rfc3339(T0 + 100 * i as u64 + late);
            for view in SNAPSHOT_VIEWS {
                for fmt in [&[][..], &["--json"], &["--csv"]] {
                    let mut a: Vec<&str> = vec!["--root", tree];
                    a.extend_from_slice(view);
                    a.extend_from_slice(fmt);
                    let mut b: Vec<&str> = vec!["--at", &at, "--db", db.s()];
                    b.extend_from_slice(view);
                    b.extend_from_slice(fmt);
                    let (ca, oa, ea) = run(&a);
                    let (cb, ob, eb) = run(&b);
                    assert_eq!((ca, &oa), (cb, &ob), "sample {i} {view:?} {fmt:?}: {eb}");
                    // stderr: the tree's warnings, after the line saying which sample.
                    let said = eb.lines().next().unwrap_or("");
                    assert!(said.contains(&format!("--at {at}: the sample of")), "{eb}");
                    assert_eq!(late > 0, said.contains("50 s before"), "{said}");
                    let rest: Vec<&str> = eb.lines().skip(1).collect();
                    let want: Vec<&str> = ea.lines().collect();
                    // The sample before is of another boot (another fixture): said once.
                    let rest: Vec<&str> = rest
                        .into_iter()
                        .filter(|l| !l.contains("another boot"))
                        .collect();
                    assert_eq!(rest, want, "sample {i} {view:?} {fmt:?}");
                    compared += 1;
                }
            }
        }
    }
    assert_eq!(compared, 3 * 2 * SNAPSHOT_VIEWS.len() * 3);
    // Before the first sample: one line, exit 1.
    let (code, _, err) = run(&["sys", "--at", &rfc3339(T0 - 1), "--db", db.s()]);
    assert_eq!(code, EXIT_READ, "{err}");
    assert!(err.contains("before the first sample"), "{err}");
    // history: the system series, one row per sample, in bytes as the JSON has them.
    let (code, out, err) = run(&["history", "--db", db.s(), "--json", "--metric", "total"]);
    assert_eq!(code, 0, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = j.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1]["t"].as_u64().unwrap(), (T0 + 100) * 1_000_000_000);
    let sys: serde_json::Value =
        serde_json::from_str(&run(&["--root", &paths[0], "sys", "--json"]).1).unwrap();
    assert_eq!(rows[0]["total"], sys["total"]);
    // A process's series, and one of a cgroup.
    let (code, out, _) = run(&[
        "history",
        "--db",
        db.s(),
        "--pid",
        "15507",
        "--csv",
        "--metric",
        "rss",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(out.starts_with("t,pid,rss\n"), "{out}");
}

#[test]
fn history_refuses_bad_input_in_one_line() {
    let db = Db::new("bad");
    let tree = captured_at("vm-6.18-hybrid", T0, "bad");
    let (code, _, err) = run(&["record", "--db", db.s(), "--root", tree.0.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let empty = Db::new("empty");
    std::fs::create_dir_all(&empty.0).unwrap();
    let foreign = Db::new("foreign");
    std::fs::create_dir_all(&foreign.0).unwrap();
    std::fs::write(
        foreign.0.join("seg-1795305869.mlh"),
        b"SQLite format 3\0 and more",
    )
    .unwrap();
    for (args, code, says) in [
        (
            vec!["history", "--db", db.s(), "--metric", "nonsense"],
            EXIT_USAGE,
            "--metric nonsense: not a figure",
        ),
        (
            vec!["history", "--db", db.s(), "--pid", "4242"],
            EXIT_READ,
            "PID 4242 is in no sample",
        ),
        (
            vec!["history", "--db", db.s(), "--since", "yesterday-ish"],
            EXIT_USAGE,
            "not a time",
        ),
        (
            vec!["history", "--db", db.s(), "--since", "-1s"],
            EXIT_READ,
            "no sample between",
        ),
        (vec!["history", "--db", empty.s()], EXIT_READ, "no samples"),
        (
            vec!["history", "--db", foreign.s()],
            EXIT_READ,
            "not a memlens history store",
        ),
        (
            vec!["sys", "--at", "25:61", "--db", db.s()],
            EXIT_USAGE,
            "not a time",
        ),
        (
            vec!["sys", "--db", db.s()],
            EXIT_USAGE,
            "--db goes with --at",
        ),
        (
            vec!["maps", "1", "--at", "now", "--db", db.s()],
            EXIT_USAGE,
            "does not apply",
        ),
        (
            vec![
                "sys",
                "--at",
                "now",
                "--root",
                "tests/fixtures/v2-unified",
                "--db",
                db.s(),
            ],
            EXIT_USAGE,
            "exclude each other",
        ),
    ] {
        let (c, _, err) = run(&args);
        assert_eq!(c, code, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

/// Samples in a store, by `history` (one row per sample of the system summary).
fn samples(db: &Path) -> usize {
    let (code, out, err) = run(&[
        "history",
        "--db",
        db.to_str().unwrap(),
        "--csv",
        "--metric",
        "total",
    ]);
    // Before the first sample the store (or its directory) is not there yet.
    if code == EXIT_READ && (err.contains("no samples") || err.contains("No such file")) {
        return 0;
    }
    assert_eq!(code, 0, "{err}");
    out.lines().count() - 1
}

/// Waits until the store holds more than `n` samples (a debug build on a busy machine can
/// take a second for one); the count reached.
fn more_than(db: &Path, n: usize) -> usize {
    let t0 = std::time::Instant::now();
    loop {
        let k = samples(db);
        if k > n || t0.elapsed() > Duration::from_secs(30) {
            return k;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process killed when dropped (a failing assertion must not leave a recorder
/// running).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        // SAFETY: killing our own child.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGKILL) };
        let _ = self.0.wait();
    }
}

#[test]
fn kill_9_at_any_moment_loses_at_most_the_sample_being_written() {
    let db = Db::new("kill");
    let mut seen = 0;
    // A cheap pseudo-random sequence of moments.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..12 {
        let child = Killed(
            Command::new(bin())
                .args(["record", "--db", db.s(), "--interval", "0.05"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::thread::sleep(Duration::from_millis(300 + x % 700));
        drop(child);
        // Every sample the store had is still there, and it opens cleanly.
        let n = samples(&db.0);
        assert!(n >= seen, "round {round}: {n} samples after {seen}");
        seen = n;
    }
    assert!(seen >= 1, "{seen} samples over 12 rounds");
    // The last sample reads back whole: a view at it works.
    let (code, _, err) = run(&["ps", "--at", "now", "--db", db.s()]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_full_disk_stops_writing_with_one_message_and_recording_resumes() {
    if !is_root() {
        eprintln!("not root: no tmpfs to fill");
        return;
    }
    let tmpfs = Tmpfs::mount("full", "2m");
    let mnt = &tmpfs.0;
    let db = mnt.join("db");
    let filler = mnt.join("filler");
    let mut child = Command::new(bin())
        .args(["record", "--db", db.to_str().unwrap(), "--interval", "0.1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let first = more_than(&db, 1);
    if first <= 1 {
        let _ = child.kill();
    }
    assert!(first > 1, "recording started");
    // Fill the disk, wait, then free it.
    let _ = Command::new("dd")
        .args([
            "if=/dev/zero",
            &format!("of={}", filler.display()),
            "bs=64k",
        ])
        .stderr(Stdio::null())
        .status();
    std::thread::sleep(Duration::from_millis(1500));
    // The store reads while the disk is full. (A small frame may still fit in the last
    // page the segment already has, so a sample can land now and then.)
    let during = samples(&db);
    std::thread::sleep(Duration::from_millis(1000));
    let during = samples(&db).max(during);
    std::fs::remove_file(&filler).unwrap();
    let after = more_than(&db, during);
    // SAFETY: signalling our own child; SIGTERM ends record with its summary.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    drop(tmpfs);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // Said once per episode of a full disk, each ended by "recording again".
    let said: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("no room to write") || l.contains("recording again"))
        .collect();
    assert!(!said.is_empty(), "{err}");
    for pair in said.chunks(2) {
        assert!(pair[0].contains("no room to write"), "{err}");
        assert!(
            pair.get(1).is_some_and(|l| l.contains("recording again")),
            "{err}"
        );
    }
    assert!(after > during, "recording resumed: {during} then {after}");
}

#[test]
fn the_systemd_unit_is_valid() {
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/memlens-record.service"),
    )
    .unwrap();
    assert!(unit.contains("NoNewPrivileges=yes") && unit.contains("ProtectSystem=strict"));
    assert!(unit.contains("ReadWritePaths=/var/lib/memlens"));
    let Some(complaints) = systemd_complaints("memlens-record.service") else {
        eprintln!("no systemd-analyze here");
        return;
    };
    assert!(complaints.is_empty(), "{complaints:?}");
}

#[test]
fn a_live_recording_follows_a_growing_process_and_ends_where_ps_does() {
    // 4 MiB every 200 ms for 3.2 s, recorded every 200 ms for 4.5 s, reading each
    // process whole once a second: the growth is seen through `stat` (held open between
    // samples), and after it stops the kept figures are still the process's own.
    struct Reaped(std::process::Child);
    impl Drop for Reaped {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let lab = Reaped(
        Command::new(bin())
            .args([
                "lab",
                "leak",
                "--count",
                "16",
                "--size",
                "4M",
                "--interval",
                "200ms",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let pid = lab.0.id().to_string();
    let db = Db::new("live");
    let (code, _, err) = run(&[
        "record",
        "--db",
        db.s(),
        "--interval",
        "0.2s",
        "--refresh",
        "1s",
        "--for",
        "4.5s",
    ]);
    assert_eq!(code, 0, "{err}");
    // The process's RSS series, with `extra` arguments: (time, RSS) points, and stderr.
    let series = |extra: &[&str]| {
        let mut args = vec![
            "history",
            "--db",
            db.s(),
            "--pid",
            &pid,
            "--metric",
            "rss",
            "--json",
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let points: Vec<(u64, i64)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["t"].as_u64().unwrap(), s["rss"].as_i64().unwrap()))
            .collect();
        (points, err)
    };
    let (points, _) = series(&[]);
    let rss: Vec<i64> = points.iter().map(|p| p.1).collect();
    assert!(rss.len() >= 8, "{rss:?}");
    assert!(
        rss.windows(2).all(|w| w[1] >= w[0]),
        "RSS only grows: {rss:?}"
    );
    let mut steps = rss.clone();
    steps.dedup();
    assert!(steps.len() >= 5, "the growth seen step by step: {rss:?}");
    assert!(rss[rss.len() - 1] - rss[0] >= 32 * MIB, "{rss:?}");
    // Thinned to 4 samples: the first, the last and two between, each as it was, and
    // said once on stderr.
    let (all, quiet) = series(&["--samples", "0"]);
    assert_eq!(all.len(), rss.len());
    assert_eq!(quiet, "");
    let (four, said) = series(&["--samples", "4"]);
    assert_eq!(four.len(), 4, "{four:?}");
    assert_eq!((four[0], four[3]), (all[0], all[all.len() - 1]));
    assert!(four.iter().all(|p| all.contains(p)), "{four:?} in {all:?}");
    assert_eq!(
        said.trim(),
        format!(
            "memlens: reading 4 of the {} samples in the range, spread evenly over it (--samples; 0 reads every one)",
            all.len()
        )
    );
    let row = |extra: &[&str]| {
        let mut args = vec!["ps", "--json", "--pid", &pid];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["processes"][0].clone()
    };
    let (then, now) = (row(&["--at", "now", "--db", db.s()]), row(&[]));
    for k in ["rss", "anon", "vsz", "swap"] {
        assert_eq!(then[k], now[k], "{k}: recorded {then} now {now}");
    }
    // PSS and USS move with the other memlens processes sharing the binary's code pages
    // (other tests run some): each holds all of the private anonymous memory and at most
    // the resident memory.
    for k in ["pss", "uss"] {
        for row in [&then, &now] {
            assert!(
                int(row, "anon") <= int(row, k) && int(row, k) <= int(row, "rss"),
                "{k}: {row}"
            );
        }
    }
    // At a recorded moment while it grew, `ps --at` gives its fault rate since the sample
    // before: the recorded fault counts' difference over the time between them.
    let (code, out, err) = run(&[
        "history",
        "--db",
        db.s(),
        "--pid",
        &pid,
        "--metric",
        "minflt",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let faults: Vec<(u64, f64)> = serde_json::from_str::<serde_json::Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["t"].as_u64().unwrap(), s["minflt"].as_f64().unwrap()))
        .collect();
    let i = faults.len() / 3;
    let ((t0, f0), (t1, f1)) = (faults[i - 1], faults[i]);
    assert!(f1 > f0, "it faulted while growing: {faults:?}");
    let at = jiff::Timestamp::from_nanosecond(t1 as i128)
        .unwrap()
        .to_string();
    let r = row(&["--at", &at, "--db", db.s()]);
    let rate = r["minflt_rate"].as_f64().unwrap();
    let want = (f1 - f0) / ((t1 - t0) as f64 / 1e9);
    assert!(
        (rate - want).abs() <= want * 0.05,
        "{rate}/s, recorded {want}/s: {r}"
    );
}
