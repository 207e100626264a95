//! One module per command; each reads top to bottom: collect, analyse, render.

pub mod buddy;
pub mod cache;
pub mod capture;
pub mod cgroup;
pub mod docs;
pub mod doctor;
pub mod explain;
pub mod history;
pub mod huge;
pub mod ipc;
pub mod lab;
pub mod maps;
pub mod metrics;
pub mod oom;
pub mod overview;
pub mod ps;
pub mod record;
pub mod report;
pub mod serve;
pub mod slab;
pub mod swap;
pub mod sys;
pub mod top;
pub mod tunables;
pub mod vmstat;
pub mod watch;
pub mod r#where;
pub mod wss;
pub mod zones;

use crate::failure::Failure;
use memlens_sources::Root;

/// What rates need (vmstat, meminfo, PSI, uptime), read close together, for `vmstat` and
/// `doctor`.
pub fn rates_snapshot(root: &Root) -> Result<memlens_model::Snapshot, Failure> {
    let s = memlens_sources::collect::collect(root, &memlens_sources::collect::Plan::RATES);
    memlens_analysis::rates::check(&s)?;
    Ok(s)
}

/// Checks that `later` is a later capture of the same machine than `earlier` (its uptime
/// is larger), for the commands that compute rates between two captures.
pub fn check_pair(earlier: &Root, later: &Root) -> Result<(), Failure> {
    let up = |r: &Root| {
        let s = memlens_sources::collect::collect(
            r,
            &memlens_sources::collect::Plan {
                uptime: true,
                ..memlens_sources::collect::Plan::NOTHING
            },
        );
        s.uptime.ok().copied()
    };
    match (up(earlier), up(later)) {
        (Some(a), Some(b)) if b > a => Ok(()),
        (Some(_), Some(_)) => Err(Failure::usage(
            "--root A --root B: the second --root must be a later capture of the same machine (its uptime is not larger)",
        )),
        _ => Err(Failure::usage(
            "--root A --root B: both captures need proc/uptime to tell which is later and by how much",
        )),
    }
}
