//! `memlens capture DIR`.

use memlens_sources::{capture, Result, Root};

use crate::cli::CaptureArgs;
use crate::output::print;

pub fn run(root: &Root, args: &CaptureArgs) -> Result<i32> {
    let s = capture::capture(root, &args.dir, env!("CARGO_PKG_VERSION"))?;
    print(&format!(
        "captured {} files ({} KiB) of {} processes into {}{}{}\nread it back with: memlens --root {} ps\n",
        s.files,
        s.bytes / 1024,
        s.processes,
        args.dir.display(),
        if s.unreadable > 0 {
            format!("; {} files unreadable (run as root for all)", s.unreadable)
        } else {
            String::new()
        },
        if s.vanished > 0 {
            format!("; {} processes exited during the capture", s.vanished)
        } else {
            String::new()
        },
        args.dir.display()
    ));
    Ok(0)
}
