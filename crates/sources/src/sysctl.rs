//! Sysctl directories such as `/proc/sys/vm`: one value per file, read as text.
//!
//! Only regular files that someone may read are read: write-only triggers (`drop_caches`,
//! `compact_memory`, mode 0200) would open for root but must not be touched. `stat_refresh`
//! (mode 0600) is skipped too: reading it folds every CPU's vmstat deltas and logs
//! negative counters to the kernel log, and it yields nothing. Files whose read fails
//! because the value is unset or unsupported (`EIO`, `EINVAL`...) are left out.

use memlens_model::Sysctls;

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::sysfs::{is_unreadable, readable_files};
use crate::text::{check_complete, fields};

/// Files whose read has side effects.
const SKIP: &[&str] = &["stat_refresh"];

/// Normalises a value: trimmed, runs of whitespace (tabs of `lowmem_reserve_ratio`,
/// newlines of multi-line values) turned into single spaces. Fails on text cut short.
pub fn parse_value(text: &[u8]) -> std::result::Result<String, ParseError> {
    check_complete(text)?;
    let mut out = String::with_capacity(text.len());
    for (i, f) in fields(text).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&String::from_utf8_lossy(f));
    }
    Ok(out)
}

/// Reads every readable regular file directly in `rel` (such as `proc/sys/vm`), sorted by
/// name; empty when the directory is missing. Files that could not be read are left out:
/// [`read_dir_all`] names them.
pub fn read_dir(root: &Root, rel: &str) -> Result<Sysctls> {
    Ok(read_dir_all(root, rel)?.0)
}

/// [`read_dir`], and the files that exist but could not be read, each with why (permission
/// denied, or the error the kernel returns for an unset value).
pub fn read_dir_all(root: &Root, rel: &str) -> Result<(Sysctls, Vec<(String, String)>)> {
    let rel = rel.trim_end_matches('/');
    let names = readable_files(root, rel)?.unwrap_or_default();
    read_names(
        root,
        rel,
        names
            .iter()
            .map(String::as_str)
            .filter(|n| !SKIP.contains(n)),
    )
}

/// The named files of a sysctl directory, in the order given: a missing one is left out
/// (absent on this kernel, or raced away), one that cannot be read is named with why.
pub fn read_names<'a>(
    root: &Root,
    rel: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<(Sysctls, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut unreadable = Vec::new();
    for name in names {
        let (path, text) = match root.read(&format!("{rel}/{name}")) {
            Ok(v) => v,
            Err(Error::Missing(_)) => continue,
            Err(e) if is_unreadable(&e) => {
                let why = e.to_string();
                let why = why.rsplit(": ").next().unwrap_or(&why).to_string();
                unreadable.push((name.to_string(), why));
                continue;
            }
            Err(e) => return Err(e),
        };
        let value = parse_value(&text).map_err(|e| Error::parse(&path, e))?;
        out.push((name.to_string(), value));
    }
    Ok((Sysctls(out), unreadable))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{fuzz, TempRoot};

    /// Part of this machine's `/proc/sys/vm` (Linux 6.18), with the modes it has.
    fn sample() -> TempRoot {
        let t = TempRoot::new("sysctl");
        for (f, v, mode) in [
            ("admin_reserve_kbytes", &b"8192\n"[..], 0o644),
            ("compact_memory", b"", 0o200),
            ("dirty_ratio", b"20\n", 0o644),
            ("drop_caches", b"", 0o200),
            ("lowmem_reserve_ratio", b"256\t256\t32\t0\t0\n", 0o644),
            ("min_free_kbytes", b"67584\n", 0o644),
            ("mmap_rnd_bits", b"28\n", 0o600),
            ("numa_zonelist_order", b"Node\n", 0o644),
            ("overcommit_memory", b"0\n", 0o644),
            ("page-cluster", b"3\n", 0o644),
            ("stat_refresh", b"", 0o600),
            ("swappiness", b"60\n", 0o644),
        ] {
            t.write_mode(&format!("proc/sys/vm/{f}"), v, mode);
        }
        t.mkdir("proc/sys/vm/subdir");
        t
    }

    #[test]
    fn reads_readable_files_sorted() {
        let t = sample();
        let s = read_dir(&t.root(), "proc/sys/vm").unwrap();
        let names: Vec<&str> = s.0.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "admin_reserve_kbytes",
                "dirty_ratio",
                "lowmem_reserve_ratio",
                "min_free_kbytes",
                "mmap_rnd_bits",
                "numa_zonelist_order",
                "overcommit_memory",
                "page-cluster",
                "swappiness",
            ]
        );
        assert_eq!(s.get("lowmem_reserve_ratio"), Some("256 256 32 0 0"));
        assert_eq!(s.get("numa_zonelist_order"), Some("Node"));
        assert_eq!(s.get_i64("min_free_kbytes"), Some(67584));
        assert_eq!(s.get_i64("swappiness"), Some(60));
        assert_eq!(s.get("drop_caches"), None);
        assert_eq!(read_dir(&t.root(), "proc/sys/vm/").unwrap(), s);
    }

    #[test]
    fn values() {
        assert_eq!(parse_value(b"  4096\t 8192\n").unwrap(), "4096 8192");
        assert_eq!(
            parse_value(b"line one\nline  two\n").unwrap(),
            "line one line two"
        );
        assert_eq!(parse_value(b"").unwrap(), "");
        assert_eq!(parse_value(b"\xff\n").unwrap(), "\u{fffd}");
        assert_eq!(parse_value(b"60").unwrap_err().line, Some(1));
        assert_eq!(parse_value(b"a\nb").unwrap_err().line, Some(2));
    }

    #[test]
    fn missing_and_truncated() {
        let t = sample();
        assert_eq!(
            read_dir(&t.root(), "proc/sys/none").unwrap(),
            Sysctls::default()
        );
        t.write("proc/sys/vm/swappiness", b"6");
        match read_dir(&t.root(), "proc/sys/vm").unwrap_err() {
            Error::Parse { path, line, .. } => {
                assert!(path.ends_with("vm/swappiness"));
                assert_eq!(line, Some(1));
            }
            e => panic!("{e}"),
        }
    }

    #[test]
    fn fuzzed_values_never_panic() {
        fuzz(b"256\t256\t32\t0\t0\n", parse_value);
    }

    #[test]
    fn reads_live_system() {
        let s = read_dir(&Root::live(), "proc/sys/vm").unwrap();
        assert!(s.get_i64("swappiness").is_some());
        assert_eq!(s.get("drop_caches"), None);
        assert_eq!(s.get("stat_refresh"), None);
        // `stable_secret` fails with EIO until set: left out, not an error.
        let net = read_dir(&Root::live(), "proc/sys/net/ipv6/conf/all").unwrap();
        if !net.0.is_empty() {
            assert!(net.get("forwarding").is_some());
        }
    }
}
