//! The catalogue names every figure the system summary, process rows, rates and the rows
//! of the other views print, and every figure it names is printed somewhere and explained.

mod common;

use std::collections::BTreeSet;

use common::*;
use memlens_catalogue::{of, Scope, FIGURES};
use memlens_present::table::snake_case;

const VM: &str = "tests/fixtures/vm-6.18-hybrid";
/// Every fixture tree: a figure may be printed by one kernel's files and not another's.
const TREES: &[&str] = &[
    "tests/fixtures/vm-6.18-hybrid",
    "tests/fixtures/v2-unified",
    "tests/fixtures/old-3.10-trimmed",
];

fn json(args: &[&str]) -> serde_json::Value {
    json_of(VM, args).unwrap()
}

/// The JSON memlens prints on a fixture tree, if it prints any (a view refuses a tree
/// without its files).
fn json_of(tree: &str, args: &[&str]) -> Option<serde_json::Value> {
    let mut all = vec!["--root", tree];
    all.extend_from_slice(args);
    let out = std::process::Command::new(bin())
        .args(&all)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).ok()
}

fn keys(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn catalogued(scope: Scope) -> BTreeSet<String> {
    of(scope).map(|f| f.key.to_string()).collect()
}

/// The keys rows print, and those printed with a value (not null) somewhere.
#[derive(Default)]
struct Printed {
    keys: BTreeSet<String>,
    valued: BTreeSet<String>,
}

impl Printed {
    /// Adds the keys of rows. A nested object named in `lift` stands for its keys in
    /// snake_case (as CSV lifts `maps --by`'s `counters`); one named in `nested` is a key
    /// itself and each of its keys is a key `OUTER.INNER` (cgroup `events.oom_kill`).
    fn add<'a>(
        &mut self,
        rows: impl IntoIterator<Item = &'a serde_json::Value>,
        lift: &[&str],
        nested: &[&str],
    ) {
        let mut put = |k: String, v: &serde_json::Value| {
            if !v.is_null() {
                self.valued.insert(k.clone());
            }
            self.keys.insert(k);
        };
        for row in rows {
            for (k, v) in row.as_object().expect("a row is an object") {
                match v.as_object() {
                    Some(inner) if lift.contains(&k.as_str()) => {
                        for (ik, iv) in inner {
                            put(snake_case(ik), iv);
                        }
                    }
                    Some(inner) if nested.contains(&k.as_str()) => {
                        for (ik, iv) in inner {
                            put(format!("{k}.{ik}"), iv);
                        }
                        put(k.clone(), v);
                    }
                    _ => put(k.clone(), v),
                }
            }
        }
    }

    /// Adds the rows of the JSON at `pointer` (an array, or one object).
    fn add_at(&mut self, j: &serde_json::Value, pointer: &str, lift: &[&str], nested: &[&str]) {
        match j.pointer(pointer) {
            Some(serde_json::Value::Array(rows)) => self.add(rows, lift, nested),
            Some(row @ serde_json::Value::Object(_)) => self.add([row], lift, nested),
            _ => {}
        }
    }

    /// The keys printed are the scope's catalogued keys, each printed with a value
    /// somewhere.
    fn are_catalogued(&self, scope: Scope) {
        let want = catalogued(scope);
        let name = scope.name();
        assert!(
            self.keys.is_subset(&want),
            "{name} keys printed but not catalogued: {:?}",
            self.keys.difference(&want).collect::<Vec<_>>()
        );
        assert!(
            want.is_subset(&self.keys),
            "{name} figures catalogued but printed nowhere: {:?}",
            want.difference(&self.keys).collect::<Vec<_>>()
        );
        assert!(
            want.is_subset(&self.valued),
            "{name} figures printed only as null: {:?}",
            want.difference(&self.valued).collect::<Vec<_>>()
        );
    }
}

#[test]
fn mapping_rows_are_catalogued() {
    // Mappings, and mappings summed by kind (with the totals row), on every tree.
    let mut printed = Printed::default();
    for tree in TREES {
        let j = json_of(tree, &["maps", "15507", "--json"]).unwrap();
        printed.add_at(&j, "/mappings", &[], &[]);
        let j = json_of(tree, &["maps", "15507", "--by", "kind", "--json"]).unwrap();
        printed.add_at(&j, "/groups", &["counters"], &[]);
        printed.add_at(&j, "/totals", &["counters"], &[]);
    }
    printed.are_catalogued(Scope::Mapping);
}

#[test]
fn cgroup_rows_are_catalogued() {
    // v1 (the hybrid tree) and v2 groups; each event a key of its own.
    let mut printed = Printed::default();
    for tree in TREES {
        if let Some(j) = json_of(tree, &["cgroup", "--json"]) {
            for h in j["hierarchies"].as_array().unwrap() {
                printed.add_at(h, "/cgroups", &[], &["events"]);
            }
        }
    }
    printed.are_catalogued(Scope::Cgroup);
}

