//! Holding an experiment until `--hold` ends or SIGTERM/SIGINT arrives; child processes.

use std::fs::File;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::sys::wait::waitpid;
use nix::unistd::{fork, getppid, pipe, ForkResult, Pid};

use crate::LabError;

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Makes SIGTERM and SIGINT end the hold instead of the process, so it can release
/// what it holds (remove files, detach shm) and exit 0.
pub fn install_handlers() -> Result<(), LabError> {
    let act = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for sig in [Signal::SIGTERM, Signal::SIGINT] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe { sigaction(sig, &act) }
            .map_err(|e| LabError(format!("cannot install a {sig} handler: {e}")))?;
    }
    Ok(())
}

/// Whether a stop signal has arrived.
pub fn stopped() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Sleeps for `d`, returning early (false) if a stop signal arrives.
pub fn sleep(d: Duration) -> bool {
    let end = Instant::now() + d;
    while Instant::now() < end {
        if stopped() {
            return false;
        }
        std::thread::sleep((end - Instant::now()).min(Duration::from_millis(20)));
    }
    !stopped()
}

/// Holds until `hold` elapses (forever when `None`) or a stop signal arrives.
pub fn hold(hold: Option<Duration>) {
    let end = hold.map(|h| Instant::now() + h);
    while !stopped() && end.is_none_or(|e| Instant::now() < e) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Child processes forked by an experiment; stopped and reaped on drop.
#[derive(Default)]
pub struct Children(Vec<Pid>);

impl Children {
    /// Forks a child that runs `body`, tells the parent it is ready, then holds until the
    /// parent stops it (or dies). Returns after the child is ready.
    pub fn spawn(&mut self, body: impl FnOnce()) -> Result<u32, LabError> {
        let (r, w) = pipe().map_err(|e| LabError(format!("pipe: {e}")))?;
        let _ = std::io::stdout().flush();
        // SAFETY: the lab is single-threaded when it forks; the child only touches memory,
        // writes to a pipe and sleeps before exiting.
        match unsafe { fork() }.map_err(|e| LabError(format!("fork: {e}")))? {
            ForkResult::Child => {
                drop(r);
                let parent = getppid();
                let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGTERM);
                if getppid() != parent {
                    std::process::exit(0);
                }
                body();
                let _ = File::from(w).write_all(b"r");
                hold(None);
                // Skips the parent's destructors (files, segments): the parent releases them.
                std::process::exit(0);
            }
            ForkResult::Parent { child } => {
                drop(w);
                self.0.push(child);
                let mut b = [0u8; 1];
                File::from(r)
                    .read_exact(&mut b)
                    .map_err(|e| LabError(format!("child {child} did not get ready: {e}")))?;
                Ok(child.as_raw() as u32)
            }
        }
    }

    pub fn pids(&self) -> Vec<u32> {
        self.0.iter().map(|p| p.as_raw() as u32).collect()
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = kill(*p, Signal::SIGTERM);
        }
        for p in &self.0 {
            let _ = waitpid(*p, None);
        }
    }
}
