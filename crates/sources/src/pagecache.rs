//! Page cache by file, asked of the kernel file by file: `cachestat(2)` (Linux 6.5+:
//! cached, dirty, writeback and recently evicted pages of a whole file in one call), or
//! else `mincore(2)` on a read-only shared mapping of the file, a window at a time (like
//! util-linux `fincore`). Live machines only: a capture holds no files to ask about.
//!
//! The files are the paths given (directories walked, staying on their file system,
//! symbolic links not followed), or every file the processes map (`/proc/PID/maps`) or
//! hold open (`/proc/PID/fd`). Each file is opened read-only without following a final
//! symbolic link and without blocking, and measured only when `fstat` says it is a regular
//! file. The scan stops at a time limit and at a number of files, and says so.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use memlens_model::{FileCache, PageCacheScan};

use crate::error::{Error, Result};
use crate::root::Root;

/// What to measure, and the bounds on it.
#[derive(Debug, Clone)]
pub struct CacheOptions {
    /// Files and directories; empty: the files processes map or hold open.
    pub paths: Vec<PathBuf>,
    pub time_limit: Duration,
    pub max_files: usize,
}

/// `cachestat` is 451 in the system call table every architecture Rust builds for shares
/// since Linux 5.1 (libc does not name it everywhere yet).
const SYS_CACHESTAT: libc::c_long = 451;

#[repr(C)]
struct CachestatRange {
    off: u64,
    len: u64,
}

#[repr(C)]
#[derive(Default)]
struct Cachestat {
    nr_cache: u64,
    nr_dirty: u64,
    nr_writeback: u64,
    nr_evicted: u64,
    nr_recently_evicted: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Cachestat,
    Mincore,
}

/// Why one file was not measured.
enum Skip {
    NotRegular,
    Denied,
    Vanished,
    Failed,
}

fn skip_of(e: &std::io::Error) -> Skip {
    match e.raw_os_error() {
        Some(libc::ENOENT) => Skip::Vanished,
        Some(libc::EACCES | libc::EPERM) => Skip::Denied,
        Some(libc::ELOOP | libc::ENXIO | libc::ENODEV | libc::EISDIR) => Skip::NotRegular,
        _ => Skip::Failed,
    }
}

/// One file measured (its path and holders left for the caller to fill), or why not.
type Measured = std::result::Result<FileCache, Skip>;

/// Measures one file.
fn measure(path: &Path, method: &mut Method, page: u64) -> Measured {
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| Skip::Failed)?;
    // SAFETY: a NUL-terminated path; the descriptor is closed below on every path.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(skip_of(&std::io::Error::last_os_error()));
    }
    let r = measure_fd(fd, &c, method, page);
    // SAFETY: fd was opened above and is closed once.
    unsafe { libc::close(fd) };
    r
}

fn measure_fd(fd: libc::c_int, path: &CString, method: &mut Method, page: u64) -> Measured {
    // SAFETY: st is written by fstat before it is read.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(skip_of(&std::io::Error::last_os_error()));
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(Skip::NotRegular);
    }
    let size = st.st_size.max(0) as u64;
    if *method == Method::Cachestat {
        let range = CachestatRange { off: 0, len: 0 };
        let mut cs = Cachestat::default();
        // SAFETY: the kernel reads `range` and writes `cs`, both live for the call.
        let r = unsafe {
            libc::syscall(
                SYS_CACHESTAT,
                fd,
                &range as *const CachestatRange,
                &mut cs as *mut Cachestat,
                0u32,
            )
        };
        if r == 0 {
            return Ok(FileCache {
                size,
                cached: cs.nr_cache * page,
                dirty: Some(cs.nr_dirty * page),
                writeback: Some(cs.nr_writeback * page),
                recently_evicted: Some(cs.nr_recently_evicted * page),
                ..Default::default()
            });
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            // An older kernel: mincore for this file and every one after.
            Some(libc::ENOSYS) => *method = Method::Mincore,
            // A file system without page cache (procfs, sysfs): none to count.
            Some(libc::EOPNOTSUPP) => {
                return Ok(FileCache {
                    size,
                    dirty: Some(0),
                    writeback: Some(0),
                    recently_evicted: Some(0),
                    ..Default::default()
                })
            }
            _ => return Err(skip_of(&e)),
        }
    }
    // mincore tells the page cache of a file only to root or to a caller that owns it or
    // may write it; to anyone else it reports the pages it maps itself: none.
    // SAFETY: plain queries on a NUL-terminated path.
    let (euid, writable) = unsafe {
        (
            libc::geteuid(),
            libc::access(path.as_ptr(), libc::W_OK) == 0,
        )
    };
    if euid != 0 && !writable && st.st_uid != euid {
        return Err(Skip::Denied);
    }
    Ok(FileCache {
        size,
        cached: mincore(fd, size, page)?,
        ..Default::default()
    })
}

