//! The kernel views on the live machine, against the tools users would otherwise run:
//! vmstat and sar (sysstat), slabtop and ipcs (procps, util-linux), and the raw files read
//! by the test itself around each memlens run.

mod common;

use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use common::*;
use serde_json::Value;

/// Tests that time rates or start experiments run one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn vmstat_now() -> (Vec<(String, u64)>, f64) {
    let up: f64 = std::fs::read_to_string("/proc/uptime")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let text = std::fs::read_to_string("/proc/vmstat").unwrap();
    let c = text
        .lines()
        .map(|l| {
            let (n, v) = l.split_once(' ').unwrap();
            (n.to_string(), v.trim().parse().unwrap())
        })
        .collect();
    (c, up)
}

fn get(c: &[(String, u64)], n: &str) -> u64 {
    c.iter().find(|(k, _)| k == n).map(|(_, v)| *v).unwrap()
}

const PLAIN: [&str; 5] = ["pgfault", "pgmajfault", "pgpgin", "pgpgout", "pswpout"];

/// The raw counters read just before and just after memlens bound what it reports: the
/// since-boot rate lies between counter(before)/uptime(after) and counter(after)/
/// uptime(before), and each interval's delta within the outer delta.
#[test]
fn vmstat_counters_lie_between_raw_reads_around_the_run() {
    let _l = lock();
    let (a, ua) = vmstat_now();
    let j = memlens(&["vmstat", "0.5", "3", "--json"]).json();
    let (b, ub) = vmstat_now();
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let boot = &rows[0];
    for k in PLAIN {
        let rate = boot["counters"][k]["per_second"].as_f64().unwrap();
        // /proc/uptime has centisecond resolution.
        let lo = get(&a, k) as f64 / (ub + 0.01);
        let hi = get(&b, k) as f64 / (ua - 0.01);
        assert!(lo <= rate && rate <= hi, "{k}: {lo} <= {rate} <= {hi}");
    }
    let mut sum = [0u64; PLAIN.len()];
    for r in &rows[1..] {
        let s = r["seconds"].as_f64().unwrap();
        assert!((0.45..1.5).contains(&s), "interval {s}");
        for (i, k) in PLAIN.iter().enumerate() {
            let c = &r["counters"][k];
            let d = c["delta"].as_u64().unwrap();
            let rate = c["per_second"].as_f64().unwrap();
            assert!(
                (rate * s - d as f64).abs() < 1e-6,
                "{k}: rate x seconds = delta"
            );
            sum[i] += d;
        }
    }
    for (i, k) in PLAIN.iter().enumerate() {
        assert!(
            sum[i] <= get(&b, k) - get(&a, k),
            "{k}: memlens saw {} within an outer delta of {}",
            sum[i],
            get(&b, k) - get(&a, k)
        );
    }
}

/// A process that keeps faulting fresh anonymous pages in, so that the fault rate is high
/// and steady enough for two tools sampling over nearly the same seconds to agree.
fn faulter(secs: u32) -> Guard {
    Guard::spawn_ready(Command::new("python3").args([
        "-c",
        &format!(
            "import mmap, time\nn = 32 << 20\nend = time.time() + {secs}\nprint('ready', flush=True)\nwhile time.time() < end:\n    m = mmap.mmap(-1, n)\n    for i in range(0, n, 4096): m[i] = 1\n    m.close()\n"
        ),
    ]))
}

