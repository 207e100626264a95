//! `/proc/slabinfo` (mode 0400: root only), version 2.1: two header lines, then one line
//! per cache: `name active_objs num_objs objsize objperslab pagesperslab : tunables limit
//! batchcount sharedfactor : slabdata active_slabs num_slabs sharedavail`.
//!
//! Kernel differences: SLUB (the only allocator since 6.8) prints zeros for the tunables
//! and for `sharedavail`, merges caches of the same shape (only one name is listed), and
//! has `/proc/slabinfo` only with `CONFIG_SLUB_DEBUG`. SLAB with `CONFIG_DEBUG_SLAB`
//! writes `2.1 (statistics)` and appends `: globalstat ... : cpustat ...` to each line,
//! which is accepted and skipped. Version 2.0 (Linux 2.6.9 and older) and 1.x are refused.

use memlens_model::SlabCache;

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, fields, lines, lossy, parse_u64, show, trim};

const VERSION_PREFIX: &[u8] = b"slabinfo - version:";

/// Parses slabinfo text.
pub fn parse(text: &[u8]) -> std::result::Result<Vec<SlabCache>, ParseError> {
    check_complete(text)?;
    let mut it = lines(text);
    let Some((n, first)) = it.next() else {
        return Err(ParseError::file("empty file (no version line)"));
    };
    let Some(version) = first.strip_prefix(VERSION_PREFIX).map(trim) else {
        return Err(ParseError::at(
            n,
            format!("expected `slabinfo - version: 2.1`, got {}", show(first)),
        ));
    };
    let statistics = match version {
        b"2.1" => false,
        b"2.1 (statistics)" => true,
        _ => {
            return Err(ParseError::at(
                n,
                format!(
                    "unsupported slabinfo version {} (only 2.1 is understood)",
                    show(version)
                ),
            ))
        }
    };
    match it.next() {
        Some((_, l)) if l.starts_with(b"#") => {}
        Some((n, l)) => {
            return Err(ParseError::at(
                n,
                format!("expected the `# name ...` header, got {}", show(l)),
            ))
        }
        None => return Err(ParseError::file("no `# name ...` header line")),
    }
    let mut out = Vec::with_capacity(256);
    for (n, line) in it {
        out.push(parse_line(line, statistics).map_err(|m| ParseError::at(n, m))?);
    }
    Ok(out)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn numbers<const N: usize>(part: &[u8], what: &str) -> std::result::Result<[u64; N], String> {
    let mut out = [0u64; N];
    let mut f = fields(part);
    for slot in out.iter_mut() {
        let v = f
            .next()
            .ok_or_else(|| format!("{what}: expected {N} numbers, got {}", show(part)))?;
        *slot = parse_u64(v).ok_or_else(|| format!("{what}: bad number {}", show(v)))?;
    }
    if f.next().is_some() {
        return Err(format!("{what}: expected {N} numbers, got {}", show(part)));
    }
    Ok(out)
}

fn parse_line(line: &[u8], statistics: bool) -> std::result::Result<SlabCache, String> {
    let bad = || {
        format!(
            "expected `name counts : tunables ... : slabdata ...`, got {}",
            show(line)
        )
    };
    let t = find(line, b" : tunables ").ok_or_else(bad)?;
    let (head, rest) = (&line[..t], &line[t + b" : tunables ".len()..]);
    let s = find(rest, b" : slabdata ").ok_or_else(bad)?;
    let (tunables, mut slabdata) = (&rest[..s], &rest[s + b" : slabdata ".len()..]);
    numbers::<3>(tunables, "tunables")?;
    if let Some(x) = find(slabdata, b" : ") {
        if !statistics {
            return Err(format!(
                "unexpected text after slabdata: {}",
                show(&slabdata[x..])
            ));
        }
        slabdata = &slabdata[..x];
    }
    let [active_slabs, num_slabs, _sharedavail] = numbers::<3>(slabdata, "slabdata")?;

    // The name is everything before the last five numbers (names have no spaces today,
    // but nothing forbids them).
    let mut counts = [0u64; 5];
    let mut head = trim(head);
    for slot in counts.iter_mut().rev() {
        let cut = head
            .iter()
            .rposition(|b| b.is_ascii_whitespace())
            .ok_or_else(bad)?;
        let v = &head[cut + 1..];
        *slot = parse_u64(v).ok_or_else(|| format!("bad number {}", show(v)))?;
        head = trim(&head[..cut]);
    }
    if head.is_empty() {
        return Err(bad());
    }
    let [active_objs, num_objs, objsize, objperslab, pagesperslab] = counts;
    Ok(SlabCache {
        name: lossy(head),
        active_objs,
        num_objs,
        objsize,
        objperslab,
        pagesperslab,
        active_slabs,
        num_slabs,
    })
}

/// Reads `proc/slabinfo` under the root. Without root privileges this is
/// [`Error::Denied`]; kernels without it (SLUB without `CONFIG_SLUB_DEBUG`) give
/// [`Error::Missing`].
pub fn read(root: &Root) -> Result<Vec<SlabCache>> {
    let (path, text) = root.read("proc/slabinfo")?;
    parse(&text).map_err(|e| Error::parse(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fuzz;

    /// Linux 6.18 (SLUB), x86_64: the header and a selection of caches.
    const SAMPLE: &[u8] = b"slabinfo - version: 2.1
# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>
UDPv6                 44     44   1472   22    8 : tunables    0    0    0 : slabdata      2      2      0
ext4_inode_cache    9100   9100   1128   14    4 : tunables    0    0    0 : slabdata    650    650      0
buffer_head        24752  27729    104   39    1 : tunables    0    0    0 : slabdata    711    711      0
dentry             15981  15981    192   21    1 : tunables    0    0    0 : slabdata    761    761      0
vm_area_struct       659   1008    192   21    1 : tunables    0    0    0 : slabdata     48     48      0
task_struct          100    120   5888    5    8 : tunables    0    0    0 : slabdata     24     24      0
dma-kmalloc-8          0      0      8  512    1 : tunables    0    0    0 : slabdata      0      0      0
kmalloc-rcl-8k         0      0   8192    4    8 : tunables    0    0    0 : slabdata      0      0      0
";

    #[test]
    fn parses_sample() {
        let c = parse(SAMPLE).unwrap();
        assert_eq!(c.len(), 8);
        assert_eq!(
            c[0],
            SlabCache {
                name: "UDPv6".into(),
                active_objs: 44,
                num_objs: 44,
                objsize: 1472,
                objperslab: 22,
                pagesperslab: 8,
                active_slabs: 2,
                num_slabs: 2,
            }
        );
        let bh = &c[2];
        assert_eq!(bh.name, "buffer_head");
        assert_eq!(
            (bh.active_objs, bh.num_objs, bh.objsize),
            (24752, 27729, 104)
        );
        assert_eq!(
            (
                bh.objperslab,
                bh.pagesperslab,
                bh.active_slabs,
                bh.num_slabs
            ),
            (39, 1, 711, 711)
        );
        assert_eq!(c[5].name, "task_struct");
        assert_eq!(c[5].objsize, 5888);
        assert_eq!(c[7].name, "kmalloc-rcl-8k");
        assert_eq!(c[7].pagesperslab, 8);
    }

    #[test]
    fn statistics_variant_and_odd_names() {
        let t = b"slabinfo - version: 2.1 (statistics)\n# name <active_objs> ...\nmy cache  10 20 64 64 1 : tunables  120   60    8 : slabdata 1 1 0 : globalstat 30 20 1 0 0 0 0 0 0 : cpustat 10 2 3 0\n";
        let c = parse(t).unwrap();
        assert_eq!(c[0].name, "my cache");
        assert_eq!((c[0].active_objs, c[0].num_slabs), (10, 1));
        let plain = b"slabinfo - version: 2.1\n# name\nx 1 1 8 512 1 : tunables 0 0 0 : slabdata 1 1 0 : globalstat 1\n";
        assert_eq!(parse(plain).unwrap_err().line, Some(3));
        assert!(parse(b"slabinfo - version: 2.1\n# name\n")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn refuses_other_versions() {
        let e = parse(b"slabinfo - version: 2.0\n# name\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(
            e.message.contains("unsupported slabinfo version \"2.0\""),
            "{}",
            e.message
        );
        assert_eq!(
            parse(b"slabinfo - version: 1.1\n").unwrap_err().line,
            Some(1)
        );
        assert_eq!(parse(b"Node 0, zone DMA\n").unwrap_err().line, Some(1));
    }

    #[test]
    fn rejects_garbled_and_truncated() {
        let line = |t: &[u8]| parse(t).unwrap_err().line;
        let head = "slabinfo - version: 2.1\n# name ...\n";
        let with = |tail: &str| format!("{head}{tail}");
        let good = "dentry 1 1 192 21 1 : tunables 0 0 0 : slabdata 1 1 0\n";
        assert!(parse(with(good).as_bytes()).is_ok());
        assert_eq!(
            line(with("dentry 1 1 192 21 1 : slabdata 1 1 0\n").as_bytes()),
            Some(3)
        );
        assert_eq!(
            line(
                with(&format!(
                    "{good}dentry 1 1 192 21 : tunables 0 0 0 : slabdata 1 1 0\n"
                ))
                .as_bytes()
            ),
            Some(4)
        );
        assert_eq!(
            line(with("1 1 192 21 1 : tunables 0 0 0 : slabdata 1 1 0\n").as_bytes()),
            Some(3)
        );
        assert_eq!(
            line(with("dentry 1 x 192 21 1 : tunables 0 0 0 : slabdata 1 1 0\n").as_bytes()),
            Some(3)
        );
        assert_eq!(
            line(with("dentry 1 1 192 21 1 : tunables 0 0 : slabdata 1 1 0\n").as_bytes()),
            Some(3)
        );
        assert_eq!(
            line(with("dentry 1 1 192 21 1 : tunables 0 0 0 : slabdata 1 1\n").as_bytes()),
            Some(3)
        );
        assert_eq!(
            line(with("dentry 1 1 192 21 1 : tunables 0 0 0 : slabdata 1 1 0 0\n").as_bytes()),
            Some(3)
        );
        assert_eq!(
            line(b"slabinfo - version: 2.1\nbtrfs 0 0 1 1 1 : tunables 0 0 0 : slabdata 0 0 0\n"),
            Some(2)
        );
        let cut = &SAMPLE[..SAMPLE.len() - 5];
        assert_eq!(parse(cut).unwrap_err().line, Some(10));
        assert!(parse(b"").is_err());
        assert!(parse(b"slabinfo - version: 2.1\n").is_err());
    }

    #[test]
    fn fuzzed_input_never_panics() {
        fuzz(SAMPLE, parse);
    }

    #[test]
    fn reads_live_system_when_root() {
        match read(&Root::live()) {
            Ok(c) => assert!(c.iter().any(|c| c.name == "dentry")),
            Err(Error::Denied(_) | Error::Missing(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
}
