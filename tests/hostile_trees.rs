//! Capture trees that are broken, edited or hostile: every read is bounded and every
//! problem is one clear line (or, for one process's file, a mark on that process), never a
//! hang, a walk outside the tree, or data that silently disappears.

mod common;

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A user process of the 6.18 fixture tree (sleep 3000).
const PID: &str = "15507";

fn mkfifo(p: &Path) {
    let _ = fs::remove_file(p);
    sh(&format!("mkfifo '{}'", p.display()));
}

/// Runs memlens under a root with a time bound, so that a hang fails the test instead of
/// stalling the suite.
fn bounded(root: &Path, args: &[&str]) -> Run {
    let mut all = vec!["--root", root.to_str().unwrap()];
    all.extend_from_slice(args);
    let t = Instant::now();
    let mut child = Command::new(bin())
        .args(&all)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if t.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("memlens {all:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_fifo_where_a_system_file_belongs_is_refused_not_waited_on() {
    let cases: &[(&str, &[&[&str]])] = &[
        ("proc/vmstat", &[&[], &["vmstat"], &["oom"], &["doctor"]]),
        ("proc/meminfo", &[&[], &["sys"], &["doctor"]]),
        ("proc/zoneinfo", &[&["zones"], &["doctor"]]),
        ("etc/passwd", &[&[], &["ps"], &["oom"], &["huge"], &["ipc"]]),
        (
            "sys/fs/cgroup/memory/memory.stat",
            &[&["cgroup"], &["oom"], &["doctor"]],
        ),
    ];
    for (file, commands) in cases {
        // User names are a nicety: without them users show as UIDs, with one warning.
        let optional = *file == "etc/passwd";
        let t = TempTree::copy_of("vm-6.18-hybrid", "fifo");
        mkfifo(&t.0.join(file));
        for args in commands.iter() {
            let r = bounded(&t.0, args);
            let want = if optional {
                0
            } else if args.first() == Some(&"doctor") {
                3
            } else {
                EXIT_READ
            };
            assert_eq!(r.code, want, "{file} {args:?}: {}", r.stderr);
            let lines = r.stderr.lines().filter(|l| l.contains(file)).count();
            assert_eq!(lines, 1, "{file} {args:?}: {}", r.stderr);
            assert!(
                r.stderr.contains(file) && r.stderr.contains("not a regular file"),
                "{file} {args:?}: {}",
                r.stderr
            );
        }
    }
}

#[test]
fn a_fifo_in_one_process_marks_that_process() {
    let t = TempTree::copy_of("vm-6.18-hybrid", "fifo-proc");
    mkfifo(&t.0.join(format!("proc/{PID}/smaps_rollup")));
    mkfifo(&t.0.join(format!("proc/{PID}/cmdline")));
    let r = bounded(&t.0, &["ps", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    let p = j["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pid"] == 15507)
        .expect("the process is still listed")
        .clone();
    assert!(p["pss"].is_null(), "{p}");
    assert_eq!(p["command"], "[sleep]", "{p}");
    let why = p["unreadable"].to_string();
    assert!(why.contains("smaps_rollup: not a regular file"), "{why}");
    assert!(j["processes"].as_array().unwrap().len() > 5);
    assert!(r.stderr.contains("unusable files"), "{}", r.stderr);
    // maps reads smaps itself: one line, exit 1.
    mkfifo(&t.0.join(format!("proc/{PID}/smaps")));
    let m = bounded(&t.0, &["maps", PID]);
    assert_eq!(m.code, EXIT_READ, "{}", m.stderr);
    assert!(m.stderr.contains("not a regular file"), "{}", m.stderr);
}

#[test]
fn one_garbled_process_file_marks_that_process_and_the_listing_goes_on() {
    let t = TempTree::copy_of("vm-6.18-hybrid", "garbled-proc");
    t.write(&format!("proc/{PID}/smaps_rollup"), "Rss: lots\n");
    for args in [&["ps"][..], &["oom"], &["huge"], &[]] {
        let r = bounded(&t.0, args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{PID}/smaps_rollup:1:")),
            "{args:?}: the warning names file and line: {}",
            r.stderr
        );
    }
    let j = bounded(&t.0, &["ps", "--json"]).json();
    assert_eq!(j["skipped"]["garbled"], 1);
    // A garbled status leaves nothing to list the process by: it is counted and named.
    t.write(&format!("proc/{PID}/status"), "Name:\tsleep\nUid:\tx\n");
    let r = bounded(&t.0, &["ps", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    assert_eq!(j["skipped"]["unusable"], serde_json::json!([15507]));
    assert!(r.stderr.contains(&format!("{PID}/status")), "{}", r.stderr);
    // A system-wide file still stops the command.
    t.write("proc/meminfo", "MemTotal: many\n");
    assert_eq!(bounded(&t.0, &[]).code, EXIT_READ);
}

#[test]
fn an_oversized_file_is_refused_not_read_whole() {
    let t = TempTree::copy_of("vm-6.18-hybrid", "oversized");
    let mut text = fs::read(t.0.join("proc/meminfo")).unwrap();
    let line = b"Padding:        0 kB\n";
    while text.len() < 17 << 20 {
        text.extend_from_slice(line);
    }
    fs::write(t.0.join("proc/meminfo"), &text).unwrap();
    let r = bounded(&t.0, &["sys"]);
    assert_eq!(r.code, EXIT_READ, "{}", r.stderr);
    assert!(r.stderr.contains("larger than 16 MiB"), "{}", r.stderr);
}

#[test]
fn symbolic_links_out_of_the_tree_are_not_followed() {
    let t = TempTree::copy_of("vm-6.18-hybrid", "symlink");
    let vm = t.0.join("proc/vmstat");
    fs::remove_file(&vm).unwrap();
    std::os::unix::fs::symlink("/proc/vmstat", &vm).unwrap();
    let r = bounded(&t.0, &["vmstat"]);
    assert_eq!(r.code, EXIT_READ, "{}", r.stderr);
    assert!(
        r.stderr.contains("leads out of the capture tree"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_cgroup_path_that_leaves_the_hierarchy_is_refused() {
    for tree in ["vm-6.18-hybrid", "v2-unified"] {
        let root = fixtures().join(tree);
        for path in ["../../../..", "../..", "../cpu", "/user.slice/../..", "."] {
            let t = Instant::now();
            let r = bounded(&root, &["cgroup", path]);
            assert!(t.elapsed() < Duration::from_secs(5));
            assert_eq!(r.code, EXIT_USAGE, "{tree} {path}: {}", r.stderr);
            assert!(
                r.stderr.contains("leaves the memory cgroup hierarchy"),
                "{}",
                r.stderr
            );
        }
    }
    // A directory inside the hierarchy that is not a cgroup.
    let t = TempTree::copy_of("v2-unified", "notcg");
    fs::create_dir_all(t.0.join("sys/fs/cgroup/plain-dir")).unwrap();
    let r = t.run(&["cgroup", "/plain-dir"]);
    assert_eq!(r.code, EXIT_USAGE, "{}", r.stderr);
    assert!(r.stderr.contains("not a memory cgroup"), "{}", r.stderr);
}

#[test]
fn cgroups_with_names_that_are_not_utf8_are_shown_escaped() {
    let t = TempTree::copy_of("v2-unified", "nonutf8");
    let base = t.0.join("sys/fs/cgroup/system.slice");
    let src = base.join("memlens.service");
    // Paths are passed to cp as bytes: `display()` would replace the odd byte.
    let cp = |from: &Path, to: &Path| {
        assert!(Command::new("cp")
            .arg("-a")
            .arg(from)
            .arg(to)
            .status()
            .unwrap()
            .success());
    };
    for raw in [&b"bad\xff.service"[..], b"bad\xfe.service"] {
        cp(&src, &base.join(std::ffi::OsStr::from_bytes(raw)));
    }
    // The child below one of them must not vanish either.
    let deep = base.join(std::ffi::OsStr::from_bytes(b"bad\xff.service"));
    cp(&src, &deep.join("child"));
    let j = t.run(&["cgroup", "--json"]).json();
    let paths: Vec<String> = j["hierarchies"][0]["cgroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap().to_string())
        .collect();
    for want in [
        "/system.slice/bad\\xff.service",
        "/system.slice/bad\\xfe.service",
        "/system.slice/bad\\xff.service/child",
    ] {
        assert!(paths.iter().any(|p| p == want), "{want} in {paths:?}");
    }
    let text = t.run(&["cgroup", "--wide"]).stdout;
    assert!(text.contains("bad\\xfe.service"), "{text}");
    // The escaped path names the cgroup on the command line too.
    let r = t.run(&["cgroup", "/system.slice/bad\\xff.service", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json()["hierarchies"][0]["cgroups"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn commands_with_names_that_are_not_utf8_stay_apart_in_groups() {
    let t = TempTree::copy_of("vm-6.18-hybrid", "nonutf8-comm");
    // Two processes whose names differ only in a byte that is not UTF-8.
    let (a, b) = ("15506", "15507");
    for (pid, byte) in [(a, 0xffu8), (b, 0xfe)] {
        let p = t.0.join(format!("proc/{pid}/status"));
        let text = fs::read(&p).unwrap();
        let end = text.iter().position(|&c| c == b'\n').unwrap();
        let mut out = b"Name:\tx".to_vec();
        out.push(byte);
        out.extend_from_slice(&text[end..]);
        fs::write(&p, out).unwrap();
    }
    let j = t.run(&["ps", "--by", "command", "--json"]).json();
    let keys = group_keys(&j);
    assert!(
        keys.contains(&"x\\xff") && keys.contains(&"x\\xfe"),
        "{keys:?}"
    );
}

#[test]
fn a_capture_that_fails_part_way_leaves_nothing_behind() {
    if !is_root() {
        eprintln!("not root: cannot mount a small tmpfs");
        return;
    }
    let tmpfs = Tmpfs::mount("full", "256k");
    let mnt = &tmpfs.0;
    let dest = mnt.join("cap");
    let r = memlens(&["capture", dest.to_str().unwrap()]);
    let left: Vec<_> = fs::read_dir(mnt)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    drop(tmpfs);
    assert_eq!(r.code, EXIT_READ, "{}", r.stderr);
    assert!(r.stderr.contains("No space left on device"), "{}", r.stderr);
    assert!(left.is_empty(), "the partial tree is removed: {left:?}");
}

#[test]
fn a_tree_missing_process_status_files_is_called_incomplete() {
    let t = TempTree::copy_of("vm-6.18-hybrid", "nostatus");
    let mut removed = 0;
    for e in fs::read_dir(t.0.join("proc")).unwrap() {
        let e = e.unwrap();
        if e.file_name().to_str().unwrap().parse::<u32>().is_ok() {
            let _ = fs::remove_file(e.path().join("status"));
            removed += 1;
        }
    }
    let r = t.run(&["ps", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = r.json();
    assert_eq!(j["skipped"]["incomplete"], removed);
    assert_eq!(j["skipped"]["vanished"], 0);
    assert!(
        r.stderr.contains("the capture is incomplete"),
        "{}",
        r.stderr
    );
    let text = t.run(&["ps"]).stdout;
    assert!(!text.contains("exited during the scan"), "{text}");
}

/// A file that does not answer (a FUSE file whose reads take 5 s: a hung mount, or a
/// process whose mmap lock is held) is bounded by the per-process time limit: the scan
/// reports it as timed out after 0.3 s. (The read itself cannot be cancelled: a FUSE read
/// waits for its answer, so memlens exits once the 5 s are up; a real mmap-lock wait is
/// killable and lets it exit at once.)
#[test]
fn a_file_that_does_not_answer_is_bounded_by_the_timeout() {
    if !is_root() {
        eprintln!("not root: cannot mount FUSE");
        return;
    }
    let ok = Command::new("/usr/bin/python3")
        .args(["-c", "import fusepy"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "Debian's python3-fusepy is not installed (.ci/run installs it)"
    );
    let t = TempTree::copy_of("vm-6.18-hybrid", "stuck");
    let mnt = t.0.with_extension("fuse");
    fs::create_dir_all(&mnt).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/stuckfs.py");
    let _fs = Guard::spawn(
        Command::new("/usr/bin/python3")
            .arg(script)
            .arg(&mnt)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let stuck = mnt.join("stuck");
    let t0 = Instant::now();
    while !stuck.exists() {
        assert!(t0.elapsed() < Duration::from_secs(10), "FUSE did not mount");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut binds = Vec::new();
    for f in ["smaps_rollup", "smaps"] {
        let target = t.0.join(format!("proc/{PID}/{f}"));
        sh(&format!(
            "mount --bind '{}' '{}'",
            stuck.display(),
            target.display()
        ));
        binds.push(target);
    }
    let ps = bounded(&t.0, &["ps", "--json", "--timeout", "0.3"]);
    let maps = bounded(&t.0, &["maps", PID, "--timeout", "0.3"]);
    for b in &binds {
        sh(&format!("umount -l '{}'", b.display()));
    }
    sh(&format!("umount -l '{}'", mnt.display()));
    let j = ps.json();
    assert_eq!(j["skipped"]["timed_out"], serde_json::json!([15507]));
    assert!(
        j["processes"].as_array().unwrap().len() > 5,
        "the others are listed"
    );
    assert!(
        ps.stderr.contains("did not answer in time"),
        "{}",
        ps.stderr
    );
    assert_eq!(maps.code, EXIT_READ);
    assert!(maps.stderr.contains("did not finish"), "{}", maps.stderr);
}

/// Under `--root`, a missing process is named by its path inside the tree, not by `/proc`.
#[test]
fn a_missing_process_is_named_inside_the_root() {
    let root = fixtures().join("vm-6.18-hybrid");
    for args in [&["maps", "999999"][..], &["ps", "--pid", "999999"]] {
        let r = bounded(&root, args);
        assert_eq!(r.code, EXIT_READ, "{args:?}: {}", r.stderr);
        let want = format!(
            "{}: no process with PID 999999",
            root.join("proc/999999").display()
        );
        assert!(r.stderr.contains(&want), "{args:?}: {}", r.stderr);
    }
}
