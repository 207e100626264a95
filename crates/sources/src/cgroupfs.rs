//! Memory cgroup hierarchies under `sys/fs/cgroup`: the v1 `memory` controller
//! (`sys/fs/cgroup/memory`), cgroup v2 (`sys/fs/cgroup`, or `sys/fs/cgroup/unified` on
//! hybrid machines) when its root enables the `memory` controller.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use memlens_model::{CgroupVersion, Limit, MemCgroup, NamedCounters};

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::sysfs::one_line;
use crate::text::{check_complete, escaped, fields, lines, lossy, parse_u64, show, unescaped};
use crate::{pressure, sysfs};

/// A mounted memory hierarchy: where it is under the root, and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    pub version: CgroupVersion,
    /// Relative to the root, e.g. `sys/fs/cgroup/memory`.
    pub dir: String,
}

/// v1 prints PAGE_COUNTER_MAX × page size (9223372036854771712 on x86_64) for "no limit";
/// anything this large is no limit.
const V1_UNLIMITED: u64 = 1 << 62;

/// The memory hierarchies under the root: v1 first, then v2.
pub fn hierarchies(root: &Root) -> Vec<Hierarchy> {
    let mut out = Vec::new();
    if root.kind("sys/fs/cgroup/memory/memory.usage_in_bytes") == Some(crate::root::Kind::File) {
        out.push(Hierarchy {
            version: CgroupVersion::V1,
            dir: "sys/fs/cgroup/memory".into(),
        });
    }
    for dir in ["sys/fs/cgroup", "sys/fs/cgroup/unified"] {
        if let Ok((_, text)) = root.read(&format!("{dir}/cgroup.controllers")) {
            if fields(&text).any(|c| c == b"memory") {
                out.push(Hierarchy {
                    version: CgroupVersion::V2,
                    dir: dir.into(),
                });
            }
        }
    }
    out
}

/// Parses a `name value` file (`memory.stat`, `memory.events`, `memory.oom_control`).
pub fn parse_flat_keyed(text: &[u8]) -> std::result::Result<NamedCounters, ParseError> {
    check_complete(text)?;
    let mut out = Vec::new();
    for (n, line) in lines(text) {
        let mut f = fields(line);
        let (Some(k), Some(v), None) = (f.next(), f.next(), f.next()) else {
            return Err(ParseError::at(
                n,
                format!("expected `name value`, got {}", show(line)),
            ));
        };
        let v = parse_u64(v)
            .ok_or_else(|| ParseError::at(n, format!("{}: bad value {}", lossy(k), show(v))))?;
        out.push((lossy(k), v));
    }
    Ok(NamedCounters(out))
}

/// Parses a limit file: `max` or a byte count (v1's huge "unlimited" counts as max).
pub fn parse_limit(text: &[u8]) -> std::result::Result<Limit, ParseError> {
    let v = one_line(text)?;
    if v == b"max" {
        return Ok(Limit::Unlimited);
    }
    let b = parse_u64(v)
        .ok_or_else(|| ParseError::at(1, format!("expected a number or max, got {}", show(v))))?;
    Ok(if b >= V1_UNLIMITED {
        Limit::Unlimited
    } else {
        Limit::Bytes(b)
    })
}

struct Dir<'a> {
    root: &'a Root,
    rel: PathBuf,
}

impl Dir<'_> {
    fn opt<T>(
        &self,
        file: &str,
        parse: impl Fn(&[u8]) -> std::result::Result<T, ParseError>,
    ) -> Result<Option<T>> {
        match self.root.read_optional(&self.rel.join(file)) {
            Ok(None) | Err(Error::Denied(_)) => Ok(None),
            Err(e) => Err(e),
            Ok(Some((path, text))) => parse(&text).map(Some).map_err(|e| Error::parse(&path, e)),
        }
    }
    fn u64(&self, file: &str) -> Result<Option<u64>> {
        self.opt(file, sysfs::parse_u64_value)
    }
    fn limit(&self, file: &str) -> Result<Option<Limit>> {
        self.opt(file, parse_limit)
    }
    fn keyed(&self, file: &str) -> Result<NamedCounters> {
        Ok(self.opt(file, parse_flat_keyed)?.unwrap_or_default())
    }
}

/// A cgroup's directory under the root: the hierarchy's, then the cgroup's path (raw
/// bytes, `/`-separated, starting with `/`).
fn cgroup_dir(h: &Hierarchy, path: &[u8]) -> PathBuf {
    let mut rel = OsString::from(&h.dir);
    if path != b"/" {
        rel.push(OsStr::from_bytes(path));
    }
    PathBuf::from(rel)
}

