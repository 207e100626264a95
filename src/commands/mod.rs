//! One module per command; each reads top to bottom: collect, analyse, render.

pub mod buddy;
pub mod capture;
pub mod cgroup;
pub mod docs;
pub mod doctor;
pub mod explain;
pub mod huge;
pub mod ipc;
pub mod lab;
pub mod maps;
pub mod oom;
pub mod overview;
pub mod ps;
pub mod slab;
pub mod sys;
pub mod tunables;
pub mod vmstat;
pub mod wss;
pub mod zones;
