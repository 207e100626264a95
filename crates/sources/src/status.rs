//! `/proc/PID/status`.

use memlens_model::Status;

use crate::error::ParseError;
use crate::text::escaped;
use crate::text::{
    check_complete, fields, lines, lossy, parse_kb_value, parse_u64, show, split_key,
};

/// Parses status text: identity lines (`Name`, `PPid`, `Uid`, `Threads`, `Kthread`) and the
/// memory counters (`VmSize`, `VmRSS`, `RssAnon`...). Other lines are skipped.
pub fn parse(text: &[u8]) -> Result<Status, ParseError> {
    check_complete(text)?;
    let mut s = Status::default();
    let mut saw_name = false;
    for (n, line) in lines(text) {
        let (key, value) = split_key(line)
            .ok_or_else(|| ParseError::at(n, format!("no colon in {}", show(line))))?;
        let bad = || ParseError::at(n, format!("{}: bad value {}", lossy(key), show(value)));
        match key {
            b"Name" => {
                s.name = escaped(value);
                saw_name = true;
            }
            b"PPid" => {
                s.ppid = Some(
                    parse_u64(value)
                        .and_then(|v| u32::try_from(v).ok())
                        .ok_or_else(bad)?,
                )
            }
            b"Uid" => {
                let first = fields(value).next().ok_or_else(bad)?;
                s.uid = Some(
                    parse_u64(first)
                        .and_then(|v| u32::try_from(v).ok())
                        .ok_or_else(bad)?,
                );
            }
            b"Threads" => {
                s.threads = Some(
                    parse_u64(value)
                        .and_then(|v| u32::try_from(v).ok())
                        .ok_or_else(bad)?,
                );
                // Every line memlens needs comes before `Threads` (since 2.6); the rest
                // (signal masks, capabilities, CPU lists) is long and unused.
                break;
            }
            b"Kthread" => s.kthread = Some(parse_u64(value).ok_or_else(bad)? != 0),
            _ if key.starts_with(b"Vm") || key.starts_with(b"Rss") || key == b"HugetlbPages" => {
                if let Some(slot) = s.counters.slot_of_bytes(key) {
                    *slot = Some(parse_kb_value(value, true).ok_or_else(bad)?);
                }
            }
            _ => {}
        }
    }
    if !saw_name {
        return Err(ParseError::file("no Name line"));
    }
    Ok(s)
}

/// Reads `proc/PID/status` under the root.
pub fn read(root: &crate::Root, pid: u32) -> crate::Result<Status> {
    let (path, text) = root.read(&format!("proc/{pid}/status"))?;
    parse(&text).map_err(|e| crate::Error::parse(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_identity_and_memory() {
        let t = b"Name:\tcat\nUmask:\t0022\nState:\tR (running)\nPPid:\t1798\nUid:\t1000\t1000\t1000\t1000\nKthread:\t0\nVmSize:\t    3060 kB\nVmRSS:\t    1612 kB\nRssAnon:\t     112 kB\nVmSwap:\t       0 kB\nThreads:\t1\n";
        let s = parse(t).unwrap();
        assert_eq!(s.name, "cat");
        assert_eq!(s.ppid, Some(1798));
        assert_eq!(s.uid, Some(1000));
        assert_eq!(s.threads, Some(1));
        assert_eq!(s.counters.vm_size, Some(3060 * 1024));
        assert_eq!(s.counters.vm_rss, Some(1612 * 1024));
        assert_eq!(s.counters.rss_file, None);
        assert!(!s.is_kernel_thread());
    }

    #[test]
    fn kernel_thread_without_kthread_line() {
        let s = parse(b"Name:\tkworker/0:1\nPPid:\t2\nUid:\t0\t0\t0\t0\n").unwrap();
        assert!(s.is_kernel_thread());
    }

    #[test]
    fn garbled() {
        assert_eq!(
            parse(b"Name:\tx\nVmRSS: lots kB\n").unwrap_err().line,
            Some(2)
        );
        assert_eq!(parse(b"Name:\tx\nUid:\n").unwrap_err().line, Some(2));
        assert!(parse(b"Name:\tx\nVmRSS: 12").is_err());
        assert!(parse(b"VmRSS: 12 kB\n").is_err());
    }
}
