//! `memlens capture DIR`.

use crate::failure::{Failure, Outcome};
use memlens_sources::{capture, Root};

use crate::cli::CaptureArgs;
use crate::output::{count, print};

pub fn run(root: &Root, args: &CaptureArgs) -> Outcome {
    if let Some(file) = &args.file {
        return snapshot_file(root, file, args.smaps);
    }
    let dir = args.dir.as_ref().expect("clap requires DIR or --file");
    if root.snapshot().is_some() {
        return Err(Failure::usage(
            "--root is a snapshot file: it can only be written again as one (capture --file)",
        ));
    }
    if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(Failure::usage(format!(
            "{}: directory is not empty; capture into a new directory",
            dir.display()
        )));
    }
    let s = capture::capture(root, dir, env!("CARGO_PKG_VERSION"))?;
    print(&format!(
        "captured {} ({} KiB) of {} into {}{}{}\nread it back with: memlens --root {} ps\n",
        count(s.files, "file", "files"),
        s.bytes / 1024,
        count(s.processes, "process", "processes"),
        dir.display(),
        if s.unreadable > 0 {
            format!(
                "; {} unreadable (listed in {}){}",
                count(s.unreadable, "file", "files"),
                memlens_sources::root::CAPTURE_UNREADABLE,
                // SAFETY: geteuid has no preconditions.
                if unsafe { libc::geteuid() } == 0 {
                    ""
                } else {
                    "; run as root to capture every process"
                }
            )
        } else {
            String::new()
        },
        if s.vanished > 0 {
            format!(
                "; {} exited during the capture",
                count(s.vanished, "process", "processes")
            )
        } else {
            String::new()
        },
        dir.display()
    ));
    Ok(0)
}

/// `capture --file FILE`: everything memlens reads, as one snapshot, in one file.
fn snapshot_file(root: &Root, file: &std::path::Path, smaps: bool) -> Outcome {
    if file.exists() {
        return Err(Failure::usage(format!(
            "{}: exists; capture into a new file",
            file.display()
        )));
    }
    let mut plan = memlens_sources::collect::Plan::everything();
    if let Some(p) = plan.processes.as_mut() {
        p.smaps = smaps;
    }
    let snap = memlens_sources::collect::collect(root, &plan);
    let bytes = memlens_sources::snapshot_file::write(file, &snap)?;
    let procs = snap.processes.ok().map_or(0, |p| p.processes.len());
    print(&format!(
        "captured a snapshot of {} ({} KiB) into {}\nread it back with: memlens --root {} ps\n",
        count(procs as u64, "process", "processes"),
        bytes / 1024,
        file.display(),
        file.display()
    ));
    Ok(0)
}