/// `sar -B 1 3` and `memlens vmstat 1 4` run side by side over the same three seconds while
/// a process faults pages in: the average fault rate agrees within 20% (the windows are
/// offset by the few milliseconds between the two starts, and the machine is shared);
/// major faults, pgpgin/s and pgpgout/s within 20% + 200/s.
#[test]
fn vmstat_fault_rates_agree_with_sar() {
    if !have("sar") {
        panic!("sar (sysstat) is not installed; .ci/run installs it");
    }
    let _l = lock();
    let _f = faulter(8);
    std::thread::sleep(Duration::from_millis(300));
    let sar = Command::new("sar")
        .args(["-B", "1", "3"])
        .env("LC_ALL", "C")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let m = memlens(&["vmstat", "1", "4", "--json"]).json();
    let sar = String::from_utf8(sar.wait_with_output().unwrap().stdout).unwrap();
    // Average:  pgpgin/s pgpgout/s fault/s majflt/s pgfree/s pgscank/s pgscand/s pgsteal/s %vmeff
    let avg: Vec<f64> = sar
        .lines()
        .find(|l| l.starts_with("Average:"))
        .unwrap()
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().unwrap())
        .collect();
    let rows = m["rows"].as_array().unwrap();
    let mean = |k: &str| {
        rows[1..]
            .iter()
            .map(|r| r["counters"][k]["per_second"].as_f64().unwrap())
            .sum::<f64>()
            / 3.0
    };
    let check = |what: &str, ours: f64, theirs: f64, abs: f64| {
        assert!(
            (ours - theirs).abs() <= 0.2 * theirs + abs,
            "{what}: memlens {ours:.0}/s vs sar {theirs:.0}/s\n{sar}"
        );
    };
    assert!(avg[2] > 50_000.0, "the faulter should dominate: {sar}");
    check("fault/s", mean("pgfault"), avg[2], 0.0);
    check("majflt/s", mean("pgmajfault"), avg[3], 200.0);
    check("pgpgin/s", mean("pgpgin"), avg[0], 200.0);
    check("pgpgout/s", mean("pgpgout"), avg[1], 2000.0);
    // sar prints 0.00 when nothing was scanned; memlens prints no %vmeff.
    if avg[5] + avg[6] == 0.0 {
        assert!(rows[1..].iter().all(|r| r["vmeff_percent"].is_null()));
    }
}

/// The memory columns against `vmstat` (free, swpd in KiB; read right after: ±32 MiB) and
/// `sar -r 1 1` (kbavail, averaged over the next second: ±64 MiB), as the machine is
/// shared with builds.
#[test]
fn vmstat_memory_columns_agree_with_vmstat_and_sar() {
    let _l = lock();
    agree_within_tries(3, || {
        let j = memlens(&["vmstat", "--json"]).json();
        let r: &Value = &j["rows"][0];
        let v = sh("vmstat");
        let cols: Vec<i64> = v
            .lines()
            .nth(2)
            .unwrap()
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        // r b swpd free buff cache ...
        near("swap used", int(r, "swap_used"), cols[2] * KIB, 32 * MIB)?;
        near("free", int(r, "free"), cols[3] * KIB, 32 * MIB)
    });
    if have("sar") {
        agree_within_tries(3, || {
            let j = memlens(&["vmstat", "--json"]).json();
            let r: &Value = &j["rows"][0];
            let s = sh("LC_ALL=C sar -r 1 1");
            let hdr: Vec<&str> = s
                .lines()
                .find(|l| l.contains("kbavail"))
                .unwrap()
                .split_whitespace()
                .collect();
            let avg: Vec<&str> = s
                .lines()
                .find(|l| l.starts_with("Average:"))
                .unwrap()
                .split_whitespace()
                .collect();
            let i = hdr.iter().position(|h| *h == "kbavail").unwrap();
            // Both lines start with one word (the time, or `Average:`) in the C locale.
            let kbavail: i64 = avg[i].parse().unwrap();
            near("available", int(r, "available"), kbavail * KIB, 64 * MIB)
        });
    }
}

/// A meminfo field in bytes.
fn meminfo_kb(key: &str) -> i64 {
    kb_field(&std::fs::read_to_string("/proc/meminfo").unwrap(), key).unwrap()
}

