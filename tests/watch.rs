//! `memlens watch` on lab experiments with known allocations: each verdict (leak, stable,
//! virtual, sawtooth, cache), the leak's slope against the lab's rate, `--alert`, a leak
//! in a memory-limited cgroup and the time to its limit, and bad input.

mod common;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// The live tests measure rates: one at a time, so they do not slow each other down.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const MIB: f64 = (1 << 20) as f64;

struct Lab(Child);

impl Lab {
    /// Starts `memlens lab --json ARGS` and returns once it has said anything.
    fn start(args: &str) -> Lab {
        let mut child = Command::new(bin())
            .args(["lab", "--json"])
            .args(args.split_whitespace())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut r = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        assert!(line.contains("\"event\""), "{line}");
        std::thread::spawn(move || std::io::copy(&mut r, &mut std::io::sink()));
        Lab(child)
    }
    fn pid(&self) -> String {
        self.0.id().to_string()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

/// Runs `memlens watch ARGS --json` and returns its exit code, sample lines and summary.
fn watch(args: &[&str]) -> (i32, Vec<Value>, Value) {
    let out = Command::new(bin())
        .arg("watch")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let (summary, samples) = lines
        .split_last()
        .unwrap_or_else(|| panic!("no output: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(summary["type"], "summary", "{summary}");
    assert!(samples.iter().all(|s| s["type"] == "sample"));
    (
        out.status.code().unwrap(),
        samples.to_vec(),
        summary.clone(),
    )
}

fn verdict(summary: &Value) -> &Value {
    let v = summary["verdicts"].as_array().unwrap();
    assert_eq!(v.len(), 1, "{summary}");
    &v[0]
}

/// The lab's realised rate of a figure: its change over the samples' time.
fn realised(samples: &[Value], key: &str) -> f64 {
    let (a, b) = (&samples[0], samples.last().unwrap());
    (b[key].as_f64().unwrap() - a[key].as_f64().unwrap())
        / (b["t"].as_f64().unwrap() - a["t"].as_f64().unwrap())
}

#[test]
fn a_steady_leak_is_a_leak_at_the_labs_rate_and_alerts() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // 4 MiB every 200 ms: 20 MiB/s.
    let lab = Lab::start("leak --count 60 --size 4M --interval 200ms");
    let (code, samples, summary) = watch(&[
        &lab.pid(),
        "--interval",
        "0.2",
        "--for",
        "6s",
        "--alert",
        "5M/s",
    ]);
    let v = verdict(&summary);
    assert_eq!(v["verdict"], "leak", "{v}");
    let slope = v["slope_bytes_per_second"].as_f64().unwrap();
    let nominal = 4.0 * MIB / 0.2;
    assert!(
        (slope - nominal).abs() <= 0.10 * nominal,
        "slope {:.2} MiB/s, the lab's rate {:.2} MiB/s",
        slope / MIB,
        nominal / MIB
    );
    let real = realised(&samples, "anon");
    assert!(
        (slope - real).abs() <= 0.10 * real,
        "{slope} vs realised {real}"
    );
    assert!(v["confidence"].as_f64().unwrap() >= 0.99, "{v}");
    assert!(samples.len() >= 25, "{} samples", samples.len());
    // Each sample's change is the difference of its figures and the previous one's.
    let d = samples[5]["change"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c[0] == "rss")
        .unwrap()[1]
        .as_i64()
        .unwrap();
    assert_eq!(
        d,
        samples[5]["rss"].as_i64().unwrap() - samples[4]["rss"].as_i64().unwrap()
    );
    // The anonymous mappings grew, by about what the lab allocated while watched.
    let grown = &v["mappings_grown"][0];
    assert_eq!(grown["mapping"], "[anon]", "{v}");
    let g = grown["growth"].as_f64().unwrap();
    let rss_growth = (samples.last().unwrap()["rss"].as_f64().unwrap()
        - samples[0]["rss"].as_f64().unwrap())
    .max(1.0);
    assert!(g >= 0.9 * rss_growth, "mappings grew {g}, RSS {rss_growth}");
    // MemAvailable ahead, reached at this slope in headroom / slope seconds.
    let l = v["limits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["limit"] == "mem_available")
        .unwrap();
    let want = l["headroom"].as_f64().unwrap() / slope;
    assert!((l["seconds"].as_f64().unwrap() - want).abs() < 1e-6 * want);
    assert_eq!(code, 4, "--alert 5M/s on a 20 MiB/s leak");
    assert_eq!(summary["alert"], true);
    // Fault rates: each sample's is its fault count's rise over the time since the one
    // before; together they are one first touch per page of anonymous growth (a huge page
    // where THP is `always`), and no major fault.
    assert!(samples[0].get("minflt_rate").is_none(), "{}", samples[0]);
    for w in samples.windows(2) {
        let dt = w[1]["t"].as_f64().unwrap() - w[0]["t"].as_f64().unwrap();
        let df = w[1]["minflt"].as_f64().unwrap() - w[0]["minflt"].as_f64().unwrap();
        let rate = w[1]["minflt_rate"].as_f64().unwrap();
        assert!((rate - df / dt).abs() < 1e-6 * (1.0 + rate), "{}", w[1]);
        assert_eq!(w[1]["majflt_rate"], 0.0, "{}", w[1]);
    }
    let faults = realised(&samples, "minflt");
    let pages = real / 4096.0;
    let thp_always = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
        .is_ok_and(|t| t.contains("[always]"));
    if thp_always {
        assert!(
            faults >= real / (2.0 * MIB) * 0.9,
            "{faults}/s for {real} B/s"
        );
    } else {
        assert!(
            (faults - pages).abs() <= 0.10 * pages,
            "{faults:.0} faults/s for {pages:.0} pages/s of anonymous growth"
        );
    }
}

#[test]
fn memory_allocated_and_freed_is_stable_and_does_not_alert() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // Each 4 MiB block lives only while it is touched (a few ms in 200): a sample
    // rarely sees one.
    let lab = Lab::start("noleak --count 40 --size 4M --interval 200ms");
    let (code, _, summary) = watch(&[
        &lab.pid(),
        "--interval",
        "0.2",
        "--for",
        "5s",
        "--alert",
        "1M/s",
    ]);
    let v = verdict(&summary);
    assert_eq!(v["verdict"], "stable", "{v}");
    assert_eq!(code, 0);
    assert_eq!(summary["alert"], false);
}

#[test]
fn address_space_reserved_but_never_touched_is_virtual() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // 64 MiB of address space every 150 ms, never touched.
    let lab = Lab::start("reserve --count 60 --size 64M --interval 150ms");
    let (code, samples, summary) = watch(&[&lab.pid(), "--interval", "0.2", "--for", "5s"]);
    let v = verdict(&summary);
    assert_eq!(v["verdict"], "virtual", "{v}");
    let slope = v["slope_bytes_per_second"].as_f64().unwrap();
    let real = realised(&samples, "vsz");
    assert!((slope - real).abs() <= 0.10 * real, "{slope} vs {real}");
    assert_eq!(code, 0);
}

#[test]
fn allocate_and_free_in_cycles_is_a_sawtooth_and_a_rising_floor_under_it_a_leak() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // Teeth of 48 MiB over 8 × 100 ms, freed, over a flat base.
    let lab = Lab::start("sawtooth --peak 48M --steps 8 --cycles 20 --interval 100ms");
    let (_, _, summary) = watch(&[&lab.pid(), "--interval", "0.2", "--for", "8s"]);
    let v = verdict(&summary);
    assert_eq!(v["verdict"], "sawtooth", "{v}");
    drop(lab);
    // The same teeth, keeping 4 MiB a cycle: a slow leak under the sawtooth. Watched for
    // 20 cycles, not 10: once the machine is busy the lab's cycles stretch, the samples
    // stop being in step with them, and each window's minimum lands anywhere on the first
    // 200 ms of a tooth (12 MiB of ramp). Over 10 cycles that noise beats a rise of 4 MiB
    // a cycle (8 windows of 1.25 cycles: `unknown`, watch longer); over 20 the windows
    // span 2 cycles each and the rise wins (checked under two busy loops on two cores).
    let lab = Lab::start("sawtooth --peak 48M --steps 8 --cycles 30 --base 4M --interval 100ms");
    let (_, samples, summary) = watch(&[&lab.pid(), "--interval", "0.2", "--for", "16s"]);
    let v = verdict(&summary);
    assert_eq!(v["verdict"], "leak", "{v}");
    let slope = v["slope_bytes_per_second"].as_f64().unwrap();
    // 4 MiB per cycle of 8 × 100 ms.
    let nominal = 4.0 * MIB / 0.8;
    assert!(
        (slope - nominal).abs() <= 0.25 * nominal,
        "slope {:.2} MiB/s, the base grows {:.2} MiB/s ({} samples)",
        slope / MIB,
        nominal / MIB,
        samples.len()
    );
}

#[test]
fn file_pages_mapped_and_read_are_cache() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let lab = Lab::start("pagecache --size 96M --interval 200ms --steps 40 --dir /var/tmp");
    let (_, samples, summary) = watch(&[&lab.pid(), "--interval", "0.2", "--for", "5s"]);
    let v = verdict(&summary);
    assert_eq!(v["verdict"], "cache", "{v}");
    let slope = v["slope_bytes_per_second"].as_f64().unwrap();
    let real = realised(&samples, "file");
    assert!((slope - real).abs() <= 0.15 * real, "{slope} vs {real}");
}

