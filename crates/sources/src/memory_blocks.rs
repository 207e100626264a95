//! `/sys/devices/system/memory/`: the memory block devices. RAM the kernel can hot-plug is
//! cut into blocks of `block_size_bytes` (hexadecimal, 128 MiB on most x86-64 machines);
//! each block is a directory `memoryN` whose `state` is `online`, `offline` or
//! `going-offline`. Counted whole, the blocks are the installed RAM as the kernel sees it,
//! holes within a block included. The directory is missing without
//! `CONFIG_MEMORY_HOTPLUG`'s sysfs (and on some architectures).

use memlens_model::MemoryBlocks;

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::sysfs::one_line;
use crate::text::{parse_hex, show};

const DIR: &str = "sys/devices/system/memory";

/// Parses `block_size_bytes`: one hexadecimal number, without `0x`.
pub fn parse_block_size(text: &[u8]) -> std::result::Result<u64, ParseError> {
    let v = one_line(text)?;
    match parse_hex(v.strip_prefix(b"0x").unwrap_or(v)) {
        Some(n) if n > 0 => Ok(n),
        _ => Err(ParseError::at(
            1,
            format!("expected a block size in hexadecimal, got {}", show(v)),
        )),
    }
}

/// Reads the block size and the state of every block; `Ok(None)` when the directory or
/// its `block_size_bytes` is missing.
pub fn read(root: &Root) -> Result<Option<MemoryBlocks>> {
    let Some((path, text)) = root.read_optional(&format!("{DIR}/block_size_bytes"))? else {
        return Ok(None);
    };
    let block_size = parse_block_size(&text).map_err(|e| Error::parse(&path, e))?;
    let mut blocks = MemoryBlocks {
        block_size,
        ..Default::default()
    };
    for name in crate::sysfs::numbered(root, DIR, "memory")?.unwrap_or_default() {
        match root.read(&format!("{DIR}/{name}/state")) {
            Ok((_, t)) => match one_line(&t) {
                Ok(b"online") => blocks.online += 1,
                Ok(b"offline") => blocks.offline += 1,
                _ => blocks.other += 1,
            },
            // A block removed while listing is no longer there.
            Err(e) if e.is_missing() => {}
            Err(_) => blocks.other += 1,
        }
    }
    if blocks.online + blocks.offline + blocks.other == 0 {
        return Err(Error::parse(
            &root.path(DIR),
            ParseError::file("block_size_bytes but no memoryN block"),
        ));
    }
    Ok(Some(blocks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_size_is_hexadecimal() {
        assert_eq!(parse_block_size(b"8000000\n").unwrap(), 128 << 20);
        assert_eq!(parse_block_size(b"80000000\n").unwrap(), 2 << 30);
        assert!(parse_block_size(b"zz\n").is_err());
        assert!(parse_block_size(b"0\n").is_err());
        assert!(parse_block_size(b"8000000").is_err(), "truncated");
    }
}
