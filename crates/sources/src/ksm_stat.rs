//! `/proc/PID/ksm_stat` (Linux 6.1+): one process's KSM figures, one `name value` line
//! each: `ksm_rmap_items`, `ksm_zero_pages` (6.10), `ksm_merging_pages` (6.6; pages of
//! the process that KSM has merged), `ksm_process_profit` (may be negative), and the
//! yes/no lines `ksm_merge_any: no` and `ksm_mergeable: no` (6.7+), which are skipped.
//!
//! The file is missing on kernels before 6.1 and without `CONFIG_KSM`.

use memlens_model::KsmStat;

use crate::error::ParseError;
use crate::text::{check_complete, fields, lines, parse_i64, show};

/// Parses the file: every numeric line by name, in the kernel's order. A line with no
/// value, more than one value, or a number that does not fit is an error; a word value
/// (`no`, `yes`) is skipped.
pub fn parse(text: &[u8]) -> Result<KsmStat, ParseError> {
    check_complete(text)?;
    let mut out = Vec::new();
    for (n, line) in lines(text) {
        let mut f = fields(line).filter(|w| !w.is_empty());
        let (Some(name), Some(value), None) = (f.next(), f.next(), f.next()) else {
            return Err(ParseError::at(
                n,
                format!("not a `name value` line: {}", show(line)),
            ));
        };
        let name = name.strip_suffix(b":").unwrap_or(name);
        if name.is_empty() || !name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_') {
            return Err(ParseError::at(n, format!("bad name in {}", show(line))));
        }
        if value.iter().all(u8::is_ascii_alphabetic) {
            continue;
        }
        let v = parse_i64(value)
            .ok_or_else(|| ParseError::at(n, format!("not a number: {}", show(value))))?;
        out.push((String::from_utf8_lossy(name).into_owned(), v));
    }
    Ok(KsmStat(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fuzz;

    /// This machine's file (Linux 6.18) for a process whose pages KSM merged.
    const SAMPLE: &[u8] = b"ksm_rmap_items 1200\nksm_zero_pages 3\nksm_merging_pages 512\nksm_process_profit -4096\nksm_merge_any: no\nksm_mergeable: yes\n";

    #[test]
    fn parses_numbers_skips_words() {
        let k = parse(SAMPLE).unwrap();
        assert_eq!(k.0.len(), 4);
        assert_eq!(k.get("ksm_rmap_items"), Some(1200));
        assert_eq!(k.get("ksm_zero_pages"), Some(3));
        assert_eq!(k.get("ksm_merging_pages"), Some(512));
        assert_eq!(k.get("ksm_process_profit"), Some(-4096));
        assert_eq!(k.get("ksm_mergeable"), None);
        // 6.1: only the first line.
        let old = parse(b"ksm_rmap_items 0\n").unwrap();
        assert_eq!(old.get("ksm_merging_pages"), None);
        assert_eq!(parse(b"").unwrap(), KsmStat::default());
    }

    #[test]
    fn garbled_and_truncated() {
        assert_eq!(parse(b"ksm_rmap_items 12").unwrap_err().line, Some(1));
        assert_eq!(
            parse(b"ksm_rmap_items 1\nksm_merging_pages\n")
                .unwrap_err()
                .line,
            Some(2)
        );
        assert_eq!(parse(b"ksm_merging_pages 1 2\n").unwrap_err().line, Some(1));
        assert_eq!(parse(b"ksm_merging_pages 1x\n").unwrap_err().line, Some(1));
        assert_eq!(
            parse(b"ksm_merging_pages 99999999999999999999\n")
                .unwrap_err()
                .line,
            Some(1)
        );
        assert_eq!(parse(b"k=m 1\n").unwrap_err().line, Some(1));
        assert_eq!(parse(b"a 1\n\nb 2\n").unwrap_err().line, Some(2));
    }

    #[test]
    fn fuzzed_never_panics() {
        fuzz(SAMPLE, parse);
    }

    #[test]
    fn reads_live_self() {
        if let Ok(t) = std::fs::read("/proc/self/ksm_stat") {
            assert!(parse(&t).unwrap().get("ksm_rmap_items").is_some());
        }
    }
}
