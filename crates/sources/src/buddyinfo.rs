//! `/proc/buddyinfo`: free blocks of each order, one line per populated zone:
//! `Node 0, zone   Normal   4758   2165    961 ...` (each count is followed by a space).
//!
//! The number of orders is `MAX_ORDER` (11 on x86_64 with 4 KiB pages: orders 0..=10;
//! more with larger base pages or `CONFIG_ARCH_FORCE_MAX_ORDER`). Zones without memory
//! are not listed.

use memlens_model::BuddyZone;

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, fields, lines, lossy, parse_u64, show};

/// Consumes `Node N, zone NAME` as printed by buddyinfo, zoneinfo and pagetypeinfo (the
/// comma after N is required, one after the zone name is dropped) and returns the node and
/// the zone name.
pub(crate) fn node_zone<'a>(f: &mut impl Iterator<Item = &'a [u8]>) -> Option<(u32, &'a [u8])> {
    if f.next()? != b"Node" {
        return None;
    }
    let node = f.next()?.strip_suffix(b",")?;
    let node = u32::try_from(parse_u64(node)?).ok()?;
    if f.next()? != b"zone" {
        return None;
    }
    let zone = f.next()?;
    let zone = zone.strip_suffix(b",").unwrap_or(zone);
    (!zone.is_empty()).then_some((node, zone))
}

/// Parses buddyinfo text. Every line must be a zone with at least one count, and all
/// lines must have the same number of orders.
pub fn parse(text: &[u8]) -> std::result::Result<Vec<BuddyZone>, ParseError> {
    check_complete(text)?;
    let mut out: Vec<BuddyZone> = Vec::new();
    for (n, line) in lines(text) {
        let mut f = fields(line);
        let (node, zone) = node_zone(&mut f).ok_or_else(|| {
            ParseError::at(
                n,
                format!("expected `Node N, zone NAME counts...`, got {}", show(line)),
            )
        })?;
        let mut free = Vec::with_capacity(out.first().map_or(16, |z| z.free.len()));
        for v in f {
            free.push(
                parse_u64(v).ok_or_else(|| ParseError::at(n, format!("bad count {}", show(v))))?,
            );
        }
        if free.is_empty() {
            return Err(ParseError::at(n, "zone line without counts"));
        }
        if let Some(first) = out.first() {
            if first.free.len() != free.len() {
                return Err(ParseError::at(
                    n,
                    format!(
                        "{} orders where line 1 has {}",
                        free.len(),
                        first.free.len()
                    ),
                ));
            }
        }
        out.push(BuddyZone {
            node,
            zone: lossy(zone),
            free,
        });
    }
    if out.is_empty() {
        return Err(ParseError::file("no zones"));
    }
    Ok(out)
}

/// Reads `proc/buddyinfo` under the root.
pub fn read(root: &Root) -> Result<Vec<BuddyZone>> {
    let (path, text) = root.read("proc/buddyinfo")?;
    parse(&text).map_err(|e| Error::parse(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fuzz;

    /// Linux 6.18, x86_64 (note the space after the last count).
    const SAMPLE: &[u8] = b"Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 
Node 0, zone    DMA32      2      2      4      2      5      4      3      3      4      2    752 
Node 0, zone   Normal   2461   2430   1411    878    403    231    122     79     18      1     29 
";

    #[test]
    fn parses_sample() {
        let z = parse(SAMPLE).unwrap();
        assert_eq!(z.len(), 3);
        assert_eq!(z[0].node, 0);
        assert_eq!(z[0].zone, "DMA");
        assert_eq!(z[0].free, vec![0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3]);
        assert_eq!(z[1].zone, "DMA32");
        assert_eq!(z[1].free[10], 752);
        assert_eq!(z[2].zone, "Normal");
        assert_eq!(
            z[2].free,
            vec![2461, 2430, 1411, 878, 403, 231, 122, 79, 18, 1, 29]
        );
    }

    #[test]
    fn second_node() {
        let z = parse(b"Node 0, zone   Normal   1 2 \nNode 1, zone   Normal   3 4 \n").unwrap();
        assert_eq!(z[1].node, 1);
        assert_eq!(z[1].free, vec![3, 4]);
    }

    #[test]
    fn rejects_garbled_and_truncated() {
        let line2 = |t: &[u8]| parse(t).unwrap_err().line;
        assert_eq!(
            line2(b"Node 0, zone DMA 1 2 \nNode 0, zone Normal 1 x \n"),
            Some(2)
        );
        assert_eq!(
            line2(b"Node 0, zone DMA 1 2 \nNode 0, zone Normal \n"),
            Some(2)
        );
        assert_eq!(
            line2(b"Node 0, zone DMA 1 2 \nNode 0, zone Normal 1 \n"),
            Some(2)
        );
        assert_eq!(
            line2(b"Node 0, zone DMA 1 2 \nNode -1, zone Normal 1 2 \n"),
            Some(2)
        );
        assert_eq!(
            line2(b"Node 0, zone DMA 1 2 \nnode 0, zone Normal 1 2 \n"),
            Some(2)
        );
        assert_eq!(
            line2(b"Node 0, zone DMA 1 2 \nNode 0, zone Normal 1 2"),
            Some(2)
        );
        assert_eq!(line2(b"Node 0, DMA 1 2 \n"), Some(1));
        let cut = &SAMPLE[..SAMPLE.len() - 10];
        assert_eq!(parse(cut).unwrap_err().line, Some(3));
        assert!(parse(b"").is_err());
    }

    #[test]
    fn fuzzed_input_never_panics() {
        fuzz(SAMPLE, parse);
    }

    #[test]
    fn reads_live_system() {
        assert!(!read(&Root::live()).unwrap().is_empty());
    }
}
