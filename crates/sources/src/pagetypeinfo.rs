//! `/proc/pagetypeinfo` (mode 0400: root only): page block size, free blocks per zone,
//! migrate type and order, and the number of page blocks of each migrate type.
//!
//! The text repeats for every node with memory: `Page block order:`, `Pages per block:`, a
//! blank line, the `Free pages count per migrate type at order 0 1 ...` table, a blank line
//! and the `Number of blocks type  Unmovable Movable ...` table whose header names the
//! columns. Kernels with `CONFIG_PAGE_OWNER` and `page_owner=on` add a `Number of mixed
//! blocks` table of the same shape, which is checked and skipped.
//!
//! Kernel differences: the migrate types are `Unmovable Movable Reclaimable HighAtomic
//! [CMA] Isolate` since 4.4 (before: `... Reserve [CMA] Isolate`), so columns are taken
//! from the header. Since 5.4 (and stable backports) the kernel stops counting a free list
//! at 100000 entries and prints `>100000`; that cell is stored as 100000, a lower bound.
//! Unpopulated zones are not listed.

use memlens_model::{PageTypeBlocks, PageTypeFree, PageTypeInfo};

use crate::buddyinfo::node_zone;
use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, fields, lines, lossy, parse_u64, show, split_key, trim};

const FREE_HEADER: &[u8] = b"Free pages count per migrate type at order";
const BLOCKS_HEADER: &[u8] = b"Number of blocks type";
const MIXED_HEADER: &[u8] = b"Number of mixed blocks";

enum Table<'a> {
    None,
    Free { orders: usize },
    Blocks { types: Vec<&'a [u8]> },
    Mixed { types: usize },
}

/// Parses pagetypeinfo text.
pub fn parse(text: &[u8]) -> std::result::Result<PageTypeInfo, ParseError> {
    check_complete(text)?;
    let mut info = PageTypeInfo::default();
    let mut table = Table::None;
    for (n, line) in lines(text) {
        let t = trim(line);
        if t.is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix(FREE_HEADER) {
            let mut orders = 0usize;
            for f in fields(rest) {
                if parse_u64(f) != Some(orders as u64) {
                    return Err(ParseError::at(
                        n,
                        format!("expected order {orders} in the header, got {}", show(f)),
                    ));
                }
                orders += 1;
            }
            if orders == 0 {
                return Err(ParseError::at(n, "free pages header without orders"));
            }
            table = Table::Free { orders };
            continue;
        }
        if let Some(rest) = t.strip_prefix(BLOCKS_HEADER) {
            let types: Vec<&[u8]> = fields(rest).collect();
            if types.is_empty() {
                return Err(ParseError::at(n, "blocks header without migrate types"));
            }
            table = Table::Blocks { types };
            continue;
        }
        if let Some(rest) = t.strip_prefix(MIXED_HEADER) {
            let types = fields(rest).count();
            if types == 0 {
                return Err(ParseError::at(
                    n,
                    "mixed blocks header without migrate types",
                ));
            }
            table = Table::Mixed { types };
            continue;
        }
        if t.starts_with(b"Node") {
            let mut f = fields(t);
            let bad = || {
                ParseError::at(
                    n,
                    format!("expected `Node N, zone NAME ...`, got {}", show(t)),
                )
            };
            let (node, zone) = node_zone(&mut f).ok_or_else(bad)?;
            match &table {
                Table::None => {
                    return Err(ParseError::at(n, "zone line before a table header"));
                }
                Table::Free { orders } => {
                    if f.next() != Some(b"type") {
                        return Err(bad());
                    }
                    let migrate_type = f.next().ok_or_else(bad)?;
                    let mut free = Vec::with_capacity(*orders);
                    for c in f {
                        free.push(
                            parse_count(c).ok_or_else(|| {
                                ParseError::at(n, format!("bad count {}", show(c)))
                            })?,
                        );
                    }
                    if free.len() != *orders {
                        return Err(ParseError::at(
                            n,
                            format!("{} counts for {} orders", free.len(), orders),
                        ));
                    }
                    info.free.push(PageTypeFree {
                        node,
                        zone: lossy(zone),
                        migrate_type: lossy(migrate_type),
                        free,
                    });
                }
                Table::Blocks { types } => {
                    let mut blocks = Vec::with_capacity(types.len());
                    for c in f {
                        let Some(name) = types.get(blocks.len()) else {
                            return Err(ParseError::at(
                                n,
                                format!("more counts than the {} migrate types", types.len()),
                            ));
                        };
                        let v = parse_u64(c)
                            .ok_or_else(|| ParseError::at(n, format!("bad count {}", show(c))))?;
                        blocks.push((lossy(name), v));
                    }
                    if blocks.len() != types.len() {
                        return Err(ParseError::at(
                            n,
                            format!("{} counts for {} migrate types", blocks.len(), types.len()),
                        ));
                    }
                    info.blocks.push(PageTypeBlocks {
                        node,
                        zone: lossy(zone),
                        blocks,
                    });
                }
                Table::Mixed { types } => {
                    let mut count = 0usize;
                    for c in f {
                        parse_u64(c)
                            .ok_or_else(|| ParseError::at(n, format!("bad count {}", show(c))))?;
                        count += 1;
                    }
                    if count != *types {
                        return Err(ParseError::at(
                            n,
                            format!("{count} counts for {types} migrate types"),
                        ));
                    }
                }
            }
            continue;
        }
        let Some((key, value)) = split_key(t) else {
            return Err(ParseError::at(n, format!("unexpected line {}", show(t))));
        };
        let bad = || ParseError::at(n, format!("{}: bad value {}", lossy(key), show(value)));
        match key {
            b"Page block order" => {
                let v = parse_u64(value)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(bad)?;
                if info.page_block_order.is_some_and(|old| old != v) {
                    return Err(ParseError::at(n, "page block order differs between nodes"));
                }
                info.page_block_order = Some(v);
            }
            b"Pages per block" => {
                let v = parse_u64(value).ok_or_else(bad)?;
                if info.pages_per_block.is_some_and(|old| old != v) {
                    return Err(ParseError::at(n, "pages per block differs between nodes"));
                }
                info.pages_per_block = Some(v);
            }
            _ => return Err(ParseError::at(n, format!("unexpected line {}", show(t)))),
        }
        // A new node starts: its tables follow their own headers.
        table = Table::None;
    }
    if info.page_block_order.is_none() {
        return Err(ParseError::file("no `Page block order` line"));
    }
    Ok(info)
}

