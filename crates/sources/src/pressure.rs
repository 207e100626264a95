//! `/proc/pressure/memory` (pressure stall information, Linux >= 4.20 with `CONFIG_PSI`),
//! also the format of a cgroup v2 `memory.pressure` file:
//!
//! ```text
//! some avg10=0.00 avg60=0.00 avg300=0.00 total=0
//! full avg10=0.00 avg60=0.00 avg300=0.00 total=0
//! ```
//!
//! `avg*` are percentages of wall time over 10 s, 60 s and 300 s; `total` is microseconds
//! stalled since boot. The file is missing without `CONFIG_PSI` and when booted with
//! `psi=0` (older kernels keep the file and fail the read with `EOPNOTSUPP`, as does a
//! cgroup's file after `cgroup.pressure` is set to 0): [`read`] gives `None` for both.

use memlens_model::{Pressure, PsiLine};

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, fields, lines, show};

/// Parses PSI text (system-wide or a cgroup's `*.pressure` file). A `some` line is
/// required; `full` is optional (the system `cpu` file lacks it before Linux 5.13).
/// Unknown `key=value` pairs of future kernels are skipped.
pub fn parse(text: &[u8]) -> std::result::Result<Pressure, ParseError> {
    check_complete(text)?;
    let mut p = Pressure::default();
    for (n, line) in lines(text) {
        let mut f = fields(line);
        let slot = match f.next() {
            Some(b"some") => &mut p.some,
            Some(b"full") => &mut p.full,
            _ => {
                return Err(ParseError::at(
                    n,
                    format!("expected a `some` or `full` line, got {}", show(line)),
                ))
            }
        };
        if slot.is_some() {
            return Err(ParseError::at(n, "repeated line"));
        }
        *slot = Some(parse_line(f).map_err(|m| ParseError::at(n, m))?);
    }
    if p.some.is_none() {
        return Err(ParseError::file("no `some` line"));
    }
    Ok(p)
}

fn parse_line<'a>(f: impl Iterator<Item = &'a [u8]>) -> std::result::Result<PsiLine, String> {
    let (mut avg10, mut avg60, mut avg300, mut total) = (None, None, None, None);
    for kv in f {
        let eq = kv
            .iter()
            .position(|&b| b == b'=')
            .ok_or_else(|| format!("expected key=value, got {}", show(kv)))?;
        let (key, value) = (&kv[..eq], &kv[eq + 1..]);
        let bad = || format!("bad value {}", show(kv));
        match key {
            b"avg10" => avg10 = Some(parse_percent(value).ok_or_else(bad)?),
            b"avg60" => avg60 = Some(parse_percent(value).ok_or_else(bad)?),
            b"avg300" => avg300 = Some(parse_percent(value).ok_or_else(bad)?),
            b"total" => total = Some(crate::text::parse_u64(value).ok_or_else(bad)?),
            _ if !key.is_empty() && key.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_') => {
            }
            _ => return Err(format!("expected key=value, got {}", show(kv))),
        }
    }
    match (avg10, avg60, avg300, total) {
        (Some(avg10), Some(avg60), Some(avg300), Some(total)) => Ok(PsiLine {
            avg10,
            avg60,
            avg300,
            total,
        }),
        _ => Err("missing one of avg10, avg60, avg300, total".into()),
    }
}

