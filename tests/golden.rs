//! Golden output: every view rendered on each fixture tree, as a table (100 columns), as
//! JSON and as CSV, compared with the files committed under `tests/golden/`, so that a
//! change of any output format is deliberate and shows in review (like node_exporter's
//! end-to-end output test).
//!
//! After a deliberate change: `MEMLENS_BLESS=1 cargo test --test golden`, then read the
//! diff of `tests/golden/` before committing it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const TREES: &[&str] = &["vm-6.18-hybrid", "v2-unified", "old-3.10-trimmed"];

/// (file name, arguments). `PID` is a process of the tree that has `smaps`.
const VIEWS: &[(&str, &[&str])] = &[
    ("overview", &[]),
    ("sys", &["sys"]),
    ("sys-explain", &["sys", "--explain"]),
    ("ps", &["ps"]),
    ("ps-by-user-totals", &["ps", "--by", "user", "--totals"]),
    ("ps-by-command", &["ps", "--by", "command"]),
    ("ps-by-cgroup", &["ps", "--by", "cgroup"]),
    ("maps", &["maps", "PID"]),
    ("maps-by-kind", &["maps", "PID", "--by", "kind"]),
    ("vmstat", &["vmstat"]),
    ("zones", &["zones"]),
    ("buddy", &["buddy"]),
    ("buddy-types", &["buddy", "--types"]),
    ("slab", &["slab"]),
    ("oom", &["oom"]),
    ("cgroup", &["cgroup"]),
    ("tunables", &["tunables"]),
    ("huge", &["huge"]),
    ("ipc", &["ipc"]),
    ("doctor", &["doctor"]),
    ("where", &["where"]),
];

const FORMATS: &[(&str, &[&str])] = &[("txt", &[]), ("json", &["--json"]), ("csv", &["--csv"])];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// What one run printed, as the golden file holds it.
fn render(args: &[&str]) -> String {
    let out = Command::new(bin())
        .args(args)
        .env("COLUMNS", "100")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    format!(
        "$ memlens {}\nexit {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn every_view_on_every_fixture_matches_its_golden_file() {
    let bless = std::env::var_os("MEMLENS_BLESS").is_some();
    let mut stale = Vec::new();
    let mut checked = 0;
    let mut cases: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for tree in TREES {
        let root = format!("tests/fixtures/{tree}");
        for (name, view) in VIEWS {
            for (ext, fmt) in FORMATS {
                let mut args = vec!["--root".to_string(), root.clone()];
                args.extend(view.iter().map(|a| {
                    if *a == "PID" {
                        "15507".to_string()
                    } else {
                        a.to_string()
                    }
                }));
                args.extend(fmt.iter().map(|a| a.to_string()));
                cases.push((golden_dir().join(tree).join(format!("{name}.{ext}")), args));
            }
        }
    }
    // explain reads nothing: once.
    for (ext, fmt) in FORMATS {
        let mut args = vec!["explain".to_string()];
        args.extend(fmt.iter().map(|a| a.to_string()));
        cases.push((golden_dir().join(format!("explain.{ext}")), args));
    }
    for (file, args) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = render(&args);
        let want = std::fs::read_to_string(file).unwrap_or_default();
        if got != want {
            if bless {
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(file, &got).unwrap();
            } else {
                stale.push(
                    file.strip_prefix(golden_dir())
                        .unwrap()
                        .display()
                        .to_string(),
                );
            }
        }
        checked += 1;
    }
    assert!(
        stale.is_empty(),
        "{} of {checked} golden files differ from the output (MEMLENS_BLESS=1 cargo test --test golden rewrites them; review the diff): {}",
        stale.len(),
        stale.join(", ")
    );
    assert_eq!(
        checked,
        TREES.len() * VIEWS.len() * FORMATS.len() + FORMATS.len()
    );
}
