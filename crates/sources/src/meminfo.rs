//! `/proc/meminfo`.

use memlens_model::MemInfo;

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, lines, parse_kb_value, show, split_key};

/// Parses meminfo text. Unknown fields of newer kernels are skipped; a known field whose
/// value is not `N kB` (or `N` for `HugePages_*`) is an error, as is a line without a colon.
pub fn parse(text: &[u8]) -> std::result::Result<MemInfo, ParseError> {
    check_complete(text)?;
    let mut m = MemInfo::default();
    for (n, line) in lines(text) {
        let (key, value) = split_key(line)
            .ok_or_else(|| ParseError::at(n, format!("no colon in {}", show(line))))?;
        let Ok(key) = std::str::from_utf8(key) else {
            return Err(ParseError::at(n, "field name is not text"));
        };
        if let Some(slot) = m.slot(key) {
            let v = parse_kb_value(value, !MemInfo::is_count(key))
                .ok_or_else(|| ParseError::at(n, format!("{key}: bad value {}", show(value))))?;
            *slot = Some(v);
        }
    }
    if m.mem_total.is_none() {
        return Err(ParseError::file("no MemTotal line"));
    }
    Ok(m)
}

/// Reads `proc/meminfo` under the root.
pub fn read(root: &Root) -> Result<MemInfo> {
    let (path, text) = root.read("proc/meminfo")?;
    parse(&text).map_err(|e| Error::parse(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"MemTotal:       24684096 kB\nMemFree:        24255324 kB\nMemAvailable:   24400260 kB\nActive(file):     110688 kB\nSomethingNew:        12 kB\nHugePages_Total:       3\nHugepagesize:       2048 kB\n";

    #[test]
    fn parses_known_fields_in_bytes() {
        let m = parse(SAMPLE).unwrap();
        assert_eq!(m.mem_total, Some(24684096 * 1024));
        assert_eq!(m.active_file, Some(110688 * 1024));
        assert_eq!(m.huge_pages_total, Some(3));
        assert_eq!(m.hugepagesize, Some(2048 * 1024));
        assert_eq!(m.swap_total, None, "absent fields stay absent");
    }

    #[test]
    fn rejects_garbled_and_truncated() {
        let e = parse(b"MemTotal:       24684096 kB\nMemFree 12 kB\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = parse(b"MemTotal:       24684096 kB\nMemFree:   2425").unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = parse(b"MemTotal:       24684096 kB\nMemFree:   2425 kB x\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = parse(b"MemTotal:  99999999999999999999 kB\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(parse(b"").is_err());
        assert!(parse(b"MemFree: 1 kB\n").is_err(), "MemTotal is required");
    }
}
