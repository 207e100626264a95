//! Parser micro-benchmarks with allocation counts (divan's AllocProfiler):
//! `cargo bench -p memlens-sources`. Inputs are files of the captured fixture.

use memlens_sources::{meminfo, smaps, status, vmstat};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

const MEMINFO: &[u8] = include_bytes!("../../../tests/fixtures/vm-6.18-hybrid/proc/meminfo");
const VMSTAT: &[u8] = include_bytes!("../../../tests/fixtures/vm-6.18-hybrid/proc/vmstat");
const ROLLUP: &[u8] =
    include_bytes!("../../../tests/fixtures/vm-6.18-hybrid/proc/15506/smaps_rollup");
const STATUS: &[u8] = include_bytes!("../../../tests/fixtures/vm-6.18-hybrid/proc/15506/status");
const SMAPS: &[u8] = include_bytes!("../../../tests/fixtures/vm-6.18-hybrid/proc/15506/smaps");

fn main() {
    divan::main();
}

/// Must not allocate at all.
#[divan::bench]
fn smaps_rollup() -> memlens_model::SmapsCounters {
    smaps::parse_rollup(divan::black_box(ROLLUP)).unwrap()
}

/// Must not allocate at all.
#[divan::bench]
fn meminfo() -> memlens_model::MemInfo {
    meminfo::parse(divan::black_box(MEMINFO)).unwrap()
}

/// Allocates the comm string only.
#[divan::bench]
fn status() -> memlens_model::Status {
    status::parse(divan::black_box(STATUS)).unwrap()
}

/// One `String` per counter name (the set varies by kernel).
#[divan::bench]
fn vmstat() -> memlens_model::VmStat {
    vmstat::parse(divan::black_box(VMSTAT)).unwrap()
}

/// Per mapping: perms, device, path, flags.
#[divan::bench]
fn smaps_full() -> Vec<memlens_model::Mapping> {
    smaps::parse_smaps(divan::black_box(SMAPS)).unwrap()
}
