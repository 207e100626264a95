//! A snapshot collected from each captured tree and from the live machine round-trips
//! through its serialised form with nothing lost, and each part holds what its parser
//! reads from the same files.

use std::path::{Path, PathBuf};

use memlens_model::{FailureKind, Part, Snapshot};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::*;

fn tree(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn round_trip(s: &Snapshot) -> usize {
    let text = serde_json::to_string(s).unwrap();
    let back: Snapshot = serde_json::from_str(&text).unwrap();
    assert_eq!(&back, s, "the snapshot of {} round-trips", s.meta.source);
    text.len()
}

#[test]
fn fixture_snapshots_round_trip_and_hold_what_the_parsers_read() {
    for name in ["vm-6.18-hybrid", "v2-unified", "old-3.10-trimmed"] {
        let root = Root::open(tree(name)).unwrap();
        let s = collect(&root, &Plan::everything());
        round_trip(&s);
        assert_eq!(s.meta.format, memlens_model::snapshot::FORMAT);
        assert_eq!(s.meta.page_size, root.page_size());
        assert_eq!(s.meminfo, Part::Read(meminfo::read(&root).unwrap()));
        assert_eq!(s.vmstat, Part::Read(vmstat::read(&root).unwrap()));
        let scan = procs::scan(&root, Plan::everything().processes.as_ref().unwrap()).unwrap();
        assert_eq!(s.processes, Part::Read(scan));
        let has = |f: &str| tree(name).join(f).exists();
        assert_eq!(s.uptime.is_read(), has("proc/uptime"), "{name}");
        assert_eq!(
            s.meta.kernel.is_some(),
            has("proc/sys/kernel/osrelease"),
            "{name}"
        );
    }
    // What an old kernel lacks is a failed part naming the file, not a missing value.
    let old = collect(
        &Root::open(tree("old-3.10-trimmed")).unwrap(),
        &Plan::everything(),
    );
    let f = old.zoneinfo.failure().unwrap();
    assert_eq!(f.kind, FailureKind::Missing);
    assert!(
        f.message.ends_with("proc/zoneinfo: no such file"),
        "{}",
        f.message
    );
    assert_eq!(old.pressure, Part::Read(None), "no PSI before 4.20");
    // Nothing is read that the plan does not ask for.
    let bare = collect(
        &Root::open(tree("vm-6.18-hybrid")).unwrap(),
        &Plan::default(),
    );
    assert_eq!(bare.meminfo, Part::NotRead);
    assert_eq!(bare.processes, Part::NotRead);
}

#[test]
fn the_live_snapshot_round_trips() {
    let s = collect(&Root::live(), &Plan::everything());
    let bytes = round_trip(&s);
    let n = s.processes.ok().unwrap().processes.len();
    assert!(n > 0 && s.meta.taken_at_ns.is_some() && s.meta.boot_id.is_some());
    eprintln!("live snapshot: {n} processes, {bytes} bytes of JSON");
}

#[test]
fn older_snapshots_keep_loading() {
    let s = collect(
        &Root::open(tree("vm-6.18-hybrid")).unwrap(),
        &Plan::everything(),
    );
    let mut v: serde_json::Value = serde_json::to_value(&s).unwrap();
    // A part a later version added is absent from an older file: it loads as not read.
    v.as_object_mut().unwrap().remove("cgroups");
    // And a field a newer version added is ignored.
    v["meta"]["added_later"] = serde_json::json!(1);
    let back: Snapshot = serde_json::from_value(v).unwrap();
    assert_eq!(back.cgroups, Part::NotRead);
    assert_eq!(back.meminfo, s.meminfo);
}
