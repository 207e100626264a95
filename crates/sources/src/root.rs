//! The root directory every source reads under: `/` on a live machine, or a capture.

use std::ffi::{CString, OsString};
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};

/// Name of the file a capture writes at its top, with `key=value` lines.
pub const CAPTURE_META: &str = "memlens-capture.txt";

/// Name of the file a capture writes listing (one relative path a line) the files that
/// existed but could not be read, so that reading the capture back reports them as
/// denied rather than missing.
pub const CAPTURE_UNREADABLE: &str = "memlens-unreadable.txt";

/// The most bytes read from one kernel text file; a larger file is refused, not read
/// whole (meminfo is 1.5 KiB, zoneinfo on a large NUMA machine a few MiB).
pub const MAX_FILE: u64 = 16 << 20;

/// The most bytes read from one process's `smaps` (about 250 bytes a mapping: a million
/// mappings, 15 times the default `vm.max_map_count`).
pub const MAX_SMAPS: u64 = 256 << 20;

/// A directory holding `proc/` (and usually `sys/`, `etc/`) trees.
///
/// Every read goes through it, bounded: only regular files are read (a FIFO or device
/// where a kernel file belongs is refused rather than waited on), at most [`MAX_FILE`]
/// bytes, and under a capture nothing outside the tree (no `..`, no symbolic link that
/// leads out).
#[derive(Debug, Clone)]
pub struct Root {
    base: PathBuf,
    live: bool,
    /// A capture's directory, open, for reads that cannot leave it (`openat2`).
    dir: Option<Arc<OwnedFd>>,
    /// Files a capture could not read (relative paths), sorted.
    unreadable: Arc<Vec<PathBuf>>,
    /// A snapshot file's contents: `collect` answers from it, and no file is read.
    snapshot: Option<Arc<memlens_model::Snapshot>>,
}

/// One entry of a directory under the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name as the filesystem has it (cgroup names need not be UTF-8).
    pub name: OsString,
    /// A directory (not a symbolic link to one).
    pub is_dir: bool,
    /// A regular file (not a symbolic link to one).
    pub is_file: bool,
    /// Its inode number, as the directory listing gives it.
    pub ino: u64,
}

impl Root {
    /// The running system.
    pub fn live() -> Self {
        Root {
            base: PathBuf::from("/"),
            live: true,
            dir: None,
            unreadable: Default::default(),
            snapshot: None,
        }
    }

