//! The catalogue names every figure the system summary, process rows and rates print,
//! and every figure it names is printed somewhere and explained.

mod common;

use std::collections::BTreeSet;

use common::*;
use memlens_catalogue::{of, Scope, FIGURES};

const VM: &str = "tests/fixtures/vm-6.18-hybrid";

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--root", VM];
    all.extend_from_slice(args);
    let out = std::process::Command::new(bin())
        .args(&all)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn keys(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn catalogued(scope: Scope) -> BTreeSet<String> {
    of(scope).map(|f| f.key.to_string()).collect()
}

#[test]
fn every_key_printed_is_catalogued_and_every_figure_is_printed() {
    // The system summary: exactly the catalogue's system figures.
    assert_eq!(keys(&json(&["sys", "--json"])), catalogued(Scope::System));
    // Process rows of ps (plain and with cgroups) and of oom.
    let mut printed = BTreeSet::new();
    for args in [
        &["ps", "--json"][..],
        &["ps", "--json", "--by", "cgroup", "--limit", "1"],
    ] {
        let j = json(args);
        let rows = j.get("processes").or(j.get("groups")).unwrap();
        if args.contains(&"--by") {
            continue;
        }
        for r in rows.as_array().unwrap() {
            printed.extend(keys(r));
        }
    }
    let oom = json(&["oom", "--json"]);
    let oom_keys = keys(&oom["processes"][0]);
    for k in ["oom_score", "oom_score_adj", "cgroup"] {
        assert!(oom_keys.contains(k), "{k} in oom rows");
        printed.insert(k.to_string());
    }
    let process = catalogued(Scope::Process);
    assert!(
        printed.is_subset(&process),
        "not catalogued: {:?}",
        printed.difference(&process).collect::<Vec<_>>()
    );
    assert_eq!(
        printed,
        process,
        "catalogued but printed nowhere: {:?}",
        process.difference(&printed).collect::<Vec<_>>()
    );
    // Rates: a vmstat row's fields and counters.
    let v = json(&["vmstat", "--json"]);
    let row = &v["rows"][0];
    let mut printed = keys(row);
    printed.remove("counters");
    printed.extend(keys(&row["counters"]));
    assert_eq!(printed, catalogued(Scope::Rates));
    // ps sorts by catalogued figures.
    for k in memlens_analysis::procs::SORT_KEYS {
        assert!(process.contains(*k), "sort key {k}");
    }
}

#[test]
fn explain_knows_every_figure() {
    for f in FIGURES {
        let r = memlens(&["explain", f.key]);
        assert_eq!(r.code, 0, "explain {}: {}", f.key, r.stderr);
        assert!(!r.stdout.trim().is_empty());
        // SCOPE.KEY finds this very figure, whatever else shares its key.
        let scoped = format!("{}.{}", f.scope.name(), f.key);
        let j = memlens(&["explain", &scoped, "--json"]).json();
        assert_eq!(j["term"], f.key, "{scoped}");
        assert_eq!(j["kind"], format!("{} figure", f.scope.name()), "{scoped}");
        assert!(
            j["meaning"].as_str().unwrap().starts_with(f.meaning),
            "{scoped}"
        );
    }
    // And lists them, scope by scope: every figure as a term of its scope's kind.
    let all = memlens(&["explain", "--json"]).json();
    let listed: Vec<(String, String)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["term"].as_str().unwrap().to_string(),
                e["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for f in FIGURES {
        let kind = format!("{} figure", f.scope.name());
        let listed_here = listed.iter().any(|(t, k)| t == f.key && *k == kind);
        // (A system, process or vmstat figure the glossary explains under its own name is
        // listed as that entry.)
        let legacy = matches!(f.scope, Scope::System | Scope::Process | Scope::Rates);
        assert!(
            listed_here || legacy && memlens_present::glossary::lookup(f.key).is_some(),
            "{} ({kind}) is not in `memlens explain`",
            f.key
        );
    }
    // Grouped by scope, in the order of Scope::ALL.
    let scopes: Vec<usize> = listed
        .iter()
        .filter_map(|(_, k)| k.strip_suffix(" figure"))
        .map(|n| Scope::ALL.iter().position(|s| s.name() == n).unwrap())
        .collect();
    assert!(
        scopes.windows(2).all(|w| w[0] <= w[1]),
        "figures not grouped by scope: {scopes:?}"
    );
    for i in 0..Scope::ALL.len() {
        assert!(
            scopes.contains(&i),
            "no {} figure listed",
            Scope::ALL[i].name()
        );
    }
}
