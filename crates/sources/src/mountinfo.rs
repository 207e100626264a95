//! `/proc/self/mountinfo`, for the file systems whose pages are meminfo `Shmem`: every
//! mounted `tmpfs` and `devtmpfs`, with the size limit and space used that `statfs(2)`
//! gives (as `df` shows them). A line is
//! `ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS`,
//! with spaces and backslashes in paths written as octal escapes (`\040`).
//!
//! `statfs` asks the live machine; a capture cannot. So [`read`] measures the mounts on
//! the live machine, and reads under a capture the table `memlens capture` wrote
//! ([`CAPTURE_FILE`]: `DEVICE FSTYPE SIZE USED HIDDEN MOUNT-POINT`, `-` for unknown).
//! The mounts are those of memlens's mount namespace: a container's own tmpfs is not
//! among them unless memlens runs in it.

use memlens_model::ShmemMount;

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, fields, lines, lossy, parse_u64, show};

/// The table a capture holds in place of `statfs`.
pub const CAPTURE_FILE: &str = "memlens-shmem-mounts.txt";

/// File systems whose pages are shmem.
const SHMEM_TYPES: &[&str] = &["tmpfs", "devtmpfs"];

/// The tmpfs and devtmpfs mounts of mountinfo text, unmeasured, in mount order; of mounts
/// at the same place, all but the last are `hidden`.
pub fn parse(text: &[u8]) -> std::result::Result<Vec<ShmemMount>, ParseError> {
    check_complete(text)?;
    let mut out: Vec<ShmemMount> = Vec::new();
    for (n, line) in lines(text) {
        let f: Vec<&[u8]> = fields(line).collect();
        let dash = f.iter().position(|w| *w == b"-");
        let (Some(dash), true) = (dash, f.len() >= 6) else {
            return Err(ParseError::at(
                n,
                format!("expected `ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS ... - FSTYPE SOURCE OPTIONS`, got {}", show(line)),
            ));
        };
        if dash < 6 || f.len() < dash + 2 {
            return Err(ParseError::at(
                n,
                format!("fields missing in {}", show(line)),
            ));
        }
        let fstype = lossy(f[dash + 1]);
        if !SHMEM_TYPES.contains(&fstype.as_str()) {
            continue;
        }
        let mount_point = lossy(&unoctal(f[4]));
        for earlier in out.iter_mut().filter(|m| m.mount_point == mount_point) {
            earlier.hidden = true;
        }
        out.push(ShmemMount {
            mount_point,
            fstype,
            device: lossy(f[2]),
            size: None,
            used: None,
            hidden: false,
        });
    }
    Ok(out)
}

/// A path as mountinfo writes it: space, tab, newline and backslash as `\ooo`.
fn octal(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    for &b in s {
        match b {
            b' ' | b'\t' | b'\n' | b'\\' => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
            _ => out.push(b),
        }
    }
    lossy(&out)
}

