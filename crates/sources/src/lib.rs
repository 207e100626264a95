//! memlens sources: parsers of `/proc` and `/sys` files, each reading under a [`Root`].
//!
//! One module per kernel file, named after it. Each has a `parse` over the file's bytes
//! (tested on captured trees in `tests/fixtures/`) and, where useful, a `read` that takes
//! a root. Missing files and fields are normal: absent fields are `None` in the model.

pub mod buddyinfo;
pub mod capture;
pub mod cgroup;
pub mod cgroupfs;
pub mod cmdline;
pub mod collect;
pub mod comm;
pub mod error;
pub mod firmware_memmap;
pub mod hugepages;
pub mod iomem;
pub mod ksm;
pub mod ksm_stat;
pub mod limits;
pub mod maps;
pub mod meminfo;
pub mod memory_blocks;
pub mod mountinfo;
pub mod oom_score;
pub mod pagecache;
pub mod pagetypeinfo;
pub mod passwd;
pub mod posix_shm;
pub mod pressure;
pub mod procs;
pub mod root;
pub mod slabinfo;
pub mod smaps;
pub mod snapshot_file;
pub mod stat;
pub mod statm;
pub mod status;
pub mod swaps;
pub mod sysctl;
pub mod sysfs;
pub mod sysvipc;
pub mod text;
pub mod transparent_hugepage;
pub mod uptime;
pub mod vmstat;
pub mod zoneinfo;
pub mod zram;

#[cfg(test)]
mod testutil;

pub use error::{Error, ParseError, Result};
pub use root::Root;

/// Feeds one input to every parser, discarding the results: the body of the fuzz target
/// and of the proptest runs, which look only for panics. Keep it listing every parser.
#[doc(hidden)]
pub fn parse_everything(b: &[u8]) {
    let _ = meminfo::parse(b);
    let _ = vmstat::parse(b);
    let _ = buddyinfo::parse(b);
    let _ = zoneinfo::parse(b);
    let _ = pagetypeinfo::parse(b);
    let _ = slabinfo::parse(b);
    let _ = pressure::parse(b);
    let _ = uptime::parse(b);
    let _ = smaps::parse_rollup(b);
    let _ = smaps::parse_smaps(b);
    let _ = status::parse(b);
    let _ = statm::parse(b, 4096);
    let _ = stat::parse(b);
    let _ = cmdline::parse(b);
    let _ = comm::parse(b);
    let _ = oom_score::parse(b);
    let _ = cgroup::parse(b);
    let _ = cgroupfs::parse_flat_keyed(b);
    let _ = cgroupfs::parse_limit(b);
    let _ = sysfs::parse_u64_value(b);
    let _ = sysctl::parse_value(b);
    let _ = passwd::parse(b);
    let _ = transparent_hugepage::parse_choice(b);
    let _ = ksm_stat::parse(b);
    let _ = limits::parse(b);
    let _ = sysvipc::parse_shm(b);
    let _ = sysvipc::parse_sem(b);
    let _ = sysvipc::parse_msg(b);
}
