//! `/sys/firmware/memmap/N/{start,end,type}`: the memory map the firmware handed the
//! kernel at boot (e820 on x86, kept by `CONFIG_FIRMWARE_MEMMAP`), before the kernel
//! changed any of it: `System RAM`, `Reserved`, `ACPI Tables`, `ACPI Non-volatile
//! Storage`, `Persistent Memory`... Addresses are hexadecimal with `0x`; `end` is
//! inclusive.

use memlens_model::PhysRange;

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::sysfs::one_line;
use crate::text::{lossy, parse_hex, show};

const DIR: &str = "sys/firmware/memmap";

/// Parses an address file: `0x100000`.
pub fn parse_address(text: &[u8]) -> std::result::Result<u64, ParseError> {
    let v = one_line(text)?;
    v.strip_prefix(b"0x")
        .and_then(parse_hex)
        .ok_or_else(|| ParseError::at(1, format!("expected 0xADDRESS, got {}", show(v))))
}

/// Every entry in address order; `Ok(None)` when the directory is missing.
pub fn read(root: &Root) -> Result<Option<Vec<PhysRange>>> {
    let Some(names) = crate::sysfs::numbered(root, DIR, "")? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for name in names {
        let file = |f: &str| root.read(&format!("{DIR}/{name}/{f}"));
        let (sp, st) = file("start")?;
        let (ep, et) = file("end")?;
        let (tp, tt) = file("type")?;
        let start = parse_address(&st).map_err(|e| Error::parse(&sp, e))?;
        let end = parse_address(&et).map_err(|e| Error::parse(&ep, e))?;
        let kind = one_line(&tt).map_err(|e| Error::parse(&tp, e))?;
        if end < start {
            return Err(Error::parse(
                &ep,
                ParseError::at(1, format!("end {end:#x} before start {start:#x}")),
            ));
        }
        out.push(PhysRange {
            start,
            end,
            name: lossy(kind),
            depth: 0,
        });
    }
    out.sort_by_key(|r| r.start);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(parse_address(b"0x9fbff\n").unwrap(), 0x9fbff);
        assert!(parse_address(b"9fbff\n").is_err());
        assert!(parse_address(b"0x\n").is_err());
    }
}
