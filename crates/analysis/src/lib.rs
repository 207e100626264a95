//! memlens analysis: figures derived from snapshots (no I/O, no printing).

pub mod cache;
pub mod cgroup;
pub mod containers;
pub mod doctor;
pub mod findings;
pub mod fragmentation;
pub mod huge;
pub mod ipc;
pub mod maps;
pub mod oom;
pub mod procs;
pub mod rates;
pub mod report;
pub mod slab;
pub mod swap;
pub mod sys;
pub mod top;
pub mod trend;
pub mod tunables;
pub mod watch;
pub mod r#where;
pub mod wss;
pub mod zones;
