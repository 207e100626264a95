//! `memlens record`: a snapshot of the machine every interval, appended to the history
//! store, which is kept within its age and size bounds as it goes.

use std::time::Instant;

use memlens_sources::collect::{collect, Earlier, Plan};
use memlens_sources::Root;
use memlens_store::{Options, Store, StoreError};

use crate::cli::RecordArgs;
use crate::failure::{Failure, Outcome};
use crate::output::{count, warn};

/// `captures`: add each one's sample instead of recording the live machine.
pub fn run(captures: &[Root], args: &RecordArgs) -> Outcome {
    let dir = args.db.clone().unwrap_or_else(crate::history::default_db);
    let mut w = Store::open_append(
        &dir,
        Options {
            max_age: Some(args.retain),
            max_bytes: Some(args.max_size),
            ..Options::default()
        },
    )?;
    for n in w.notices() {
        warn(n);
    }
    if !captures.is_empty() {
        for root in captures {
            let snap = collect(root, &Plan::everything());
            if snap.meta.taken_at_ns.is_none() {
                return Err(Failure::read(format!(
                    "{}: the capture does not say when it was taken, so it has no place in a history",
                    root.base().display()
                )));
            }
            w.append(&snap)?;
        }
        eprintln!(
            "memlens: added {} to {}",
            count(captures.len() as u64, "capture", "captures"),
            dir.display()
        );
        return Ok(0);
    }
    let root = &Root::live();
    crate::output::catch_interrupts();
    // One malloc arena for all threads (the scan's worker would otherwise keep an arena of
    // its own), and large blocks (a sample's leaves, megabytes) always mapped on their own
    // and given back when freed: glibc would otherwise raise its threshold after the first
    // such free and keep later ones in a heap that only grows.
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets tunables of glibc's malloc.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
    let mut plan = Plan::everything();
    // Every process's stat, to tell which changed (see `Carried`).
    if let Some(p) = plan.processes.as_mut() {
        p.stat = true;
        // One reader: a recorder has seconds to spare, and a second thread costs more CPU
        // time (thread start, malloc's lock) than it saves wall time.
        p.threads = 1;
    }
    // Samples between whole reads: --refresh over --interval, at least 1.
    let every = if args.refresh.is_zero() {
        1
    } else {
        (args.refresh.as_secs_f64() / args.interval.as_secs_f64())
            .ceil()
            .clamp(1.0, u32::MAX as f64) as u32
    };
    if every > 1 {
        plan.earlier = Some(Earlier::first(
            every,
            memlens_sources::procs::stat_files_to_hold(),
        ));
    }
    let start = Instant::now();
    let (mut samples, mut bytes, mut process_samples) = (0u64, 0u64, 0u64);
    let mut full_since: Option<Instant> = None;
    let mut n = 0u32;
    loop {
        let t0 = Instant::now();
        let cpu0 = cpu_time();
        let snap = collect(root, &plan);
        let procs = snap.processes.ok().map_or(0, |p| p.processes.len()) as u64;
        let appended = w.append(&snap);
        plan.earlier = plan.earlier.take().map(|e| e.next(snap));
        match appended {
            Ok(s) => {
                if let Some(since) = full_since.take() {
                    warn(&format!(
                        "recording again: space came back after {:.0} s without samples",
                        since.elapsed().as_secs_f64()
                    ));
                }
                samples += 1;
                bytes += s.frame_bytes;
                process_samples += procs;
                for r in &s.removed {
                    if args.verbose {
                        warn(&format!("retention: removed {}", r.display()));
                    }
                }
                if let Some(e) = &s.retain_error {
                    warn(&format!("retention: {e}"));
                }
                if args.verbose {
                    warn(&format!(
                        "sample {samples}: {} processes, {} bytes{} in {:.1} ms, {:.1} ms of CPU",
                        procs,
                        s.frame_bytes,
                        if s.key { " (key frame)" } else { "" },
                        t0.elapsed().as_secs_f64() * 1e3,
                        (cpu_time() - cpu0) * 1e3
                    ));
                }
            }
            Err(e @ StoreError::DiskFull { .. }) => {
                if full_since.is_none() {
                    warn(&format!("{e}: not recording until space returns"));
                    full_since = Some(Instant::now());
                }
            }
            // Two samples in the same nanosecond (a clock step back): skip this one.
            Err(e @ StoreError::OutOfOrder { .. }) => warn(&e.to_string()),
            Err(e) => return Err(e.into()),
        }
        n += 1;
        // The next tick; ticks missed because a sample took longer are skipped.
        let mut next = start + args.interval * n;
        while next < Instant::now() {
            n += 1;
            next = start + args.interval * n;
        }
        if args.duration.is_some_and(|d| next > start + d) {
            break;
        }
        if !crate::output::sleep_until(next) {
            break;
        }
    }
    eprintln!(
        "memlens: recorded {} into {} ({} KiB{})",
        count(samples, "sample", "samples"),
        dir.display(),
        bytes / 1024,
        if process_samples > 0 {
            format!(
                ", {:.2} bytes per process-sample",
                bytes as f64 / process_samples as f64
            )
        } else {
            String::new()
        }
    );
    Ok(0)
}

/// User and system time of this process so far (all threads), in seconds.
fn cpu_time() -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(u.ru_utime) + secs(u.ru_stime)
}
