//! `/proc/PID/maps`: one line per mapping, `START-END PERMS OFFSET DEV INODE PATHNAME`.
//! memlens reads it for the files a process maps (`memlens cache`): the pathname of a
//! mapping with an inode, when it is an absolute path. A file deleted while mapped ends in
//! ` (deleted)`; its name no longer opens it.

use crate::error::ParseError;
use crate::text::{lines, lossy, show};

/// The files a process maps, once each, in order of first mapping; and how many mapped
/// files were deleted.
pub fn parse_files(text: &[u8]) -> std::result::Result<(Vec<String>, u32), ParseError> {
    let mut files: Vec<String> = Vec::new();
    let mut deleted = 0;
    for (n, line) in lines(text) {
        // Five fields, then the pathname (which may hold spaces) after padding.
        let mut rest = line;
        let mut inode = &b""[..];
        for i in 0..5 {
            let start = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
            rest = &rest[start..];
            let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
            if end == 0 {
                return Err(ParseError::at(
                    n,
                    format!(
                        "expected `START-END PERMS OFFSET DEV INODE [PATH]`, got {}",
                        show(line)
                    ),
                ));
            }
            if i == 4 {
                inode = &rest[..end];
            }
            rest = &rest[end..];
        }
        let path = lossy(rest.trim_ascii_start());
        if inode == b"0" || !path.starts_with('/') {
            continue;
        }
        if path.ends_with(" (deleted)") {
            deleted += 1;
            continue;
        }
        if !files.contains(&path) {
            files.push(path);
        }
    }
    Ok((files, deleted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_once_each_anonymous_and_deleted_left_out() {
        let text = b"55d0c3a00000-55d0c3a02000 r--p 00000000 fd:01 1311 /usr/bin/sleep
55d0c3a02000-55d0c3a06000 r-xp 00002000 fd:01 1311 /usr/bin/sleep
55d0c4a0e000-55d0c4a2f000 rw-p 00000000 00:00 0                          [heap]
7f1e2c000000-7f1e2c021000 rw-p 00000000 00:00 0 
7f1e2d000000-7f1e2d100000 rw-s 00000000 00:01 4242                       /memfd:pool (deleted)
7f1e2e000000-7f1e2e100000 r--p 00000000 fd:01 77                         /var/lib/my db/file one
7f1e2f000000-7f1e2f100000 rw-s 00000000 00:05 99                         /SYSV0000abcd (deleted)
7ffd1b9e1000-7ffd1b9e5000 r--p 00000000 00:00 0                          [vvar]
";
        let (files, deleted) = parse_files(text).unwrap();
        assert_eq!(files, vec!["/usr/bin/sleep", "/var/lib/my db/file one"]);
        assert_eq!(deleted, 2);
        assert!(parse_files(b"55d0c3a00000-55d0c3a02000 r--p\n").is_err());
        assert_eq!(parse_files(b"").unwrap().0.len(), 0);
    }
}
