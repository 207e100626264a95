//! The kernel views (vmstat, zones, buddy, slab, huge, ipc, oom, explain) on the
//! captured trees: every figure is recomputed here from the raw kernel text in the tree.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

fn tree(name: &str) -> PathBuf {
    fixtures().join(name)
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn at(name: &str, args: &[&str]) -> Run {
    let root = tree(name);
    let mut all = vec!["--root", root.to_str().unwrap()];
    all.extend_from_slice(args);
    memlens(&all)
}

/// `name value` lines of a vmstat-like text.
fn counters(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .map(|l| {
            let mut f = l.split_whitespace();
            (
                f.next().unwrap().to_string(),
                f.next().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

fn sum_where(c: &[(String, u64)], pred: impl Fn(&str) -> bool) -> u64 {
    c.iter().filter(|(n, _)| pred(n)).map(|(_, v)| v).sum()
}

fn rel_close(what: &str, a: f64, b: f64) {
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        "{what}: memlens {a} vs {b}"
    );
}

#[test]
fn vmstat_since_boot_rates_are_the_raw_counters_over_uptime() {
    let name = "vm-6.18-hybrid";
    let raw = counters(&read(&tree(name).join("proc/vmstat")));
    let up: f64 = read(&tree(name).join("proc/uptime"))
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mi = read(&tree(name).join("proc/meminfo"));
    let j = at(name, &["vmstat", "--json"]).json();
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "a capture gives the since-boot row only");
    let r = &rows[0];
    assert_eq!(r["since_boot"], true);
    assert_eq!(r["seconds"].as_f64().unwrap(), up);
    let get = |n: &str| raw.iter().find(|(k, _)| k == n).map(|(_, v)| *v).unwrap();
    let expect = [
        ("pgfault", get("pgfault")),
        ("pgmajfault", get("pgmajfault")),
        ("pswpin", get("pswpin")),
        ("pswpout", get("pswpout")),
        ("pgpgin", get("pgpgin")),
        ("pgpgout", get("pgpgout")),
        (
            "pgscan_kswapd",
            sum_where(&raw, |n| n.starts_with("pgscan_kswapd")),
        ),
        (
            "pgscan_direct",
            sum_where(&raw, |n| {
                n.starts_with("pgscan_direct") && n != "pgscan_direct_throttle"
            }),
        ),
        ("pgsteal", get("pgsteal_kswapd") + get("pgsteal_direct")),
        ("compact_stall", get("compact_stall")),
        ("thp_fault_alloc", get("thp_fault_alloc")),
        ("oom_kill", get("oom_kill")),
    ];
    for (k, v) in expect {
        let c = &r["counters"][k];
        assert_eq!(c["delta"].as_u64(), Some(v), "{k}");
        rel_close(k, c["per_second"].as_f64().unwrap(), v as f64 / up);
    }
    // Nothing scanned on this machine: no %vmeff rather than 0 or NaN.
    assert!(r["vmeff_percent"].is_null());
    assert_eq!(int(r, "free"), kb_field(&mi, "MemFree").unwrap());
    assert_eq!(int(r, "available"), kb_field(&mi, "MemAvailable").unwrap());
    assert_eq!(int(r, "anon"), kb_field(&mi, "AnonPages").unwrap());
    assert_eq!(
        int(r, "file"),
        kb_field(&mi, "Active(file)").unwrap() + kb_field(&mi, "Inactive(file)").unwrap()
    );
    assert_eq!(
        int(r, "swap_used"),
        kb_field(&mi, "SwapTotal").unwrap() - kb_field(&mi, "SwapFree").unwrap()
    );
    assert_eq!(r["psi_some_avg10"].as_f64(), Some(0.0));
    // CSV: the same row, keys as header.
    let csv = at(name, &["vmstat", "--csv"]);
    let mut lines = csv.stdout.lines();
    let keys: Vec<&str> = lines.next().unwrap().split(',').collect();
    let vals: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |k: &str| vals[keys.iter().position(|x| *x == k).unwrap()];
    assert_eq!(col("free").parse::<i64>().unwrap(), int(r, "free"));
    rel_close(
        "csv pgfault",
        col("pgfault_per_s").parse().unwrap(),
        get("pgfault") as f64 / up,
    );
    // An interval on a capture is refused politely: the since-boot row only.
    let i = at(name, &["vmstat", "1", "3", "--json"]);
    assert_eq!(i.json()["rows"].as_array().unwrap().len(), 1);
    assert!(i.stderr.contains("since-boot row only"), "{}", i.stderr);
}

#[test]
fn vmstat_without_uptime_or_psi_says_so() {
    let r = at("old-3.10-trimmed", &["vmstat"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("no proc/uptime"), "{}", r.stderr);
    assert!(
        r.stdout.contains("no /proc/pressure/memory"),
        "{}",
        r.stdout
    );
    let j = at("old-3.10-trimmed", &["vmstat", "--json"]).json();
    let row = &j["rows"][0];
    assert!(row["counters"]["pgfault"]["per_second"].is_null());
    assert!(row["counters"]["pgfault"]["delta"].as_u64().is_some());
    assert!(row["psi_some_avg10"].is_null());
    assert!(row["available"].is_null(), "3.10 has no MemAvailable");
}

#[test]
fn vmstat_garbled_input_is_one_line_and_exit_2() {
    let dir = std::env::temp_dir().join(format!("memlens-vmstat-bad-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("proc")).unwrap();
    fs::copy(
        tree("vm-6.18-hybrid").join("proc/meminfo"),
        dir.join("proc/meminfo"),
    )
    .unwrap();
    fs::write(dir.join("proc/vmstat"), "pgfault 12\npgmajfault x\n").unwrap();
    fs::write(dir.join("proc/uptime"), "12.00 3.00\n").unwrap();
    let r = memlens(&["--root", dir.to_str().unwrap(), "vmstat"]);
    assert_eq!(r.code, EXIT_READ);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("proc/vmstat:2"), "{}", r.stderr);
    fs::write(dir.join("proc/vmstat"), "pgfault 12\n").unwrap();
    fs::write(dir.join("proc/uptime"), "12.00").unwrap();
    let r = memlens(&["--root", dir.to_str().unwrap(), "vmstat"]);
    assert_eq!(r.code, EXIT_READ);
    assert!(r.stderr.contains("proc/uptime:1"), "{}", r.stderr);
    let _ = fs::remove_dir_all(&dir);
}

/// One zone of zoneinfo: node, zone, and its `key pages` lines.
type RawZone = (i64, String, Vec<(String, i64)>);

/// `Node N, zone NAME` blocks of zoneinfo: (node, zone, key -> pages) for the zone lines.
fn zoneinfo(text: &str) -> Vec<RawZone> {
    let mut out: Vec<RawZone> = Vec::new();
    for l in text.lines() {
        if let Some(rest) = l.strip_prefix("Node ") {
            let (n, z) = rest.split_once(", zone").unwrap();
            out.push((n.trim().parse().unwrap(), z.trim().to_string(), Vec::new()));
            continue;
        }
        let t = l.trim();
        let t = t.strip_prefix("pages ").unwrap_or(t);
        let mut f = t.split_whitespace();
        if let (Some(k), Some(v), None) = (f.next(), f.next(), f.next()) {
            if [
                "free", "min", "low", "high", "managed", "present", "spanned", "boost",
            ]
            .contains(&k)
            {
                let z = out.last_mut().unwrap();
                if !z.2.iter().any(|(x, _)| x == k) {
                    z.2.push((k.to_string(), v.parse().unwrap()));
                }
            }
        }
    }
    out
}

#[test]
fn zones_are_zoneinfo_in_bytes_with_watermark_status() {
    let name = "vm-6.18-hybrid";
    let raw = zoneinfo(&read(&tree(name).join("proc/zoneinfo")));
    let j = at(name, &["zones", "--json"]).json();
    assert_eq!(j["page_size"], 4096);
    let zones = j["zones"].as_array().unwrap();
    assert_eq!(zones.len(), raw.len());
    assert_eq!(zones.len(), 5, "DMA, DMA32, Normal, Movable, Device");
    for (z, (node, zone, kv)) in zones.iter().zip(&raw) {
        assert_eq!(int(z, "node"), *node);
        assert_eq!(z["zone"], zone.as_str());
        let p = |k: &str| kv.iter().find(|(x, _)| x == k).unwrap().1;
        for k in [
            "free", "min", "low", "high", "managed", "present", "spanned", "boost",
        ] {
            assert_eq!(int(z, k), p(k) * 4096, "{zone} {k}");
        }
        assert_eq!(int(z, "free_minus_low"), (p("free") - p("low")) * 4096);
        assert_eq!(int(z, "free_minus_min"), (p("free") - p("min")) * 4096);
        let expect = if p("managed") == 0 {
            "empty"
        } else if p("free") < p("min") {
            "below_min"
        } else if p("free") < p("low") {
            "below_low"
        } else if p("free") < p("high") {
            "below_high"
        } else {
            "ok"
        };
        assert_eq!(z["status"], expect, "{zone}");
    }
    // By hand from the file: Normal has 116096 free pages and low 9920.
    assert_eq!(int(&zones[2], "free_minus_low"), (116096 - 9920) * 4096);
    assert_eq!(zones[3]["status"], "empty", "Movable manages nothing");
    let csv = at(name, &["zones", "--csv"]).stdout;
    assert!(csv.starts_with(
        "node,zone,free,min,low,high,managed,present,free_minus_low,status,boost,free_minus_high,free_minus_min,spanned\n"
    ));
    assert!(
        csv.contains(&format!("0,Normal,{},", 116096 * 4096)),
        "{csv}"
    );
    let t = at(name, &["zones"]);
    assert!(t.stdout.contains("Movable") && t.stdout.contains("empty"));
}

#[test]
fn zones_and_buddy_degrade_clearly_on_an_old_tree() {
    let r = at("old-3.10-trimmed", &["zones"]);
    assert_eq!(r.code, EXIT_READ);
    assert_eq!(r.stderr.lines().count(), 1);
    assert!(
        r.stderr.contains("proc/zoneinfo: no such file"),
        "{}",
        r.stderr
    );
    // buddyinfo is there, pagetypeinfo is not.
    assert_eq!(at("old-3.10-trimmed", &["buddy"]).code, 0);
    let r = at("old-3.10-trimmed", &["buddy", "--types"]);
    assert_eq!(r.code, EXIT_READ);
    assert_eq!(r.stderr.lines().count(), 1);
    assert!(r.stderr.contains("no pagetypeinfo"), "{}", r.stderr);
}

fn order_counts(line: &str) -> Vec<u64> {
    line.split_whitespace()
        .skip_while(|w| !w.ends_with(','))
        .skip(3)
        .map(|x| x.parse().unwrap())
        .collect()
}

#[test]
fn buddy_counts_sizes_and_unusable_index_from_buddyinfo() {
    let name = "vm-6.18-hybrid";
    let text = read(&tree(name).join("proc/buddyinfo"));
    let j = at(name, &["buddy", "--json"]).json();
    let zones = j["zones"].as_array().unwrap();
    assert_eq!(zones.len(), text.lines().count());
    for (z, line) in zones.iter().zip(text.lines()) {
        let n = order_counts(line);
        let got: Vec<u64> = z["free_blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        assert_eq!(got, n, "{line}");
        let total: u64 = n.iter().enumerate().map(|(k, c)| c << k).sum();
        assert_eq!(z["free"].as_u64(), Some(total * 4096));
        let largest = n.iter().rposition(|&c| c > 0).map(|k| 4096u64 << k);
        assert_eq!(z["largest_free_block"].as_u64(), largest);
        for (j, u) in z["unusable_index"].as_array().unwrap().iter().enumerate() {
            let usable: u64 = n.iter().enumerate().skip(j).map(|(k, c)| c << k).sum();
            let expect = (total - usable) as f64 / total as f64;
            assert!((u.as_f64().unwrap() - expect).abs() < 1e-12, "order {j}");
        }
        assert_eq!(z["block_sizes"][10].as_u64(), Some(4 << 20));
    }
    // By hand: DMA has 1 + 1 + 3 blocks of 1, 2 and 4 MiB = 3840 pages; at order 9 the
    // 1 MiB block (256 pages) is unusable: 256/3840.
    assert_eq!(int(&zones[0], "free"), 3840 * 4096);
    let u9 = zones[0]["unusable_index"][9].as_f64().unwrap();
    assert!((u9 - 256.0 / 3840.0).abs() < 1e-12);
}

#[test]
fn buddy_types_are_pagetypeinfo() {
    let name = "vm-6.18-hybrid";
    let text = read(&tree(name).join("proc/pagetypeinfo"));
    let j = at(name, &["buddy", "--types", "--json"]).json();
    let t = &j["types"];
    assert_eq!(t["page_block_order"], 9);
    assert_eq!(t["pages_per_block"], 512);
    let typed: Vec<&str> = text.lines().filter(|l| l.contains(", type ")).collect();
    let free = t["free"].as_array().unwrap();
    assert_eq!(free.len(), typed.len());
    for (f, line) in free.iter().zip(&typed) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f["migrate_type"], words[5], "{line}");
        let n: Vec<u64> = words[6..].iter().map(|x| x.parse().unwrap()).collect();
        let total: u64 = n.iter().enumerate().map(|(k, c)| c << k).sum();
        assert_eq!(f["free"].as_u64(), Some(total * 4096), "{line}");
    }
    // Node 0, zone Normal: 57 Unmovable, 1210 Movable, 77 Reclaimable page blocks.
    let normal = &t["blocks"][2];
    assert_eq!(normal["zone"], "Normal");
    assert_eq!(normal["blocks"]["Unmovable"], 57);
    assert_eq!(normal["blocks"]["Movable"], 1210);
    assert_eq!(normal["blocks"]["Reclaimable"], 77);
    // The migrate types of a zone add up to what buddyinfo lists for it (same capture
    // instant only for DMA and DMA32, which did not move).
    for (zi, zone) in ["DMA", "DMA32"].iter().enumerate() {
        let sum: u64 = free
            .iter()
            .filter(|f| f["zone"] == *zone)
            .map(|f| f["free"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, j["zones"][zi]["free"].as_u64().unwrap(), "{zone}");
    }
    let csv = at(name, &["buddy", "--types", "--csv"]).stdout;
    assert!(csv.contains("\n0,Normal,Movable,9317,5600,"), "{csv}");
}

#[test]
fn slab_caches_are_slabinfo_sized_and_sorted() {
    let name = "vm-6.18-hybrid";
    let text = read(&tree(name).join("proc/slabinfo"));
    let mi = read(&tree(name).join("proc/meminfo"));
    // name active num objsize objperslab pagesperslab : tunables a b c : slabdata act num sh
    let raw: Vec<Vec<String>> = text
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    let n = |r: &Vec<String>, i: usize| r[i].parse::<i64>().unwrap();
    let j = at(name, &["slab", "--json"]).json();
    let caches = j["caches"].as_array().unwrap();
    assert_eq!(caches.len(), raw.len());
    let mut total = 0;
    for r in &raw {
        let c = caches.iter().find(|c| c["name"] == r[0].as_str()).unwrap();
        assert_eq!(int(c, "active_objs"), n(r, 1), "{}", r[0]);
        assert_eq!(int(c, "num_objs"), n(r, 2));
        assert_eq!(int(c, "objsize"), n(r, 3));
        assert_eq!(int(c, "num_slabs"), n(r, 14));
        let size = n(r, 14) * n(r, 5) * 4096;
        assert_eq!(int(c, "size"), size, "{}", r[0]);
        total += size;
    }
    let sizes: Vec<i64> = caches.iter().map(|c| int(c, "size")).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "sorted by size");
    // By hand: ext4_inode_cache has 4443 slabs of 4 pages.
    assert_eq!(caches[0]["name"], "ext4_inode_cache");
    assert_eq!(int(&caches[0], "size"), 4443 * 4 * 4096);
    let t = &j["totals"];
    assert_eq!(int(t, "size"), total);
    assert_eq!(int(t, "meminfo_slab"), kb_field(&mi, "Slab").unwrap());
    assert_eq!(int(t, "difference"), kb_field(&mi, "Slab").unwrap() - total);
    // The table prints both totals and the difference.
    let out = at(name, &["slab", "--bytes", "-n", "3"]).stdout;
    assert!(
        out.contains(&format!("Slab pages of all caches: {total}")),
        "{out}"
    );
    assert!(out.contains(&format!("meminfo Slab: {}", kb_field(&mi, "Slab").unwrap())));
    assert_eq!(out.lines().filter(|l| l.ends_with("dentry")).count(), 1);
    let csv = at(name, &["slab", "--csv", "-n", "1"]).stdout;
    assert!(csv.starts_with(
        "num_objs,active_objs,utilisation,objsize,num_slabs,objperslab,pagesperslab,size,name,active_size,active_slabs\n62202,62136,"
    ));
}

#[test]
fn slab_without_slabinfo_is_a_clear_exit_2() {
    let r = at("old-3.10-trimmed", &["slab"]);
    assert_eq!(r.code, EXIT_READ);
    assert_eq!(r.stderr.lines().count(), 1);
    assert!(r.stderr.contains("has no slabinfo"), "{}", r.stderr);
}

#[test]
fn oom_ranks_by_the_oom_score_files() {
    for name in ["vm-6.18-hybrid", "old-3.10-trimmed"] {
        let j = at(name, &["oom", "--json"]).json();
        let rows = j["processes"].as_array().unwrap();
        assert!(!rows.is_empty());
        let mi = read(&tree(name).join("proc/meminfo"));
        let total_pages =
            (kb_field(&mi, "MemTotal").unwrap() + kb_field(&mi, "SwapTotal").unwrap()) / 4096;
        let mut prev = i64::MAX;
        let mut prev_badness = i64::MAX;
        let mut victim = None;
        for r in rows {
            let pid = int(r, "pid");
            let dir = tree(name).join(format!("proc/{pid}"));
            let score: i64 = read(&dir.join("oom_score")).trim().parse().unwrap();
            let adj: i64 = read(&dir.join("oom_score_adj")).trim().parse().unwrap();
            assert_eq!(int(r, "oom_score"), score, "{name} {pid}");
            assert_eq!(int(r, "oom_score_adj"), adj, "{name} {pid}");
            assert!(score <= prev, "ranked by oom_score");
            // Equal scores: by the kernel's unrounded badness, recomputed from status.
            let st = read(&dir.join("status"));
            let field = |k: &str| kb_field(&st, k).unwrap_or(0);
            let badness = (field("VmRSS") + field("VmSwap") + field("VmPTE")) / 4096
                + adj * (total_pages / 1000);
            if kb_field(&st, "VmPTE").is_some() {
                assert_eq!(int(r, "badness"), badness, "{name} {pid}");
                if score == prev {
                    assert!(badness <= prev_badness, "{name} {pid}: ties by badness");
                }
                prev_badness = badness;
            }
            prev = score;
            let killable = pid != 1 && adj != -1000;
            assert_eq!(r["killable"], killable);
            if killable && victim.is_none() {
                victim = Some(pid);
            }
            let st = read(&dir.join("status"));
            assert_eq!(int(r, "rss"), kb_field(&st, "VmRSS").unwrap());
        }
        assert_eq!(j["first_victim"].as_i64(), victim, "{name}");
    }
    // By hand: in the 6.18 capture python3 (15506) scores 667, above everything else.
    let j = at("vm-6.18-hybrid", &["oom", "--json"]).json();
    assert_eq!(j["first_victim"], 15506);
    assert_eq!(j["processes"][0]["oom_score"], 667);
    assert_eq!(j["oom_kills_since_boot"], 0);
    let t = at("vm-6.18-hybrid", &["oom"]).stdout;
    assert!(
        t.contains("First to be killed when memory runs out: PID 15506, oom_score 667: /root/.pyenv/versions/3.11.7/bin/python3 -c"),
        "the victim is named by its command line: {t}"
    );
    assert!(t.contains("OOM kills since boot: 0"));
    assert!(t.contains("oom_adj (-17..15) is obsolete"));
    // 3.10 has no oom_kill counter: said, not shown as 0.
    let j = at("old-3.10-trimmed", &["oom", "--json"]).json();
    assert!(j["oom_kills_since_boot"].is_null());
    let t = at("old-3.10-trimmed", &["oom"]).stdout;
    assert!(t.contains("not counted by this kernel"), "{t}");
    let csv = at("vm-6.18-hybrid", &["oom", "--csv", "-n", "1"]).stdout;
    assert!(csv.starts_with(
        "pid,user,oom_score,oom_score_adj,rss,swap,pss,cgroup,command,badness,comm,killable\n15506,root,667,0,"
    ));
}

/// The selected word of a `a [b] c` selector file.
fn selected(text: &str) -> String {
    let s = text.split('[').nth(1).unwrap();
    s.split(']').next().unwrap().to_string()
}

fn num(text: &str) -> i64 {
    text.trim().parse().unwrap()
}

/// `memlens huge` on a copy of the 6.18 tree given a hugetlb pool in use, THP users, a
/// hugetlb holder and running KSM with one merging process: every figure equals the
/// raw file it comes from (pages × page size where the kernel counts pages).
#[test]
fn huge_pools_thp_and_ksm_are_the_raw_files() {
    let t = TempTree::copy_of("vm-6.18-hybrid", "huge");
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
    t.set_kb("proc/meminfo", "AnonHugePages", 6144);
    t.set_kb("proc/meminfo", "Hugetlb", 131072);
    t.set_kb("proc/15506/smaps_rollup", "AnonHugePages", 4096);
    t.set_kb("proc/15507/smaps_rollup", "AnonHugePages", 2048);
    t.set_kb("proc/2946/status", "HugetlbPages", 49152);
    t.set_kb("proc/2946/smaps_rollup", "Private_Hugetlb", 32768);
    t.set_kb("proc/2946/smaps_rollup", "Shared_Hugetlb", 16384);
    for (f, v) in [
        ("run", "1"),
        ("pages_shared", "310"),
        ("pages_sharing", "2052"),
        ("pages_unshared", "7400"),
        ("pages_volatile", "15"),
    ] {
        t.write(&format!("sys/kernel/mm/ksm/{f}"), &format!("{v}\n"));
    }
    t.write(
        "proc/15506/ksm_stat",
        "ksm_rmap_items 1200\nksm_zero_pages 0\nksm_merging_pages 512\nksm_process_profit 1990656\nksm_merge_any: no\nksm_mergeable: yes\n",
    );
    let j = t.run(&["huge", "--json"]).json();
    let ps = 4096;
    assert_eq!(int(&j, "page_size"), ps);

    let pools = j["pools"].as_array().unwrap();
    assert_eq!(pools.len(), 2);
    let p = &pools[0];
    assert_eq!(int(p, "page_size"), 2 * MIB);
    let raw = |f: &str| num(&t.read(&format!("{pool}/{f}")));
    assert_eq!(int(p, "total_pages"), raw("nr_hugepages"));
    assert_eq!(int(p, "free_pages"), raw("free_hugepages"));
    assert_eq!(int(p, "reserved_pages"), raw("resv_hugepages"));
    assert_eq!(int(p, "surplus_pages"), raw("surplus_hugepages"));
    assert_eq!(int(p, "overcommit_pages"), raw("nr_overcommit_hugepages"));
    assert_eq!(int(p, "total"), raw("nr_hugepages") * 2 * MIB);
    assert_eq!(
        int(p, "used"),
        (raw("nr_hugepages") - raw("free_hugepages")) * 2 * MIB
    );
    assert_eq!(int(p, "reserved"), raw("resv_hugepages") * 2 * MIB);
    assert_eq!(int(&pools[1], "page_size"), 1024 * MIB);
    assert_eq!(int(&pools[1], "total_pages"), 0);
    let mi = t.read("proc/meminfo");
    assert_eq!(int(&j, "hugetlb"), kb_field(&mi, "Hugetlb").unwrap());
    assert_eq!(
        int(&j, "anon_huge_pages"),
        kb_field(&mi, "AnonHugePages").unwrap()
    );
    assert_eq!(
        int(&j, "file_huge_pages"),
        kb_field(&mi, "FileHugePages").unwrap()
    );

    let h = j["hugetlb_processes"].as_array().unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(int(&h[0], "pid"), 2946);
    let st = t.read("proc/2946/status");
    let ro = t.read("proc/2946/smaps_rollup");
    assert_eq!(
        int(&h[0], "hugetlb_pages"),
        kb_field(&st, "HugetlbPages").unwrap()
    );
    assert_eq!(
        int(&h[0], "private_hugetlb"),
        kb_field(&ro, "Private_Hugetlb").unwrap()
    );
    assert_eq!(
        int(&h[0], "shared_hugetlb"),
        kb_field(&ro, "Shared_Hugetlb").unwrap()
    );

    let thp_dir = "sys/kernel/mm/transparent_hugepage";
    assert_eq!(j["thp"]["available"], true);
    assert_eq!(
        j["thp"]["enabled"],
        selected(&t.read(&format!("{thp_dir}/enabled")))
    );
    assert_eq!(
        j["thp"]["defrag"],
        selected(&t.read(&format!("{thp_dir}/defrag")))
    );
    assert_eq!(
        int(&j["thp"], "pmd_size"),
        num(&t.read(&format!("{thp_dir}/hpage_pmd_size")))
    );
    let top = j["thp_processes"].as_array().unwrap();
    assert_eq!(top.len(), 2);
    assert_eq!(int(&j, "thp_processes_total"), 2);
    for (row, pid) in top.iter().zip([15506, 15507]) {
        assert_eq!(int(row, "pid"), pid, "largest first");
        let ro = t.read(&format!("proc/{pid}/smaps_rollup"));
        assert_eq!(
            int(row, "anon_huge_pages"),
            kb_field(&ro, "AnonHugePages").unwrap()
        );
        let st = t.read(&format!("proc/{pid}/status"));
        assert_eq!(int(row, "rss"), kb_field(&st, "VmRSS").unwrap());
    }

    let k = &j["ksm"];
    let ksm = |f: &str| num(&t.read(&format!("sys/kernel/mm/ksm/{f}")));
    assert_eq!(k["available"], true);
    for f in [
        "run",
        "pages_shared",
        "pages_sharing",
        "pages_unshared",
        "pages_volatile",
        "general_profit",
    ] {
        assert_eq!(int(k, f), ksm(f), "{f}");
    }
    assert_eq!(int(k, "savings"), ksm("pages_sharing") * ps);
    let kp = j["ksm_processes"].as_array().unwrap();
    assert_eq!(kp.len(), 1);
    assert_eq!(int(&kp[0], "pid"), 15506);
    assert_eq!(int(&kp[0], "ksm_merging_pages"), 512);
    assert_eq!(int(&kp[0], "ksm_merging"), 512 * ps);
    assert_eq!(int(&kp[0], "ksm_process_profit"), 1990656);

    // --limit cuts the lists, not the totals; CSV has the union of the listed processes.
    let j1 = t.run(&["huge", "--json", "--limit", "1"]).json();
    assert_eq!(j1["thp_processes"].as_array().unwrap().len(), 1);
    assert_eq!(int(&j1, "thp_processes_total"), 2);
    let csv = t.run(&["huge", "--csv"]);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "pid,user,anon_huge_pages,hugetlb_pages,private_hugetlb,shared_hugetlb,ksm_merging_pages,ksm_merging,command,rss,ksm_process_profit"
    );
    assert_eq!(lines.len(), 4, "{}", csv.stdout);
    assert!(
        lines[3].starts_with(&format!("15507,root,{},", 2 * MIB)),
        "{}",
        lines[3]
    );
    let text = t.run(&["huge", "--kib"]);
    assert_eq!(text.code, 0);
    assert!(
        text.stdout.contains("KSM saves 8208 (pages_sharing x 4096"),
        "{}",
        text.stdout
    );

    // A garbled ksm_stat marks that process; the warning names file and line.
    t.write("proc/15506/ksm_stat", "ksm_merging_pages 5x\n");
    let r = t.run(&["huge"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("15506/ksm_stat:1:"), "{}", r.stderr);
    assert_eq!(
        r.stderr.lines().filter(|l| l.contains("unusable")).count(),
        1,
        "{}",
        r.stderr
    );
}

/// The untouched trees: the 6.18 tree's zero pools and stopped KSM are reported as such;
/// the 3.10 tree has no pools, THP or KSM directories, and says so.
#[test]
fn huge_on_plain_and_old_trees() {
    let j = at("vm-6.18-hybrid", &["huge", "--json"]).json();
    assert_eq!(j["pools"].as_array().unwrap().len(), 2);
    assert_eq!(j["ksm"]["run"], 0);
    assert_eq!(j["thp_processes"].as_array().unwrap().len(), 0);
    let j = at("old-3.10-trimmed", &["huge", "--json"]).json();
    assert!(j["pools"].as_array().unwrap().is_empty());
    assert_eq!(j["thp"]["available"], false);
    assert_eq!(j["ksm"]["available"], false);
    let r = at("old-3.10-trimmed", &["huge"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("hugetlb: no pools"));
    assert!(r.stdout.contains("KSM: not available"));
}

/// The raw columns of `/proc/sysvipc/*` text, by header name.
fn ipc_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut l = text.lines();
    let head: Vec<String> = l
        .next()
        .unwrap()
        .split_whitespace()
        .map(String::from)
        .collect();
    l.map(|r| {
        head.iter()
            .cloned()
            .zip(r.split_whitespace().map(String::from))
            .collect()
    })
    .collect()
}

/// A user name from the tree's etc/passwd.
fn passwd_name(t: &TempTree, uid: u32) -> String {
    t.read("etc/passwd")
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.get(2)? == &uid.to_string()).then(|| f[0].to_string())
        })
        .unwrap_or_else(|| uid.to_string())
}

/// `memlens ipc` on a copy of the 6.18 tree with hand-written `/proc/sysvipc` files (two
/// segments, one marked for removal and one locked, owned by root and daemon; two
/// semaphore sets; a queue holding messages) and a `dev/shm` with a sparse file: every
/// column equals the raw text; CSV carries the same rows; the untouched tree says
/// `dev/shm` was not captured and the 3.10 tree that it has no SysV IPC files.
#[test]
fn ipc_columns_are_the_raw_sysvipc_text() {
    let t = TempTree::copy_of("vm-6.18-hybrid", "ipc");
    let shm = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap
         0         48  1600               8388608   377   377      2     0     0     0     0 1795307189          0 1795307189               8388608                     0
-559038737         49  2640              67108864  4001  4002      0     1     1     0     0          0          0 1795307200              16777216               4194304
";
    t.write("proc/sysvipc/shm", shm);
    t.write(
        "proc/sysvipc/sem",
        "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime
    305419896          0   666          3     0     0     0     0          0 1795307189
         0          1   600        250     1     1     1     1          0 1795307190
",
    );
    t.write(
        "proc/sysvipc/msg",
        "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime
        42          0   644        1024          3   100     0     0     0     0     0 1795307189          0 1795307189
",
    );
    let dense = t.0.join("dev/shm/app.buf");
    fs::create_dir_all(dense.parent().unwrap()).unwrap();
    fs::write(&dense, vec![7u8; 12288]).unwrap();
    // 1 MiB long, nothing written: no pages allocated.
    fs::File::create(t.0.join("dev/shm/sparse"))
        .unwrap()
        .set_len(1 << 20)
        .unwrap();

    let j = t.run(&["ipc", "--json"]).json();
    let segs = j["segments"].as_array().unwrap();
    let raw = ipc_rows(shm);
    assert_eq!(segs.len(), raw.len());
    for (s, r) in segs.iter().zip(&raw) {
        let n = |k: &str| r[k].parse::<i64>().unwrap();
        assert_eq!(int(s, "key"), n("key"));
        assert_eq!(
            s["key_hex"],
            format!("0x{:08x}", n("key") as i32 as u32),
            "as ipcs prints it"
        );
        assert_eq!(int(s, "shmid"), n("shmid"));
        let mode = i64::from_str_radix(&r["perms"], 8).unwrap();
        assert_eq!(int(s, "mode"), mode);
        assert_eq!(s["perms"], format!("{:o}", mode & 0o777));
        assert_eq!(s["dest"], mode & 0o1000 != 0);
        assert_eq!(s["locked"], mode & 0o2000 != 0);
        for k in ["size", "rss", "swap", "nattch", "cpid", "lpid", "uid"] {
            assert_eq!(int(s, k), n(k), "{k}");
        }
        assert_eq!(s["owner"], passwd_name(&t, n("uid") as u32));
    }
    assert_eq!(segs[0]["key_hex"], "0x00000000");
    assert_eq!(segs[1]["key_hex"], "0xdeadbeef");
    assert_eq!(segs[1]["owner"], "daemon");
    let tot = &j["segments_total"];
    assert_eq!(int(tot, "segments"), 2);
    assert_eq!(int(tot, "size"), 8 * MIB + 64 * MIB);
    assert_eq!(int(tot, "rss"), 24 * MIB);
    assert_eq!(int(tot, "swap"), 4 * MIB);
    assert_eq!(int(&j, "semaphore_sets"), 2);
    assert_eq!(int(&j, "semaphores"), 253);
    assert_eq!(int(&j, "message_queues"), 1);
    assert_eq!(int(&j, "messages"), 3);
    assert_eq!(int(&j, "message_bytes"), 1024);

    let p = &j["posix_shm"];
    assert_eq!(p["status"], "listed");
    let files = p["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["name"], "app.buf");
    assert_eq!(int(&files[0], "size"), 12288);
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(&dense).unwrap();
    assert_eq!(int(&files[0], "allocated"), m.blocks() as i64 * 512);
    assert_eq!(files[1]["name"], "sparse");
    assert_eq!(int(&files[1], "size"), MIB);
    assert!(int(&files[1], "allocated") < MIB, "sparse file");

    let k = |f: &str| t.read(&format!("proc/sys/kernel/{f}"));
    let l = &j["limits"];
    for f in ["shmmax", "shmmni", "msgmax", "msgmnb", "msgmni"] {
        assert_eq!(
            l[f].as_u64().unwrap(),
            k(f).trim().parse::<u64>().unwrap(),
            "{f}"
        );
    }
    let shmall: u64 = k("shmall").trim().parse().unwrap();
    assert_eq!(l["shmall_pages"].as_u64(), Some(shmall));
    assert_eq!(l["shmall"].as_u64(), Some(shmall.saturating_mul(4096)));
    let sem: Vec<u64> = k("sem")
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    for (i, f) in ["semmsl", "semmns", "semopm", "semmni"].iter().enumerate() {
        assert_eq!(l[f].as_u64(), Some(sem[i]), "{f}");
    }
    let mi = t.read("proc/meminfo");
    assert_eq!(int(&j, "meminfo_shmem"), kb_field(&mi, "Shmem").unwrap());

    let csv = t.run(&["ipc", "--csv"]);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "key_hex,shmid,owner,perms,size,rss,swap,nattch,cpid,lpid,dest,key,locked,mode,uid",
            "0x00000000,48,root,600,8388608,8388608,0,2,377,377,true,0,false,896,0",
            "0xdeadbeef,49,daemon,640,67108864,16777216,4194304,0,4001,4002,false,-559038737,true,1440,1",
        ]
    );
    let text = t.run(&["ipc"]);
    assert!(
        text.stdout
            .contains("2 segments: size 72Mi, resident 24Mi, swapped 4.0Mi"),
        "{}",
        text.stdout
    );

    // Garbled: a row one column short names the file and line, exit 2.
    t.write("proc/sysvipc/shm", &shm.replace(" 4194304\n", "\n"));
    let r = t.run(&["ipc"]);
    assert_eq!(r.code, EXIT_READ);
    assert!(r.stderr.contains("proc/sysvipc/shm:3:"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1);

    let plain = at("vm-6.18-hybrid", &["ipc", "--json"]).json();
    assert_eq!(plain["segments"].as_array().unwrap().len(), 0);
    assert_eq!(plain["posix_shm"]["status"], "not_captured");
    let r = at("vm-6.18-hybrid", &["ipc"]);
    assert!(r.stdout.contains("not captured"), "{}", r.stdout);
    let old = at("old-3.10-trimmed", &["ipc", "--json"]).json();
    assert!(old["segments"].is_null());
    assert!(old["semaphore_sets"].is_null());
    assert!(old["limits"]["shmmax"].is_null());
}

/// Every meminfo field memlens reads (the list `sys` uses) and every vmstat counter
/// `memlens vmstat` shows has a glossary entry of its kind, found by its kernel name in
/// any case; the concepts the views rest on have one too; obsolete terms say so and name
/// what replaced them; an unknown term exits 2 with close matches on one stderr line.
#[test]
fn explain_covers_every_field_sys_and_vmstat_show() {
    use memlens_present::glossary::{lookup, ENTRIES};
    for name in memlens_model::MemInfo::KERNEL_NAMES {
        let e = lookup(name).unwrap_or_else(|| panic!("no entry for meminfo {name}"));
        assert_eq!(e.term, *name);
        assert_eq!(e.kind, "meminfo", "{name}");
        assert_eq!(lookup(&name.to_lowercase()).unwrap().term, *name);
        assert_eq!(lookup(&name.to_uppercase()).unwrap().term, *name);
    }
    let vm = memlens_analysis::rates::COUNTERS
        .iter()
        .chain(&["pgsteal_kswapd", "pgsteal_direct"]);
    for name in vm {
        let e = lookup(name).unwrap_or_else(|| panic!("no entry for vmstat {name}"));
        assert_eq!((e.term, e.kind), (*name, "vmstat"));
    }
    for concept in [
        "VSS",
        "RSS",
        "PSS",
        "USS",
        "swap PSS",
        "anon",
        "file-backed",
        "page cache",
        "dirty",
        "writeback",
        "swap cache",
        "slab",
        "shmem",
        "THP",
        "KSM",
        "overcommit",
        "OOM score",
        "working set",
        "watermarks",
        "buddy orders",
        "PSI",
        "oom_score_adj",
        "hugetlb",
    ] {
        let e = lookup(concept).unwrap_or_else(|| panic!("no entry for {concept}"));
        assert!(!e.obsolete, "{concept}");
    }
    for (term, replaced_by) in [
        ("pdflush", "per-backing-device flusher"),
        ("nr_pdflush_threads", "per-bdi flusher"),
        ("swap_token_timeout", "removed in Linux 3.5"),
        ("oom_adj", "oom_score_adj (-1000..1000)"),
        ("swap_tendency", "vm.swappiness and refault cost"),
        ("VmallocChunk", "Always 0"),
        ("Quicklists", "removed in Linux 5.4"),
        ("NFS_Unstable", "Writeback"),
    ] {
        let j = memlens(&["explain", term, "--json"]).json();
        assert_eq!(j["term"], term);
        assert_eq!(j["obsolete"], true, "{term}");
        let m = j["meaning"].as_str().unwrap();
        assert!(m.starts_with("Obsolete"), "{term}: {m}");
        assert!(m.contains(replaced_by), "{term}: {m}");
        let text = memlens(&["explain", term]);
        assert!(text.stdout.contains("obsolete"), "{}", text.stdout);
    }
    // The binary: any case, JSON keys, --root irrelevant.
    let j = memlens(&["explain", "sreclaimable", "--json"]).json();
    assert_eq!(j["term"], "SReclaimable");
    assert_eq!(j["kind"], "meminfo");
    assert_eq!(j["obsolete"], false);
    let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["kind", "meaning", "obsolete", "term"],
        "sorted by serde_json"
    );
    let r = memlens(&["explain", "PGMAJFAULT"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with("pgmajfault (vmstat): "),
        "{}",
        r.stdout
    );
    // Unknown: exit 2, one line, close matches.
    let r = memlens(&["explain", "SReclaimabel"]);
    assert_eq!(r.code, EXIT_USAGE);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("did you mean: SReclaimable"),
        "{}",
        r.stderr
    );
    let r = memlens(&["explain", "pgmajflt"]);
    assert_eq!(r.code, EXIT_USAGE);
    assert!(r.stderr.contains("pgmajfault"), "{}", r.stderr);
    let r = memlens(&["explain", "qqqqqqqqqqqq"]);
    assert_eq!(r.code, EXIT_USAGE);
    assert!(r.stderr.contains("lists every term"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    // No term: every entry.
    let all = memlens(&["explain", "--json"]).json();
    let all = all.as_array().unwrap();
    // The glossary, then the catalogue's figures it does not explain under their name.
    let figures = memlens_catalogue::FIGURES
        .iter()
        .filter(|f| {
            !(f.scope.keys_named_as_in_glossary()
                && memlens_present::glossary::lookup(f.key).is_some())
        })
        .count();
    assert_eq!(all.len(), ENTRIES.len() + figures);
    for e in all {
        assert!(e["term"].is_string() && e["meaning"].is_string() && e["obsolete"].is_boolean());
    }
    let text = memlens(&["explain"]);
    assert_eq!(text.stdout.lines().count(), ENTRIES.len() + figures + 1);
    assert!(text.stdout.contains("process (obsolete)"));
    let csv = memlens(&["explain", "--csv"]);
    assert_eq!(
        csv.stdout.lines().next(),
        Some("term,kind,obsolete,meaning")
    );
}

/// MemFree far above the zones' free pages is explained on the screen, with the figures
/// recomputed here from meminfo and zoneinfo; a machine where they agree gets no note.
#[test]
fn zones_say_why_memfree_is_above_their_free_pages() {
    let zi = read(&tree("vm-6.18-hybrid").join("proc/zoneinfo"));
    let mut free = 0i64;
    let mut unmanaged = 0i64;
    let mut present = 0i64;
    for l in zi.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        match f.as_slice() {
            ["pages", "free", n] => free += n.parse::<i64>().unwrap() * 4096,
            ["present", n] => present = n.parse::<i64>().unwrap() * 4096,
            ["managed", n] => unmanaged += present - n.parse::<i64>().unwrap() * 4096,
            _ => {}
        }
    }
    let mi = read(&tree("vm-6.18-hybrid").join("proc/meminfo"));
    let mem_free = kb_field(&mi, "MemFree").unwrap();
    let j = at("vm-6.18-hybrid", &["zones", "--json"]).json();
    let g = &j["free_gap"];
    assert_eq!(int(g, "mem_free"), mem_free);
    assert_eq!(int(g, "zones_free"), free);
    assert_eq!(int(g, "unmanaged"), unmanaged);
    let t = at("vm-6.18-hybrid", &["zones", "--wide"]).stdout;
    assert!(
        t.contains("above the zones' free pages") && t.contains("MemFree counts as free"),
        "{t}"
    );
    // Make MemFree agree with the zones: no note, and null in the JSON.
    let c = TempTree::copy_of("vm-6.18-hybrid", "zones-agree");
    c.set_kb("proc/meminfo", "MemFree", (free / 1024) as u64);
    assert!(c.run(&["zones", "--json"]).json()["free_gap"].is_null());
    assert!(!c
        .run(&["zones"])
        .stdout
        .contains("above the zones' free pages"));
}

/// A v1 child above the v1 root is explained on the screen; v1's memory+swap limit is
/// named as such in the JSON, not as a swap limit.
#[test]
fn v1_cgroups_explain_the_root_and_name_the_memsw_limit() {
    let root = tree("vm-6.18-hybrid").join("sys/fs/cgroup/memory");
    let usage = |p: &str| -> i64 {
        read(&root.join(p).join("memory.usage_in_bytes"))
            .trim()
            .parse()
            .unwrap()
    };
    assert!(
        usage("process_api") > usage(""),
        "the capture shows the case"
    );
    let t = at("vm-6.18-hybrid", &["cgroup", "--wide"]).stdout;
    assert!(
        t.contains("Note: /process_api uses") && t.contains("is not the sum of its children"),
        "{t}"
    );
    let j = at("vm-6.18-hybrid", &["cgroup", "--json"]).json();
    for h in j["hierarchies"].as_array().unwrap() {
        for c in h["cgroups"].as_array().unwrap() {
            if h["version"] == "v1" {
                assert!(c["swap_max"].is_null(), "{c}");
                assert_eq!(c["memsw_max"], "max", "{c}");
            } else {
                assert!(c["memsw_max"].is_null(), "{c}");
            }
        }
    }
    // A root above its children: no note.
    let c = TempTree::copy_of("vm-6.18-hybrid", "v1-root-ok");
    c.write(
        "sys/fs/cgroup/memory/memory.usage_in_bytes",
        "99999999999\n",
    );
    assert!(!c.run(&["cgroup"]).stdout.contains("Note:"));
}

/// Fields of a `/proc/PID/stat` line after the command (field 3, the state, first).
fn stat_fields(text: &str) -> Vec<String> {
    let after = &text[text.rfind(')').unwrap() + 1..];
    after.split_whitespace().map(str::to_string).collect()
}

#[test]
fn ps_faults_are_the_stat_files_minflt_and_majflt() {
    for tree in ["vm-6.18-hybrid", "v2-unified", "old-3.10-trimmed"] {
        let root = fixtures().join(tree);
        let r = memlens(&["--root", root.to_str().unwrap(), "ps", "--faults", "--json"]);
        assert_eq!(r.code, 0, "{tree}: {}", r.stderr);
        let j = r.json();
        let mut checked = 0;
        for p in j["processes"].as_array().unwrap() {
            let pid = p["pid"].as_u64().unwrap();
            let stat = fs::read_to_string(root.join(format!("proc/{pid}/stat"))).unwrap();
            let f = stat_fields(&stat);
            // minflt is field 10 and majflt field 12 of stat(5); f[0] is field 3.
            assert_eq!(
                p["minflt"].as_u64(),
                f[7].parse().ok(),
                "{tree} {pid} minflt"
            );
            assert_eq!(
                p["majflt"].as_u64(),
                f[9].parse().ok(),
                "{tree} {pid} majflt"
            );
            checked += 1;
        }
        assert!(checked >= 5, "{tree}: {checked}");
        // Without --faults, no stat is read and the keys are absent.
        let plain = memlens(&["--root", root.to_str().unwrap(), "ps", "--json"]).json();
        assert!(plain["processes"][0].get("minflt").is_none(), "{tree}");
        // Sorted by majflt: the largest first.
        let sorted = memlens(&[
            "--root",
            root.to_str().unwrap(),
            "ps",
            "--sort",
            "MAJFLT",
            "--json",
        ])
        .json();
        let v: Vec<u64> = sorted["processes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["majflt"].as_u64().unwrap())
            .collect();
        assert!(v.windows(2).all(|w| w[0] >= w[1]), "{tree}: {v:?}");
        let table = memlens(&["--root", root.to_str().unwrap(), "ps", "--faults", "--wide"]);
        assert!(
            table
                .stdout
                .lines()
                .next()
                .unwrap()
                .contains("MINFLT  MAJFLT"),
            "{}",
            table.stdout
        );
    }
    let r = memlens(&["ps", "--sort", "majflt", "--by", "user"]);
    assert_eq!(r.code, EXIT_USAGE, "{}", r.stderr);
}