    /// A root directory; `/` is the live system. Fails when it holds no `proc/meminfo`.
    /// A root that answers from a snapshot already in memory (one sample of a history
    /// store); `base` names it in messages.
    pub fn of_snapshot(base: impl Into<PathBuf>, s: memlens_model::Snapshot) -> Self {
        Root {
            base: base.into(),
            live: false,
            dir: None,
            unreadable: Default::default(),
            snapshot: Some(Arc::new(s)),
        }
    }

    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let base: PathBuf = dir.into();
        if base == Path::new("/") {
            return Ok(Root::live());
        }
        if std::fs::metadata(&base).is_ok_and(|m| m.is_file()) {
            if !crate::snapshot_file::looks_like(&base) {
                return Err(Error::NotARoot(base));
            }
            let s = crate::snapshot_file::read(&base)?;
            return Ok(Root {
                base,
                live: false,
                dir: None,
                unreadable: Default::default(),
                snapshot: Some(Arc::new(s)),
            });
        }
        let fd = File::options()
            .read(true)
            .custom_flags(libc::O_DIRECTORY)
            .open(&base)
            .map_err(|_| Error::NotARoot(base.clone()))?;
        let mut root = Root {
            base,
            live: false,
            dir: Some(Arc::new(OwnedFd::from(fd))),
            unreadable: Default::default(),
            snapshot: None,
        };
        let mut unreadable: Vec<PathBuf> = match root.read(CAPTURE_UNREADABLE) {
            Ok((_, t)) => t
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(|l| PathBuf::from(std::ffi::OsStr::from_bytes(l)))
                .collect(),
            Err(Error::Missing(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        unreadable.sort();
        root.unreadable = Arc::new(unreadable);
        match root.kind("proc/meminfo") {
            Some(Kind::File) => Ok(root),
            None | Some(Kind::Dir) => Err(Error::NotARoot(root.base.clone())),
            // A FIFO or a link out of the tree: say so as a read of it would.
            Some(_) => Err(root
                .read("proc/meminfo")
                .err()
                .unwrap_or(Error::NotARoot(root.base.clone()))),
        }
    }

    /// Where the figures came from: the directory for a live machine or a capture tree,
    /// the machine or tree a snapshot file was taken from for a snapshot file (so that
    /// messages name the same paths whichever was read).
    pub fn origin(&self, rel: &str) -> PathBuf {
        match &self.snapshot {
            Some(s) => Path::new(&s.meta.source).join(rel),
            None => self.path(rel),
        }
    }

    /// The snapshot a snapshot file holds, when this root is one.
    pub fn snapshot(&self) -> Option<&memlens_model::Snapshot> {
        self.snapshot.as_deref()
    }

    /// Whether this root is the running system (`/`).
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The directory itself.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// A path under the root: `rel` is relative, like `proc/meminfo`.
    pub fn path(&self, rel: &(impl AsRef<Path> + ?Sized)) -> PathBuf {
        self.base.join(rel.as_ref())
    }

    /// Reads a whole file under the root into `buf` (cleared first), at most
    /// [`MAX_FILE`] bytes. In a capture, a file the capture could not read is reported as
    /// denied, as it was on the machine.
    pub fn read_into(
        &self,
        rel: &(impl AsRef<Path> + ?Sized),
        buf: &mut Vec<u8>,
    ) -> Result<PathBuf> {
        self.read_capped(rel.as_ref(), buf, MAX_FILE)
    }

    /// [`Root::read_into`] with another size bound.
    pub fn read_capped(
        &self,
        rel: &(impl AsRef<Path> + ?Sized),
        buf: &mut Vec<u8>,
        cap: u64,
    ) -> Result<PathBuf> {
        self.read_bounded(rel.as_ref(), buf, cap, Pieces::Many)
    }

    /// [`Root::read_capped`] for a `/proc` file the kernel makes in one piece: a seq_file
    /// of one record (`/proc/PID/status`, `stat`, `statm`, `smaps_rollup`, `cgroup`,
    /// `limits`, `oom_score`, `ksm_stat`) or `/proc/PID/cmdline`. On the live machine, a
    /// read of such a file that returns less than it asked for has reached the end, so
    /// the read that would return nothing is not made: three system calls per file, not
    /// four. Not for files of many records (`smaps`, `maps`, `/proc/vmstat`): a read of
    /// those may end early where the next record does not fit the kernel's buffer.
    pub fn read_one_piece(
        &self,
        rel: &(impl AsRef<Path> + ?Sized),
        buf: &mut Vec<u8>,
        cap: u64,
    ) -> Result<PathBuf> {
        let pieces = if self.live { Pieces::One } else { Pieces::Many };
        self.read_bounded(rel.as_ref(), buf, cap, pieces)
    }

    fn read_bounded(
        &self,
        rel: &Path,
        buf: &mut Vec<u8>,
        cap: u64,
        pieces: Pieces,
    ) -> Result<PathBuf> {
        let path = self.path(rel);
        let read = self.open_file(rel, &path).and_then(|f| {
            fill(buf, &path, cap, pieces, |to, len, _| {
                // SAFETY: `to` is valid for writes of `len` bytes (see `fill`).
                unsafe { libc::read(f.as_raw_fd(), to.cast(), len) }
            })
        });
        match read {
            Err(Error::Missing(p))
                if self
                    .unreadable
                    .binary_search_by(|u| u.as_path().cmp(rel))
                    .is_ok() =>
            {
                Err(Error::Denied(p))
            }
            Err(e) => Err(e),
            Ok(()) => Ok(path),
        }
    }

    /// Opens a file of the live root to be read again and again with [`Root::reread`],
    /// for a recorder that reads the same `/proc` file every sample: reading an open file
    /// from its start skips the path walk, the open and the close, about half the cost of
    /// a small `/proc` file. `None` for a capture or a snapshot (their files do not
    /// change, and a capture's may be replaced rather than rewritten).
    pub fn hold(&self, rel: &(impl AsRef<Path> + ?Sized)) -> Option<Result<Held>> {
        if !self.live {
            return None;
        }
        let rel = rel.as_ref();
        let path = self.path(rel);
        Some(self.open_file(rel, &path).map(|file| Held { file, path }))
    }

    /// Reads a held file again from its start into `buf` (cleared first), at most `cap`
    /// bytes. Held files are `/proc` files made in one piece (see
    /// [`Root::read_one_piece`]): one `pread` each. A `/proc/PID` file whose process has
    /// exited (even if its PID is in use again) gives [`Error::Vanished`].
    pub fn reread(&self, held: &Held, buf: &mut Vec<u8>, cap: u64) -> Result<()> {
        fill(buf, &held.path, cap, Pieces::One, |to, len, at| {
            // SAFETY: `to` is valid for writes of `len` bytes (see `fill`).
            unsafe { libc::pread(held.file.as_raw_fd(), to.cast(), len, at as libc::off_t) }
        })
    }

    /// Reads a whole file under the root.
    pub fn read(&self, rel: &(impl AsRef<Path> + ?Sized)) -> Result<(PathBuf, Vec<u8>)> {
        let mut buf = Vec::new();
        let path = self.read_into(rel, &mut buf)?;
        Ok((path, buf))
    }

    /// Reads an optional file: `Ok(None)` when it does not exist.
    pub fn read_optional(
        &self,
        rel: &(impl AsRef<Path> + ?Sized),
    ) -> Result<Option<(PathBuf, Vec<u8>)>> {
        match self.read(rel) {
            Ok(v) => Ok(Some(v)),
            Err(Error::Missing(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Reads a file holding one integer (a sysctl such as `proc/sys/vm/overcommit_memory`);
    /// `Ok(None)` when it does not exist.
    pub fn read_int(&self, rel: &(impl AsRef<Path> + ?Sized)) -> Result<Option<i64>> {
        match self.read_optional(rel)? {
            None => Ok(None),
            Some((path, text)) => crate::text::parse_int_file(&text)
                .map(Some)
                .map_err(|e| Error::parse(&path, e)),
        }
    }

    /// Opens a file under the root for reading; the open never blocks (a FIFO with no
    /// writer would). Under a capture, what is not a regular file and any path that
    /// leaves the tree are refused.
    fn open_file(&self, rel: &Path, path: &Path) -> Result<File> {
        if self.snapshot.is_some() {
            return Err(Error::InSnapshot(self.base.clone()));
        }
        let file = match &self.dir {
            // Live: /proc and /sys files are regular, and with O_NONBLOCK neither opening
            // nor reading anything else (a FIFO at /etc/passwd) can wait; one syscall less
            // per file on the hot path of a scan.
            None => {
                return File::options()
                    .read(true)
                    .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
                    .open(path)
                    .map_err(|e| Error::from_io(path, e))
            }
            Some(dir) => open_beneath(dir, rel, path)?,
        };
        let meta = file.metadata().map_err(|e| Error::from_io(path, e))?;
        if !meta.is_file() {
            return Err(Error::NotRegular(path.to_path_buf()));
        }
        Ok(file)
    }

    /// What is at a path under the root (symbolic links not followed under a capture),
    /// `None` when nothing is or it cannot be seen.
    pub fn kind(&self, rel: &(impl AsRef<Path> + ?Sized)) -> Option<Kind> {
        let rel = rel.as_ref();
        if !self.live && escapes(rel) {
            return None;
        }
        let path = self.path(rel);
        let meta = if self.live {
            std::fs::metadata(&path)
        } else {
            std::fs::symlink_metadata(&path)
        }
        .ok()?;
        Some(if meta.file_type().is_symlink() {
            Kind::Link
        } else if meta.is_dir() {
            Kind::Dir
        } else if meta.is_file() {
            Kind::File
        } else {
            Kind::Other
        })
    }

    /// The metadata of a path under the root, without following a final symbolic link.
    pub fn symlink_metadata(&self, rel: &(impl AsRef<Path> + ?Sized)) -> Result<std::fs::Metadata> {
        let rel = rel.as_ref();
        let path = self.path(rel);
        if !self.live && escapes(rel) {
            return Err(Error::Escapes(path));
        }
        std::fs::symlink_metadata(&path).map_err(|e| Error::from_io(&path, e))
    }

    /// The target of a symbolic link under the root (not followed), such as
    /// `proc/PID/fd/N` or `proc/PID/exe`.
    pub fn read_link(&self, rel: &(impl AsRef<Path> + ?Sized)) -> Result<PathBuf> {
        let rel = rel.as_ref();
        let path = self.path(rel);
        if !self.live && escapes(rel) {
            return Err(Error::Escapes(path));
        }
        std::fs::read_link(&path).map_err(|e| Error::from_io(&path, e))
    }

    /// Whether a directory is at `rel`.
    pub fn is_dir(&self, rel: &(impl AsRef<Path> + ?Sized)) -> bool {
        self.kind(rel) == Some(Kind::Dir)
    }

    /// The entries of a directory under the root, sorted by name. Names are kept as the
    /// filesystem has them (not necessarily UTF-8).
    pub fn entries(&self, rel: &(impl AsRef<Path> + ?Sized)) -> Result<Vec<Entry>> {
        let rel = rel.as_ref();
        let path = self.path(rel);
        if !self.live {
            // Under a capture, a symbolic link (even to a directory) is not followed.
            match self.kind(rel) {
                _ if escapes(rel) => return Err(Error::Escapes(path)),
                None => return Err(Error::Missing(path)),
                Some(Kind::Link) => return Err(Error::Escapes(path)),
                Some(_) => {}
            }
        }
        let rd = std::fs::read_dir(&path).map_err(|e| Error::from_io(&path, e))?;
        let mut out = Vec::new();
        for e in rd {
            use std::os::unix::fs::DirEntryExt;
            let e = e.map_err(|e| Error::from_io(&path, e))?;
            let t = e.file_type().ok();
            out.push(Entry {
                name: e.file_name(),
                is_dir: t.is_some_and(|t| t.is_dir()),
                is_file: t.is_some_and(|t| t.is_file()),
                ino: e.ino(),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The page size of the machine the root describes: the live value, or the one a
    /// capture recorded (4096 when it did not).
    pub fn page_size(&self) -> u64 {
        if self.live {
            return live_page_size();
        }
        if let Some(s) = &self.snapshot {
            return s.meta.page_size;
        }
        self.capture_meta("page_size")
            .and_then(|v| v.parse().ok())
            .unwrap_or(4096)
    }

    /// A `key=value` entry of the capture's metadata file.
    pub fn capture_meta(&self, key: &str) -> Option<String> {
        let (_, text) = self.read(CAPTURE_META).ok()?;
        let text = String::from_utf8_lossy(&text);
        text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k == key).then(|| v.to_string())
        })
    }
}

/// A file held open by [`Root::hold`].
#[derive(Debug)]
pub struct Held {
    file: File,
    path: PathBuf,
}

/// What is at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
    /// A symbolic link (seen only under a capture, where links are not followed).
    Link,
    /// A FIFO, socket or device.
    Other,
}

/// Whether a relative path could leave the directory it is relative to.
fn escapes(rel: &Path) -> bool {
    rel.components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Opens `rel` under an open directory without leaving it: `openat2` with
/// `RESOLVE_BENEATH` (Linux 5.6), or on older kernels a path with no `..` opened without
/// following a final symbolic link.
fn open_beneath(dir: &OwnedFd, rel: &Path, path: &Path) -> Result<File> {
    let flags = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
    let c_rel =
        CString::new(rel.as_os_str().as_bytes()).map_err(|_| Error::Escapes(path.to_path_buf()))?;
    if escapes(rel) {
        return Err(Error::Escapes(path.to_path_buf()));
    }
    // SAFETY: open_how is a plain C struct; zeroed is a valid value.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = flags as u64;
    how.resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS;
    // SAFETY: the arguments are a valid directory fd, a NUL-terminated path and a pointer
    // to an open_how of the size given.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.as_raw_fd(),
            c_rel.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    if fd >= 0 {
        // SAFETY: the kernel returned a new file descriptor that nothing else owns.
        return Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd as i32) }));
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EXDEV) | Some(libc::ELOOP) => Err(Error::Escapes(path.to_path_buf())),
        Some(libc::ENOSYS) | Some(libc::EPERM) => File::options()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_NOFOLLOW)
            .open(path)
            .map_err(|e| match e.raw_os_error() {
                Some(libc::ELOOP) => Error::Escapes(path.to_path_buf()),
                _ => Error::from_io(path, e),
            }),
        _ => Err(Error::from_io(path, e)),
    }
}

/// How a file ends: after a read that returns nothing (`Many`), or already after one that
/// returns less than it asked for (`One`: see [`Root::read_one_piece`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pieces {
    Many,
    One,
}

