//! The store is compact: at most 5 bytes per process-sample, amortised over the key
//! frames, for a quiet machine of 1,000 processes sampled every 5 s. (The
//! `measure` example records 1,440 samples in release and prints the real figures.)

mod common;

use common::*;
use memlens_store::{Options, Store};

/// Bytes per process-sample of `deltas` samples after a key frame, amortised as the
/// default options would: a key frame every 720 samples, or once the deltas since add up
/// to 4 times its size.
fn amortised(churn: f64, deltas: usize) -> f64 {
    let dir = Scratch::new("compact");
    let mut m = Machine::new(&fixture("vm-6.18-hybrid"), 1000, 42);
    let mut w = Store::open_append(
        &dir.db(),
        Options {
            sync: false,
            ..Options::default()
        },
    )
    .unwrap();
    let key = w.append(m.step(churn)).unwrap();
    assert!(key.key);
    let mut delta = 0;
    for _ in 0..deltas {
        let st = w.append(m.step(churn)).unwrap();
        assert!(!st.key);
        delta += st.frame_bytes;
    }
    drop(w);
    let last = m.s.clone();
    assert_eq!(
        Store::open_read(&dir.db())
            .unwrap()
            .at_or_before(u64::MAX)
            .unwrap()
            .unwrap()
            .1,
        last
    );
    let mean = delta as f64 / deltas as f64;
    let run = (4.0 * key.frame_bytes as f64 / mean).ceil().min(719.0);
    let per = (key.frame_bytes as f64 + run * mean) / (run + 1.0) / 1000.0;
    eprintln!(
        "churn {churn}: key frame {} bytes, deltas {mean:.0} bytes: {per:.2} bytes per process-sample",
        key.frame_bytes
    );
    per
}

#[test]
fn a_quiet_machine_of_1000_processes_costs_at_most_5_bytes_a_process_sample() {
    let per = amortised(0.0, 12);
    assert!(per <= 5.0, "{per:.2} bytes per process-sample");
}

#[test]
fn a_churny_machine_stays_within_bounds_too() {
    // 5% of the processes replaced by new ones with new command lines every sample.
    let per = amortised(0.05, 8);
    assert!(per <= 12.0, "{per:.2} bytes per process-sample");
}
