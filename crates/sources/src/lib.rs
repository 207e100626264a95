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
pub mod comm;
pub mod error;
pub mod hugepages;
pub mod ksm;
pub mod ksm_stat;
pub mod meminfo;
pub mod oom_score;
pub mod pagetypeinfo;
pub mod passwd;
pub mod posix_shm;
pub mod pressure;
pub mod procs;
pub mod root;
pub mod slabinfo;
pub mod smaps;
pub mod stat;
pub mod statm;
pub mod status;
pub mod sysctl;
pub mod sysfs;
pub mod sysvipc;
pub mod text;
pub mod transparent_hugepage;
pub mod uptime;
pub mod vmstat;
pub mod zoneinfo;

#[cfg(test)]
mod testutil;

pub use error::{Error, ParseError, Result};
pub use root::Root;
