//! `memlens capture DIR`: copies every file memlens reads into a tree that `--root DIR`
//! reads back, so a machine's state can be attached to a bug report or used as a fixture.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::procs::list_pids;
use crate::root::{Root, CAPTURE_META, CAPTURE_UNREADABLE};

/// System files copied when present.
pub const SYSTEM_FILES: &[&str] = &[
    "proc/meminfo",
    "proc/vmstat",
    "proc/buddyinfo",
    "proc/zoneinfo",
    "proc/pagetypeinfo",
    "proc/slabinfo",
    "proc/pressure/memory",
    "proc/swaps",
    "proc/uptime",
    "proc/loadavg",
    "proc/sysvipc/shm",
    "proc/sysvipc/sem",
    "proc/sysvipc/msg",
    "proc/sys/kernel/osrelease",
    "proc/sys/kernel/shmmax",
    "proc/sys/kernel/shmall",
    "proc/sys/kernel/shmmni",
    "proc/sys/kernel/shm_rmid_forced",
    "proc/sys/kernel/msgmax",
    "proc/sys/kernel/msgmnb",
    "proc/sys/kernel/msgmni",
    "proc/sys/kernel/sem",
    "etc/passwd",
    "etc/group",
];

/// Directories copied recursively (readable regular files only).
pub const SYSTEM_DIRS: &[&str] = &["proc/sys/vm", "sys/kernel/mm"];

/// Readable files in those directories that must not be read: reading
/// `vm/stat_refresh` makes every CPU fold its counters and returns nothing.
pub const SKIP_FILES: &[&str] = &["proc/sys/vm/stat_refresh"];

/// Files copied for every process.
pub const PROCESS_FILES: &[&str] = &[
    "status",
    "statm",
    "stat",
    "cmdline",
    "comm",
    "smaps_rollup",
    "smaps",
    "oom_score",
    "oom_score_adj",
    "cgroup",
    "ksm_stat",
];

/// What a capture copied.
#[derive(Debug, Default, Clone)]
pub struct CaptureSummary {
    pub files: u64,
    pub bytes: u64,
    pub processes: u32,
    /// Files that exist but could not be read (permission denied or a write-only file).
    pub unreadable: u64,
    /// Processes that exited during the capture.
    pub vanished: u32,
}

struct Copier<'a> {
    src: &'a Root,
    dest: &'a Path,
    buf: Vec<u8>,
    sum: CaptureSummary,
    unreadable: Vec<String>,
}

impl Copier<'_> {
    /// Copies one file; `Ok(false)` when it does not exist.
    fn copy(&mut self, rel: &str) -> Result<bool> {
        match self.src.read_into(rel, &mut self.buf) {
            Ok(_) => {}
            Err(Error::Missing(_)) | Err(Error::Vanished(_)) => return Ok(false),
            Err(_) => {
                self.sum.unreadable += 1;
                self.unreadable.push(rel.to_string());
                return Ok(true);
            }
        }
        let to = self.dest.join(rel);
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::from_io(parent, e))?;
        }
        let mut f = fs::File::create(&to).map_err(|e| Error::from_io(&to, e))?;
        f.write_all(&self.buf).map_err(|e| Error::from_io(&to, e))?;
        self.sum.files += 1;
        self.sum.bytes += self.buf.len() as u64;
        Ok(true)
    }

    /// Copies the readable files of a directory tree that `keep(rel_path, name)` accepts.
    fn copy_tree(&mut self, rel: &str, keep: &dyn Fn(&str, &str) -> bool) -> Result<()> {
        let dir = self.src.path(rel);
        let Ok(rd) = fs::read_dir(&dir) else {
            return Ok(());
        };
        let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let Some(name) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let Ok(meta) = fs::symlink_metadata(e.path()) else {
                continue;
            };
            let child = format!("{rel}/{name}");
            if meta.is_dir() {
                self.copy_tree(&child, keep)?;
            } else if meta.is_file()
                && meta.permissions().mode() & 0o444 != 0
                && keep(&child, &name)
            {
                self.copy(&child)?;
            }
        }
        Ok(())
    }
}

/// Copies the state under `src` into `dest`, which must not exist or be empty.
pub fn capture(src: &Root, dest: &Path, memlens_version: &str) -> Result<CaptureSummary> {
    if let Ok(mut rd) = fs::read_dir(dest) {
        if rd.next().is_some() {
            return Err(Error::Io(
                dest.to_path_buf(),
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "directory is not empty; capture into a new directory",
                ),
            ));
        }
    }
    fs::create_dir_all(dest).map_err(|e| Error::from_io(dest, e))?;
    let mut c = Copier {
        src,
        dest,
        buf: Vec::with_capacity(1 << 20),
        sum: CaptureSummary::default(),
        unreadable: Vec::new(),
    };
    for f in SYSTEM_FILES {
        c.copy(f)?;
    }
    for d in SYSTEM_DIRS {
        c.copy_tree(d, &|rel, _| !SKIP_FILES.contains(&rel))?;
    }
    for h in crate::cgroupfs::hierarchies(src) {
        c.copy_tree(&h.dir, &|_, name| crate::cgroupfs::capture_files(name))?;
    }
    for pid in list_pids(src)? {
        if !c.copy(&format!("proc/{pid}/status"))? {
            c.sum.vanished += 1;
            continue;
        }
        for f in &PROCESS_FILES[1..] {
            c.copy(&format!("proc/{pid}/{f}"))?;
        }
        c.sum.processes += 1;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let kernel = fs::read_to_string(src.path("proc/sys/kernel/osrelease")).unwrap_or_default();
    let meta = format!(
        "memlens_version={memlens_version}\ncaptured_at={now}\ncaptured_at_utc={}\npage_size={}\nkernel={}\nsource={}\n",
        memlens_model::time::rfc3339_utc(now),
        src.page_size(),
        kernel.trim(),
        src.base().display()
    );
    let meta_path: PathBuf = dest.join(CAPTURE_META);
    fs::write(&meta_path, meta).map_err(|e| Error::from_io(&meta_path, e))?;
    if !c.unreadable.is_empty() {
        let list_path = dest.join(CAPTURE_UNREADABLE);
        let mut list = c.unreadable.join("\n");
        list.push('\n');
        fs::write(&list_path, list).map_err(|e| Error::from_io(&list_path, e))?;
    }
    Ok(c.sum)
}
