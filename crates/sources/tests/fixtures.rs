//! Every parser on every captured tree in `tests/fixtures/`, then on a garbled copy of
//! each file: real files parse with values that agree with the text, garbled ones fail
//! with the line that is wrong.

use std::fs;
use std::path::{Path, PathBuf};

use memlens_sources::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn trees() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("proc/meminfo").exists())
        .collect();
    v.sort();
    assert!(v.len() >= 3, "at least three captured trees");
    v
}

fn pids(tree: &Path) -> Vec<u32> {
    let mut v: Vec<u32> = fs::read_dir(tree.join("proc"))
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_str()?.parse().ok())
        .collect();
    v.sort();
    v
}

/// Replaces the first number on line `n` (1-based) with `x9`, and returns the text.
fn garble_line(text: &[u8], n: usize) -> Vec<u8> {
    let s = String::from_utf8_lossy(text);
    let mut out: Vec<String> = s.lines().map(str::to_string).collect();
    let l = &mut out[n - 1];
    let i = l
        .find(|c: char| c.is_ascii_digit())
        .expect("a number on the line");
    l.insert(i, 'x');
    let mut joined = out.join("\n");
    joined.push('\n');
    joined.into_bytes()
}

fn file(tree: &Path, rel: &str) -> Option<Vec<u8>> {
    fs::read(tree.join(rel)).ok()
}

#[test]
fn system_files_parse_and_garbled_copies_fail() {
    for t in trees() {
        let name = t.display().to_string();
        let mi = file(&t, "proc/meminfo").unwrap();
        let m = meminfo::parse(&mi).unwrap();
        let lines = mi.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(
            m.fields().filter(|(_, v)| v.is_some()).count(),
            lines,
            "{name}: every meminfo line is a known field"
        );
        assert_eq!(
            meminfo::parse(&garble_line(&mi, 2)).unwrap_err().line,
            Some(2)
        );

        if let Some(v) = file(&t, "proc/vmstat") {
            let vm = vmstat::parse(&v).unwrap();
            assert_eq!(vm.0.len(), v.iter().filter(|&&b| b == b'\n').count());
            assert!(vm.get("pgfault").unwrap() > 0);
            assert_eq!(
                vmstat::parse(&garble_line(&v, 5)).unwrap_err().line,
                Some(5)
            );
        }
        if let Some(b) = file(&t, "proc/buddyinfo") {
            let zones = buddyinfo::parse(&b).unwrap();
            assert_eq!(zones.len(), b.iter().filter(|&&c| c == b'\n').count());
            assert!(zones.iter().all(|z| z.free.len() == zones[0].free.len()));
            assert!(buddyinfo::parse(&garble_line(&b, 1)).is_err());
        }
        if let Some(z) = file(&t, "proc/zoneinfo") {
            let zi = zoneinfo::parse(&z).unwrap();
            let text = String::from_utf8_lossy(&z);
            assert_eq!(
                zi.zones.len(),
                text.lines().filter(|l| l.starts_with("Node ")).count()
            );
            let normal = zi.zones.iter().find(|z| z.zone == "Normal").unwrap();
            assert!(normal.min.unwrap() < normal.low.unwrap() && normal.low < normal.high);
            let n = text
                .lines()
                .position(|l| l.trim_start().starts_with("pages free"))
                .unwrap()
                + 1;
            assert_eq!(
                zoneinfo::parse(&garble_line(&z, n)).unwrap_err().line,
                Some(n)
            );
        }
        if let Some(p) = file(&t, "proc/pagetypeinfo") {
            let pt = pagetypeinfo::parse(&p).unwrap();
            assert_eq!(pt.page_block_order, Some(9));
            assert!(pt.free.iter().any(|f| f.migrate_type == "Movable"));
            assert!(pagetypeinfo::parse(&p[..p.len() - 3]).is_err(), "truncated");
        }
        if let Some(s) = file(&t, "proc/slabinfo") {
            let caches = slabinfo::parse(&s).unwrap();
            assert_eq!(caches.len(), s.iter().filter(|&&c| c == b'\n').count() - 2);
            assert!(caches.iter().all(|c| c.active_objs <= c.num_objs));
            assert_eq!(
                slabinfo::parse(&garble_line(&s, 4)).unwrap_err().line,
                Some(4)
            );
        }
        if let Some(p) = file(&t, "proc/pressure/memory") {
            let psi = pressure::parse(&p).unwrap();
            assert!(psi.some.is_some() && psi.full.is_some());
            assert_eq!(
                pressure::parse(&garble_line(&p, 1)).unwrap_err().line,
                Some(1)
            );
        }
        let root = Root::open(&t).unwrap();
        let pools = hugepages::read(&root).unwrap();
        if t.join("sys/kernel/mm/hugepages").exists() {
            assert_eq!(
                pools.iter().map(|p| p.page_size).collect::<Vec<_>>(),
                vec![2 << 20, 1 << 30]
            );
            let reserved: u64 = pools
                .iter()
                .map(|p| p.nr_hugepages.unwrap() * p.page_size)
                .sum();
            if let Some(h) = m.hugetlb {
                assert_eq!(reserved, h, "meminfo Hugetlb sums every pool");
            }
            let thp = transparent_hugepage::read(&root).unwrap();
            let enabled =
                String::from_utf8(file(&t, "sys/kernel/mm/transparent_hugepage/enabled").unwrap())
                    .unwrap();
            assert!(enabled.contains(&format!("[{}]", thp.enabled.unwrap().selected)));
            let ksm = ksm::read(&root).unwrap();
            assert!(ksm.get("pages_sharing").is_some());
            let vm = sysctl::read_dir(&root, "proc/sys/vm").unwrap();
            assert_eq!(vm.get_i64("overcommit_memory"), Some(0));
            assert!(vm.get("swappiness").is_some());
        } else {
            assert!(pools.is_empty(), "{name}: no hugepages dir is no pools");
        }
    }
}

