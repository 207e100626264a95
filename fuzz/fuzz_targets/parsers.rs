//! Every memlens parser on the same input (`memlens_sources::parse_everything`); none
//! may panic. Seed corpus: `fuzz/seed.sh` copies the fixture files into corpus/.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|b: &[u8]| {
    memlens_sources::parse_everything(b);
});