/// Resident bytes of a file by `mincore` on shared read-only mappings of 1 GiB windows.
fn mincore(fd: libc::c_int, size: u64, page: u64) -> std::result::Result<u64, Skip> {
    const WINDOW: u64 = 1 << 30;
    let mut vec = vec![0u8; (WINDOW / page) as usize];
    let mut resident = 0u64;
    let mut off = 0u64;
    while off < size {
        let len = (size - off).min(WINDOW);
        // SAFETY: a fresh read-only shared mapping of the file, unmapped below; the
        // mapping is never read, only asked about.
        let addr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len as usize,
                libc::PROT_READ,
                libc::MAP_SHARED,
                fd,
                off as libc::off_t,
            )
        };
        if addr == libc::MAP_FAILED {
            return Err(skip_of(&std::io::Error::last_os_error()));
        }
        let pages = len.div_ceil(page) as usize;
        // SAFETY: `vec` holds at least `pages` bytes, one per page of the mapping.
        let r = unsafe { libc::mincore(addr, len as usize, vec.as_mut_ptr()) };
        let err = std::io::Error::last_os_error();
        // SAFETY: the mapping made above.
        unsafe { libc::munmap(addr, len as usize) };
        if r != 0 {
            return Err(skip_of(&err));
        }
        resident += vec[..pages].iter().filter(|&&b| b & 1 == 1).count() as u64 * page;
        off += len;
    }
    Ok(resident.min(size.div_ceil(page) * page))
}

/// The files under `path`: itself, or a directory's regular files, walked without
/// following symbolic links and without leaving its file system, until `deadline`
/// (then `false`).
fn walk(path: &Path, out: &mut Vec<PathBuf>, skipped: &mut u64, deadline: Instant) -> Result<bool> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| Error::from_io(path, e))?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(true);
    }
    let dev = meta.dev();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            *skipped += 1;
            continue;
        };
        let mut names: Vec<_> = rd.filter_map(|e| e.ok()).collect();
        names.sort_by_key(|e| e.file_name());
        if Instant::now() >= deadline {
            return Ok(false);
        }
        for e in names {
            match e.metadata() {
                Ok(m) if m.is_dir() && m.dev() == dev => stack.push(e.path()),
                Ok(m) if m.is_file() => out.push(e.path()),
                _ => *skipped += 1,
            }
        }
    }
    Ok(true)
}

/// The files processes map or hold open, with how many processes do; and how many
/// processes could not be read (denied, or gone).
fn held_files(root: &Root) -> Result<(BTreeMap<PathBuf, u32>, u64)> {
    let mut files: BTreeMap<PathBuf, u32> = BTreeMap::new();
    let mut unreadable = 0;
    let me = std::process::id();
    for e in root.entries("proc")? {
        let Some(pid) = e.name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let mut mine: Vec<PathBuf> = Vec::new();
        match root.read(&format!("proc/{pid}/maps")) {
            Ok((_, text)) => match crate::maps::parse_files(&text) {
                Ok((f, _)) => mine.extend(f.into_iter().map(PathBuf::from)),
                Err(_) => unreadable += 1,
            },
            Err(_) => unreadable += 1,
        }
        if let Ok(fds) = root.entries(&format!("proc/{pid}/fd")) {
            for fd in fds {
                let rel = format!("proc/{pid}/fd/{}", fd.name.to_string_lossy());
                if let Ok(target) = root.read_link(&rel) {
                    let bytes = target.as_os_str().as_bytes();
                    if bytes.starts_with(b"/")
                        && !bytes.ends_with(b" (deleted)")
                        && !bytes.starts_with(b"/proc/")
                        && !bytes.starts_with(b"/sys/")
                    {
                        mine.push(target);
                    }
                }
            }
        }
        mine.sort();
        mine.dedup();
        for f in mine {
            *files.entry(f).or_default() += 1;
        }
    }
    Ok((files, unreadable))
}

