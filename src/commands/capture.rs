//! `memlens capture DIR`.

use crate::failure::{Failure, Outcome};
use memlens_sources::{capture, Root};

use crate::cli::CaptureArgs;
use crate::output::{count, print};

pub fn run(root: &Root, args: &CaptureArgs) -> Outcome {
    if std::fs::read_dir(&args.dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(Failure::usage(format!(
            "{}: directory is not empty; capture into a new directory",
            args.dir.display()
        )));
    }
    let s = capture::capture(root, &args.dir, env!("CARGO_PKG_VERSION"))?;
    print(&format!(
        "captured {} ({} KiB) of {} into {}{}{}\nread it back with: memlens --root {} ps\n",
        count(s.files, "file", "files"),
        s.bytes / 1024,
        count(s.processes, "process", "processes"),
        args.dir.display(),
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
        args.dir.display()
    ));
    Ok(0)
}