#[test]
fn process_files_parse_and_garbled_copies_fail() {
    for t in trees() {
        let ps = root::live_page_size();
        for pid in pids(&t) {
            let rel = |f: &str| format!("proc/{pid}/{f}");
            let st_text = file(&t, &rel("status")).unwrap();
            let st = status::parse(&st_text).unwrap();
            let st_lines = String::from_utf8_lossy(&st_text).lines().count();
            let vmrss_line = String::from_utf8_lossy(&st_text)
                .lines()
                .position(|l| l.starts_with("VmRSS:"));
            if let Some(n) = vmrss_line {
                assert_eq!(
                    status::parse(&garble_line(&st_text, n + 1))
                        .unwrap_err()
                        .line,
                    Some(n + 1)
                );
            }
            assert!(st_lines > 5);
            if let Some(s) = file(&t, &rel("statm")) {
                let m = statm::parse(&s, ps).unwrap();
                if let Some(vsz) = st.counters.vm_size {
                    assert_eq!(m.size, vsz, "statm size = VmSize");
                }
                assert!(statm::parse(&s[..s.len() - 1], ps).is_err());
            }
            if let Some(s) = file(&t, &rel("stat")) {
                let stat = stat::parse(&s).unwrap();
                assert_eq!(Some(stat.ppid), st.ppid);
                assert_eq!(stat.vsize, st.counters.vm_size.unwrap_or(0));
                assert!(stat::parse(&s[..s.len() / 2]).is_err());
            }
            for f in ["oom_score", "oom_score_adj"] {
                if let Some(s) = file(&t, &rel(f)) {
                    oom_score::parse(&s).unwrap();
                    assert!(oom_score::parse(b"12a\n").is_err());
                }
            }
            if let Some(c) = file(&t, &rel("cgroup")) {
                let e = cgroup::parse(&c).unwrap();
                assert!(memlens_model::memory_cgroup(&e).is_some());
                assert_eq!(
                    cgroup::parse(&garble_line(&c, 1)).unwrap_err().line,
                    Some(1)
                );
            }
            let smaps_text = file(&t, &rel("smaps"));
            if let Some(s) = &smaps_text {
                let maps = smaps::parse_smaps(s).unwrap();
                let total = smaps::sum(&maps);
                if let Some(r) = file(&t, &rel("smaps_rollup")) {
                    let roll = smaps::parse_rollup(&r).unwrap();
                    let (a, b) = (roll.rss.unwrap_or(0) as i64, total.rss.unwrap_or(0) as i64);
                    assert!((a - b).abs() <= 256 * 1024, "rollup vs smaps rss {a} {b}");
                    assert_eq!(
                        smaps::parse_rollup(&garble_line(&r, 3)).unwrap_err().line,
                        Some(3)
                    );
                }
                if !maps.is_empty() {
                    assert_eq!(
                        smaps::parse_smaps(&garble_line(s, 3)).unwrap_err().line,
                        Some(3)
                    );
                    assert_eq!(
                        smaps::parse_smaps(&garble_line(s, 1)).unwrap_err().line,
                        Some(1)
                    );
                }
            }
        }
    }
}