/// Zones against the live zoneinfo read right after (watermarks and sizes exact, free
/// ±32 MiB), and the kernel's own relation: the min watermarks of the zones with memory
/// add up to `vm.min_free_kbytes`, less up to a page per zone of rounding down.
#[test]
fn zones_agree_with_zoneinfo_and_min_free_kbytes() {
    let j = memlens(&["zones", "--json"]).json();
    let text = std::fs::read_to_string("/proc/zoneinfo").unwrap();
    let zones = j["zones"].as_array().unwrap();
    let page = int(&j, "page_size");
    let mut sum_min = 0;
    let mut populated = 0;
    for z in zones {
        let name = z["zone"].as_str().unwrap();
        let block = text
            .split("Node ")
            .find(|b| {
                b.lines()
                    .next()
                    .unwrap_or("")
                    .trim_end()
                    .ends_with(&format!(" {name}"))
            })
            .unwrap();
        let field = |k: &str| -> i64 {
            block
                .lines()
                .map(|l| l.trim().trim_start_matches("pages "))
                .find_map(|l| l.strip_prefix(&format!("{k} ")))
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        };
        for k in ["min", "low", "high", "present", "spanned"] {
            assert_eq!(int(z, k), field(k) * page, "{name} {k}");
        }
        close(
            &format!("{name} free"),
            int(z, "free"),
            field("free") * page,
            32 * MIB,
        );
        if int(z, "managed") > 0 {
            sum_min += int(z, "min") - int(z, "boost");
            populated += 1;
        }
    }
    let mfk = sh("cat /proc/sys/vm/min_free_kbytes")
        .trim()
        .parse::<i64>()
        .unwrap()
        * KIB;
    assert!(
        sum_min <= mfk && mfk - sum_min <= populated * page,
        "sum of min watermarks {sum_min} vs min_free_kbytes {mfk}"
    );
}

