//! memlens model: plain typed snapshots of what the kernel reported.
//!
//! No I/O and no printing happen here. Sources fill these types; analysis derives figures
//! from them; presentation renders them. Raw counters are kept as read, so rates and
//! history can be recomputed from stored samples.
//!
//! Units: sizes are bytes (`u64`); page counts and event counts say so in their docs.
//! A field the kernel did not print is `None`, never zero.

pub mod cgroup;
pub mod counters;
pub mod meminfo;
pub mod process;
pub mod smaps;
pub mod snapshot;
pub mod system;
pub mod time;

pub use cgroup::{CgroupVersion, Limit, MemCgroup};
pub use meminfo::MemInfo;
pub use process::{
    memory_cgroup, CgroupEntry, FileProblem, MemoryLimits, Problem, ProcessSample, ProcessScan,
    Stat, Statm, Status, StatusCounters,
};
pub use smaps::{Mapping, MappingKind, SmapsCounters};
pub use snapshot::{Carried, CgroupTree, FailureKind, Meta, Part, ReadFailure, Snapshot};
pub use system::*;
