//! `/proc/PID/comm`: the command name, at most 15 bytes, newline-terminated.

/// The name without its newline; bytes that are not UTF-8 are replaced.
pub fn parse(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw.strip_suffix(b"\n").unwrap_or(raw)).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn strips_newline() {
        assert_eq!(super::parse(b"bash\n"), "bash");
        assert_eq!(super::parse(b"a b"), "a b");
    }
}