#[test]
fn zone_rows_are_catalogued() {
    let mut printed = Printed::default();
    for tree in TREES {
        if let Some(j) = json_of(tree, &["zones", "--json"]) {
            printed.add_at(&j, "/zones", &[], &[]);
        }
    }
    printed.are_catalogued(Scope::Zone);
}

#[test]
fn slab_rows_are_catalogued() {
    let mut printed = Printed::default();
    for tree in TREES {
        if let Some(j) = json_of(tree, &["slab", "--json"]) {
            printed.add_at(&j, "/caches", &[], &[]);
        }
    }
    printed.are_catalogued(Scope::Slab);
}

#[test]
fn buddy_rows_are_catalogued() {
    // The zones' free lists, and with --types those per migrate type and the page blocks.
    let mut printed = Printed::default();
    for tree in TREES {
        if let Some(j) = json_of(tree, &["buddy", "--types", "--json"]) {
            printed.add_at(&j, "/zones", &[], &[]);
            printed.add_at(&j, "/types/free", &[], &[]);
            printed.add_at(&j, "/types/blocks", &[], &[]);
        }
    }
    printed.are_catalogued(Scope::Buddy);
}

/// A copy of the 6.18 tree with a hugetlb pool in use, a process holding hugetlb pages,
/// two THP users and running KSM with one merging process, so that `huge` lists some.
fn huge_tree() -> TempTree {
    let t = TempTree::copy_of("vm-6.18-hybrid", "catalogue-huge");
    let pool = "sys/kernel/mm/hugepages/hugepages-2048kB";
    for (f, v) in [
        ("nr_hugepages", "64"),
        ("free_hugepages", "40"),
        ("resv_hugepages", "8"),
        ("surplus_hugepages", "2"),
        ("nr_overcommit_hugepages", "4"),
    ] {
        t.write(&format!("{pool}/{f}"), &format!("{v}\n"));
    }
    t.set_kb("proc/15506/smaps_rollup", "AnonHugePages", 4096);
    t.set_kb("proc/2946/status", "HugetlbPages", 49152);
    t.set_kb("proc/2946/smaps_rollup", "Private_Hugetlb", 32768);
    t.set_kb("proc/2946/smaps_rollup", "Shared_Hugetlb", 16384);
    t.write("sys/kernel/mm/ksm/run", "1\n");
    t.write(
        "proc/15506/ksm_stat",
        "ksm_rmap_items 1200\nksm_zero_pages 0\nksm_merging_pages 512\nksm_process_profit 1990656\nksm_merge_any: no\nksm_mergeable: yes\n",
    );
    t
}

#[test]
fn huge_pool_rows_are_catalogued() {
    let mut printed = Printed::default();
    for tree in TREES {
        if let Some(j) = json_of(tree, &["huge", "--json"]) {
            printed.add_at(&j, "/pools", &[], &[]);
        }
    }
    printed.are_catalogued(Scope::Huge);
}

#[test]
fn ipc_rows_are_catalogued() {
    // The fixtures have no segments and no dev/shm: a copy given two segments (one
    // marked for removal, one locked and partly swapped) and a POSIX shared memory file.
    let t = TempTree::copy_of("vm-6.18-hybrid", "catalogue-ipc");
    t.write(
        "proc/sysvipc/shm",
        "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap
         0         48  1600               8388608   377   377      2     0     0     0     0 1795307189          0 1795307189               8388608                     0
-559038737         49  2640              67108864  4001  4002      0     1     1     0     0          0          0 1795307200              16777216               4194304
",
    );
    t.write("dev/shm/app.buf", &"x".repeat(12288));
    let j = t.run(&["ipc", "--json"]).json();
    let mut printed = Printed::default();
    printed.add_at(&j, "/segments", &[], &[]);
    printed.add_at(&j, "/posix_shm/files", &[], &[]);
    assert!(!j["posix_shm"]["files"].as_array().unwrap().is_empty());
    printed.are_catalogued(Scope::Ipc);
}

