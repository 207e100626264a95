//! `memlens capture DIR`: copies every file memlens reads into a tree that `--root DIR`
//! reads back, so a machine's state can be attached to a bug report or used as a fixture.

use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
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
    "proc/iomem",
    "sys/devices/system/memory/block_size_bytes",
    "proc/uptime",
    "proc/loadavg",
    "proc/sysvipc/shm",
    "proc/sysvipc/sem",
    "proc/sysvipc/msg",
    "proc/sys/kernel/osrelease",
    "proc/sys/kernel/hostname",
    "proc/sys/kernel/random/boot_id",
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
pub const SYSTEM_DIRS: &[&str] = &[
    "proc/sys/vm",
    "sys/kernel/mm",
    "sys/firmware/memmap",
    "sys/module/zswap/parameters",
];

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
    "limits",
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
    unreadable: Vec<PathBuf>,
}

impl Copier<'_> {
    /// Copies one file; `Ok(false)` when it does not exist.
    fn copy(&mut self, rel: &(impl AsRef<Path> + ?Sized)) -> Result<bool> {
        let rel = rel.as_ref();
        match self.src.read_into(rel, &mut self.buf) {
            Ok(_) => {}
            Err(Error::Missing(_)) | Err(Error::Vanished(_)) => return Ok(false),
            Err(_) => {
                self.sum.unreadable += 1;
                self.unreadable.push(rel.to_path_buf());
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
    /// Names need not be UTF-8 (cgroups); symbolic links are not followed.
    fn copy_tree(&mut self, rel: &Path, keep: &dyn Fn(&Path, &str) -> bool) -> Result<()> {
        let Ok(entries) = self.src.entries(rel) else {
            return Ok(());
        };
        for e in entries {
            let child = rel.join(&e.name);
            let name = e.name.to_string_lossy();
            if e.is_dir {
                self.copy_tree(&child, keep)?;
            } else if e.is_file
                && self
                    .src
                    .symlink_metadata(&child)
                    .is_ok_and(|m| m.permissions().mode() & 0o444 != 0)
                && keep(&child, &name)
            {
                self.copy(&child)?;
            }
        }
        Ok(())
    }
}

/// Copies the state under `src` into `dest`, which must not exist or be empty.
///
/// A capture is whole or not there: it is written into a directory beside `dest` and
/// renamed to `dest` only once everything is written (a full disk, or any other failure,
/// removes the partial tree and returns the error).
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
    let name = dest
        .file_name()
        .ok_or_else(|| Error::Escapes(dest.to_path_buf()))?
        .to_string_lossy();
    let staging = dest.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).map_err(|e| Error::from_io(&staging, e))?;
    let done = write_capture(src, &staging, memlens_version).and_then(|sum| {
        // rename(2) replaces an empty directory.
        fs::rename(&staging, dest).map_err(|e| Error::from_io(dest, e))?;
        Ok(sum)
    });
    if done.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    done
}

fn write_capture(src: &Root, dest: &Path, memlens_version: &str) -> Result<CaptureSummary> {
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
        c.copy_tree(Path::new(d), &|rel, _| {
            !SKIP_FILES.iter().any(|s| Path::new(s) == rel)
        })?;
    }
    // Of each memory block, its state (the other files are links and hot-plug knobs).
    if let Ok(Some(blocks)) = crate::sysfs::numbered(src, "sys/devices/system/memory", "memory") {
        for name in blocks {
            c.copy(&format!("sys/devices/system/memory/{name}/state"))?;
        }
    }
    // Of each zram device, what `swap` reads.
    if let Ok(Some(devices)) = crate::sysfs::numbered(src, "sys/block", "zram") {
        for name in devices {
            for f in ["disksize", "comp_algorithm", "mm_stat"] {
                c.copy(&format!("sys/block/{name}/{f}"))?;
            }
        }
    }
    // statfs of the tmpfs mounts, which a capture cannot ask later.
    if src.is_live() {
        if let Ok(mounts) = crate::mountinfo::read(src) {
            let table: String = mounts.iter().map(crate::mountinfo::table_line).collect();
            let path = dest.join(crate::mountinfo::CAPTURE_FILE);
            fs::write(&path, table).map_err(|e| Error::from_io(&path, e))?;
        }
    }
    for h in crate::cgroupfs::hierarchies(src) {
        c.copy_tree(Path::new(&h.dir), &|_, name| {
            crate::cgroupfs::capture_files(name)
        })?;
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
    let kernel = src
        .read("proc/sys/kernel/osrelease")
        .map(|(_, t)| String::from_utf8_lossy(&t).into_owned())
        .unwrap_or_default();
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
        let mut list = Vec::new();
        for p in &c.unreadable {
            list.extend_from_slice(p.as_os_str().as_bytes());
            list.push(b'\n');
        }
        fs::write(&list_path, list).map_err(|e| Error::from_io(&list_path, e))?;
    }
    Ok(c.sum)
}