/// The bytes of a path [`octal`] (or the kernel) escaped.
pub(crate) fn unoctal(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' {
            if let Some(d) = s.get(i + 1..i + 4) {
                if d.iter().all(|b| (b'0'..=b'7').contains(b)) {
                    out.push((d[0] - b'0') << 6 | (d[1] - b'0') << 3 | (d[2] - b'0'));
                    i += 4;
                    continue;
                }
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// Size and space used of a mounted file system (`None`s when it has no size limit).
fn statfs(mount_point: &str) -> Option<(Option<u64>, Option<u64>)> {
    let path = std::ffi::CString::new(mount_point).ok()?;
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a statvfs the call fills.
    if unsafe { libc::statvfs(path.as_ptr(), &mut s) } != 0 {
        return None;
    }
    let unit = s.f_frsize as u64;
    if s.f_blocks == 0 {
        return Some((None, None));
    }
    let size = (s.f_blocks as u64).saturating_mul(unit);
    let used = (s.f_blocks as u64)
        .saturating_sub(s.f_bfree as u64)
        .saturating_mul(unit);
    Some((Some(size), Some(used)))
}

/// One table line of a capture: `DEVICE FSTYPE SIZE USED HIDDEN MOUNT-POINT`.
pub fn table_line(m: &ShmemMount) -> String {
    let n = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    format!(
        "{} {} {} {} {} {}\n",
        m.device,
        m.fstype,
        n(m.size),
        n(m.used),
        u8::from(m.hidden),
        octal(m.mount_point.as_bytes())
    )
}

/// Parses a capture's table.
pub fn parse_table(text: &[u8]) -> std::result::Result<Vec<ShmemMount>, ParseError> {
    check_complete(text)?;
    let mut out = Vec::new();
    for (n, line) in lines(text) {
        let f: Vec<&[u8]> = fields(line).collect();
        let bad = || {
            ParseError::at(
                n,
                format!(
                    "expected `DEVICE FSTYPE SIZE USED HIDDEN MOUNT-POINT`, got {}",
                    show(line)
                ),
            )
        };
        if f.len() != 6 {
            return Err(bad());
        }
        let num = |w: &[u8]| match w {
            b"-" => Ok(None),
            w => parse_u64(w).map(Some).ok_or_else(bad),
        };
        out.push(ShmemMount {
            device: lossy(f[0]),
            fstype: lossy(f[1]),
            size: num(f[2])?,
            used: num(f[3])?,
            hidden: match f[4] {
                b"0" => false,
                b"1" => true,
                _ => return Err(bad()),
            },
            mount_point: lossy(&unoctal(f[5])),
        });
    }
    Ok(out)
}

/// The shmem mounts, measured: by `statfs` on the live machine, from the capture's table
/// under a capture (missing when the capture has none).
pub fn read(root: &Root) -> Result<Vec<ShmemMount>> {
    if !root.is_live() {
        let (path, text) = root.read(CAPTURE_FILE)?;
        return parse_table(&text).map_err(|e| Error::parse(&path, e));
    }
    let (path, text) = root.read("proc/self/mountinfo")?;
    let mut mounts = parse(&text).map_err(|e| Error::parse(&path, e))?;
    for m in mounts.iter_mut().filter(|m| !m.hidden) {
        if let Some((size, used)) = statfs(&m.mount_point) {
            m.size = size;
            m.used = used;
        }
    }
    Ok(mounts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fuzz;

    const SAMPLE: &[u8] =
        b"22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw
24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334492k,nr_inodes=3083623,mode=755
25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684092k
30 25 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684092k
42 27 0:39 / /tmp/my\\040dir rw,relatime shared:7 master:1 - tmpfs tmpfs rw,size=2048k
27 1 8:1 / / rw,relatime - ext4 /dev/vda rw
";

    #[test]
    fn tmpfs_and_devtmpfs_only_and_overmounts_hidden() {
        let m = parse(SAMPLE).unwrap();
        let got: Vec<_> = m
            .iter()
            .map(|m| {
                (
                    m.mount_point.as_str(),
                    m.fstype.as_str(),
                    m.device.as_str(),
                    m.hidden,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("/dev", "devtmpfs", "0:6", false),
                ("/dev/shm", "tmpfs", "0:23", true),
                ("/dev/shm", "tmpfs", "0:27", false),
                ("/tmp/my dir", "tmpfs", "0:39", false),
            ]
        );
    }

    #[test]
    fn capture_table_round_trips() {
        let mut m = parse(SAMPLE).unwrap();
        m[3].size = Some(2 << 20);
        m[3].used = Some(4096);
        let text: String = m.iter().map(table_line).collect();
        assert_eq!(parse_table(text.as_bytes()).unwrap(), m);
        assert!(parse_table(b"0:6 tmpfs x - 0 /dev\n").is_err());
    }

    #[test]
    fn live_statfs_of_dev_shm() {
        // /dev/shm is a tmpfs with a size limit on every Linux memlens is tested on.
        let (size, _) = statfs("/dev/shm").unwrap();
        assert!(size.unwrap() > 0);
    }

    #[test]
    fn fuzzed_input_never_panics() {
        fuzz(SAMPLE, parse);
        fuzz(b"0:6 devtmpfs 100 0 0 /dev\n", parse_table);
    }
}
