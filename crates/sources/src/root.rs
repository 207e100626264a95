//! The root directory every source reads under: `/` on a live machine, or a capture.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Name of the file a capture writes at its top, with `key=value` lines.
pub const CAPTURE_META: &str = "memlens-capture.txt";

/// Name of the file a capture writes listing (one relative path a line) the files that
/// existed but could not be read, so that reading the capture back reports them as
/// denied rather than missing.
pub const CAPTURE_UNREADABLE: &str = "memlens-unreadable.txt";

/// A directory holding `proc/` (and usually `sys/`, `etc/`) trees.
#[derive(Debug, Clone)]
pub struct Root {
    base: PathBuf,
    live: bool,
    /// Files a capture could not read (relative paths), sorted.
    unreadable: std::sync::Arc<Vec<String>>,
}

impl Root {
    /// The running system.
    pub fn live() -> Self {
        Root {
            base: PathBuf::from("/"),
            live: true,
            unreadable: Default::default(),
        }
    }

    /// A root directory; `/` is the live system. Fails when it holds no `proc/meminfo`.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let base: PathBuf = dir.into();
        let live = base == Path::new("/");
        let mut unreadable: Vec<String> = if live {
            Vec::new()
        } else {
            std::fs::read_to_string(base.join(CAPTURE_UNREADABLE))
                .map(|t| t.lines().map(str::to_string).collect())
                .unwrap_or_default()
        };
        unreadable.sort();
        let root = Root {
            base,
            live,
            unreadable: std::sync::Arc::new(unreadable),
        };
        match std::fs::metadata(root.path("proc/meminfo")) {
            Ok(m) if m.is_file() => Ok(root),
            _ => Err(Error::NotARoot(root.base.clone())),
        }
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
    pub fn path(&self, rel: &str) -> PathBuf {
        self.base.join(rel)
    }

    /// Reads a whole file under the root into `buf` (cleared first). In a capture, a file
    /// the capture could not read is reported as denied, as it was on the machine.
    pub fn read_into(&self, rel: &str, buf: &mut Vec<u8>) -> Result<PathBuf> {
        let path = self.path(rel);
        match read_path_into(&path, buf) {
            Err(Error::Missing(p))
                if self
                    .unreadable
                    .binary_search_by(|u| u.as_str().cmp(rel))
                    .is_ok() =>
            {
                Err(Error::Denied(p))
            }
            Err(e) => Err(e),
            Ok(()) => Ok(path),
        }
    }

    /// Reads a whole file under the root.
    pub fn read(&self, rel: &str) -> Result<(PathBuf, Vec<u8>)> {
        let mut buf = Vec::new();
        let path = self.read_into(rel, &mut buf)?;
        Ok((path, buf))
    }

    /// Reads an optional file: `Ok(None)` when it does not exist.
    pub fn read_optional(&self, rel: &str) -> Result<Option<(PathBuf, Vec<u8>)>> {
        match self.read(rel) {
            Ok(v) => Ok(Some(v)),
            Err(Error::Missing(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Reads a file holding one integer (a sysctl such as `proc/sys/vm/overcommit_memory`);
    /// `Ok(None)` when it does not exist.
    pub fn read_int(&self, rel: &str) -> Result<Option<i64>> {
        match self.read_optional(rel)? {
            None => Ok(None),
            Some((path, text)) => crate::text::parse_int_file(&text)
                .map(Some)
                .map_err(|e| Error::parse(&path, e)),
        }
    }

    /// The page size of the machine the root describes: the live value, or the one a
    /// capture recorded (4096 when it did not).
    pub fn page_size(&self) -> u64 {
        if self.live {
            return live_page_size();
        }
        self.capture_meta("page_size")
            .and_then(|v| v.parse().ok())
            .unwrap_or(4096)
    }

    /// A `key=value` entry of the capture's metadata file.
    pub fn capture_meta(&self, key: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.path(CAPTURE_META)).ok()?;
        text.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            (k == key).then(|| v.to_string())
        })
    }
}

/// Reads a file into a reused buffer. /proc files report size 0, so read to the end.
pub fn read_path_into(path: &Path, buf: &mut Vec<u8>) -> Result<()> {
    buf.clear();
    let mut f = File::open(path).map_err(|e| Error::from_io(path, e))?;
    f.read_to_end(buf).map_err(|e| Error::from_io(path, e))?;
    Ok(())
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
