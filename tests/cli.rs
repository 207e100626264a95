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
    let r0 = root(VM);
    for args in [
        &["--root", r0.as_str(), "sys", "--explain"][..],
        &["explain"],
    ] {
        let r = memlens_env(args, &[("COLUMNS", "80")]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_fits(&r, 80, &format!("{args:?}"));
        let words: BTreeSet<&str> = r.stdout.split_whitespace().collect();
        let joined: String = r.stdout.split_whitespace().collect();
        let full = memlens(args);
        // Every word of the unbounded output is whole in the wrapped one (the identifying
        // column aside, nothing is cut at this width); a word wider than its column is
        // broken across lines, none of it lost.
        for w in full.stdout.split_whitespace() {
            assert!(
                words.contains(w) || (w.chars().count() > 24 && joined.contains(w)),
                "{args:?}: {w:?} cut:\n{}",
                r.stdout
            );
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

/// The lines of `--help` under a heading, up to the next heading or unindented line.
fn section<'a>(help: &'a str, heading: &str) -> Vec<&'a str> {
    help.lines()
        .skip_while(|l| *l != heading)
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .collect()
}

#[test]
fn help_lists_global_options_under_their_own_heading() {
    for args in [&["--help"][..], &["ps", "--help"], &["doctor", "--help"]] {
        let r = memlens(args);
        assert_eq!(r.code, 0);
        let global = section(&r.stdout, "Global options:").join("\n");
        let own = section(&r.stdout, "Options:").join("\n");
        for o in ["--root", "--json", "--csv", "--bytes", "--kib", "--wide"] {
            assert!(global.contains(o), "{args:?}: {o} not under Global options");
            assert!(!own.contains(o), "{args:?}: {o} mixed into Options");
        }
    }
}

#[test]
fn explain_lab_and_capture_offer_only_the_options_they_use() {
    let help = memlens(&["explain", "--help"]).stdout;
    for o in ["--root", "--bytes", "--kib"] {
        assert!(!help.contains(o), "explain offers {o}:\n{help}");
    }
    assert!(help.contains("--json") && help.contains("--csv"));
    let help = memlens(&["lab", "leak", "--help"]).stdout;
    for o in ["--root", "--csv", "--bytes", "--kib", "--wide"] {
        assert!(!help.contains(o), "lab offers {o}:\n{help}");
    }
    let help = memlens(&["capture", "--help"]).stdout;
    assert!(help.contains("--root"));
    for o in ["--json", "--csv", "--bytes", "--kib", "--wide"] {
        assert!(!help.contains(o), "capture offers {o}:\n{help}");
    }
    // Given anyway, before the command's name: a one-line usage error.
    for args in [
        &["--root", "/", "explain", "pss"][..],
        &["--csv", "lab", "leak"],
        &["--json", "capture", "/nonexistent/x"],
        &["explain", "--root", "/"],
    ] {
        let r = memlens(args);
        assert_eq!(r.code, EXIT_USAGE, "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
    let r = memlens(&["--root", "/", "explain", "pss"]);
    assert_eq!(
        r.stderr,
        "memlens: --root does not apply to `memlens explain` (it takes --json, --csv, --wide)\n"
    );
}

#[test]
fn every_lab_experiment_argument_is_described() {
    let list = memlens(&["lab", "--help"]).stdout;
    let experiments: Vec<&str> = section(&list, "Commands:")
        .iter()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|e| *e != "help")
        .collect();
    assert!(experiments.len() >= 10, "{list}");
    for e in experiments {
        let help = memlens(&["lab", e, "--help"]).stdout;
        for l in section(&help, "Options:") {
            let l = l.trim();
            if !l.starts_with("--") {
                continue;
            }
            // `--size <SIZE>  Size of...`: a description after the option.
            let rest = l.split_once("  ").map(|x| x.1.trim()).unwrap_or("");
            assert!(
                !rest.is_empty() && !rest.starts_with('['),
                "lab {e}: undescribed {l}"
            );
        }
    }
}

#[test]
fn ps_sort_keys_match_in_any_case() {
    let keys = |args: &[&str]| -> Vec<i64> {
        let r0 = root(VM);
        let mut all = vec!["--root", r0.as_str(), "--json", "ps"];
        all.extend_from_slice(args);
        memlens(&all).json()["processes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| int(p, "pid"))
            .collect()
    };
    let pss = keys(&["--sort", "pss"]);
    assert_eq!(keys(&["--sort", "PSS"]), pss);
    assert_eq!(keys(&["--sort", "Pss"]), pss);
    assert_eq!(keys(&["--sort", "SWAPPSS"]), keys(&["--sort", "swap_pss"]));
    assert_ne!(keys(&["--sort", "PID"]), pss);
}

#[test]
fn json_with_csv_is_a_clear_one_line_error() {
    for args in [
        &["ps", "--json", "--csv"][..],
        &["--json", "ps", "--csv"],
        &["--json", "--csv"],
    ] {
        let r = memlens(args);
        assert_eq!(r.code, EXIT_USAGE);
        assert_eq!(
            r.stderr, "memlens: --json and --csv exclude each other: give one\n",
            "{args:?}"
        );
    }
    let r = memlens(&["sys", "--bytes", "--kib"]);
    assert_eq!(r.code, EXIT_USAGE);
    assert_eq!(r.stderr.lines().count(), 1);
}

#[test]
fn help_documents_exit_statuses() {
    let top = memlens(&["--help"]).stdout;
    assert!(top.contains("Exit status:"), "{top}");
    for s in [
        "0  success",
        "1  a file could not be read",
        "2  usage",
        "3  refused",
    ] {
        assert!(top.contains(s), "{s}: {top}");
    }
    let doctor = memlens(&["doctor", "--help"]).stdout;
    for s in ["0  OK", "1  WARNING", "2  CRITICAL", "3  UNKNOWN"] {
        assert!(doctor.contains(s), "{s}: {doctor}");
    }
}

#[test]
fn ps_with_a_bad_option_exits_2() {
    let r = memlens(&["--root", &root(VM), "ps", "--no-such-option"]);
    assert_eq!(r.code, EXIT_USAGE, "{}", r.stderr);
}

#[test]
fn doctor_misused_exits_3_unknown() {
    let r = memlens(&["--root", &root(VM), "doctor", "--sample", "soon"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let r = memlens(&["doctor", "--root", "/nonexistent"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("/nonexistent"), "{}", r.stderr);
    let r = memlens(&["doctor", "--json", "--csv"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
}

#[test]
fn maps_of_an_unknown_pid_exits_1() {
    let r = memlens(&["--root", &root(VM), "maps", "99999"]);
    assert_eq!(r.code, EXIT_READ, "{}", r.stderr);
    assert!(
        r.stderr.contains("no process with PID 99999"),
        "{}",
        r.stderr
    );
}

#[test]
fn bash_completions_name_every_command() {
    let r = memlens(&["completions", "bash"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("_memlens()"), "{}", r.stdout);
    for c in [
        "sys",
        "ps",
        "maps",
        "capture",
        "cgroup",
        "vmstat",
        "zones",
        "buddy",
        "slab",
        "oom",
        "tunables",
        "wss",
        "doctor",
        "huge",
        "ipc",
        "explain",
        "lab",
        "completions",
        "man",
    ] {
        assert!(
            r.stdout.contains(&format!("memlens,{c})")),
            "{c} missing from the bash completions"
        );
    }
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let r = memlens(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains("doctor"), "{shell}");
    }
    assert_eq!(memlens(&["completions", "tcsh"]).code, EXIT_USAGE);
}

#[test]
fn man_prints_roff_from_the_parser() {
    let r = memlens(&["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with(".TH memlens 1"), "{}", r.stdout);
    assert!(r.stdout.contains(".SH NAME"));
    assert!(r.stdout.contains("\\-\\-root"), "global options documented");
    assert!(r.stdout.contains("Exit status"), "exit statuses documented");
    let r = memlens(&["man", "ps"]);
    assert!(r.stdout.starts_with(".TH memlens\\-ps 1") || r.stdout.starts_with(".TH memlens-ps 1"));
    assert!(r.stdout.contains("\\-\\-sort"));
    let r = memlens(&["man", "nosuch"]);
    assert_eq!(r.code, EXIT_USAGE);
}

use memlens_present::table::snake_case as snake;

/// The rule CSV follows: its header has exactly the keys of the JSON rows. A nested
/// object KEY is one column KEY (cgroup `events` as `oom=1 max=3`), or a column
/// `KEY_INNER` per inner key, or its inner keys in snake_case (`maps --by`'s `counters`,
/// whose fields are the columns `rss`, `pss`...). Arrays are one column (joined with `;`).
#[test]
fn csv_has_the_keys_of_the_json_rows() {
    let vm = root(VM);
    let v2 = root("v2-unified");
    let cases: &[(&[&str], &str)] = &[
        (&["--root", &vm], "top_processes"),
        (&["--root", &vm, "ps"], "processes"),
        (&["--root", &vm, "ps", "--totals"], "processes"),
        (&["--root", &vm, "ps", "--by", "user"], "groups"),
        (&["--root", &vm, "ps", "--by", "command"], "groups"),
        (&["--root", &vm, "ps", "--by", "cgroup"], "groups"),
        (&["--root", &vm, "maps", "15506"], "mappings"),
        (&["--root", &vm, "maps", "15506", "--by", "kind"], "groups"),
        (&["--root", &vm, "maps", "15506", "--by", "path"], "groups"),
        (&["--root", &vm, "cgroup"], "hierarchies/0/cgroups"),
        (&["--root", &v2, "cgroup"], "hierarchies/0/cgroups"),
        (&["--root", &vm, "zones"], "zones"),
        (&["--root", &vm, "slab"], "caches"),
        (&["--root", &vm, "oom"], "processes"),
        (&["--root", &vm, "tunables"], "tunables"),
        (&["--root", &v2, "doctor", "--sample", "0"], "findings"),
        (&["explain"], ""),
    ];
    for (args, path) in cases {
        let mut a = args.to_vec();
        a.push("--json");
        let r = memlens(&a);
        let j: serde_json::Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", r.stdout));
        let rows = j
            .pointer(&if path.is_empty() {
                String::new()
            } else {
                format!("/{path}")
            })
            .and_then(|v| v.as_array())
            .unwrap_or_else(|| panic!("{args:?}: no {path}"))
            .clone();
        assert!(!rows.is_empty(), "{args:?}: no rows");
        a.pop();
        a.push("--csv");
        let r = memlens(&a);
        let header: BTreeSet<String> = r
            .stdout
            .lines()
            .next()
            .unwrap_or("")
            .split(',')
            .map(String::from)
            .collect();
        let mut expected = BTreeSet::new();
        for row in &rows {
            for (k, v) in row.as_object().unwrap() {
                match v.as_object() {
                    Some(inner) if !header.contains(k) => {
                        let prefixed = header.iter().any(|h| h.starts_with(&format!("{k}_")));
                        for ik in inner.keys() {
                            expected.insert(if prefixed {
                                format!("{k}_{ik}")
                            } else {
                                snake(ik)
                            });
                        }
                    }
                    _ => {
                        expected.insert(k.clone());
                    }
                }
            }
        }
        assert_eq!(header, expected, "{args:?}: CSV header vs JSON keys");
    }
}

/// A copy of a fixture tree in a fresh temporary directory, removed when dropped.
struct Copy(std::path::PathBuf);

impl Copy {
    fn of(name: &str, tag: &str) -> Copy {
        let dir = std::env::temp_dir().join(format!("memlens-cli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        sh(&format!(
            "cp -a '{}' '{}'",
            fixtures().join(name).display(),
            dir.display()
        ));
        Copy(dir)
    }
    fn root(&self) -> String {
        self.0.display().to_string()
    }
    /// Makes a file read back as permission denied: absent, and listed in the capture's
    /// memlens-unreadable.txt.
    fn deny(&self, rel: &str) {
        std::fs::remove_file(self.0.join(rel)).expect("remove");
        let list = self.0.join("memlens-unreadable.txt");
        let mut text = std::fs::read_to_string(&list).unwrap_or_default();
        text.push_str(rel);
        text.push('\n');
        std::fs::write(&list, text).unwrap();
    }
}

impl Drop for Copy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn totals_over_unreadable_processes_are_marked_as_lower_bounds() {
    let t = Copy::of("v2-unified", "partial");
    t.deny("proc/15506/smaps_rollup");
    let r = memlens(&[
        "--root",
        &t.root(),
        "--json",
        "ps",
        "--by",
        "user",
        "--totals",
    ]);
    let j = r.json();
    let total = &j["totals"];
    let incomplete = int(total, "incomplete");
    let members = int(total, "processes");
    assert!(incomplete >= 1, "{total}");

    let r = memlens(&["--root", &t.root(), "ps", "--by", "user", "--totals"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let rule = lines.iter().position(|l| l.starts_with("---")).unwrap();
    let total_line = lines[rule + 1];
    let cells: Vec<&str> = total_line.split_whitespace().collect();
    // PROCS VSZ RSS PSS USS ...: PSS and USS lack the unreadable members, RSS does not.
    assert!(
        cells[3].starts_with('≥') && cells[4].starts_with('≥'),
        "{total_line}"
    );
    assert!(
        !cells[2].starts_with('≥'),
        "RSS is read from status: {total_line}"
    );
    assert!(
        r.stdout.contains(&format!(
            "≥: a sum lacking the figures of members that could not be read in full ({incomplete} processes of {members})"
        )),
        "{}",
        r.stdout
    );
    // The process table's totals row too; CSV keeps plain numbers (the JSON says
    // `incomplete`).
    let r = memlens(&["--root", &t.root(), "ps", "--totals"]);
    let total_line = r.stdout.lines().find(|l| l.contains("total of")).unwrap();
    assert!(total_line.contains('≥'), "{total_line}");
    let r = memlens(&["--root", &t.root(), "ps", "--totals", "--csv"]);
    assert!(!r.stdout.contains('≥'));
    // Fully readable: no mark, no note.
    let r = memlens(&[
        "--root",
        &root(VM),
        "ps",
        "--by",
        "user",
        "--pid",
        "15506",
        "--totals",
    ]);
    assert!(!r.stdout.contains('≥'), "{}", r.stdout);
}

#[test]
fn wss_over_no_time_is_a_usage_error() {
    for v in ["0", "0s", "0ms"] {
        let r = memlens(&["wss", "1", "--interval", v]);
        assert_eq!(r.code, EXIT_USAGE, "{v}: {}", r.stderr);
        assert!(r.stderr.contains("no time to watch"), "{}", r.stderr);
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn ps_of_a_kernel_thread_says_it_has_no_user_memory() {
    let r = memlens(&["--root", &root(VM), "ps", "--pid", "2"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "2: [kthreadd] is a kernel thread: it has no user memory, so it is not listed"
        ),
        "{}",
        r.stdout
    );
    // As maps does.
    let r = memlens(&["--root", &root(VM), "maps", "2"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("is a kernel thread"));
}

/// A kernel thread of the live machine: no VmSize in its status.
fn live_kernel_thread() -> Option<u32> {
    let mut pids: Vec<u32> = std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    pids.into_iter().find(|p| {
        std::fs::read_to_string(format!("/proc/{p}/status"))
            .map(|s| !s.contains("VmSize:") && !s.contains("State:\tZ"))
            .unwrap_or(false)
    })
}

#[test]
fn wss_of_a_kernel_thread_says_it_has_no_user_memory() {
    let Some(pid) = live_kernel_thread() else {
        eprintln!("no kernel thread visible: skipped");
        return;
    };
    let p = pid.to_string();
    let r = memlens(&["wss", &p, "--interval", "100ms"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("is a kernel thread: it has no user memory"),
        "{}",
        r.stdout
    );
    let j = memlens(&["wss", &p, "--json"]).json();
    assert_eq!(j["kernel_thread"], true);
}

#[test]
fn wss_splits_anonymous_and_file_backed_working_sets() {
    let child = Guard::spawn(std::process::Command::new("sleep").arg("30"));
    let p = child.pid().to_string();
    let r = memlens(&["wss", &p, "--interval", "200ms"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("\n  anonymous (heap, stack, anon): "),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("\n  file-backed and shared (file, shmem): "),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("other processes touching them"),
        "{}",
        r.stdout
    );
    let j = memlens(&["wss", &p, "--interval", "100ms", "--json"]).json();
    let parts = int(&j["anon"], "rss") + int(&j["file"], "rss");
    assert!(parts <= int(&j["total"], "rss"));
    assert_eq!(j["kernel_thread"], false);
}

#[test]
fn sys_says_why_cache_and_cached_differ() {
    let r = memlens(&["--root", &root(VM), "sys"]);
    assert!(
        r.stdout.contains(
            "cache = Cached + SReclaimable, as free -w counts it (the `cached` row below is Cached alone)"
        ),
        "{}",
        r.stdout
    );
    let r = memlens(&["--root", &root(VM), "sys", "--explain"]);
    assert!(r
        .stdout
        .contains("without SReclaimable, unlike free's cache column"));
}

/// Progress ("sampling rates over 3s… 2s left") goes to stderr only when it is a
/// terminal. A test cannot give memlens a terminal, so this checks the other half: with
/// stderr a pipe, sampling commands write no progress at all.
#[test]
fn sampling_writes_no_progress_when_stderr_is_not_a_terminal() {
    let child = Guard::spawn(std::process::Command::new("sleep").arg("30"));
    let p = child.pid().to_string();
    for args in [
        &["doctor", "--sample", "1s"][..],
        &["wss", &p, "--interval", "1s"],
        &["vmstat", "0.6", "2"],
    ] {
        let r = memlens(args);
        assert!(
            !r.stderr.contains('\r') && !r.stderr.contains('…') && !r.stderr.contains("left"),
            "{args:?}: {:?}",
            r.stderr
        );
    }
}

#[test]
fn capture_metadata_has_the_time_in_rfc3339_utc_beside_the_unix_time() {
    let dir = std::env::temp_dir().join(format!("memlens-cli-capture-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let r = memlens(&["--root", &root(VM), "capture", dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta = std::fs::read_to_string(dir.join("memlens-capture.txt")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let field = |k: &str| {
        meta.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("no {k} in {meta}"))
            .to_string()
    };
    let unix = field("captured_at");
    let utc = field("captured_at_utc");
    assert_eq!(
        utc,
        sh(&format!("date -u -d @{unix} +%Y-%m-%dT%H:%M:%SZ")).trim(),
        "{meta}"
    );
}

/// The README's samples on the fixture trees are what memlens prints now, at 100 columns
/// (a sample ending in `...` is a prefix). Samples of a live machine are left alone.
#[test]
fn readme_samples_on_fixture_trees_are_current() {
    // `MEMLENS_BLESS=1 cargo test --test cli readme_samples` rewrites the stale samples
    // instead of failing (then read the diff: every change must be meant).
    let bless = std::env::var_os("MEMLENS_BLESS").is_some();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = readme.lines().collect();
    // (first line, end line) of each stale body and the lines to put there.
    let mut fixes: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut checked = 0;
    let mut i = 0;
    while i < lines.len() {
        if lines[i] != "```" || !lines.get(i + 1).is_some_and(|l| l.starts_with("$ memlens")) {
            i += 1;
            continue;
        }
        let end = i + 1 + lines[i + 1..].iter().position(|l| *l == "```").unwrap();
        let block = &lines[i + 1..end];
        i = end + 1;
        let first = block[0];
        if !(first.starts_with("$ memlens --root tests/fixtures/")
            || first.starts_with("$ memlens explain"))
        {
            continue;
        }
        let mut k = 0;
        let mut last_code = 0;
        while k < block.len() {
            let cmd = block[k].trim_start_matches("$ ");
            let body: Vec<&str> = block[k + 1..]
                .iter()
                .take_while(|l| !l.starts_with("$ "))
                .copied()
                .collect();
            // Where this body stands in the README.
            let body_at = end - block.len() + k + 1;
            k += 1 + body.len();
            if cmd == "echo $?" {
                assert_eq!(body, [last_code.to_string().as_str()], "{first}");
                continue;
            }
            let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
            let mut c = std::process::Command::new(bin());
            c.args(&args)
                .env("COLUMNS", "100")
                .current_dir(env!("CARGO_MANIFEST_DIR"));
            let out = c.output().unwrap();
            last_code = out.status.code().unwrap_or(-1);
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let text = if stdout.is_empty() {
                String::from_utf8_lossy(&out.stderr).into_owned()
            } else {
                stdout
            };
            let mut got: Vec<&str> = text.lines().collect();
            while got.last() == Some(&"") {
                got.pop();
            }
            let (want, prefix) = match body.split_last() {
                Some((&"...", rest)) => (rest.to_vec(), true),
                _ => (body.clone(), false),
            };
            let current = if prefix {
                got.len() > want.len() && got[..want.len()] == want[..]
            } else {
                got == want
            };
            if bless && !current {
                // A sample cut with `...` keeps its length.
                let keep = if prefix {
                    want.len().min(got.len())
                } else {
                    got.len()
                };
                let mut new: Vec<String> = got[..keep].iter().map(|l| l.to_string()).collect();
                if prefix && got.len() > keep {
                    new.push("...".into());
                }
                fixes.push((body_at, body_at + body.len(), new));
            } else if prefix {
                assert!(
                    got.len() > want.len(),
                    "`{cmd}`: fewer lines than the README shows"
                );
                assert_eq!(
                    &got[..want.len()],
                    &want[..],
                    "README sample of `{cmd}` is stale (MEMLENS_BLESS=1 rewrites it)"
                );
            } else {
                assert_eq!(
                    got, want,
                    "README sample of `{cmd}` is stale (MEMLENS_BLESS=1 rewrites it)"
                );
            }
            checked += 1;
        }
    }
    if !fixes.is_empty() {
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        for (a, b, new) in fixes.into_iter().rev() {
            out.splice(a..b, new);
        }
        std::fs::write(&path, out.join("\n") + "\n").unwrap();
    }
    assert!(checked >= 10, "only {checked} samples found");
}

/// `.ci/run`'s fuzz pass prints the number of runs and whether anything crashed, and
/// fails only for a crash.
#[test]
fn fuzz_summary_counts_runs_and_fails_only_on_a_crash() {
    let dir = std::env::temp_dir().join(format!("memlens-cli-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/fuzz-summary");
    let run = |log: &str, status: &str| {
        let p = dir.join("log");
        std::fs::write(&p, log).unwrap();
        let out = std::process::Command::new("bash")
            .arg(&script)
            .arg(&p)
            .arg(status)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = run(
        "#2 INITED\nDone 2345678 runs in 61 second(s)\nstat::number_of_executed_units: 2345678\nstat::average_exec_per_sec:     38453\n",
        "0",
    );
    assert_eq!(
        (code, out.lines().next().unwrap()),
        (0, "fuzz: 2345678 runs, no crash")
    );
    let (code, out) = run(
        "==12== ERROR: libFuzzer: deadly signal\nSUMMARY: libFuzzer: deadly signal\nstat::number_of_executed_units: 1234\n",
        "1",
    );
    assert_eq!(code, 1);
    assert!(out.starts_with("fuzz: CRASH after 1234 runs"), "{out}");
    let (code, out) = run("error: could not compile `memlens-fuzz`\n", "101");
    assert_eq!(code, 0);
    assert!(
        out.starts_with("fuzz: did not run (exit status 101)"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn at_80_columns_vmstat_shows_whole_columns_and_marks_the_rest() {
    let r = at80(VM, &["vmstat"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with("  free  avail"), "{}", r.stdout);
    for l in &lines {
        assert!(l.chars().count() <= 80 && l.ends_with(" …"), "{l}");
    }
    // The header's last shown name is whole.
    let last = lines[0]
        .trim_end_matches(" …")
        .split_whitespace()
        .last()
        .unwrap();
    let wide = memlens(&["--root", &root(VM), "vmstat"]);
    assert!(wide
        .stdout
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .any(|h| h == last));
}

#[test]
fn completions_and_man_are_never_wrapped_to_the_width() {
    for args in [&["completions", "bash"][..], &["man"]] {
        let whole = memlens(args).stdout;
        let narrow = memlens_env(args, &[("COLUMNS", "40")]).stdout;
        assert_eq!(whole, narrow, "{args:?}");
    }
}
