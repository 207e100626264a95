//! `/proc/swaps`: the swap areas in use, one per line after a header:
//! `Filename  Type  Size  Used  Priority`, sizes in KiB, the file name with spaces,
//! tabs, newlines and backslashes as octal escapes (`\040`).

use memlens_model::SwapDevice;

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, fields, lines, lossy, parse_i64, parse_u64, show};

/// Parses the text; an empty list when only the header is there (no swap).
pub fn parse(text: &[u8]) -> std::result::Result<Vec<SwapDevice>, ParseError> {
    check_complete(text)?;
    let mut out = Vec::new();
    for (n, line) in lines(text) {
        if n == 1 {
            if !line.starts_with(b"Filename") {
                return Err(ParseError::at(
                    1,
                    "no `Filename Type Size Used Priority` header",
                ));
            }
            continue;
        }
        let f: Vec<&[u8]> = fields(line).collect();
        let bad = || {
            ParseError::at(
                n,
                format!(
                    "expected `FILENAME TYPE SIZE USED PRIORITY`, got {}",
                    show(line)
                ),
            )
        };
        if f.len() != 5 {
            return Err(bad());
        }
        let kib = |w: &[u8]| {
            parse_u64(w)
                .and_then(|v| v.checked_mul(1024))
                .ok_or_else(bad)
        };
        out.push(SwapDevice {
            filename: lossy(&crate::mountinfo::unoctal(f[0])),
            kind: lossy(f[1]),
            size: kib(f[2])?,
            used: kib(f[3])?,
            priority: parse_i64(f[4]).ok_or_else(bad)?,
        });
    }
    if text.is_empty() {
        return Err(ParseError::file("empty (no header)"));
    }
    Ok(out)
}

/// Reads `proc/swaps` under the root.
pub fn read(root: &Root) -> Result<Vec<SwapDevice>> {
    let (path, text) = root.read("proc/swaps")?;
    parse(&text).map_err(|e| Error::parse(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fuzz;

    const SAMPLE: &[u8] = b"Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority
/dev/zram0                              partition\t65532\t\t1024\t\t100
/var/tmp/my\\040swap                      file\t\t65532\t\t0\t\t-2
";

    #[test]
    fn devices_in_bytes() {
        let d = parse(SAMPLE).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].filename, "/dev/zram0");
        assert_eq!(d[0].kind, "partition");
        assert_eq!(d[0].size, 65532 * 1024);
        assert_eq!(d[0].used, 1024 * 1024);
        assert_eq!(d[0].priority, 100);
        assert_eq!(d[1].filename, "/var/tmp/my swap");
        assert_eq!(d[1].priority, -2);
        assert!(parse(b"Filename\tType\tSize\tUsed\tPriority\n")
            .unwrap()
            .is_empty());
        assert!(parse(b"").is_err());
    }

    #[test]
    fn fuzzed_input_never_panics() {
        fuzz(SAMPLE, parse);
    }
}