#[test]
fn a_leak_in_a_limited_cgroup_reaches_its_limit_when_predicted() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let limit: u64 = 200 << 20;
    let Some(mut g) = TestGroup::new("memlens-watch-test", limit) else {
        eprintln!("no memory cgroup to make (not root, or no memory controller)");
        return;
    };
    // No swap for the group, where the kernel has the knob: the limit is a wall.
    let _ = std::fs::write(g.dir.join("memory.swap.max"), "0");
    let _ = std::fs::write(g.dir.join("memory.memsw.limit_in_bytes"), limit.to_string());
    // 2 MiB every 100 ms: 20 MiB/s, 100 blocks: more than the group may hold.
    g.start_lab("leak --count 100 --size 2M --interval 100ms");
    let rel = g.rel();
    let (_, _, summary) = watch(&["--cgroup", &rel, "--interval", "0.2", "--for", "4s"]);
    let predicted_at = Instant::now();
    let v = verdict(&summary);
    assert_eq!(v["verdict"], "leak", "{v}");
    assert_eq!(v["cgroup"], rel.as_str());
    let l = v["limits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["limit"] == "memory_max")
        .unwrap_or_else(|| panic!("no memory_max ahead: {v}"))
        .clone();
    let predicted = l["seconds"].as_f64().unwrap();
    // Then wait for the group to reach its limit: its usage within 4 MiB of it, a limit
    // event, or the lab killed by the group's OOM killer.
    let usage = if g.v1 {
        "memory.usage_in_bytes"
    } else {
        "memory.current"
    };
    let reached = loop {
        let read = |f: &str| std::fs::read_to_string(g.dir.join(f)).unwrap_or_default();
        let used: u64 = read(usage).trim().parse().unwrap_or(0);
        let events = read(if g.v1 {
            "memory.failcnt"
        } else {
            "memory.events"
        });
        let limit_event = if g.v1 {
            events.trim().parse::<u64>().unwrap_or(0) > 0
        } else {
            events
                .lines()
                .any(|l| l.starts_with("max ") && l.trim_end() != "max 0")
        };
        let exited = g.child.as_mut().unwrap().try_wait().unwrap().is_some();
        if used + (4 << 20) >= limit || limit_event || exited {
            break predicted_at.elapsed().as_secs_f64();
        }
        assert!(
            predicted_at.elapsed() < Duration::from_secs(60),
            "the group never reached its limit (predicted in {predicted:.1} s)"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    eprintln!("memory.max predicted in {predicted:.2} s, reached in {reached:.2} s");
    assert!(
        (reached - predicted).abs() <= 0.20 * reached.max(predicted) + 0.3,
        "predicted the limit in {predicted:.2} s, reached in {reached:.2} s"
    );
}

#[test]
fn bad_input_is_one_line_and_an_exit_status() {
    for (args, code, says) in [
        (
            &["999999999"][..],
            EXIT_READ,
            "no process with PID 999999999",
        ),
        (&["2"], EXIT_USAGE, "kernel thread"),
        (
            &["--command", "("],
            EXIT_USAGE,
            "invalid regular expression",
        ),
        (
            &["--command", "no-such-command-xyzzy"],
            EXIT_USAGE,
            "no process's command line matches",
        ),
        (
            &["--cgroup", "../x"],
            EXIT_USAGE,
            "leave the cgroup hierarchy",
        ),
        (
            &["--cgroup", "/no-such-group-xyzzy"],
            EXIT_USAGE,
            "no such memory cgroup",
        ),
        (&["1", "--alert", "fast"], EXIT_USAGE, "not a rate"),
        (&["1", "--interval", "0"], EXIT_USAGE, "no time"),
        (&[], EXIT_USAGE, "required"),
        (
            &["--root", "tests/fixtures/vm-6.18-hybrid", "1"],
            EXIT_REFUSED,
            "live machine",
        ),
    ] {
        let mut all = vec!["watch", "--for", "1s"];
        all.extend_from_slice(args);
        let r = Command::new(bin())
            .args(&all)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&r.stderr);
        assert_eq!(r.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        // clap's own errors add a line pointing to --help.
        if !err.starts_with("error:") {
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        }
    }
}
