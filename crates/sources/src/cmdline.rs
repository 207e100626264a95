//! `/proc/PID/cmdline`: NUL-separated arguments, empty for kernel threads and zombies.

/// Joins the arguments with spaces, as `ps -o args` does. `None` when empty. Bytes that
/// are not UTF-8 are replaced.
pub fn parse(raw: &[u8]) -> Option<String> {
    let trimmed = raw.strip_suffix(b"\0").unwrap_or(raw);
    if trimmed.is_empty() {
        return None;
    }
    let joined: Vec<u8> = trimmed
        .iter()
        .map(|&b| {
            if b == 0 || b == b'\n' || b == b'\t' {
                b' '
            } else {
                b
            }
        })
        .collect();
    Some(crate::text::escaped(&joined))
}

/// Reads `proc/PID/cmdline` under the root.
pub fn read(root: &crate::Root, pid: u32) -> crate::Result<Option<String>> {
    Ok(parse(&root.read(&format!("proc/{pid}/cmdline"))?.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_arguments() {
        assert_eq!(parse(b"sleep\x00100\x00").as_deref(), Some("sleep 100"));
        assert_eq!(parse(b"").as_deref(), None);
        assert_eq!(parse(b"\x00").as_deref(), None);
        assert_eq!(parse(b"a\xffb\x00").as_deref(), Some("a\\xffb"));
        // A process that rewrote its argv without NULs.
        assert_eq!(
            parse(b"nginx: worker process").as_deref(),
            Some("nginx: worker process")
        );
    }
}
