//! Differential tests on the live machine: memlens against procps (`free`, `ps`, `pmap`)
//! and smem, on processes these tests start and stop themselves.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

/// PSS depends on who else maps the same pages: tests that start processes sharing
/// libraries with the ones another test measures run one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// `sleep` is small and its memory does not change while it sleeps.
fn sleeper() -> Guard {
    let g = Guard::spawn(Command::new("sleep").arg("600"));
    std::thread::sleep(Duration::from_millis(200));
    g
}

/// A process holding 48 MiB of touched anonymous memory.
fn allocator() -> Guard {
    let g = Guard::spawn_ready(Command::new("python3").args([
        "-c",
        "import time\nb = bytearray(48 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\nprint('ready', flush=True)\ntime.sleep(600)",
    ]));
    std::thread::sleep(Duration::from_millis(100));
    g
}

#[test]
fn sys_agrees_with_free() {
    let _s = serial();
    agree_within_tries(3, || {
        let m = memlens(&["sys", "--json"]).json();
        let free = sh("free -b -w");
        let row = |name: &str| -> Vec<i64> {
            free.lines()
                .find(|l| l.starts_with(name))
                .unwrap()
                .split_whitespace()
                .skip(1)
                .map(|x| x.parse().unwrap())
                .collect()
        };
        let mem = row("Mem:");
        // free -w: total used free shared buffers cache available
        let tol = 16 * MIB; // both read meminfo a few ms apart on a live machine
        near("total (fixed)", int(&m, "total"), mem[0], 0)?;
        near("used", int(&m, "used"), mem[1], tol)?;
        near("free", int(&m, "free"), mem[2], tol)?;
        near("shared", int(&m, "shared"), mem[3], tol)?;
        near("buffers", int(&m, "buffers"), mem[4], tol)?;
        near(
            "cache",
            int(&m, "buff_cache") - int(&m, "buffers"),
            mem[5],
            tol,
        )?;
        near("available", int(&m, "available"), mem[6], tol)?;
        near("swap total", int(&m, "swap_total"), row("Swap:")[0], 0)
    });
}

#[test]
fn ps_agrees_with_procps_ps_and_smem() {
    let _s = serial();
    let s = sleeper();
    let a = allocator();
    // smem is itself a Python program: while it runs, the allocator's private pages of
    // libpython become shared with it, so its USS reads a few hundred KiB lower.
    for (g, private_tol) in [(&s, 64 * KIB), (&a, MIB)] {
        let pid = g.pid().to_string();
        let row = &memlens(&["ps", "--json", "--pid", &pid]).json()["processes"][0];
        assert_eq!(int(row, "pid").to_string(), pid);
        let ps = sh(&format!("ps -o rss=,vsz= -p {pid}"));
        let v: Vec<i64> = ps
            .split_whitespace()
            .map(|x| x.parse::<i64>().unwrap() * KIB)
            .collect();
        close("rss vs ps", int(row, "rss"), v[0], 64 * KIB);
        close("vsz vs ps", int(row, "vsz"), v[1], 64 * KIB);
        // USS and PSS against smem (exact keys: smem sums Private_* and Pss).
        if have("smem") {
            let line = sh(&format!(
                "smem -H -c 'pid uss pss swap' | awk '$1 == {pid}'"
            ));
            let v: Vec<i64> = line
                .split_whitespace()
                .map(|x| x.parse::<i64>().unwrap() * KIB)
                .collect();
            assert_eq!(v.len(), 4, "smem row for {pid}: {line:?}");
            close("uss vs smem", int(row, "uss"), v[1], private_tol);
            // PSS of shared library pages moves when other processes start or exit.
            close(
                "pss vs smem",
                int(row, "pss"),
                v[2],
                512 * KIB + private_tol,
            );
            close("swap vs smem", int(row, "swap"), v[3], 64 * KIB);
        } else {
            panic!("smem is not installed (.ci/run installs it)");
        }
        assert!(int(row, "uss") <= int(row, "pss") && int(row, "pss") <= int(row, "rss"));
    }
    // The allocator's 48 MiB are anonymous, private and its own.
    let row = &memlens(&["ps", "--json", "--pid", &a.pid().to_string()]).json()["processes"][0];
    assert!(int(row, "anon") >= 48 * MIB, "anon {}", int(row, "anon"));
    assert!(int(row, "uss") >= 48 * MIB);
}

