//! `/proc/PID/limits`: the resource limits of a process (`getrlimit` of another process).
//! memlens keeps the memory ones: address space (`RLIMIT_AS`), data (`RLIMIT_DATA`),
//! stack, locked memory (`RLIMIT_MEMLOCK`) and resident set (`RLIMIT_RSS`, which Linux has
//! ignored since 2.6: it is kept to say so, never used as a limit).

use crate::error::ParseError;
use memlens_model::{Limit, MemoryLimits};

fn limit(field: &str, line: usize) -> Result<Limit, ParseError> {
    if field == "unlimited" {
        return Ok(Limit::Unlimited);
    }
    field.parse().map(Limit::Bytes).map_err(|_| {
        ParseError::at(
            line,
            format!("limit {field:?} is neither a number nor unlimited"),
        )
    })
}

/// Parses the table: a header line, then `Max <name>  <soft>  <hard>  [units]` with the
/// name in words, so the columns are found from the right.
pub fn parse(text: &[u8]) -> Result<MemoryLimits, ParseError> {
    let text = std::str::from_utf8(text).map_err(|_| ParseError::at(1, "not UTF-8"))?;
    if !text.starts_with("Limit") {
        return Err(ParseError::at(1, "no header line"));
    }
    let mut out = MemoryLimits::default();
    let mut seen = 0;
    for (i, line) in text.lines().enumerate().skip(1) {
        let n = i + 1;
        let words: Vec<&str> = line.split_whitespace().collect();
        let slot = match line {
            l if l.starts_with("Max address space ") => &mut out.address_space,
            l if l.starts_with("Max data size ") => &mut out.data,
            l if l.starts_with("Max stack size ") => &mut out.stack,
            l if l.starts_with("Max locked memory ") => &mut out.locked,
            l if l.starts_with("Max resident set ") => &mut out.resident_set,
            _ => continue,
        };
        // Max address space <soft> <hard> bytes
        if words.len() < 6 || words[words.len() - 1] != "bytes" {
            return Err(ParseError::at(
                n,
                "expected: name, soft limit, hard limit, bytes",
            ));
        }
        *slot = Some(limit(words[words.len() - 3], n)?);
        seen += 1;
    }
    if seen == 0 {
        return Err(ParseError::at(1, "no memory limit lines (truncated?)"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: &str =
        "Limit                     Soft Limit           Hard Limit           Units     \n\
Max cpu time              unlimited            unlimited            seconds   \n\
Max data size             unlimited            unlimited            bytes     \n\
Max stack size            8388608              unlimited            bytes     \n\
Max resident set          unlimited            unlimited            bytes     \n\
Max locked memory         8388608              8388608              bytes     \n\
Max address space         4294967296           unlimited            bytes     \n\
Max nice priority         0                    0                    \n";

    #[test]
    fn soft_limits_of_memory() {
        let l = parse(LIMITS.as_bytes()).unwrap();
        assert_eq!(l.address_space, Some(Limit::Bytes(4 << 30)));
        assert_eq!(l.stack, Some(Limit::Bytes(8 << 20)));
        assert_eq!(l.data, Some(Limit::Unlimited));
        assert_eq!(l.locked, Some(Limit::Bytes(8 << 20)));
        assert_eq!(l.resident_set, Some(Limit::Unlimited));
    }

    #[test]
    fn garbled_and_truncated() {
        assert!(parse(b"").is_err());
        assert!(parse(b"Limit Soft Hard Units\n").is_err());
        let bad = LIMITS.replace("4294967296", "lots");
        assert_eq!(parse(bad.as_bytes()).unwrap_err().line, Some(7));
        assert!(parse(b"Max address space unlimited\n").is_err());
    }
}
