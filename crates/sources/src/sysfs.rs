//! Helpers for directories of one-value files: `/sys/kernel/mm/*`, `/proc/sys/*` and
//! (later) cgroup interface files. A one-value file holds a single line ending in a newline.

use std::os::unix::fs::PermissionsExt;

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, lines, parse_i64, parse_u64, show, trim};

/// The single line of a one-value file, trimmed. Fails on truncated text (no final
/// newline) and on a second line. An empty file gives an empty value.
pub fn one_line(text: &[u8]) -> std::result::Result<&[u8], ParseError> {
    check_complete(text)?;
    let mut it = lines(text);
    let first = it.next().map(|(_, l)| l).unwrap_or(b"");
    if let Some((n, _)) = it.next() {
        return Err(ParseError::at(n, "more than one line in a one-value file"));
    }
    Ok(trim(first))
}

/// Parses a one-value file holding an unsigned number.
pub fn parse_u64_value(text: &[u8]) -> std::result::Result<u64, ParseError> {
    let v = one_line(text)?;
    parse_u64(v).ok_or_else(|| ParseError::at(1, format!("expected a number, got {}", show(v))))
}

/// Parses a one-value file holding a signed number.
pub fn parse_i64_value(text: &[u8]) -> std::result::Result<i64, ParseError> {
    let v = one_line(text)?;
    parse_i64(v).ok_or_else(|| ParseError::at(1, format!("expected a number, got {}", show(v))))
}

/// Reads an optional one-value numeric file under the root: `Ok(None)` when it is missing.
pub fn read_u64(root: &Root, rel: &str) -> Result<Option<u64>> {
    match root.read_optional(rel)? {
        None => Ok(None),
        Some((path, text)) => parse_u64_value(&text)
            .map(Some)
            .map_err(|e| Error::parse(&path, e)),
    }
}

/// Names in a directory under the root that are `prefix` and a number (`memory12`,
/// `zram0`, `3` for an empty prefix), as sysfs names its devices; `Ok(None)` when the
/// directory is missing.
pub fn numbered(root: &Root, rel: &str, prefix: &str) -> Result<Option<Vec<String>>> {
    let entries = match root.entries(rel) {
        Ok(v) => v,
        Err(e) if e.is_missing() => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(
        entries
            .into_iter()
            .filter_map(|e| e.name.into_string().ok())
            .filter(|n| {
                n.strip_prefix(prefix)
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect(),
    ))
}

/// Names of the regular files directly in a directory under the root that someone may
/// read (mode has a read bit: write-only triggers like `drop_caches` are left out even
/// though root could open them), sorted. `Ok(None)` when the directory is missing.
/// Symbolic links are followed; entries that vanish while listing are skipped.
pub fn readable_files(root: &Root, rel: &str) -> Result<Option<Vec<String>>> {
    let entries = match root.entries(rel) {
        Ok(v) => v,
        Err(e) if e.is_missing() => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    for entry in entries {
        let Ok(name) = entry.name.into_string() else {
            continue;
        };
        let Ok(meta) = root.symlink_metadata(&format!("{rel}/{name}")) else {
            continue;
        };
        if meta.is_file() && meta.permissions().mode() & 0o444 != 0 {
            names.push(name);
        }
    }
    names.sort_unstable();
    Ok(Some(names))
}

/// Whether a read error means "this file cannot be read here" rather than a failure worth
/// reporting: missing (raced away), permission denied, or an error the kernel returns for
/// a value that is not set or not supported (`EIO` of an unset `stable_secret`, `EINVAL`,
/// `EOPNOTSUPP`, `ENODEV`, `ENXIO`).
pub fn is_unreadable(e: &Error) -> bool {
    match e {
        Error::Missing(_) | Error::Denied(_) => true,
        Error::Io(_, io) => matches!(
            io.raw_os_error(),
            Some(libc::EIO | libc::EINVAL | libc::EOPNOTSUPP | libc::ENODEV | libc::ENXIO)
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{fuzz, TempRoot};

    #[test]
    fn values() {
        assert_eq!(parse_u64_value(b"2097152\n").unwrap(), 2097152);
        assert_eq!(parse_i64_value(b"-4096\n").unwrap(), -4096);
        assert_eq!(parse_u64_value(b"12").unwrap_err().line, Some(1));
        assert_eq!(parse_u64_value(b"1 2\n").unwrap_err().line, Some(1));
        assert_eq!(parse_u64_value(b"\n").unwrap_err().line, Some(1));
        assert_eq!(parse_u64_value(b"").unwrap_err().line, Some(1));
        assert_eq!(parse_u64_value(b"1\n2\n").unwrap_err().line, Some(2));
        assert_eq!(
            one_line(b"  always [madvise] never \n").unwrap(),
            b"always [madvise] never"
        );
        fuzz(b"18446744073709551615\n", parse_u64_value);
        fuzz(b"-9223372036854775808\n", parse_i64_value);
    }

    #[test]
    fn listing_skips_write_only_and_directories() {
        let t = TempRoot::new("sysfs");
        t.write("d/b", b"1\n");
        t.write("d/a", b"2\n");
        t.write_mode("d/trigger", b"", 0o200);
        t.mkdir("d/sub");
        let root = t.root();
        assert_eq!(readable_files(&root, "d").unwrap().unwrap(), vec!["a", "b"]);
        assert_eq!(readable_files(&root, "nope").unwrap(), None);
        assert_eq!(read_u64(&root, "d/a").unwrap(), Some(2));
        assert_eq!(read_u64(&root, "d/none").unwrap(), None);
        t.write("d/bad", b"x\n");
        match read_u64(&root, "d/bad").unwrap_err() {
            Error::Parse { path, line, .. } => {
                assert!(path.ends_with("d/bad"));
                assert_eq!(line, Some(1));
            }
            e => panic!("unexpected {e}"),
        }
    }
}