#[test]
fn every_key_printed_is_catalogued_and_every_figure_is_printed() {
    // The system summary: exactly the catalogue's system figures.
    assert_eq!(keys(&json(&["sys", "--json"])), catalogued(Scope::System));
    // Process rows of ps (plain and with cgroups) and of oom.
    let mut printed = BTreeSet::new();
    for args in [
        &["ps", "--json"][..],
        &["ps", "--json", "--faults"],
        &["ps", "--json", "--rlimits"],
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
    // Fault rates, between the fixture tree and a copy of it 10 s later.
    let later = TempTree::copy_of("vm-6.18-hybrid", "catalogue-later");
    later.write("proc/uptime", "685.68 1269.82\n");
    let j = memlens(&[
        "--root",
        VM,
        "--root",
        later.0.to_str().unwrap(),
        "ps",
        "--json",
    ]);
    assert_eq!(j.code, 0, "{}", j.stderr);
    for r in j.json()["processes"].as_array().unwrap() {
        printed.extend(keys(r));
    }
    let oom = json(&["oom", "--json"]);
    for r in oom["processes"].as_array().unwrap() {
        printed.extend(keys(r));
    }
    // Process rows of huge: those holding hugetlb pages, THP users and KSM mergers.
    let t = huge_tree();
    let huge = t.run(&["huge", "--json"]).json();
    for list in ["hugetlb_processes", "thp_processes", "ksm_processes"] {
        let rows = huge[list].as_array().unwrap();
        assert!(!rows.is_empty(), "{list} listed");
        for r in rows {
            printed.extend(keys(r));
        }
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

/// The other views have no --sort (each keeps one order: maps --by by RSS, cgroup
/// siblings by usage, slab caches by size...). One that gains it must have its sort keys
/// checked against its scope here, as ps's are above.
#[test]
fn only_ps_takes_sort_keys() {
    for view in [
        &["maps", "15507"][..],
        &["cgroup"],
        &["zones"],
        &["slab"],
        &["buddy"],
        &["huge"],
        &["ipc"],
        &["oom"],
        &["vmstat"],
    ] {
        let mut args = vec!["--root", VM];
        args.extend_from_slice(view);
        args.extend(["--sort", "size"]);
        let r = memlens(&args);
        assert_eq!(r.code, EXIT_USAGE, "{view:?} --sort: {}", r.stderr);
        assert!(r.stderr.contains("'--sort'"), "{view:?}: {}", r.stderr);
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
        // (A figure the glossary explains under its own name is listed as that entry.)
        let in_glossary = f.scope.keys_named_as_in_glossary()
            && memlens_present::glossary::lookup(f.key).is_some();
        assert!(
            listed_here || in_glossary,
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

/// Every part and "of which" figure of a `where` tree, by key.
fn where_keys(n: &serde_json::Value, printed: &mut Printed) {
    printed.keys.insert(n["key"].as_str().unwrap().to_string());
    printed
        .valued
        .insert(n["key"].as_str().unwrap().to_string());
    for d in n["of_which"].as_array().into_iter().flatten() {
        printed.keys.insert(d["key"].as_str().unwrap().to_string());
        printed
            .valued
            .insert(d["key"].as_str().unwrap().to_string());
    }
    for p in n["parts"].as_array().into_iter().flatten() {
        where_keys(p, printed);
    }
}

#[test]
fn where_parts_are_catalogued() {
    let mut printed = Printed::default();
    for tree in TREES {
        if let Some(j) = json_of(tree, &["where", "--json"]) {
            where_keys(&j["tree"], &mut printed);
        }
    }
    // What the fixtures lack: an offline memory block and a confidential guest's
    // unaccepted memory.
    let t = TempTree::copy_of("vm-6.18-hybrid", "catalogue-where");
    t.write("sys/devices/system/memory/memory999/state", "offline\n");
    let mi = std::fs::read_to_string(format!("{VM}/proc/meminfo")).unwrap();
    t.write("proc/meminfo", &format!("{mi}Unaccepted:        4096 kB\n"));
    let j = t.run(&["where", "--json"]).json();
    where_keys(&j["tree"], &mut printed);
    printed.are_catalogued(Scope::Where);
}

#[test]
fn swap_rows_are_catalogued() {
    let t = TempTree::copy_of("vm-6.18-hybrid", "catalogue-swap");
    t.write(
        "proc/swaps",
        "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/zram0                              partition\t65532\t\t18744\t\t100\n",
    );
    t.write("sys/block/zram0/disksize", "67108864\n");
    t.write("sys/block/zram0/comp_algorithm", "[lzo-rle] lzo lz4\n");
    t.write(
        "sys/block/zram0/mm_stat",
        "19197952   670212  2236416        0  2310144        3        0        1        1\n",
    );
    let j = t.run(&["swap", "--json"]).json();
    let mut printed = Printed::default();
    printed.add_at(&j, "/devices", &[], &[]);
    printed.add_at(&j, "/zram", &[], &[]);
    printed.are_catalogued(Scope::Swap);
    assert_eq!(j["zram"][0]["ratio"], 19197952.0 / 2236416.0);
    assert_eq!(j["devices"][0]["zram"], "zram0");
    // The processes with most swap are process rows.
    let process = catalogued(Scope::Process);
    for r in j["top"].as_array().unwrap() {
        assert!(keys(r).is_subset(&process), "{r}");
    }
}