fn read_one(root: &Root, h: &Hierarchy, path: &[u8], depth: u32) -> Result<MemCgroup> {
    let d = Dir {
        root,
        rel: cgroup_dir(h, path),
    };
    let path = escaped(path);
    let procs = d.opt("cgroup.procs", |t| {
        check_complete(t)?;
        Ok(lines(t).count() as u64)
    })?;
    let pressure = match pressure::read_file(root, &d.rel.join("memory.pressure")) {
        Ok(p) => p,
        Err(Error::Denied(_)) => None,
        Err(e) => return Err(e),
    };
    Ok(match h.version {
        CgroupVersion::V2 => MemCgroup {
            version: CgroupVersion::V2,
            path: path.clone(),
            depth,
            current: d.u64("memory.current")?,
            peak: d.u64("memory.peak")?,
            max: d.limit("memory.max")?,
            high: d.limit("memory.high")?,
            low: d.limit("memory.low")?,
            min: d.limit("memory.min")?,
            soft_limit: None,
            swap_current: d.u64("memory.swap.current")?,
            swap_max: d.limit("memory.swap.max")?,
            memsw_max: None,
            stat: d.keyed("memory.stat")?,
            events: d.keyed("memory.events")?,
            pressure,
            procs,
        },
        CgroupVersion::V1 => {
            let current = d.u64("memory.usage_in_bytes")?;
            let memsw = d.u64("memory.memsw.usage_in_bytes")?;
            let mut events = Vec::new();
            if let Some(f) = d.u64("memory.failcnt")? {
                events.push(("failcnt".to_string(), f));
            }
            for (k, v) in d.keyed("memory.oom_control")?.0 {
                if k == "oom_kill" || k == "under_oom" {
                    events.push((k, v));
                }
            }
            MemCgroup {
                version: CgroupVersion::V1,
                path: path.clone(),
                depth,
                current,
                peak: d.u64("memory.max_usage_in_bytes")?,
                max: d.limit("memory.limit_in_bytes")?,
                high: None,
                low: None,
                min: None,
                soft_limit: d.limit("memory.soft_limit_in_bytes")?,
                swap_current: match (memsw, current) {
                    (Some(sw), Some(c)) => Some(sw.saturating_sub(c)),
                    _ => None,
                },
                swap_max: None,
                memsw_max: d.limit("memory.memsw.limit_in_bytes")?,
                stat: d.keyed("memory.stat")?,
                events: NamedCounters(events),
                pressure,
                procs,
            }
        }
    })
}

/// The child cgroups of a directory (directories only: symbolic links are not followed),
/// sorted, with their names as the filesystem has them.
fn children(root: &Root, dir: &Path) -> Result<Vec<OsString>> {
    match root.entries(dir) {
        Ok(v) => Ok(v.into_iter().filter(|e| e.is_dir).map(|e| e.name).collect()),
        // Removed while the tree was walked.
        Err(Error::Missing(_)) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Normalises a cgroup path given on the command line (`/a/b`, `a/b`, `/`; undecodable
/// bytes as `\xNN`) into raw bytes starting with `/`; `None` for a path with `..` or `.`
/// components, which would leave the memory cgroup hierarchy.
pub fn parse_path(given: &str) -> Option<Vec<u8>> {
    let raw = unescaped(given);
    let mut out = Vec::with_capacity(raw.len() + 1);
    for part in raw.split(|&b| b == b'/').filter(|p| !p.is_empty()) {
        if part == b".." || part == b"." {
            return None;
        }
        out.push(b'/');
        out.extend_from_slice(part);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    Some(out)
}

/// Reads a hierarchy's whole tree, depth first (a view takes the subtree it shows).
pub fn read_tree(root: &Root, h: &Hierarchy) -> Result<Vec<MemCgroup>> {
    let top = cgroup_dir(h, b"/");
    if !root.is_dir(&top) {
        return Err(Error::Missing(root.path(&top)));
    }
    let mut out = Vec::new();
    let mut stack = vec![(b"/".to_vec(), 0u32)];
    while let Some((path, depth)) = stack.pop() {
        out.push(read_one(root, h, &path, depth)?);
        for c in children(root, &cgroup_dir(h, &path))?.into_iter().rev() {
            let mut child = if path == b"/" {
                Vec::new()
            } else {
                path.clone()
            };
            child.push(b'/');
            child.extend_from_slice(c.as_bytes());
            stack.push((child, depth + 1));
        }
    }
    Ok(out)
}

/// The files a capture copies from each memory cgroup directory.
pub fn capture_files(name: &str) -> bool {
    (name.starts_with("memory.")
        && !matches!(
            name,
            "memory.pressure_level"
                | "memory.kmem.slabinfo"
                | "memory.numa_stat"
                | "memory.force_empty"
                | "memory.reclaim"
        ))
        || name == "cgroup.procs"
        || name == "cgroup.controllers"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_keyed_and_limits() {
        let s = parse_flat_keyed(b"anon 4096\nfile 8192\n").unwrap();
        assert_eq!(s.get("file"), Some(8192));
        assert_eq!(
            parse_flat_keyed(b"anon 4096\nfile\n").unwrap_err().line,
            Some(2)
        );
        assert_eq!(parse_flat_keyed(b"anon x\n").unwrap_err().line, Some(1));
        assert!(parse_flat_keyed(b"anon 4096").is_err());
        assert_eq!(parse_limit(b"max\n").unwrap(), Limit::Unlimited);
        assert_eq!(
            parse_limit(b"9223372036854771712\n").unwrap(),
            Limit::Unlimited
        );
        assert_eq!(parse_limit(b"33554432\n").unwrap(), Limit::Bytes(33554432));
        assert!(parse_limit(b"lots\n").is_err());
        assert!(parse_limit(b"3355").is_err());
        assert!(capture_files("memory.stat") && !capture_files("memory.kmem.slabinfo"));
    }
}