/// Reads a file to its end into a reused buffer (cleared first), at most `cap` bytes
/// (more is an error), straight into the buffer's spare room: /proc files report size 0,
/// and a 64 KiB buffer zeroed before each read would cost more than the read.
/// `read(to, len, offset)` is a `read(2)` or `pread(2)` into `len` bytes at `to`.
fn fill(
    buf: &mut Vec<u8>,
    path: &Path,
    cap: u64,
    pieces: Pieces,
    mut read: impl FnMut(*mut u8, usize, usize) -> isize,
) -> Result<()> {
    buf.clear();
    let limit = usize::try_from(cap).unwrap_or(usize::MAX).saturating_add(1);
    loop {
        if buf.len() >= limit {
            buf.clear();
            return Err(Error::TooLarge(path.to_path_buf(), cap));
        }
        if buf.len() == buf.capacity() {
            buf.reserve(4096);
        }
        let at = buf.len();
        let want = (buf.capacity() - at).min(limit - at);
        // `want` bytes from `at` are within the buffer's capacity.
        let n = read(buf.spare_capacity_mut().as_mut_ptr().cast(), want, at);
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            buf.clear();
            return Err(Error::from_io(path, e));
        }
        // A read(2) gives at most what it was asked for.
        let n = (n as usize).min(want);
        // SAFETY: the kernel wrote those `n` bytes from `at`.
        unsafe { buf.set_len(at + n) };
        if n == 0 || (pieces == Pieces::One && n < want) {
            return Ok(());
        }
    }
}

