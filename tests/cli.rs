//! The command line as a user meets it: line width, help, exit codes, completions,
//! CSV keys, incomplete totals. Runs on the fixture trees only.

mod common;

use std::collections::BTreeSet;

use common::*;

const VM: &str = "vm-6.18-hybrid";

fn root(name: &str) -> String {
    fixtures().join(name).display().to_string()
}

/// memlens --root FIXTURE ARGS with COLUMNS=80.
fn at80(name: &str, args: &[&str]) -> Run {
    let r = root(name);
    let mut all = vec!["--root", r.as_str()];
    all.extend_from_slice(args);
    memlens_env(&all, &[("COLUMNS", "80")])
}

fn assert_fits(r: &Run, width: usize, what: &str) {
    for l in r.stdout.lines() {
        assert!(
            l.chars().count() <= width,
            "{what}: line of {} characters:\n{l}\n{}",
            l.chars().count(),
            r.stdout
        );
    }
}

#[test]
fn at_80_columns_every_view_fits_on_every_fixture() {
    let views: &[&[&str]] = &[
        &[],
        &["sys"],
        &["sys", "--explain"],
        &["ps"],
        &["ps", "--by", "user", "--totals"],
        &["ps", "--by", "cgroup"],
        &["maps", "15506"],
        &["maps", "15506", "--by", "path"],
        &["cgroup"],
        &["tunables"],
        &["tunables", "--all"],
        &["zones"],
        &["buddy"],
        &["slab"],
        &["oom"],
        &["huge"],
        &["ipc"],
        &["vmstat"],
        &["doctor", "--sample", "0"],
        &["explain"],
    ];
    for name in ["vm-6.18-hybrid", "v2-unified", "old-3.10-trimmed"] {
        for v in views {
            let r = at80(name, v);
            assert_fits(&r, 80, &format!("{name} {v:?}"));
        }
    }
}

/// The header's columns, split on runs of spaces.
fn headers(r: &Run, starts: &str) -> Vec<String> {
    let h = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with(starts))
        .unwrap_or_else(|| panic!("no header starting {starts}: {}", r.stdout));
    h.split("  ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn at_80_columns_ps_keeps_command_and_marks_the_cut() {
    let r = at80(VM, &["ps"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let h = headers(&r, "PID");
    assert_eq!(h.last().map(String::as_str), Some("COMMAND"), "{h:?}");
    assert!(h.contains(&"PSS".to_string()) && h.contains(&"RSS".to_string()));
    // The python process's long command line: more than 3 characters, cut with `…`.
    let row = r
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("15506 "))
        .expect("row of 15506");
    assert!(row.contains("/root/.pyenv/"), "{row}");
    assert!(row.ends_with('…'), "{row}");
    // Hidden columns are named.
    assert!(
        r.stdout.contains("hidden to fit 80 columns"),
        "{}",
        r.stdout
    );
    // --wide: whole lines even with COLUMNS set.
    let r = memlens_env(&["--root", &root(VM), "ps", "--wide"], &[("COLUMNS", "80")]);
    assert!(r.stdout.lines().any(|l| l.chars().count() > 80));
    assert!(!r.stdout.contains('…'));
    assert!(r.stdout.contains("time.sleep(3000)"));
}

#[test]
fn at_80_columns_cgroup_maps_and_tunables_keep_their_identifying_columns() {
    let r = at80(VM, &["cgroup"]);
    assert_eq!(
        headers(&r, "PROCS").last().unwrap(),
        "CGROUP",
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("process_api"), "{}", r.stdout);

    let r = at80(VM, &["maps", "15506"]);
    let h = headers(&r, "PERM");
    assert!(h.contains(&"KIND".to_string()), "{h:?}");
    assert_eq!(h.last().unwrap(), "PATH");
    assert!(r.stdout.contains("[heap]"), "{}", r.stdout);
    assert!(r.stdout.lines().any(|l| l.ends_with('…')));

    let r = at80(VM, &["tunables"]);
    let h = headers(&r, "TUNABLE");
    assert!(h.contains(&"CHANGED".to_string()), "{h:?}");
    assert!(r.stdout.contains("vm.compact_unevictable_allowed"));
}

#[test]
fn at_80_columns_meanings_wrap_at_word_boundaries() {
    for args in [&["sys", "--explain"][..], &["explain"]] {
        let r = at80(VM, args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let words: BTreeSet<&str> = r.stdout.split_whitespace().collect();
        let r0 = root(VM);
        let mut all = vec!["--root", r0.as_str()];
        all.extend_from_slice(args);
        let full = memlens(&all);
        // Every word of the unbounded output is whole in the wrapped one (the identifying
        // column aside, nothing is cut at this width).
        for w in full.stdout.split_whitespace() {
            assert!(words.contains(w), "{args:?}: {w:?} cut:\n{}", r.stdout);
        }
    }
    let r = at80(VM, &["sys", "--explain"]);
    assert!(r
        .stdout
        .contains("minus firmware and kernel image reservations)"));
    // tunables --all: DEFAULT may be cut (with `…`), MEANING is wrapped whole.
    let r = at80(VM, &["tunables", "--all"]);
    let words: BTreeSet<&str> = r.stdout.split_whitespace().collect();
    for w in "memory kept free for root to log in and recover when overcommit is strict (mode 2)"
        .split(' ')
    {
        assert!(words.contains(w), "{w:?} cut:\n{}", r.stdout);
    }
}

#[test]
fn kib_and_bytes_tables_name_the_unit() {
    let r = memlens(&["--root", &root(VM), "ps", "--kib"]);
    assert!(
        r.stdout.starts_with("  PID  USER  VSZ(KiB)"),
        "{}",
        r.stdout
    );
    let r = memlens(&["--root", &root(VM), "sys", "--bytes"]);
    assert!(r.stdout.contains("SIZE(B)"), "{}", r.stdout);
    let r = memlens(&["--root", &root(VM), "ps"]);
    assert!(r.stdout.contains(" RSS "), "{}", r.stdout);
}
