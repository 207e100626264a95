//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const KIB: i64 = 1024;
pub const MIB: i64 = 1024 * 1024;

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_memlens")
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Output of one memlens run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        assert_eq!(self.code, 0, "memlens failed: {}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", self.stdout))
    }
}

pub fn memlens(args: &[&str]) -> Run {
    let out = Command::new(bin())
        .args(args)
        .output()
        .expect("run memlens");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn sh(cmd: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .expect("run sh");
    assert!(
        out.status.success(),
        "{cmd} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A child process killed when dropped, even when the test fails.
pub struct Guard(pub Child);

impl Guard {
    pub fn spawn(cmd: &mut Command) -> Guard {
        Guard(
            cmd.stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()
                .expect("spawn"),
        )
    }
    /// Spawns and waits until the child prints a first line on stdout (it is ready).
    pub fn spawn_ready(cmd: &mut Command) -> Guard {
        use std::io::BufRead;
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut line = String::new();
        let out = child.stdout.take().unwrap();
        std::io::BufReader::new(out)
            .read_line(&mut line)
            .expect("child ready line");
        Guard(child)
    }
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn is_root() -> bool {
    // SAFETY: no preconditions.
    unsafe { libc_geteuid() == 0 }
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

/// Field of a JSON object as i64 (bytes), panicking with context when absent.
pub fn int(v: &serde_json::Value, key: &str) -> i64 {
    v.get(key)
        .and_then(|x| x.as_i64())
        .unwrap_or_else(|| panic!("no integer {key} in {v}"))
}

/// Asserts |a - b| <= tol with a readable message.
pub fn close(what: &str, a: i64, b: i64, tol: i64) {
    assert!(
        (a - b).abs() <= tol,
        "{what}: memlens {a} vs reference {b} differ by {} (tolerance {tol})",
        (a - b).abs()
    );
}

/// A `kB` field of a /proc text file, in bytes.
pub fn kb_field(text: &str, key: &str) -> Option<i64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        if k != key {
            return None;
        }
        let n: i64 = v.trim().trim_end_matches(" kB").trim().parse().ok()?;
        Some(if v.trim().ends_with("kB") {
            n * 1024
        } else {
            n
        })
    })
}

/// Runs a live comparison up to `tries` times and passes when one attempt agrees: two
/// tools reading a live machine a few milliseconds apart can straddle a burst of
/// allocation (another build, page cache filling). Panics with the last disagreement.
pub fn agree_within_tries(tries: usize, mut attempt: impl FnMut() -> Result<(), String>) {
    let mut last = String::new();
    for _ in 0..tries {
        match attempt() {
            Ok(()) => return,
            Err(e) => {
                last = e;
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
    }
    panic!("no agreement in {tries} tries: {last}");
}

/// Like [`close`], as a result for [`agree_within_tries`].
pub fn near(what: &str, a: i64, b: i64, tol: i64) -> Result<(), String> {
    if (a - b).abs() <= tol {
        Ok(())
    } else {
        Err(format!(
            "{what}: memlens {a} vs reference {b} differ by {} (tolerance {tol})",
            (a - b).abs()
        ))
    }
}
