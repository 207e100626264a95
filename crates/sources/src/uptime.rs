//! `/proc/uptime`: seconds since boot and summed idle seconds of all CPUs, as
//! `12345.67 23456.78\n` (two decimals; the idle figure sums every CPU, so it can exceed
//! the first). memlens uses the first as the base of since-boot rates.

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, fields, lines, show};

/// One reading of `/proc/uptime`, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uptime {
    pub uptime: f64,
    pub idle: f64,
}

/// `123.45`: digits with at most one dot (no sign, exponent, `inf` or `nan`).
fn parse_seconds(v: &[u8]) -> Option<f64> {
    let dots = v.iter().filter(|&&b| b == b'.').count();
    let digits = v.iter().filter(|b| b.is_ascii_digit()).count();
    if digits == 0 || dots > 1 || digits + dots != v.len() || v.len() > 24 {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// Parses uptime text: exactly one line of two non-negative decimal numbers.
pub fn parse(text: &[u8]) -> std::result::Result<Uptime, ParseError> {
    check_complete(text)?;
    let mut it = lines(text);
    let Some((n, line)) = it.next() else {
        return Err(ParseError::file("empty file"));
    };
    if let Some((n, _)) = it.next() {
        return Err(ParseError::at(n, "more than one line"));
    }
    let mut f = fields(line);
    let (Some(up), Some(idle), None) = (f.next(), f.next(), f.next()) else {
        return Err(ParseError::at(
            n,
            format!("expected `UPTIME IDLE` seconds, got {}", show(line)),
        ));
    };
    let bad = |v: &[u8]| ParseError::at(n, format!("bad number of seconds {}", show(v)));
    Ok(Uptime {
        uptime: parse_seconds(up).ok_or_else(|| bad(up))?,
        idle: parse_seconds(idle).ok_or_else(|| bad(idle))?,
    })
}

/// Seconds since boot now, from `CLOCK_BOOTTIME`: the clock behind `/proc/uptime`, with
/// nanosecond rather than centisecond resolution (for short live intervals).
pub fn boottime_now() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) };
    if r != 0 {
        return f64::NAN;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// Reads `proc/uptime` under the root.
pub fn read(root: &Root) -> Result<Uptime> {
    let (path, text) = root.read("proc/uptime")?;
    parse(&text).map_err(|e| Error::parse(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fuzz;

    #[test]
    fn parses() {
        let u = parse(b"675.68 1249.82\n").unwrap();
        assert_eq!(u.uptime, 675.68);
        assert_eq!(u.idle, 1249.82);
        assert_eq!(parse(b"0.00 0.00\n").unwrap().uptime, 0.0);
        assert_eq!(parse(b"12 3\n").unwrap().uptime, 12.0);
    }

    #[test]
    fn rejects_garbled_and_truncated() {
        for bad in [
            &b"675.68 1249.82"[..],
            b"675.68\n",
            b"675.68 1249.82 3\n",
            b"-1.00 2.00\n",
            b"1e3 2.00\n",
            b"inf 2.00\n",
            b"1.2.3 4\n",
            b"675.68 1249.82\n1 2\n",
            b"",
            b"\n",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(parse(b"675.68 x1249.82\n").unwrap_err().line, Some(1));
    }

    #[test]
    fn fuzzed_input_never_panics() {
        fuzz(b"675.68 1249.82\n", parse);
    }

    #[test]
    fn reads_live_system() {
        assert!(read(&Root::live()).unwrap().uptime > 0.0);
    }
}