/// A free-list count: `123`, or `>100000` when the kernel stopped counting (lower bound).
fn parse_count(c: &[u8]) -> Option<u64> {
    parse_u64(c.strip_prefix(b">").unwrap_or(c))
}

/// Reads `proc/pagetypeinfo` under the root. Without root privileges this is
/// [`Error::Denied`]; kernels without it give [`Error::Missing`].
pub fn read(root: &Root) -> Result<PageTypeInfo> {
    let (path, text) = root.read("proc/pagetypeinfo")?;
    parse(&text).map_err(|e| Error::parse(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fuzz;

    /// Linux 6.18, x86_64, one node.
    const SAMPLE: &[u8] = b"Page block order: 9
Pages per block:  512

Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 
Node    0, zone      DMA, type    Unmovable      0      0      0      0      0      0      0      0      1      0      0 
Node    0, zone      DMA, type      Movable      0      0      0      0      0      0      0      0      0      1      3 
Node    0, zone      DMA, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone      DMA, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone      DMA, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone    DMA32, type    Unmovable      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone    DMA32, type      Movable      2      2      4      2      5      4      3      3      4      2    752 
Node    0, zone    DMA32, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone    DMA32, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone    DMA32, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone   Normal, type    Unmovable     71     35    156    179     61     12      4      6      3      0      0 
Node    0, zone   Normal, type      Movable   2387   2390   1249    693    338    219    117     73     14      1     29 
Node    0, zone   Normal, type  Reclaimable      3      5      6      6      4      0      1      0      1      0      0 
Node    0, zone   Normal, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone   Normal, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 

Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate 
Node 0, zone      DMA            1            7            0            0            0 
Node 0, zone    DMA32            0         1528            0            0            0 
Node 0, zone   Normal           38          460           14            0            0 
";

    /// Two nodes, a CMA column, an overflowing free list and the page_owner mixed table
    /// (abridged to three orders), in the kernel's layout.
    const TWO_NODES: &[u8] = b"Page block order: 9
Pages per block:  512

Free pages count per migrate type at order       0      1      2 
Node    0, zone   Normal, type    Unmovable     12      3      1 
Node    0, zone   Normal, type      Movable >100000  54321      7 

Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate 
Node 0, zone   Normal          100         3000           20            1            0            0 

Number of mixed blocks    Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate 
Node 0, zone   Normal            4            9            1            0            0            0 
Page block order: 9
Pages per block:  512

Free pages count per migrate type at order       0      1      2 
Node    1, zone   Normal, type    Unmovable      5      6      7 

Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate 
Node 1, zone   Normal           10         2000            0            0           64            0 
";

    #[test]
    fn parses_sample() {
        let p = parse(SAMPLE).unwrap();
        assert_eq!(p.page_block_order, Some(9));
        assert_eq!(p.pages_per_block, Some(512));
        assert_eq!(p.free.len(), 15);
        let f = &p.free[0];
        assert_eq!(
            (f.node, f.zone.as_str(), f.migrate_type.as_str()),
            (0, "DMA", "Unmovable")
        );
        assert_eq!(f.free, vec![0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
        let m = &p.free[11];
        assert_eq!(
            (m.zone.as_str(), m.migrate_type.as_str()),
            ("Normal", "Movable")
        );
        assert_eq!(
            m.free,
            vec![2387, 2390, 1249, 693, 338, 219, 117, 73, 14, 1, 29]
        );
        assert_eq!(p.free[14].migrate_type, "Isolate");
        assert_eq!(p.blocks.len(), 3);
        let b = &p.blocks[2];
        assert_eq!((b.node, b.zone.as_str()), (0, "Normal"));
        let want: Vec<(String, u64)> = [
            ("Unmovable", 38),
            ("Movable", 460),
            ("Reclaimable", 14),
            ("HighAtomic", 0),
            ("Isolate", 0),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), *v))
        .collect();
        assert_eq!(b.blocks, want);
        assert_eq!(p.blocks[1].blocks[1], ("Movable".to_string(), 1528));
    }

    #[test]
    fn parses_two_nodes_cma_overflow_and_mixed() {
        let p = parse(TWO_NODES).unwrap();
        assert_eq!(p.free.len(), 3);
        assert_eq!(p.free[1].free, vec![100000, 54321, 7]);
        assert_eq!(p.free[2].node, 1);
        assert_eq!(p.blocks.len(), 2, "mixed blocks are not page blocks");
        assert_eq!(p.blocks[0].blocks[1], ("Movable".to_string(), 3000));
        assert_eq!(p.blocks[1].node, 1);
        assert_eq!(p.blocks[1].blocks[4], ("CMA".to_string(), 64));
    }

    #[test]
    fn rejects_garbled_and_truncated() {
        let line = |t: &[u8]| parse(t).unwrap_err().line;
        let head = "Page block order: 9\nPages per block:  512\n\nFree pages count per migrate type at order 0 1 \n";
        let with = |tail: &str| format!("{head}{tail}");
        assert_eq!(
            line(with("Node 0, zone DMA, type Movable 1 \n").as_bytes()),
            Some(5)
        );
        assert_eq!(
            line(with("Node 0, zone DMA, type Movable 1 2 3 \n").as_bytes()),
            Some(5)
        );
        assert_eq!(
            line(with("Node 0, zone DMA, type Movable 1 x \n").as_bytes()),
            Some(5)
        );
        assert_eq!(
            line(with("Node 0, zone DMA, kind Movable 1 2 \n").as_bytes()),
            Some(5)
        );
        assert_eq!(
            line(with("Node 0, zone DMA, type Movable 1 2 \nbogus\n").as_bytes()),
            Some(6)
        );
        assert_eq!(
            line(with("\nNumber of blocks type A B \nNode 0, zone DMA 1 \n").as_bytes()),
            Some(7)
        );
        assert_eq!(
            line(with("\nNumber of blocks type A B \nNode 0, zone DMA 1 2 3 \n").as_bytes()),
            Some(7)
        );
        assert_eq!(line(with("Page block order: 10\n").as_bytes()), Some(5));
        assert_eq!(line(b"Page block order: nine\n"), Some(1));
        assert_eq!(
            line(b"Page block order: 9\nNode 0, zone DMA 1 2\n"),
            Some(2)
        );
        assert_eq!(
            line(b"Page block order: 9\nFree pages count per migrate type at order 1 2\n"),
            Some(2)
        );
        let cut = &SAMPLE[..SAMPLE.len() - 2];
        assert_eq!(
            parse(cut).unwrap_err().line,
            Some(SAMPLE.split(|&b| b == b'\n').count() - 1)
        );
        assert!(parse(b"").is_err());
        assert!(parse(b"\n").is_err());
    }

    #[test]
    fn fuzzed_input_never_panics() {
        fuzz(SAMPLE, parse);
        fuzz(TWO_NODES, parse);
    }

    #[test]
    fn reads_live_system_when_root() {
        match read(&Root::live()) {
            Ok(p) => assert!(p.page_block_order.is_some()),
            Err(Error::Denied(_) | Error::Missing(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
}
