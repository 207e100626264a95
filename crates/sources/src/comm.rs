//! `/proc/PID/comm`: the command name, at most 15 bytes, newline-terminated.

/// The name without its newline; bytes that are not UTF-8 as `\\xNN`.
pub fn parse(raw: &[u8]) -> String {
    crate::text::escaped(raw.strip_suffix(b"\n").unwrap_or(raw))
}

#[cfg(test)]
mod tests {
    #[test]
    fn strips_newline() {
        assert_eq!(super::parse(b"bash\n"), "bash");
        assert_eq!(super::parse(b"a b"), "a b");
    }
}