/// The buddy lists hold every free page that is not on a per-CPU list: their sum is the
/// zone counter NR_FREE_PAGES, `nr_free_pages` in vmstat (±32 MiB, read right after).
/// `MemFree` and `free`'s free column report the same counter only when the zones manage
/// all of `MemTotal`; on this VM's kernel they do not (most of the RAM is spanned by the
/// Normal zone but not yet managed, and `MemFree` counts it as free), so `free` is compared
/// only where the zones' managed pages make up MemTotal.
#[test]
fn buddy_free_adds_up_to_nr_free_pages() {
    let j = memlens(&["buddy", "--json"]).json();
    let page = int(&j, "page_size");
    let total: i64 = j["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| int(z, "free"))
        .sum();
    let vm = std::fs::read_to_string("/proc/vmstat").unwrap();
    let nr_free: i64 = vm
        .lines()
        .find_map(|l| l.strip_prefix("nr_free_pages "))
        .unwrap()
        .parse()
        .unwrap();
    close("buddy vs nr_free_pages", total, nr_free * page, 32 * MIB);
    let zones = memlens(&["zones", "--json"]).json();
    let managed: i64 = zones["zones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|z| int(z, "managed"))
        .sum();
    let mem_total = meminfo_kb("MemTotal");
    if (mem_total - managed).abs() < mem_total / 20 {
        close("buddy vs MemFree", total, meminfo_kb("MemFree"), 32 * MIB);
    } else {
        eprintln!(
            "zones manage {managed} of MemTotal {mem_total}: MemFree is not the buddy total here"
        );
    }
    if is_root() {
        let t = memlens(&["buddy", "--types", "--json"]).json();
        assert!(t["types"]["pages_per_block"].as_u64().unwrap() >= 1);
        let typed: i64 = t["types"]["free"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| int(f, "free"))
            .sum();
        close("pagetypeinfo vs buddyinfo", typed, total, 32 * MIB);
    }
}

/// `slabtop -o` lists the same caches; for the 15 largest, objects and cache size agree
/// within 10% + 256 objects / 1 MiB (slab changes from one moment to the next) and the
/// object size to slabtop's two decimals of KiB.
#[test]
fn slab_agrees_with_slabtop() {
    if !is_root() {
        eprintln!("not root: slabinfo is root only");
        return;
    }
    let j = memlens(&["slab", "--json"]).json();
    let top = sh("slabtop -o -s c");
    let rows: Vec<Vec<&str>> = top
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("OBJS"))
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .filter(|w: &Vec<&str>| w.len() == 8)
        .collect();
    let caches = j["caches"].as_array().unwrap();
    let names: std::collections::HashSet<&str> =
        caches.iter().map(|c| c["name"].as_str().unwrap()).collect();
    for r in &rows {
        assert!(
            names.contains(r[7]),
            "slabtop lists {} and memlens does not",
            r[7]
        );
    }
    assert_eq!(rows.len(), caches.len(), "same number of caches");
    let kib = |s: &str| s.trim_end_matches('K').parse::<f64>().unwrap();
    for c in caches.iter().take(15) {
        let name = c["name"].as_str().unwrap();
        let r = rows.iter().find(|r| r[7] == name).unwrap();
        let objs: i64 = r[0].parse().unwrap();
        let tol = |v: i64, abs: i64| v.abs() / 10 + abs;
        close(
            &format!("{name} objs"),
            int(c, "num_objs"),
            objs,
            tol(objs, 256),
        );
        let size = (kib(r[6]) * 1024.0) as i64;
        close(
            &format!("{name} cache size"),
            int(c, "size"),
            size,
            tol(size, MIB),
        );
        let objsize = int(c, "objsize") as f64 / 1024.0;
        assert!((objsize - kib(r[3])).abs() <= 0.006, "{name} object size");
    }
    // slabtop's "Active / Total Size" total is Σ num_objs × objsize.
    let total_line = top
        .lines()
        .find(|l| l.contains("Active / Total Size"))
        .unwrap();
    let total_kib = kib(total_line
        .split(" / ")
        .nth(2)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap());
    let ours: i64 = caches
        .iter()
        .map(|c| int(c, "num_objs") * int(c, "objsize"))
        .sum();
    close(
        "total object size",
        ours,
        (total_kib * 1024.0) as i64,
        ours / 10 + 4 * MIB,
    );
}

#[test]
fn slab_as_non_root_is_a_clear_exit_2() {
    if !is_root() {
        let r = memlens(&["slab"]);
        assert_eq!(r.code, EXIT_REFUSED);
        assert!(r.stderr.contains("root only"));
        return;
    }
    let r = as_user(&["slab"], None);
    assert_eq!(r.code, EXIT_REFUSED, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("readable by root only"), "{}", r.stderr);
    let r = as_user(&["buddy", "--types"], None);
    assert_eq!(r.code, EXIT_REFUSED, "{}", r.stderr);
    assert!(
        r.stderr.contains("pagetypeinfo is readable by root only"),
        "{}",
        r.stderr
    );
    assert_eq!(as_user(&["buddy"], None).code, 0);
}

fn proc_int(pid: u32, file: &str) -> i64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// A lab leak told to die first (`oom_score_adj` 1000) tops the ranking and is the first
/// victim; a sleeper at 500 ranks above every process left at 0; each score equals the
/// process's `oom_score` file read right after (these processes do not change size). When
/// the test may lower a score (CAP_SYS_RESOURCE), a second sleeper exempted with -1000
/// scores 0 and is not killable.
#[test]
fn oom_breaks_equal_scores_by_badness_not_by_pid() {
    let _l = lock();
    // The small process first, so that it has the lower PID.
    let small = Guard::spawn(Command::new("sleep").arg("600"));
    let big = Guard::spawn_ready(
        Command::new(bin()).args(["lab", "--json", "leak", "--count", "1", "--size", "14M"]),
    );
    assert!(small.pid() < big.pid());
    let j = memlens(&["oom", "--json"]).json();
    let rows = j["processes"].as_array().unwrap();
    let at = |pid: u32| {
        rows.iter()
            .position(|r| int(r, "pid") == pid as i64)
            .unwrap_or_else(|| panic!("{pid} not listed"))
    };
    let (s, b) = (at(small.pid()), at(big.pid()));
    assert!(
        b < s,
        "the 14 MiB process ranks above the sleeper: {} {}",
        rows[b],
        rows[s]
    );
    // On a machine of gigabytes both round to the same oom_score; the kernel would still
    // pick the larger.
    if int(&rows[b], "oom_score") == int(&rows[s], "oom_score") {
        assert!(int(&rows[b], "badness") > int(&rows[s], "badness"));
    }
    // Badness against the kernel's own figures in status (RSS moves by a few pages).
    let st = std::fs::read_to_string(format!("/proc/{}/status", big.pid())).unwrap();
    let want = (kb_field(&st, "VmRSS").unwrap()
        + kb_field(&st, "VmSwap").unwrap()
        + kb_field(&st, "VmPTE").unwrap())
        / 4096;
    close("badness of the lab", int(&rows[b], "badness"), want, 64);
}

#[test]
fn oom_ranks_a_lab_process_by_its_oom_score_adj() {
    let _l = lock();
    let lab = Guard::spawn_ready(
        Command::new(bin()).args(["lab", "--json", "leak", "--count", "1", "--size", "8M"]),
    );
    let half = Guard::spawn(Command::new("sleep").arg("600"));
    let exempt = Guard::spawn(Command::new("sleep").arg("600"));
    std::thread::sleep(Duration::from_millis(200));
    std::fs::write(format!("/proc/{}/oom_score_adj", lab.pid()), "1000").unwrap();
    std::fs::write(format!("/proc/{}/oom_score_adj", half.pid()), "500").unwrap();
    let can_exempt =
        std::fs::write(format!("/proc/{}/oom_score_adj", exempt.pid()), "-1000").is_ok();
    let j = memlens(&["oom", "--json"]).json();
    let rows = j["processes"].as_array().unwrap();
    let find = |pid: u32| {
        rows.iter()
            .position(|r| int(r, "pid") == pid as i64)
            .unwrap_or_else(|| panic!("{pid} not listed"))
    };
    let top = &rows[0];
    assert_eq!(int(top, "pid"), lab.pid() as i64, "adj 1000 ranks first");
    assert_eq!(int(top, "oom_score_adj"), 1000);
    assert_eq!(j["first_victim"].as_i64(), Some(lab.pid() as i64));
    assert_eq!(int(top, "oom_score"), proc_int(lab.pid(), "oom_score"));
    let h = find(half.pid());
    assert_eq!(int(&rows[h], "oom_score_adj"), 500);
    assert_eq!(
        int(&rows[h], "oom_score"),
        proc_int(half.pid(), "oom_score")
    );
    for r in &rows[h + 1..] {
        assert!(
            int(r, "oom_score_adj") < 500,
            "only adj 1000 may rank above the sleeper at 500: {r}"
        );
    }
    if can_exempt {
        let ex = &rows[find(exempt.pid())];
        assert_eq!(int(ex, "oom_score"), 0);
        assert_eq!(int(ex, "oom_score_adj"), -1000);
        assert_eq!(ex["killable"], false);
    } else {
        eprintln!("no CAP_SYS_RESOURCE: cannot lower oom_score_adj to -1000 here");
    }
    let vm = std::fs::read_to_string("/proc/vmstat").unwrap();
    let kills: i64 = vm
        .lines()
        .find_map(|l| l.strip_prefix("oom_kill "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(j["oom_kills_since_boot"].as_i64(), Some(kills));
}

fn meminfo_kb_now(key: &str) -> i64 {
    kb_field(&std::fs::read_to_string("/proc/meminfo").unwrap(), key).unwrap()
}

/// `memlens lab thp --size 16M` madvises and touches 16 MiB: `memlens huge` lists the lab
/// among the top AnonHugePages holders with exactly what its smaps_rollup shows read
/// right after (the lab holds still). The system-wide AnonHugePages lies between meminfo
/// read before and after, ± 8 MiB (other processes fault and free THPs meanwhile); the
/// hugetlb pools and the KSM counters equal the sysfs files (they do not move here).
#[test]
fn huge_lists_a_lab_thp_region_as_smaps_rollup_shows_it() {
    let _l = lock();
    let lab = Lab::start(&["thp", "--size", "16M"]);
    let before = meminfo_kb_now("AnonHugePages");
    let j = memlens(&["huge", "--json"]).json();
    let after = meminfo_kb_now("AnonHugePages");
    let rollup = std::fs::read_to_string(format!("/proc/{}/smaps_rollup", lab.pid())).unwrap();
    let ahp = kb_field(&rollup, "AnonHugePages").unwrap();
    assert_eq!(
        ahp,
        int(&lab.report["figures"], "anon_huge_pages"),
        "the lab region holds all the process's THPs"
    );
    let sys = int(&j, "anon_huge_pages");
    assert!(
        before.min(after) - 8 * MIB <= sys && sys <= before.max(after) + 8 * MIB,
        "AnonHugePages {sys} outside {before}..{after} ± 8 MiB"
    );
    let top = j["thp_processes"].as_array().unwrap();
    let row = top.iter().find(|r| int(r, "pid") == lab.pid() as i64);
    if ahp == 0 {
        eprintln!(
            "THP gave the lab no huge pages here (enabled: {}); it must not be listed",
            j["thp"]["enabled"]
        );
        assert!(row.is_none());
    } else {
        match row {
            Some(r) => assert_eq!(int(r, "anon_huge_pages"), ahp),
            None => {
                // Only when the list is full of larger holders.
                assert_eq!(top.len(), 10, "lab {} not listed: {top:?}", lab.pid());
                assert!(top.iter().all(|r| int(r, "anon_huge_pages") >= ahp));
            }
        }
        let big = memlens(&["huge", "--json", "--limit", "100000"]).json();
        let r = big["thp_processes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| int(r, "pid") == lab.pid() as i64)
            .expect("listed without a limit")
            .clone();
        assert_eq!(int(&r, "anon_huge_pages"), ahp);
    }
    let sysfs = |rel: &str| -> i64 {
        std::fs::read_to_string(format!("/sys/kernel/mm/{rel}"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    for p in j["pools"].as_array().unwrap() {
        let dir = format!("hugepages/hugepages-{}kB", int(p, "page_size") / KIB);
        assert_eq!(int(p, "total_pages"), sysfs(&format!("{dir}/nr_hugepages")));
        assert_eq!(
            int(p, "free_pages"),
            sysfs(&format!("{dir}/free_hugepages"))
        );
        assert_eq!(
            int(p, "reserved_pages"),
            sysfs(&format!("{dir}/resv_hugepages"))
        );
        assert_eq!(
            int(p, "surplus_pages"),
            sysfs(&format!("{dir}/surplus_hugepages"))
        );
    }
    if j["ksm"]["available"] == true {
        for f in ["run", "pages_shared", "pages_sharing"] {
            assert_eq!(int(&j["ksm"], f), sysfs(&format!("ksm/{f}")), "{f}");
        }
        let page = int(&j, "page_size");
        assert_eq!(int(&j["ksm"], "savings"), sysfs("ksm/pages_sharing") * page);
    }
}

/// `memlens lab shared --kind shm --procs 2 --size 8M` attaches one SysV segment in two
/// processes: `memlens ipc` lists it as `ipcs -m` and `ipcs -m -i SHMID` do (key, size,
/// nattch, owner, perms, cpid exact; marked `dest`, as the lab removes it once attached),
/// resident all 8 MiB (the lab touched every page). A file the test writes to /dev/shm
/// is listed with the size and allocated bytes `stat` gives. The limits equal `ipcs -l`.
#[test]
fn ipc_lists_a_lab_segment_as_ipcs_does() {
    if !have("ipcs") {
        panic!("ipcs (util-linux) is not installed; .ci/run installs it");
    }
    let _l = lock();
    let lab = Lab::start(&["shared", "--kind", "shm", "--procs", "2", "--size", "8M"]);
    let shmid = int(&lab.report["figures"], "shmid");
    let posix = format!("/dev/shm/memlens-test-ipc-{}", std::process::id());
    let have_dev_shm = std::path::Path::new("/dev/shm").is_dir();
    if have_dev_shm {
        std::fs::write(&posix, vec![1u8; 65536]).unwrap();
    }
    let j = memlens(&["ipc", "--json"]).json();
    let ipcs = sh("LC_ALL=C ipcs -m");
    let detail = sh(&format!("LC_ALL=C ipcs -m -i {shmid}"));
    if have_dev_shm {
        let _ = std::fs::remove_file(&posix);
    }
    // key shmid owner perms bytes nattch status
    let line: Vec<String> = ipcs
        .lines()
        .map(|l| l.split_whitespace().map(String::from).collect::<Vec<_>>())
        .find(|f| f.len() >= 6 && f[1] == shmid.to_string())
        .unwrap_or_else(|| panic!("ipcs -m does not list {shmid}:\n{ipcs}"));
    let seg = j["segments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| int(s, "shmid") == shmid)
        .unwrap_or_else(|| panic!("memlens ipc does not list {shmid}: {j}"));
    assert_eq!(seg["key_hex"], line[0].as_str(), "key");
    assert_eq!(seg["owner"], line[2].as_str());
    assert_eq!(seg["perms"], line[3].as_str());
    assert_eq!(int(seg, "size").to_string(), line[4], "size");
    assert_eq!(int(seg, "nattch").to_string(), line[5], "nattch");
    assert_eq!(int(seg, "nattch"), 2);
    assert_eq!(seg["dest"], line.get(6).map(String::as_str) == Some("dest"));
    let field = |k: &str| -> String {
        detail
            .split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("no {k}= in {detail}"))
            .to_string()
    };
    assert_eq!(int(seg, "size").to_string(), field("bytes"));
    assert_eq!(int(seg, "nattch").to_string(), field("nattch"));
    assert_eq!(int(seg, "cpid").to_string(), field("cpid"));
    assert_eq!(int(seg, "cpid"), lab.pid() as i64);
    assert_eq!(int(seg, "uid").to_string(), field("uid"));
    assert_eq!(
        int(seg, "mode"),
        i64::from_str_radix(&field("mode"), 8).unwrap()
    );
    assert_eq!(int(seg, "size"), 8 * MIB);
    assert_eq!(int(seg, "rss"), 8 * MIB, "the lab touched every page");

    if have_dev_shm {
        let name = posix.strip_prefix("/dev/shm/").unwrap();
        let f = j["posix_shm"]["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("{name} not listed"))
            .clone();
        assert_eq!(int(&f, "size"), 65536);
        assert_eq!(
            int(&f, "allocated"),
            65536,
            "tmpfs allocates what was written"
        );
    }

    // ipcs -l prints limits in its own units; compare the ones it prints exactly.
    let lim = sh("LC_ALL=C ipcs -l");
    let after = |label: &str| -> u64 {
        lim.lines()
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("no {label} in {lim}"))
            .trim_start_matches([' ', '='])
            .trim()
            .parse()
            .unwrap()
    };
    let l = &j["limits"];
    assert_eq!(l["shmmni"].as_u64(), Some(after("max number of segments")));
    assert_eq!(l["msgmni"].as_u64(), Some(after("max queues system wide")));
    assert_eq!(
        l["msgmax"].as_u64(),
        Some(after("max size of message (bytes)"))
    );
    assert_eq!(
        l["msgmnb"].as_u64(),
        Some(after("default max size of queue (bytes)"))
    );
    assert_eq!(l["semmni"].as_u64(), Some(after("max number of arrays")));
    assert_eq!(
        l["semmsl"].as_u64(),
        Some(after("max semaphores per array"))
    );
    assert_eq!(
        l["semmns"].as_u64(),
        Some(after("max semaphores system wide"))
    );
    assert_eq!(l["semopm"].as_u64(), Some(after("max ops per semop call")));
    drop(lab);
}
