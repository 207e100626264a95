//! Measures the store: bytes per process-sample of a quiet and a churny machine of 1,000
//! processes at 5 s, the CPU time of an append, the cost of fdatasync, and the time of
//! `at_or_before` on a week of history. Run it in release:
//!
//! ```sh
//! cargo run --release -p memlens-store --example measure [-- DIR]
//! ```
//!
//! DIR (default: the system's temporary directory) should be on the disk a real store
//! would use, for the fdatasync figures.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use memlens_store::{Options, Store};

fn cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Records `n` samples of a 1,000-process machine; prints sizes and times.
/// This process's resident set now and at its peak (`VmRSS`, `VmHWM`), KiB.
fn rss_kib() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let f = |k: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (f("VmRSS:"), f("VmHWM:"))
}

fn machine(root: &Path, name: &str, label: &str, churn: f64, n: usize) {
    machine_of(root, name, label, churn, n, 1000)
}

fn machine_of(root: &Path, name: &str, label: &str, churn: f64, n: usize, procs_n: usize) {
    let dir = root.join(format!("measure-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    let mut m = Machine::new(&fixture("vm-6.18-hybrid"), procs_n, 42);
    let mut rss = Vec::new();
    let mut w = Store::open_append(&dir, Options::default()).unwrap();
    let (mut cpu, mut wall) = (Vec::new(), Vec::new());
    let (mut key_bytes, mut keys, mut delta_bytes, mut deltas) = (0u64, 0u64, 0u64, 0u64);
    let mut leaves_json = 0;
    for i in 0..n {
        let s = m.step(churn);
        if i == 0 {
            leaves_json = serde_json::to_vec(s).unwrap().len();
        }
        let (c0, w0) = (cpu_now(), Instant::now());
        let st = w.append(s).unwrap();
        cpu.push(ms(cpu_now() - c0));
        if i % (n / 8).max(1) == 0 || i + 1 == n {
            rss.push(rss_kib().0);
        }
        wall.push(ms(w0.elapsed()));
        if st.key {
            key_bytes += st.frame_bytes;
            keys += 1;
        } else {
            delta_bytes += st.frame_bytes;
            deltas += 1;
        }
    }
    drop(w);
    let total = store_bytes(&dir);
    let mean_delta = delta_bytes as f64 / deltas.max(1) as f64;
    let mean_key = key_bytes as f64 / keys as f64;
    let procs = procs_n as f64;
    println!(
        "{label}: {n} samples of {procs_n} processes (a snapshot is {leaves_json} bytes of JSON)"
    );
    println!(
        "  this process's RSS at every eighth of the run: {} KiB (peak {} KiB; it holds the synthetic machine too)",
        rss.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", "),
        rss_kib().1
    );
    println!(
        "  store {total} bytes: {:.2} bytes per process-sample ({keys} key frames of {:.0} bytes, {deltas} deltas of {:.0} bytes on average)",
        total as f64 / (n as f64 * procs),
        mean_key,
        mean_delta
    );
    println!(
        "  amortised over a key frame every 720: {:.2} bytes per process-sample",
        (mean_key + 719.0 * mean_delta) / 720.0 / procs
    );
    println!(
        "  append: CPU {:.1} ms median, {:.1} ms p90, {:.1} ms max; wall (with fdatasync) {:.1} ms median, {:.1} ms p90",
        pct(&mut cpu.clone(), 0.5),
        pct(&mut cpu.clone(), 0.9),
        pct(&mut cpu, 1.0),
        pct(&mut wall.clone(), 0.5),
        pct(&mut wall, 0.9)
    );
    // Reads, each starting afresh from a key frame.
    let t0 = Instant::now();
    let r = Store::open_read(&dir).unwrap();
    let open = t0.elapsed();
    let times = r.times();
    let t0 = Instant::now();
    let _ = r.at_or_before(times[0]).unwrap().unwrap();
    let key_t = t0.elapsed();
    let mut v = Vec::new();
    for i in (0..60).map(|k| k * 12 + 11) {
        let _ = r.at_or_before(times[0]).unwrap();
        let t0 = Instant::now();
        let (_, s) = r.at_or_before(times[i]).unwrap().unwrap();
        v.push(ms(t0.elapsed()));
        assert_eq!(s.meta.taken_at_ns, Some(times[i]));
    }
    println!(
        "  read: open {:.1} ms; at_or_before a key frame {:.1} ms; 60 samples spread over the first 720: {:.1} ms median, {:.1} ms max",
        ms(open),
        ms(key_t),
        pct(&mut v.clone(), 0.5),
        pct(&mut v, 1.0)
    );
    let t0 = Instant::now();
    let k = r.range(times[0], times[99]).count();
    println!(
        "  range of {k} samples: {:.1} ms a sample",
        ms(t0.elapsed()) / k as f64
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The cost of one fdatasync after appending a few KiB, on `root`'s disk.
fn fdatasync(root: &Path) {
    use std::os::unix::fs::FileExt;
    let p = root.join("measure-fdatasync");
    let f = std::fs::File::create(&p).unwrap();
    let block = vec![0x5au8; 3000];
    let mut at = 0;
    let mut v = Vec::new();
    for _ in 0..300 {
        f.write_all_at(&block, at).unwrap();
        at += block.len() as u64;
        let t0 = Instant::now();
        f.sync_data().unwrap();
        v.push(ms(t0.elapsed()));
    }
    let _ = std::fs::remove_file(&p);
    println!(
        "fdatasync after a 3,000-byte append on {}: {:.2} ms median, {:.2} ms p90, {:.2} ms max",
        root.display(),
        pct(&mut v.clone(), 0.5),
        pct(&mut v.clone(), 0.9),
        pct(&mut v, 1.0)
    );
}

/// A week at 5 s of a small machine, then `at_or_before` at random times.
/// A week at 5 s of a small machine (6 processes), then `--at` on it.
fn week(root: &Path, deltas_per_key: u64) {
    let (procs, every) = (6, 5);
    let dir = root.join("measure-week");
    let _ = std::fs::remove_dir_all(&dir);
    let mut m = Machine::new(&fixture("old-3.10-trimmed"), procs, 7);
    let day = 86_400 * SECOND;
    let t0 = (m.s.meta.taken_at_ns.unwrap() / day + 1) * day;
    let mut w = Store::open_append(
        &dir,
        Options {
            sync: false,
            deltas_per_key,
            ..Options::default()
        },
    )
    .unwrap();
    let n = (7 * 86_400 / every) as usize;
    let started = Instant::now();
    for i in 0..n {
        m.step(0.01);
        m.s.meta.taken_at_ns = Some(t0 + i as u64 * every * SECOND);
        w.append(&m.s).unwrap();
    }
    drop(w);
    let write = started.elapsed();
    let total = store_bytes(&dir);
    let t = Instant::now();
    let r = Store::open_read(&dir).unwrap();
    let open = t.elapsed();
    let times = r.times();
    assert_eq!(times.len(), n);
    let segs = r.segments().len();
    let mut rng = Rng::new(1);
    let mut v = Vec::new();
    for _ in 0..200 {
        let at = t0 + rng.below(7 * day);
        // A fresh reader each time, as `--at` would have: no replay to go on from.
        let t = Instant::now();
        let (found, _) = r.at_or_before(at).unwrap().unwrap();
        v.push(ms(t.elapsed()));
        assert!(found <= at && at - found < every * SECOND);
        // Forget what was replayed, so the next query starts afresh.
        let _ = r.at_or_before(t0).unwrap();
    }
    // The sample just before the second key frame (at 720 when every 720).
    let t = Instant::now();
    let _ = r.at_or_before(times[719]).unwrap().unwrap();
    let worst = t.elapsed();
    println!(
        "week of {procs} processes (deltas_per_key {deltas_per_key}): {n} samples at {every} s in {segs} segments, {total} bytes ({:.0} bytes a sample; a snapshot is {} bytes of JSON), written in {:.1} s without fdatasync",
        total as f64 / n as f64,
        serde_json::to_vec(&m.s).unwrap().len(),
        write.as_secs_f64()
    );
    println!(
        "  open_read (every frame's checksum) {:.1} ms; at_or_before at 200 random times: {:.2} ms median, {:.2} ms p90, {:.2} ms max; the 720th sample {:.2} ms",
        ms(open),
        pct(&mut v.clone(), 0.5),
        pct(&mut v.clone(), 0.9),
        pct(&mut v, 1.0),
        ms(worst)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A week at 5 s of a 1,000-process machine, for `--at`: one day of real appends
/// (17,280 samples, a process replaced every 10 samples), then that day's segments copied
/// to the six days after it, each frame's time (and so its checksum) moved on by whole
/// days. The copies' snapshots still say the first day's times inside, which a query does
/// not look at; what `--at` costs (opening every segment, checking every frame, replaying
/// up to 720 frames from a key frame, rebuilding the sample) is that of a real week.
fn week1000(root: &Path, churn: f64) {
    let dir = root.join("measure-week1000");
    let _ = std::fs::remove_dir_all(&dir);
    let mut m = Machine::new(&fixture("vm-6.18-hybrid"), 1000, 11);
    let day = 86_400 * SECOND;
    let t0 = (m.s.meta.taken_at_ns.unwrap() / day + 1) * day;
    let mut w = Store::open_append(
        &dir,
        Options {
            sync: false,
            ..Options::default()
        },
    )
    .unwrap();
    let started = Instant::now();
    let mut rss = Vec::new();
    for i in 0..17_280u64 {
        m.step(churn);
        m.s.meta.taken_at_ns = Some(t0 + i * 5 * SECOND);
        w.append(&m.s).unwrap();
        if i % 2160 == 0 || i == 17_279 {
            rss.push(rss_kib().0);
        }
    }
    drop(w);
    let write = started.elapsed();
    let first: Vec<std::path::PathBuf> = segments(&dir);
    for d in 1..7u64 {
        for seg in &first {
            copy_shifted(seg, &dir, d * day);
        }
    }
    let total = store_bytes(&dir);
    let mut opens = Vec::new();
    let mut v = Vec::new();
    let mut rng = Rng::new(3);
    let mut n = 0;
    let mut whole = Vec::new();
    for _ in 0..20 {
        // A fresh reader each time, as `memlens ps --at` has.
        let at = t0 + rng.below(7 * day);
        let t = Instant::now();
        let r = Store::open_read_around(&dir, at).unwrap();
        opens.push(ms(t.elapsed()));
        let (found, _) = r.at_or_before(at).unwrap().unwrap();
        v.push(ms(t.elapsed()));
        assert!(found <= at && at - found < 5 * SECOND);
        let t = Instant::now();
        n = Store::open_read(&dir).unwrap().len();
        whole.push(ms(t.elapsed()));
    }
    // The worst: the sample just before a key frame (720 frames to replay).
    let r = Store::open_read(&dir).unwrap();
    let times = r.times();
    drop(r);
    let worst_at = times[6 * 17_280 + 719];
    let t = Instant::now();
    let r = Store::open_read_around(&dir, worst_at).unwrap();
    let _ = r.at_or_before(worst_at).unwrap().unwrap();
    let worst = t.elapsed();
    println!(
        "week of 1,000 processes at 5 s, churn {churn} (a process replaced every {:.0} samples): {n} samples, {} segments, {:.0} MiB; the first day written in {:.1} s without fdatasync",
        1.0 / (churn * 1000.0),
        segments(&dir).len(),
        total as f64 / (1 << 20) as f64,
        write.as_secs_f64()
    );
    println!(
        "  this process's RSS through the day, every eighth: {} KiB (it holds the synthetic machine too)",
        rss.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ")
    );
    println!(
        "  open_read_around + at_or_before (a fresh reader, as --at): {:.1} ms median, {:.1} ms max at 20 random times (opening {:.1} ms median; opening the whole week {:.1} ms); the 720th sample of the last day {:.1} ms",
        pct(&mut v.clone(), 0.5),
        pct(&mut v, 1.0),
        pct(&mut opens, 0.5),
        pct(&mut whole, 0.5),
        ms(worst)
    );
    // MEASURE_KEEP=1 leaves the week for `memlens history --db DIR/measure-week1000`.
    if std::env::var_os("MEASURE_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Copies a segment into `dir` with every frame's time moved on by `by` nanoseconds.
fn copy_shifted(seg: &Path, dir: &Path, by: u64) {
    let b = std::fs::read(seg).unwrap();
    let wlen = u16::from_le_bytes([b[16], b[17]]) as usize;
    let header = 18 + wlen + 4;
    let mut out = b[..header].to_vec();
    let mut pos = header;
    let mut first = None;
    while pos + 17 <= b.len() {
        let len = u32::from_le_bytes(b[pos..pos + 4].try_into().unwrap()) as usize;
        let flags = b[pos + 8];
        let t = u64::from_le_bytes(b[pos + 9..pos + 17].try_into().unwrap()) + by;
        first.get_or_insert(t);
        let payload = &b[pos + 17..pos + 17 + len];
        let mut h = crc32fast::Hasher::new();
        h.update(&[flags]);
        h.update(&t.to_le_bytes());
        h.update(payload);
        out.extend_from_slice(&(len as u32).to_le_bytes());
        out.extend_from_slice(&h.finalize().to_le_bytes());
        out.push(flags);
        out.extend_from_slice(&t.to_le_bytes());
        out.extend_from_slice(payload);
        pos += 17 + len;
    }
    let name = format!("seg-{}.mlh", first.unwrap() / SECOND);
    std::fs::write(dir.join(name), out).unwrap();
}

fn main() {
    let root = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let only = std::env::args().nth(2).unwrap_or_default();
    if only.is_empty() || only == "fdatasync" {
        fdatasync(&root);
    }
    if only.is_empty() || only == "quiet" {
        machine(&root, "quiet", "quiet", 0.0, 1440);
    }
    if only.is_empty() || only == "churny" {
        machine(
            &root,
            "churny",
            "churny (5% of processes replaced each sample)",
            0.05,
            1440,
        );
    }
    if only == "day" {
        // A simulated day at 5 s: 17,280 samples (of 100 processes, to keep it short).
        machine_of(&root, "day", "a day at 5 s", 0.01, 17_280, 100);
    }
    if only.is_empty() || only == "week" {
        week(&root, 0);
        week(&root, 4);
    }
    if only.is_empty() || only == "week1000" {
        // A process replaced every 100 samples (8 minutes).
        week1000(&root, 0.00001);
    }
    if only == "week1000-churny" {
        // A process replaced every sample: takes some minutes to write.
        week1000(&root, 0.001);
    }
}
