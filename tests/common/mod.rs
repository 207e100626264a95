//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

pub mod http;

pub const KIB: i64 = 1024;
/// Exit statuses (src/failure.rs): a read failure, a usage error, a refusal.
pub const EXIT_READ: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_REFUSED: i32 = 3;
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

/// Runs memlens with whole table lines (no `COLUMNS` from the test's environment).
pub fn memlens(args: &[&str]) -> Run {
    memlens_env(args, &[])
}

/// Runs memlens with these environment variables set (and `COLUMNS` unset unless given).
pub fn memlens_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(args).env_remove("COLUMNS");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run memlens");
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

/// The fixture tree `name`, as a path string for `--root`.
pub fn fixture(name: &str) -> String {
    fixtures().join(name).to_str().unwrap().to_string()
}

/// Samples of an exposition: `name{labels}` (labels as written) to value.
pub fn exposition_samples(text: &str) -> std::collections::BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (k, v) = l
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("no value: {l}"));
            (
                k.to_string(),
                v.parse::<f64>().unwrap_or_else(|e| panic!("{e}: {l}")),
            )
        })
        .collect()
}

/// An exposition without the time collecting took: the one line two collections of a
/// capture do not share.
pub fn timeless(t: &str) -> String {
    t.lines()
        .filter(|l| !l.starts_with("memlens_collect_duration_seconds "))
        .collect::<Vec<_>>()
        .join("\n")
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

/// The unprivileged test user `memlens-test` (created when missing); its UID.
pub fn test_user() -> String {
    let _ = Command::new("useradd")
        .args(["--system", "--no-create-home", "memlens-test"])
        .output();
    sh("id -u memlens-test").trim().to_string()
}

/// Runs memlens as the unprivileged test user, in `cwd` when given.
pub fn as_user(args: &[&str], cwd: Option<&Path>) -> Run {
    as_user_with(&[], args, cwd)
}

/// [`as_user`], with more `setpriv` options (capabilities kept, say).
pub fn as_user_with(setpriv: &[&str], args: &[&str], cwd: Option<&Path>) -> Run {
    let uid = test_user();
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid", &uid, "--regid", &uid, "--clear-groups"])
        .args(setpriv)
        .arg(bin())
        .args(args);
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A running experiment, stopped with SIGTERM (so it releases everything) when dropped.
pub struct Lab {
    pub child: Child,
    pub report: Value,
}

impl Lab {
    /// `memlens lab --json ARGS`, its stdout and stderr piped; from here on, Drop stops
    /// and reaps the child on every path, panics included.
    fn spawn(args: &[&str]) -> Lab {
        let child = Command::new(bin())
            .args(["lab", "--json"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start lab");
        Lab {
            child,
            report: Value::Null,
        }
    }

    pub fn start(args: &[&str]) -> Lab {
        let mut lab = Lab::spawn(args);
        let mut out = BufReader::new(lab.child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            if out.read_line(&mut line).unwrap() == 0 {
                let mut err = String::new();
                let _ = std::io::Read::read_to_string(lab.child.stderr.as_mut().unwrap(), &mut err);
                panic!("lab {args:?} ended before it was ready: {err}");
            }
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["event"] == "ready" {
                lab.report = v;
                return lab;
            }
        }
    }

    /// Starts an experiment and returns at its first event (a block allocated), while it
    /// goes on setting up; its output is read on, so that it never blocks on a full pipe.
    pub fn start_growing(args: &[&str]) -> Lab {
        let mut lab = Lab::spawn(args);
        let mut out = BufReader::new(lab.child.stdout.take().unwrap());
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "lab {args:?} said nothing"
        );
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        lab
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn children(&self) -> Vec<u32> {
        self.report["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap() as u32)
            .collect()
    }

    pub fn region(&self, i: usize) -> (u64, i64) {
        let r = &self.report["regions"][i];
        (
            u64::from_str_radix(r["start"].as_str().unwrap(), 16).unwrap(),
            int(r, "size"),
        )
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        // SAFETY: signalling our own child by PID.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

/// A cgroup made here with a memory limit, removed when dropped.
pub struct TestGroup {
    pub dir: PathBuf,
    pub v1: bool,
    pub child: Option<Child>,
}

impl TestGroup {
    pub fn new(name: &str, limit: u64) -> Option<TestGroup> {
        if !is_root() {
            return None;
        }
        let v1 = PathBuf::from("/sys/fs/cgroup/memory");
        let (dir, is_v1) = if v1.join("memory.limit_in_bytes").exists() {
            (v1.join(name), true)
        } else if fs::read_to_string("/sys/fs/cgroup/cgroup.controllers")
            .is_ok_and(|c| c.contains("memory"))
        {
            (PathBuf::from("/sys/fs/cgroup").join(name), false)
        } else {
            return None;
        };
        let _ = fs::create_dir(&dir);
        let limit_file = if is_v1 {
            "memory.limit_in_bytes"
        } else {
            "memory.max"
        };
        fs::write(dir.join(limit_file), limit.to_string()).ok()?;
        Some(TestGroup {
            dir,
            v1: is_v1,
            child: None,
        })
    }

    pub fn procs_file(&self) -> &'static str {
        if self.v1 {
            "tasks"
        } else {
            "cgroup.procs"
        }
    }

    /// Starts a lab experiment inside the group; its first line of output and the rest.
    fn spawn_lab(&mut self, args: &str) -> (String, std::io::BufReader<std::process::ChildStdout>) {
        let script = format!(
            "echo $$ > {}/{} && exec {} lab --json {args}",
            self.dir.display(),
            self.procs_file(),
            bin()
        );
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut r = std::io::BufReader::new(child.stdout.take().unwrap());
        self.child = Some(child);
        let mut line = String::new();
        std::io::BufRead::read_line(&mut r, &mut line).unwrap();
        (line, r)
    }

    /// Starts a lab experiment inside the group and returns once it has said anything
    /// (its first block, or ready); its PID is the child's.
    pub fn start_lab(&mut self, args: &str) -> u32 {
        let (line, mut r) = self.spawn_lab(args);
        assert!(line.contains("\"event\""), "{line}");
        // Keep reading so that the lab never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut r, &mut std::io::sink()));
        self.child.as_ref().unwrap().id()
    }

    /// Starts a lab experiment inside the group and waits until it is ready.
    pub fn run_lab(&mut self, args: &str) {
        let (line, _) = self.spawn_lab(args);
        assert!(line.contains("\"ready\""), "{line}");
    }

    /// The group's path inside its hierarchy.
    pub fn rel(&self) -> String {
        let base = if self.v1 {
            "/sys/fs/cgroup/memory"
        } else {
            "/sys/fs/cgroup"
        };
        self.dir
            .to_str()
            .unwrap()
            .trim_start_matches(base)
            .to_string()
    }
}

impl Drop for TestGroup {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            let _ = c.wait();
        }
        let _ = fs::remove_dir(&self.dir);
    }
}

/// The keys of the groups of `ps --by ... --json`.
pub fn group_keys(j: &Value) -> Vec<&str> {
    j["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect()
}

/// A copy of a fixture tree, removed on drop, for tests that edit kernel files in it.
pub struct TempTree(pub PathBuf);

impl TempTree {
    pub fn copy_of(name: &str, tag: &str) -> TempTree {
        let dir = std::env::temp_dir().join(format!("memlens-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        sh(&format!(
            "cp -a '{}' '{}'",
            fixtures().join(name).display(),
            dir.display()
        ));
        TempTree(dir)
    }
    pub fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.0.join(rel)).unwrap()
    }
    /// Sets the value of a `Key:   N kB` line.
    pub fn set_kb(&self, rel: &str, key: &str, kb: u64) {
        let t = self.read(rel);
        let mut found = false;
        let out: String = t
            .lines()
            .map(|l| {
                if l.split(':').next() == Some(key) {
                    found = true;
                    format!("{key}:\t{kb} kB\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        assert!(found, "{rel} has no {key}");
        self.write(rel, &out);
    }
    pub fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["--root", self.0.to_str().unwrap()];
        all.extend_from_slice(args);
        memlens(&all)
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The views that read through a snapshot, for the tests that compare a view from a
/// snapshot (file or history) with the same view from its capture tree.
pub const SNAPSHOT_VIEWS: &[&[&str]] = &[
    &[],
    &["sys"],
    &["sys", "--explain"],
    &["ps"],
    &["ps", "--by", "user", "--totals"],
    &["ps", "--by", "command"],
    &["ps", "--by", "cgroup"],
    &["ps", "--pid", "15507,15506"],
    &["vmstat"],
    &["zones"],
    &["buddy"],
    &["buddy", "--types"],
    &["slab"],
    &["oom"],
    &["cgroup"],
    &["cgroup", "/user.slice", "--depth", "1"],
    &["tunables"],
    &["huge"],
    &["ipc"],
    &["doctor"],
];

/// What `systemd-analyze verify` says against the unit `contrib/NAME`, installed with the
/// binary under test as its ExecStart; `None` where systemd-analyze is missing.
pub fn systemd_complaints(name: &str) -> Option<Vec<String>> {
    let v = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .ok()?;
    if !v.status.success() {
        return None;
    }
    let unit = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("contrib")
            .join(name),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("memlens-unit-{name}-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let f = dir.join(name);
    fs::write(&f, unit.replace("/usr/local/bin/memlens", bin())).unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", f.to_str().unwrap()])
        .output()
        .unwrap();
    let _ = fs::remove_dir_all(&dir);
    // Complaints about this unit, not about the host's other units.
    let stem = name.trim_end_matches(".service");
    Some(
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains(stem))
            .map(str::to_string)
            .collect(),
    )
}

/// A tmpfs of `size` mounted for a test (root only), unmounted and removed when dropped,
/// a failed assertion included.
#[allow(dead_code)]
pub struct Tmpfs(pub PathBuf);

#[allow(dead_code)]
impl Tmpfs {
    pub fn mount(name: &str, size: &str) -> Tmpfs {
        let dir = std::env::temp_dir().join(format!("memlens-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        sh(&format!(
            "mount -t tmpfs -o size={size} tmpfs '{}'",
            dir.display()
        ));
        Tmpfs(dir)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The part with this key in a `where --json` tree (at or below `n`).
#[allow(dead_code)]
pub fn where_part<'a>(n: &'a Value, key: &str) -> Option<&'a Value> {
    if n["key"] == key {
        return Some(n);
    }
    n["parts"]
        .as_array()?
        .iter()
        .find_map(|p| where_part(p, key))
}

/// The bytes of the part with this key in a `where --json` tree.
#[allow(dead_code)]
pub fn where_bytes(tree: &Value, key: &str) -> i64 {
    where_part(tree, key).unwrap_or_else(|| panic!("no {key} in the tree"))["bytes"]
        .as_i64()
        .unwrap()
}
