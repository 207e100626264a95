//! The snapshot file (`capture --file`): every view read from it prints what it prints
//! from the capture tree it was taken from; it is bounded and refuses what is not one.

mod common;

use std::fs;
use std::path::PathBuf;

use common::*;

fn scratch(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("memlens-snapfile-{name}-{}", std::process::id()));
    let _ = fs::remove_file(&p);
    p
}

fn run(root: &str, args: &[&str], fmt: &[&str]) -> (i32, String, String) {
    let all: Vec<&str> = ["--root", root]
        .iter()
        .chain(args)
        .chain(fmt)
        .copied()
        .collect();
    let r = memlens_env(&all, &[("COLUMNS", "100")]);
    (r.code, r.stdout, r.stderr)
}

#[test]
fn every_view_from_a_snapshot_file_is_the_view_from_its_tree() {
    let mut compared = 0;
    for tree in ["vm-6.18-hybrid", "v2-unified", "old-3.10-trimmed"] {
        let root = format!("tests/fixtures/{tree}");
        let file = scratch(tree);
        let (code, out, err) = run(&root, &["capture", "--file", file.to_str().unwrap()], &[]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("captured a snapshot of"), "{out}");
        for view in SNAPSHOT_VIEWS {
            for fmt in [&[][..], &["--json"], &["--csv"]] {
                let a = run(&root, view, fmt);
                let b = run(file.to_str().unwrap(), view, fmt);
                assert_eq!(a, b, "{tree} {view:?} {fmt:?}: tree, then file");
                compared += 1;
            }
        }
        // Mappings are not in a snapshot unless asked for: maps is refused in one line.
        let (code, _, err) = run(file.to_str().unwrap(), &["maps", "15507"], &[]);
        assert_eq!(code, EXIT_REFUSED, "{err}");
        assert!(err.contains("holds no mappings"), "{err}");
        assert_eq!(err.lines().count(), 1);
        let _ = fs::remove_file(&file);
        // With --smaps, maps reads the file as it reads the tree.
        let (code, _, err) = run(
            &root,
            &["capture", "--file", file.to_str().unwrap(), "--smaps"],
            &[],
        );
        assert_eq!(code, 0, "{err}");
        for args in [&["maps", "15507"][..], &["maps", "15507", "--by", "kind"]] {
            for fmt in [&[][..], &["--json"], &["--csv"]] {
                let a = run(&root, args, fmt);
                assert_eq!(a.0, 0, "{tree} {args:?}: {}", a.2);
                assert_eq!(
                    a,
                    run(file.to_str().unwrap(), args, fmt),
                    "{tree} {args:?} {fmt:?}"
                );
                compared += 1;
            }
        }
        let _ = fs::remove_file(&file);
    }
    assert_eq!(compared, 3 * SNAPSHOT_VIEWS.len() * 3 + 3 * 6);
}

#[test]
fn a_live_snapshot_file_reads_back_and_is_small() {
    let file = scratch("live");
    let r = memlens(&["capture", "--file", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let size = fs::metadata(&file).unwrap().len();
    let j = memlens(&["--root", file.to_str().unwrap(), "ps", "--json"]).json();
    let n = j["processes"].as_array().unwrap().len() as u64;
    assert!(n > 0);
    // A few hundred KiB for a thousand processes: well under 1 KiB a process here.
    assert!(
        size < 64 * 1024 + n * 1024,
        "{size} bytes for {n} processes"
    );
    eprintln!(
        "live snapshot file: {size} bytes, {n} processes, {} bytes a process",
        size / n
    );
    // A second capture to the same name is refused, the first left whole.
    let again = memlens(&["capture", "--file", file.to_str().unwrap()]);
    assert_eq!(again.code, EXIT_USAGE, "{}", again.stderr);
    assert_eq!(fs::metadata(&file).unwrap().len(), size);
    let _ = fs::remove_file(&file);
}

#[test]
fn damaged_or_foreign_snapshot_files_are_refused_in_one_line() {
    let file = scratch("bad");
    let gz = |text: &[u8]| {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text).unwrap();
        e.finish().unwrap()
    };
    let good = scratch("good");
    let r = memlens(&[
        "--root",
        "tests/fixtures/vm-6.18-hybrid",
        "capture",
        "--file",
        good.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let whole = fs::read(&good).unwrap();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            whole[..whole.len() / 2].to_vec(),
            "not a memlens snapshot file",
        ),
        (
            gz(b"{\"meta\": {\"format\": 99}}"),
            "written by a newer memlens",
        ),
        (gz(b"{\"hello\": 1}"), "no meta.format"),
        (gz(b"not json"), "not a memlens snapshot file"),
        (b"plain text, not gzip\n".to_vec(), "not a memlens capture"),
    ];
    for (bytes, want) in cases {
        fs::write(&file, &bytes).unwrap();
        let r = memlens(&["--root", file.to_str().unwrap(), "sys"]);
        assert_eq!(r.code, EXIT_READ, "{want}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains(want), "{want}: {}", r.stderr);
    }
    let _ = fs::remove_file(&file);
    let _ = fs::remove_file(&good);
}
