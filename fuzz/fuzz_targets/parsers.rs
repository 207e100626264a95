//! Every memlens parser on the same input: the first byte picks nothing, all run, and
//! none may panic. Seed corpus: `fuzz/seed.sh` copies the fixture files into corpus/.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memlens_sources::*;

fuzz_target!(|b: &[u8]| {
    let _ = meminfo::parse(b);
    let _ = vmstat::parse(b);
    let _ = buddyinfo::parse(b);
    let _ = zoneinfo::parse(b);
    let _ = pagetypeinfo::parse(b);
    let _ = slabinfo::parse(b);
    let _ = pressure::parse(b);
    let _ = smaps::parse_rollup(b);
    let _ = smaps::parse_smaps(b);
    let _ = status::parse(b);
    let _ = statm::parse(b, 4096);
    let _ = stat::parse(b);
    let _ = cmdline::parse(b);
    let _ = comm::parse(b);
    let _ = oom_score::parse(b);
    let _ = cgroup::parse(b);
    let _ = passwd::Users::parse(b);
    let _ = transparent_hugepage::parse_choice(b);
    let _ = ksm_stat::parse(b);
    let _ = sysvipc::parse_shm(b);
    let _ = sysvipc::parse_sem(b);
    let _ = sysvipc::parse_msg(b);
});