/// `12.34`: digits with at most one dot (the kernel prints `%lu.%02lu`); refuses the
/// `inf`/`nan`/exponent forms that `f64::from_str` would take.
fn parse_percent(v: &[u8]) -> Option<f64> {
    let digits = v.iter().filter(|b| b.is_ascii_digit()).count();
    let dots = v.iter().filter(|&&b| b == b'.').count();
    if digits == 0 || dots > 1 || digits + dots != v.len() || v.len() > 32 {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// Reads `proc/pressure/memory` under the root: `Ok(None)` on kernels without PSI.
pub fn read(root: &Root) -> Result<Option<Pressure>> {
    read_file(root, "proc/pressure/memory")
}

/// Reads any PSI file under the root (`proc/pressure/io`, a cgroup's `memory.pressure`):
/// `Ok(None)` when it is missing or PSI is disabled.
pub fn read_file(
    root: &Root,
    rel: &(impl AsRef<std::path::Path> + ?Sized),
) -> Result<Option<Pressure>> {
    let (path, text) = match root.read(rel) {
        Ok(v) => v,
        Err(Error::Missing(_)) => return Ok(None),
        Err(Error::Io(_, e)) if e.raw_os_error() == Some(libc::EOPNOTSUPP) => return Ok(None),
        Err(e) => return Err(e),
    };
    parse(&text).map(Some).map_err(|e| Error::parse(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{fuzz, TempRoot};

    /// The layout of Linux 6.18's file, with non-zero numbers so that the test means
    /// something (this idle VM reads [`IDLE`]).
    const SAMPLE: &[u8] = b"some avg10=0.31 avg60=1.05 avg300=0.27 total=4203117
full avg10=0.00 avg60=0.52 avg300=0.12 total=1934261
";

    /// This machine's file as read (Linux 6.18, idle).
    const IDLE: &[u8] = b"some avg10=0.00 avg60=0.00 avg300=0.00 total=0
full avg10=0.00 avg60=0.00 avg300=0.00 total=0
";

    #[test]
    fn parses_idle() {
        let p = parse(IDLE).unwrap();
        assert_eq!(p.some, Some(PsiLine::default()));
        assert_eq!(p.full, Some(PsiLine::default()));
    }

    #[test]
    fn parses_sample() {
        let p = parse(SAMPLE).unwrap();
        let some = p.some.unwrap();
        assert_eq!(some.avg10, 0.31);
        assert_eq!(some.avg60, 1.05);
        assert_eq!(some.avg300, 0.27);
        assert_eq!(some.total, 4203117);
        let full = p.full.unwrap();
        assert_eq!(
            (full.avg10, full.avg60, full.avg300, full.total),
            (0.0, 0.52, 0.12, 1934261)
        );
    }

    #[test]
    fn some_only_and_future_keys() {
        let p = parse(b"some avg10=100.00 avg60=0.00 avg300=0.00 total=0 extra=7\n").unwrap();
        assert_eq!(p.some.unwrap().avg10, 100.0);
        assert_eq!(p.full, None);
    }

    #[test]
    fn rejects_garbled_and_truncated() {
        let line = |t: &[u8]| parse(t).unwrap_err().line;
        let some = "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
        let with = |tail: &str| format!("{some}{tail}");
        assert_eq!(
            line(with("full avg10=0.00 avg60=0.00 avg300=0.00\n").as_bytes()),
            Some(2)
        );
        assert_eq!(
            line(with("full avg10=x avg60=0.00 avg300=0.00 total=0\n").as_bytes()),
            Some(2)
        );
        assert_eq!(
            line(with("full avg10=inf avg60=0.00 avg300=0.00 total=0\n").as_bytes()),
            Some(2)
        );
        assert_eq!(
            line(with("full avg10=1e3 avg60=0.00 avg300=0.00 total=0\n").as_bytes()),
            Some(2)
        );
        assert_eq!(
            line(with("full avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n").as_bytes()),
            Some(2)
        );
        assert_eq!(
            line(with("full avg10 avg60=0.00 avg300=0.00 total=0\n").as_bytes()),
            Some(2)
        );
        assert_eq!(
            line(with("half avg10=0.00 avg60=0.00 avg300=0.00 total=0\n").as_bytes()),
            Some(2)
        );
        assert_eq!(line(with(some).as_bytes()), Some(2));
        assert_eq!(
            line(b"some avg10=0.00 avg60=0.00 avg300=0.00 total=12"),
            Some(1)
        );
        assert_eq!(line(&SAMPLE[..SAMPLE.len() - 1]), Some(2));
        assert!(parse(b"full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n").is_err());
        assert!(parse(b"").is_err());
    }

    #[test]
    fn fuzzed_input_never_panics() {
        fuzz(SAMPLE, parse);
        fuzz(IDLE, parse);
    }

    #[test]
    fn read_missing_is_none() {
        let t = TempRoot::new("psi");
        assert_eq!(read(&t.root()).unwrap(), None);
        t.write("proc/pressure/memory", SAMPLE);
        assert_eq!(
            read(&t.root()).unwrap().unwrap().full.unwrap().total,
            1934261
        );
        t.write("sys/fs/cgroup/a/memory.pressure", b"some avg10=0.00\n");
        match read_file(&t.root(), "sys/fs/cgroup/a/memory.pressure").unwrap_err() {
            Error::Parse { line, .. } => assert_eq!(line, Some(1)),
            e => panic!("{e}"),
        }
    }

    #[test]
    fn reads_live_system() {
        if let Some(p) = read(&Root::live()).unwrap() {
            assert!(p.some.is_some());
        }
    }
}