/// Measures the page cache of the files `opts` names. A path given that does not exist is
/// an error; files met on the way that cannot be measured are counted by reason.
pub fn scan(root: &Root, opts: &CacheOptions) -> Result<PageCacheScan> {
    let start = Instant::now();
    let page = root.page_size().max(1);
    let mut s = PageCacheScan::default();
    let (list, unreadable): (Vec<(PathBuf, u32)>, u64) = if opts.paths.is_empty() {
        let (files, unreadable) = held_files(root)?;
        (files.into_iter().collect(), unreadable)
    } else {
        let mut out = Vec::new();
        let deadline = start + opts.time_limit;
        for p in &opts.paths {
            if !walk(p, &mut out, &mut s.skipped.not_regular, deadline)? {
                s.stopped_early = true;
                break;
            }
        }
        out.sort();
        out.dedup();
        (out.into_iter().map(|p| (p, 0)).collect(), 0)
    };
    let mut method = Method::Cachestat;
    for (i, (path, holders)) in list.iter().enumerate() {
        if i >= opts.max_files || start.elapsed() >= opts.time_limit {
            s.stopped_early = true;
            s.skipped.over_limit = (list.len() - i) as u64;
            break;
        }
        match measure(path, &mut method, page) {
            Ok(f) => {
                s.examined_files += 1;
                s.examined_bytes += f.size;
                s.files.push(FileCache {
                    path: path.to_string_lossy().into_owned(),
                    holders: *holders,
                    ..f
                });
            }
            Err(Skip::NotRegular) => s.skipped.not_regular += 1,
            Err(Skip::Denied) => s.skipped.denied += 1,
            Err(Skip::Vanished) => s.skipped.vanished += 1,
            Err(Skip::Failed) => s.skipped.failed += 1,
        }
    }
    s.method = match method {
        Method::Cachestat => "cachestat",
        Method::Mincore => "mincore",
    }
    .into();
    s.unreadable_processes = unreadable;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn cachestat_and_mincore_agree_on_a_file_just_read() {
        let path = std::env::temp_dir().join(format!("memlens-pc-{}", std::process::id()));
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(&vec![7u8; (3 << 20) + 100]).unwrap();
        f.sync_all().unwrap();
        drop(f);
        let mut buf = Vec::new();
        std::fs::File::open(&path)
            .unwrap()
            .read_to_end(&mut buf)
            .unwrap();
        let page = crate::root::live_page_size();
        let mut m = Method::Cachestat;
        let a = measure(&path, &mut m, page).ok().unwrap();
        let mut m2 = Method::Mincore;
        let b = measure(&path, &mut m2, page).ok().unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(a.size, (3 << 20) + 100);
        if m == Method::Cachestat {
            // Read whole and just written back: every page cached, none dirty.
            assert_eq!(a.cached, ((3u64 << 20) + 100).div_ceil(page) * page);
            assert_eq!(a.dirty, Some(0));
        }
        assert_eq!(a.cached, b.cached, "cachestat and mincore");
        assert_eq!((b.dirty, b.writeback), (None, None));
    }

    #[test]
    fn a_fifo_is_not_a_regular_file_and_is_not_waited_on() {
        let path = std::env::temp_dir().join(format!("memlens-pc-fifo-{}", std::process::id()));
        let c = CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let r = measure(&path, &mut Method::Cachestat, 4096);
        let _ = std::fs::remove_file(&path);
        assert!(matches!(r, Err(Skip::NotRegular)));
    }
}
