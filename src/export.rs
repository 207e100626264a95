//! What `memlens metrics` and `memlens serve` share: the collection plan, the choice of
//! processes and cgroups, and one page of metrics rendered both ways.

use std::time::{Duration, Instant};

use memlens_model::Snapshot;
use memlens_present::exposition::{self, Format};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;

use crate::cli::ExportArgs;
use crate::failure::Failure;
use crate::metrics::{families, Select, Trends};

/// A snapshot of what the metrics show, and how long reading it took.
pub fn snapshot(root: &Root, args: &ExportArgs) -> (Snapshot, Duration) {
    let start = Instant::now();
    let snap = collect(
        root,
        &Plan {
            processes: Some(ScanOptions {
                cgroup: true,
                timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
                ..Default::default()
            }),
            users: true,
            vmstat: true,
            pressure: true,
            zoneinfo: true,
            buddyinfo: true,
            hugepages: true,
            cgroups: true,
            ..Plan::SYS
        },
    );
    (snap, start.elapsed())
}

/// The processes and cgroups chosen by the arguments (a bad `--process` is a usage error).
pub fn select(args: &ExportArgs) -> Result<Select, Failure> {
    Ok(Select {
        top: args.top,
        process: crate::cli::optional_regex("--process", args.process.as_deref())?,
        cmdline: args.cmdline,
        cgroup_depth: args.cgroup_depth,
    })
}

/// The exposition of a snapshot in each format asked for, in that order (with leak
/// slopes when given the trends of the snapshots before).
pub fn render(
    snap: &Snapshot,
    took: Duration,
    select: &Select,
    trends: Option<&mut Trends>,
    formats: &[Format],
) -> Result<Vec<String>, Failure> {
    let fams = families(snap, select, Some(took.as_secs_f64()), trends)?;
    Ok(formats
        .iter()
        .map(|f| exposition::render(&fams, *f))
        .collect())
}
