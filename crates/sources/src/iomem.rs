//! `/proc/iomem`: the physical address map as the kernel keeps it, one range per line,
//! nested ranges indented by two spaces: `00100000-bfffffff : System RAM`, and in it
//! `  01000000-02209987 : Kernel code`. memlens keeps the top-level ranges and the ranges
//! nested directly in `System RAM` (the kernel image, `Crash kernel`...).
//!
//! Only root sees the addresses: for anyone else the kernel prints every one as zeros,
//! which [`read`] reports as permission denied.

use memlens_model::PhysRange;

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, lines, lossy, parse_hex, show};

/// Parses the text; ranges nested deeper than in `System RAM` are left out.
pub fn parse(text: &[u8]) -> std::result::Result<Vec<PhysRange>, ParseError> {
    check_complete(text)?;
    let mut out: Vec<PhysRange> = Vec::new();
    let mut in_ram = false;
    for (n, line) in lines(text) {
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        if indent % 2 != 0 {
            return Err(ParseError::at(n, "odd indentation"));
        }
        let depth = (indent / 2) as u32;
        let rest = &line[indent..];
        let bad = || {
            ParseError::at(
                n,
                format!("expected `START-END : NAME`, got {}", show(line)),
            )
        };
        let colon = rest.windows(3).position(|w| w == b" : ").ok_or_else(bad)?;
        let (range, name) = (&rest[..colon], &rest[colon + 3..]);
        let dash = range.iter().position(|&b| b == b'-').ok_or_else(bad)?;
        let start = parse_hex(&range[..dash]).ok_or_else(bad)?;
        let end = parse_hex(&range[dash + 1..]).ok_or_else(bad)?;
        let name = lossy(name);
        match depth {
            0 => {
                in_ram = name == "System RAM";
                out.push(PhysRange {
                    start,
                    end,
                    name,
                    depth,
                });
            }
            1 if in_ram => out.push(PhysRange {
                start,
                end,
                name,
                depth,
            }),
            _ => {}
        }
    }
    if out.is_empty() {
        return Err(ParseError::file("no ranges"));
    }
    Ok(out)
}

/// Reads `proc/iomem`; permission denied when the addresses are hidden (all zero).
pub fn read(root: &Root) -> Result<Vec<PhysRange>> {
    let (path, text) = root.read("proc/iomem")?;
    let ranges = parse(&text).map_err(|e| Error::parse(&path, e))?;
    if ranges.iter().all(|r| r.start == 0 && r.end == 0) {
        return Err(Error::Denied(path));
    }
    Ok(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fuzz;

    /// Linux 6.18 on a 24 GiB virtual machine, abridged.
    const SAMPLE: &[u8] = b"00000000-00000fff : Reserved
00001000-0009fbff : System RAM
0009fc00-000fffff : Reserved
  000f0000-000fffff : System ROM
00100000-bfffffff : System RAM
  01000000-02209987 : Kernel code
  02400000-02e09fff : Kernel rodata
  03000000-0327c0ff : Kernel data
  03b34000-03c57fff : Kernel bss
    03b34000-03b34fff : nested deeper
c0001000-eebfffff : PCI Bus 0000:00
100000000-63fffffff : System RAM
";

    #[test]
    fn keeps_top_level_and_what_ram_holds() {
        let r = parse(SAMPLE).unwrap();
        let names: Vec<_> = r.iter().map(|r| (r.depth, r.name.as_str())).collect();
        assert_eq!(
            names,
            [
                (0, "Reserved"),
                (0, "System RAM"),
                (0, "Reserved"),
                (0, "System RAM"),
                (1, "Kernel code"),
                (1, "Kernel rodata"),
                (1, "Kernel data"),
                (1, "Kernel bss"),
                (0, "PCI Bus 0000:00"),
                (0, "System RAM"),
            ]
        );
        assert_eq!(r[4].len(), 0x02209987 - 0x01000000 + 1);
        assert_eq!(r[9].start, 0x100000000);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse(b"00000000-00000fff Reserved\n").is_err());
        assert!(parse(b"zz-00000fff : Reserved\n").is_err());
        assert!(parse(b"00000000-00000fff : Reserved").is_err(), "truncated");
        assert!(parse(b"").is_err());
    }

    #[test]
    fn fuzzed_input_never_panics() {
        fuzz(SAMPLE, parse);
    }
}
