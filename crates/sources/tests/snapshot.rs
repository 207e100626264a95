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

/// Copies a directory tree (regular files and directories only).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else if t.is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Rewrites a file of the tree, line by line.
fn edit(dir: &Path, rel: &str, f: impl Fn(&str) -> String) {
    let p = dir.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    let out: Vec<String> = text.lines().map(f).collect();
    std::fs::write(&p, out.join("\n") + "\n").unwrap();
}

#[test]
fn a_recorder_keeps_unchanged_processes_and_rereads_changed_ones_and_those_whose_turn_it_is() {
    let dir = std::env::temp_dir().join(format!("memlens-carry-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&tree("vm-6.18-hybrid"), &dir);
    let root = Root::open(&dir).unwrap();
    let mut plan = Plan::everything();
    plan.processes.as_mut().unwrap().stat = true;
    plan.earlier = Some(collect::Earlier::first(12, 0));
    let a = collect(&root, &plan);
    assert_eq!(
        a.meta.carried,
        Some(memlens_model::Carried {
            every: 12,
            turn: 0,
            lap: 0
        })
    );
    let a_scan = a.processes.ok().unwrap().clone();
    let before = |pid: u32| {
        a_scan
            .processes
            .iter()
            .find(|p| p.pid == pid)
            .unwrap()
            .clone()
    };
    let pss = |p: &memlens_model::ProcessSample| p.rollup.as_ref().unwrap().pss;
    plan.earlier = Some(collect::Earlier::after(a.clone(), 0, 12));
    // Between the samples every rollup changes; 1037's stat says its RSS did too. 15505 is
    // on turn 1 (15505 % 12), 1036 is not and its stat is the same.
    for pid in [1036, 1037, 15505] {
        edit(&dir, &format!("proc/{pid}/smaps_rollup"), |l| {
            if l.starts_with("Pss:") {
                "Pss:              999999 kB".into()
            } else {
                l.into()
            }
        });
    }
    for pid in [1037, 15505] {
        std::fs::write(dir.join(format!("proc/{pid}/cmdline")), "changed\0").unwrap();
    }
    for f in ["proc/slabinfo", "proc/pagetypeinfo"] {
        std::fs::write(dir.join(f), "garbage\n").unwrap();
    }
    edit(&dir, "proc/1037/stat", |l| {
        let mut f: Vec<String> = l.split(' ').map(String::from).collect();
        f[23] = (f[23].parse::<u64>().unwrap() + 1).to_string();
        f.join(" ")
    });
    let b = collect(&root, &plan);
    // Back on turn 0, they are read again (and now fail, naming the file). With 2 turns,
    // sample 2 is turn 0 of lap 1: 1036 and 15502 are on their turn, and 15502
    // ((15502 / 2) % 10 == 1) is read whole.
    plan.earlier = Some(collect::Earlier::after(b.clone(), 1, 2));
    for pid in [1036, 15502] {
        std::fs::write(dir.join(format!("proc/{pid}/cmdline")), "changed\0").unwrap();
    }
    let c = collect(&root, &plan);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        c.meta.carried,
        Some(memlens_model::Carried {
            every: 2,
            turn: 0,
            lap: 1
        })
    );
    let c_scan = c.processes.ok().unwrap();
    let c_of = |pid: u32| c_scan.processes.iter().find(|p| p.pid == pid).unwrap();
    assert_eq!(
        pss(c_of(1036)),
        Some(999_999 * 1024),
        "its turn: PSS read again"
    );
    assert_eq!(c_of(1036).cmdline, before(1036).cmdline, "its cmdline kept");
    assert_eq!(
        c_of(15502).cmdline.as_deref(),
        Some("changed"),
        "read whole"
    );
    assert!(c
        .slabinfo
        .failure()
        .unwrap()
        .path
        .ends_with("proc/slabinfo"));
    assert!(c.pagetypeinfo.failure().is_some());
    assert_eq!(
        b.meta.carried,
        Some(memlens_model::Carried {
            every: 12,
            turn: 1,
            lap: 0
        })
    );
    let b_scan = b.processes.ok().unwrap();
    let after = |pid: u32| b_scan.processes.iter().find(|p| p.pid == pid).unwrap();
    assert_eq!(after(1036), &before(1036), "kept whole");
    assert_ne!(pss(&before(1036)), Some(999_999 * 1024));
    assert_eq!(
        pss(after(15505)),
        Some(999_999 * 1024),
        "its turn: read again"
    );
    assert_eq!(
        pss(after(1037)),
        Some(999_999 * 1024),
        "its stat changed: read again"
    );
    assert_eq!(
        after(1037).stat.as_ref().unwrap().rss_pages,
        before(1037).stat.unwrap().rss_pages + 1
    );
    assert_eq!(b_scan.processes.len(), a_scan.processes.len());
    assert_eq!(b_scan.kernel_threads, a_scan.kernel_threads);
    assert!(b_scan.kernel_threads > 0);
    // The pagetypeinfo and slabinfo of turn 0 are kept on turn 1, though they changed.
    assert!(a.slabinfo.is_read() && a.pagetypeinfo.is_read());
    assert_eq!(b.pagetypeinfo, a.pagetypeinfo);
    assert_eq!(b.slabinfo, a.slabinfo);
    assert!(b.sysctl_vm.is_read() && b.users.is_read());
}

#[test]
fn a_live_view_checks_quiet_processes_less_often_and_busy_ones_at_every_sample() {
    use std::process::{Command, Stdio};
    let mut idle = Command::new("sleep")
        .arg("600")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // This process, growing by a mebibyte between samples: busy.
    let busy = std::process::id();
    let mut grown: Vec<Vec<u8>> = Vec::new();
    let root = Root::live();
    let mut plan = Plan {
        processes: Some(procs::ScanOptions {
            stat: true,
            rollup: false,
            cmdline: false,
            threads: 1,
            ..Default::default()
        }),
        ..Plan::NOTHING
    };
    // So many turns that neither process's turn comes.
    plan.earlier = Some(collect::Earlier::first_checking_quiet_less_often(
        1_000_000, 4096,
    ));
    let (mut idle_seen, mut busy_seen) = (Vec::new(), Vec::new());
    let mut idle_stats = Vec::new();
    for _ in 0..9 {
        let s = collect(&root, &plan);
        let scan = s.processes.ok().unwrap().clone();
        let find = |pid: u32| scan.processes.iter().find(|p| p.pid == pid).unwrap();
        idle_seen.push(find(idle.id()).unchecked);
        idle_stats.push(find(idle.id()).stat.clone().unwrap());
        busy_seen.push(find(busy).unchecked);
        let e = plan.earlier.take().unwrap();
        plan.earlier = Some(e.next(s));
        grown.push(vec![1; 1 << 20]);
        std::hint::black_box(&grown);
    }
    let _ = (idle.kill(), idle.wait());
    // Sample 0 reads everything; 1 finds the sleeper quiet, so 2 skips it; 3 finds it
    // quiet again, so 4 to 6 skip it; 7 checks it.
    assert_eq!(
        idle_seen,
        [false, false, true, false, true, true, true, false, true]
    );
    assert!(
        idle_stats.windows(2).all(|w| w[0] == w[1]),
        "{idle_stats:?}"
    );
    assert_eq!(
        busy_seen, [false; 9],
        "a changing process is checked every time"
    );
}
