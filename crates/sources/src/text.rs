//! Small allocation-free helpers for the kernel's text formats.

use crate::error::ParseError;

/// Parses an unsigned decimal number, refusing empty input, other bytes and overflow.
#[inline]
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(d as u64)?;
    }
    Some(v)
}

/// Parses a signed decimal number.
#[inline]
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    match s.split_first() {
        Some((b'-', rest)) => {
            let v = parse_u64(rest)?;
            if v <= i64::MAX as u64 + 1 {
                Some((v as i64).wrapping_neg())
            } else {
                None
            }
        }
        _ => parse_u64(s).and_then(|v| i64::try_from(v).ok()),
    }
}

/// Parses a hexadecimal number (addresses, offsets, inode-less device numbers).
#[inline]
pub fn parse_hex(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in s {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | d as u64;
    }
    Some(v)
}

/// Trims ASCII spaces and tabs at both ends.
#[inline]
pub fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Iterates over the lines of a kernel text file, numbered from 1. A file that does not
/// end in a newline was cut short: its last line is reported as an error by
/// [`check_complete`] instead of being parsed as a shorter number.
pub fn lines(text: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut rest = text.strip_suffix(b"\n").unwrap_or(text);
    let mut n = 0;
    let mut done = rest.is_empty();
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        n += 1;
        match memchr::memchr(b'\n', rest) {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                Some((n, line))
            }
            None => {
                done = true;
                Some((n, rest))
            }
        }
    })
}

/// Fails when a non-empty text file does not end in a newline (the kernel always writes
/// one, so the text was truncated).
pub fn check_complete(text: &[u8]) -> Result<(), ParseError> {
    if !text.is_empty() && !text.ends_with(b"\n") {
        let n = text.iter().filter(|&&b| b == b'\n').count() + 1;
        return Err(ParseError::at(
            n,
            "truncated line (file does not end in a newline)",
        ));
    }
    Ok(())
}

/// Splits `Key:   value` into key and trimmed value.
#[inline]
pub fn split_key(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = memchr::memchr(b':', line)?;
    Some((&line[..colon], trim(&line[colon + 1..])))
}

/// The value of a `Key:  1234 kB` line in bytes (`unit_kb`), or a bare count.
#[inline]
pub fn parse_kb_value(value: &[u8], unit_kb: bool) -> Option<u64> {
    if unit_kb {
        let num = value.strip_suffix(b" kB")?;
        parse_u64(trim(num))?.checked_mul(1024)
    } else {
        parse_u64(value)
    }
}

/// Parses a file holding one integer and a newline (`oom_score`, most sysctls).
pub fn parse_int_file(text: &[u8]) -> Result<i64, ParseError> {
    check_complete(text)?;
    let v = trim(text.strip_suffix(b"\n").unwrap_or(text));
    parse_i64(v).ok_or_else(|| ParseError::at(1, format!("not an integer: {}", show(v))))
}

/// Lossy UTF-8 conversion into an owned string.
pub fn lossy(s: &[u8]) -> String {
    String::from_utf8_lossy(s).into_owned()
}

/// A name (comm, cgroup, file) as text, losing nothing: valid UTF-8 as it is, each byte
/// that is not as `\xNN`, so that distinct names stay distinct.
pub fn escaped(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for chunk in s.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// The bytes a name [`escaped`] came from: `\xNN` back into one byte.
pub fn unescaped(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') {
            if let Some(v) = b.get(i + 2..i + 4).and_then(parse_hex) {
                out.push(v as u8);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Splits on runs of ASCII whitespace.
pub fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|b| b.is_ascii_whitespace())
        .filter(|f| !f.is_empty())
}

/// A human description of bytes for error messages (`"abc"`), cut at 40 bytes.
pub fn show(s: &[u8]) -> String {
    let cut = &s[..s.len().min(40)];
    format!("{:?}", String::from_utf8_lossy(cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"99999999999999999999999"), None);
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"12a"), None);
        assert_eq!(parse_i64(b"-1000"), Some(-1000));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_hex(b"7ffe9fae9000"), Some(0x7ffe9fae9000));
        assert_eq!(parse_hex(b"xyz"), None);
    }

    #[test]
    fn names_escape_and_come_back() {
        assert_eq!(escaped(b"plain.slice"), "plain.slice");
        assert_eq!(escaped(b"caf\xc3\xa9"), "caf\u{e9}");
        assert_eq!(escaped(b"bad\xff\xfe"), "bad\\xff\\xfe");
        // Two names that a lossy conversion would make one stay two.
        assert_ne!(escaped(b"a\xff"), escaped(b"a\xfe"));
        for raw in [&b"bad\xff\xfe"[..], b"x\x80y", b"plain"] {
            assert_eq!(unescaped(&escaped(raw)), raw);
        }
    }

    #[test]
    fn kb_values() {
        assert_eq!(parse_kb_value(b"1748 kB", true), Some(1748 * 1024));
        assert_eq!(parse_kb_value(b"1748", true), None);
        assert_eq!(parse_kb_value(b"1748 k", true), None);
        assert_eq!(parse_kb_value(b"12", false), Some(12));
        assert_eq!(parse_kb_value(b"18446744073709551615 kB", true), None);
    }

    #[test]
    fn line_iteration_and_truncation() {
        let v: Vec<_> = lines(b"a\nb\n").collect();
        assert_eq!(v, vec![(1, &b"a"[..]), (2, &b"b"[..])]);
        assert_eq!(lines(b"").count(), 0);
        assert!(check_complete(b"a\nb\n").is_ok());
        assert_eq!(check_complete(b"a\nb").unwrap_err().line, Some(2));
    }
}