/// The live page size from `sysconf(_SC_PAGESIZE)`.
pub fn live_page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if v > 0 {
        v as u64
    } else {
        4096
    }
}

#[cfg(test)]
mod tests {
    use super::{fill, Pieces, Root};
    use crate::error::Error;
    use std::path::Path;

    /// A reader giving `text` in chunks of at most `chunk` bytes, counting its calls.
    fn chunks<'a>(
        text: &'a [u8],
        chunk: usize,
        calls: &'a mut usize,
    ) -> impl FnMut(*mut u8, usize, usize) -> isize + 'a {
        let mut from = 0;
        move |to, len, at| {
            *calls += 1;
            assert_eq!(at, from, "each read starts where the one before ended");
            let n = len.min(chunk).min(text.len() - from);
            // SAFETY: `fill` gives room for `len` bytes at `to`.
            unsafe { std::ptr::copy_nonoverlapping(text[from..].as_ptr(), to, n) };
            from += n;
            n as isize
        }
    }

    #[test]
    fn a_file_in_one_piece_ends_at_its_first_short_read_others_at_an_empty_one() {
        let text: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let p = Path::new("proc/1/status");
        for (pieces, chunk, capacity, want_calls) in [
            // One short read holds it all: done, with no read of nothing after it.
            (Pieces::One, usize::MAX, 64 << 10, 1),
            (Pieces::Many, usize::MAX, 64 << 10, 2),
            // The kernel gave less than asked (a file of many records): read on.
            (Pieces::Many, 3000, 64 << 10, 5),
            // Reads that fill the room are not short: the buffer grows, and the first
            // short read ends it.
            (Pieces::One, usize::MAX, 4096, 3),
        ] {
            let mut buf = Vec::with_capacity(capacity);
            buf.extend_from_slice(b"left over");
            let mut calls = 0;
            fill(
                &mut buf,
                p,
                1 << 20,
                pieces,
                chunks(&text, chunk, &mut calls),
            )
            .unwrap();
            assert_eq!(buf, text, "{pieces:?} in chunks of {chunk}");
            assert_eq!(calls, want_calls, "{pieces:?} in chunks of {chunk}");
        }
    }

    #[test]
    fn a_file_over_the_bound_is_refused_in_one_piece_or_many() {
        let text = vec![b'x'; 5000];
        for pieces in [Pieces::One, Pieces::Many] {
            for cap in [0, 4999] {
                let mut buf = Vec::new();
                let mut calls = 0;
                let r = fill(
                    &mut buf,
                    Path::new("big"),
                    cap,
                    pieces,
                    chunks(&text, usize::MAX, &mut calls),
                );
                assert!(
                    matches!(r, Err(Error::TooLarge(_, c)) if c == cap),
                    "{pieces:?} {cap}"
                );
                assert!(buf.is_empty());
            }
            // Short reads (of a file of many records) only where they do not end it.
            let chunk = if pieces == Pieces::One {
                usize::MAX
            } else {
                700
            };
            let mut buf = Vec::new();
            let mut calls = 0;
            fill(
                &mut buf,
                Path::new("big"),
                5000,
                pieces,
                chunks(&text, chunk, &mut calls),
            )
            .unwrap();
            assert_eq!(buf.len(), 5000, "{pieces:?} exactly at the bound");
            // No bound at all (u64::MAX) is no overflow.
            let mut calls = 0;
            fill(
                &mut buf,
                Path::new("big"),
                u64::MAX,
                pieces,
                chunks(&text, chunk, &mut calls),
            )
            .unwrap();
            assert_eq!(buf.len(), 5000, "{pieces:?} unbounded");
        }
    }

    #[test]
    fn live_proc_files_read_in_one_piece_are_read_whole() {
        let root = Root::live();
        // Files that do not change while read twice: the same bytes either way.
        for rel in [
            "proc/self/cmdline",
            "proc/self/limits",
            "proc/self/cgroup",
            "proc/1/oom_score_adj",
        ] {
            let (mut one, mut many) = (Vec::new(), Vec::new());
            root.read_one_piece(rel, &mut one, super::MAX_FILE).unwrap();
            root.read_capped(rel, &mut many, super::MAX_FILE).unwrap();
            assert!(!one.is_empty(), "{rel}");
            assert_eq!(one, many, "{rel}");
        }
        // `status` is larger than a first 1 KiB of room: the buffer grows and it is whole.
        let mut buf = Vec::with_capacity(1024);
        root.read_one_piece("proc/self/status", &mut buf, super::MAX_FILE)
            .unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.starts_with("Name:\t") && text.contains("\nVmRSS:\t"),
            "{text}"
        );
        assert!(text
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("nonvoluntary_ctxt_switches:"));
    }
}