#[test]
fn ps_filters_sort_and_groups() {
    let _s = serial();
    let s1 = sleeper();
    let s2 = sleeper();
    let pids = format!("{},{}", s1.pid(), s2.pid());
    let j = memlens(&["ps", "--json", "--pid", &pids, "--sort", "pid", "--totals"]).json();
    let rows = j["processes"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(int(&rows[0], "pid") < int(&rows[1], "pid"));
    let total_rss = int(&rows[0], "rss") + int(&rows[1], "rss");
    assert_eq!(int(&j["totals"], "rss"), total_rss);
    // --command regex and --by command.
    let j = memlens(&[
        "ps",
        "--json",
        "--command",
        "^sleep 600$",
        "--by",
        "command",
    ])
    .json();
    let g = &j["groups"][0];
    assert_eq!(g["key"], "sleep");
    assert!(int(g, "processes") >= 2);
    // --user root keeps only root's processes.
    if is_root() {
        let j = memlens(&["ps", "--json", "--user", "root"]).json();
        assert!(j["processes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["user"] == "root"));
    }
    // CSV has the JSON keys as header and bytes in cells.
    let csv = memlens(&["ps", "--csv", "--pid", &s1.pid().to_string()]);
    let mut lines = csv.stdout.lines();
    assert_eq!(
        lines.next().unwrap(),
        "pid,user,vsz,rss,pss,uss,swap,swap_pss,anon,file,shmem,command,anon_huge_pages,comm,locked,page_tables,ppid,pss_anon,pss_file,pss_shmem,uid,unreadable"
    );
    let cells: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(cells[0], s1.pid().to_string());
    assert!(cells[3].parse::<u64>().unwrap() > 0);
}

#[test]
fn maps_totals_agree_with_pmap_and_rollup() {
    let _s = serial();
    let a = allocator();
    let pid = a.pid().to_string();
    let j = memlens(&["maps", "--json", &pid]).json();
    let maps = j["mappings"].as_array().unwrap();
    assert!(maps.len() > 10);
    let sum = |k: &str| maps.iter().map(|m| m[k].as_i64().unwrap_or(0)).sum::<i64>();
    let t = &j["totals"]["counters"];
    assert_eq!(sum("rss"), int(t, "Rss"));
    // The mappings add up to smaps_rollup (read right after, process idle).
    let c = &j["rollup_check"];
    close(
        "rss vs smaps_rollup",
        int(c, "smaps_rss"),
        int(c, "rollup_rss"),
        16 * KIB,
    );
    close(
        "pss vs smaps_rollup",
        int(c, "smaps_pss"),
        int(c, "rollup_pss"),
        64 * KIB,
    );
    assert_eq!(
        c["agrees"], true,
        "equal RSS, PSS within per-mapping rounding: {c}"
    );
    // pmap -X: the totals line under the ===== rule, in KiB.
    let pm = sh(&format!("pmap -X {pid}"));
    let lines: Vec<&str> = pm.lines().collect();
    let hdr: Vec<&str> = lines[1].split_whitespace().collect();
    let tot: Vec<i64> = lines
        .last()
        .unwrap()
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // Totals have one number per column from Size on.
    let col = |name: &str| {
        let i = hdr.iter().position(|h| *h == name).unwrap()
            - hdr.iter().position(|h| *h == "Size").unwrap();
        tot[i] * KIB
    };
    close("size vs pmap", int(&j["totals"], "size"), col("Size"), 0);
    close("rss vs pmap", int(t, "Rss"), col("Rss"), 64 * KIB);
    close("pss vs pmap", int(t, "Pss"), col("Pss"), 512 * KIB);
    // The 48 MiB block is one anonymous mapping with (about) all of it resident.
    let big = maps
        .iter()
        .filter(|m| m["kind"] == "anon" || m["kind"] == "heap")
        .map(|m| int(m, "rss"))
        .max()
        .unwrap();
    assert!(big >= 48 * MIB, "largest anon mapping rss {big}");
    // --by kind sums to the same total.
    let k = memlens(&["maps", "--json", "--by", "kind", &pid]).json();
    let ks: i64 = k["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| int(&g["counters"], "Rss"))
        .sum();
    close("by kind", ks, int(t, "Rss"), 64 * KIB);
}

#[test]
fn overview_lists_top_processes_and_system() {
    let _s = serial();
    let _a = allocator();
    let j = memlens(&["--json"]).json();
    assert!(int(&j["system"], "total") > 0);
    let top = j["top_processes"].as_array().unwrap();
    assert!(!top.is_empty() && top.len() <= 10);
    let pss: Vec<i64> = top.iter().filter_map(|r| r["pss"].as_i64()).collect();
    assert!(
        pss.windows(2).all(|w| w[0] >= w[1]),
        "sorted by PSS: {pss:?}"
    );
    assert!(pss[0] >= 48 * MIB);
    let text = memlens(&[]);
    assert_eq!(text.code, 0);
    assert!(text.stdout.contains("Top ") && text.stdout.contains("Mem:"));
}

#[test]
fn bad_input_is_a_clear_error() {
    let r = memlens(&["maps", "4194304999"]);
    assert_eq!(r.code, EXIT_READ);
    assert!(r.stderr.contains("no process with PID"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1);
    let r = memlens(&["ps", "--pid", "4194304999"]);
    assert_eq!(r.code, EXIT_READ);
    let r = memlens(&["--root", "/nonexistent", "sys"]);
    assert_eq!(r.code, EXIT_READ);
    assert!(r.stderr.contains("not a memlens capture"), "{}", r.stderr);
    // PID 2 is kthreadd: a kernel thread has no mappings, which is said, not an error.
    let r = memlens(&["maps", "2"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("kernel thread"), "{}", r.stdout);
    let r = memlens(&["ps", "--command", "("]);
    assert_eq!(r.code, EXIT_USAGE);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("invalid regular expression"),
        "{}",
        r.stderr
    );
    let r = memlens(&["ps", "--user", "no-such-user-here"]);
    assert_eq!(r.code, EXIT_USAGE);
    assert!(r.stderr.contains("no user named"), "{}", r.stderr);
    let r = memlens(&["vmstat", "1", "0"]);
    assert_eq!(r.code, EXIT_USAGE);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

/// As an unprivileged user: rows show what is readable, unreadable cells say so, one
/// warning line, exit 0; `maps` of a root process fails clearly.
#[test]
fn unprivileged_user_sees_what_is_readable() {
    let _s = serial();
    if !is_root() {
        eprintln!("not root: cannot create the test user; run the suite as root (CI does)");
        return;
    }
    let s = sleeper(); // a root process the user cannot read fully
    let run = |args: &[&str]| as_user(args, None);
    let r = run(&["ps", "--json"]);
    let j = r.json();
    let rows = j["processes"].as_array().unwrap();
    let root_row = rows
        .iter()
        .find(|x| int(x, "pid") == s.pid() as i64)
        .expect("root's sleep listed");
    assert!(root_row["pss"].is_null() && root_row["uss"].is_null());
    assert!(int(root_row, "rss") > 0, "status is world-readable");
    assert!(root_row["unreadable"][0]
        .as_str()
        .unwrap()
        .contains("permission denied"));
    let own = rows
        .iter()
        .find(|x| x["user"] == "memlens-test")
        .expect("memlens itself");
    assert!(int(own, "pss") > 0);
    assert_eq!(r.stderr.lines().count(), 1, "one warning: {}", r.stderr);
    assert!(r.stderr.contains("run as root"));
    let t = run(&["ps", "--pid", &s.pid().to_string()]);
    assert_eq!(t.code, 0);
    assert!(t.stdout.contains("denied"));
    let m = run(&["maps", &s.pid().to_string()]);
    assert_eq!(m.code, EXIT_REFUSED);
    assert!(m.stderr.contains("permission denied"), "{}", m.stderr);
    assert!(
        m.stderr.contains("run memlens maps as root"),
        "{}",
        m.stderr
    );
    assert_eq!(run(&["sys"]).code, 0);
    assert_eq!(run(&[]).code, 0);
}

/// Two captures a moment apart: `vmstat` and `doctor` compute rates between them, exactly
/// from the captured counters and uptimes.
#[test]
fn rates_between_two_captures() {
    let _s = serial();
    let dir = std::env::temp_dir().join(format!("memlens-pair-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (a, b) = (dir.join("a"), dir.join("b"));
    assert_eq!(memlens(&["capture", a.to_str().unwrap()]).code, 0);
    let _ = memlens(&[
        "lab", "noleak", "--count", "4", "--size", "8M", "--hold", "0",
    ]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(memlens(&["capture", b.to_str().unwrap()]).code, 0);
    let (sa, sb) = (a.to_str().unwrap(), b.to_str().unwrap());
    let j = memlens(&["--root", sa, "--root", sb, "vmstat", "--json"]).json();
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let uptime = |d: &std::path::Path| -> f64 {
        std::fs::read_to_string(d.join("proc/uptime"))
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let counter = |d: &std::path::Path, name: &str| -> i64 {
        std::fs::read_to_string(d.join("proc/vmstat"))
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} "))?.parse().ok())
            .unwrap()
    };
    let secs = rows[1]["seconds"].as_f64().unwrap();
    assert!((secs - (uptime(&b) - uptime(&a))).abs() < 1e-6, "{secs}");
    let delta = rows[1]["counters"]["pgfault"]["delta"].as_i64().unwrap();
    assert_eq!(delta, counter(&b, "pgfault") - counter(&a, "pgfault"));
    assert!(
        delta >= 8192,
        "the noleak lab faulted 32 MiB in between: {delta}"
    );
    let d = memlens(&["--root", sa, "--root", sb, "doctor", "--json"]);
    let dj: serde_json::Value = serde_json::from_str(&d.stdout).unwrap();
    assert!((dj["sample_secs"].as_f64().unwrap() - secs).abs() < 1e-6);
    // The wrong order, or a command that has no use for two roots, is refused.
    let r = memlens(&["--root", sb, "--root", sa, "vmstat"]);
    assert_eq!(r.code, EXIT_USAGE);
    assert!(r.stderr.contains("later capture"), "{}", r.stderr);
    // doctor too refuses a reversed pair (it used to fall back to since-boot counters);
    // as a monitoring check, misuse is UNKNOWN.
    let r = memlens(&["--root", sb, "--root", sa, "doctor"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains("later capture"), "{}", r.stderr);
    // A pair of the same capture is refused as well (no time between them).
    let r = memlens(&["--root", sa, "--root", sa, "vmstat"]);
    assert_eq!(r.code, EXIT_USAGE, "{}", r.stderr);
    // Commands without rates take one root; ps takes two (its fault rates).
    let r = memlens(&["--root", sa, "--root", sb, "zones"]);
    assert_eq!(r.code, EXIT_USAGE);
    assert_eq!(r.stderr.lines().count(), 1);
    let r = memlens(&["--root", sa, "--root", sb, "ps", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.json()["processes"][0]["minflt_rate"].is_f64(),
        "{}",
        r.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ps_faults_agree_with_procps_and_the_stat_file() {
    // An idle process: its fault counts do not move while it is read.
    let lab = Lab::start(&["leak", "--count", "2", "--size", "8M"]);
    let pid = lab.pid().to_string();
    let j = memlens(&["ps", "--pid", &pid, "--faults", "--json"]).json();
    let row = &j["processes"][0];
    let procps = sh(&format!("ps -o min_flt=,maj_flt= -p {pid}"));
    let want: Vec<u64> = procps
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(row["minflt"].as_u64(), Some(want[0]), "minflt against ps");
    assert_eq!(row["majflt"].as_u64(), Some(want[1]), "majflt against ps");
    // It touched 16 MiB: at least one minor fault per 4 KiB page (fewer with THP).
    let thp =
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
    if thp.contains("[never]") {
        assert!(row["minflt"].as_u64().unwrap() >= 4096, "{row}");
    }
}
