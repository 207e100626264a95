//! `/proc/zoneinfo`: one block per zone, starting with `Node N, zone NAME`.
//!
//! Layout by kernel version (all handled):
//!
//! * Linux >= 4.8 (node-based LRU): the first populated zone of each node is followed by a
//!   `per-node stats` block (`nr_inactive_anon`, `nr_file_pages`, `workingset_*`...) before
//!   `pages free`. Then the watermarks (`min`, `low`, `high`; `boost` added in 5.x,
//!   `promo` in 6.x with memory tiering), `spanned`, `present`, `managed`, `cma` (5.x), the
//!   `protection: (a, b, ...)` lowmem reserves, the zone counters (`nr_free_pages`,
//!   `nr_zone_*`, `numa_*`), `pagesets` with per-CPU `cpu:`/`count:`/`high:`/`batch:`
//!   (`high_min:`/`high_max:` since 6.7) and `vm stats threshold:`, and finally
//!   `node_unreclaimable:` and `start_pfn:`.
//! * Linux >= 4.12 or so also lists zones without memory (only watermarks and protection);
//!   older kernels leave them out.
//! * Linux < 4.8 has no `per-node stats`: every counter (`nr_inactive_anon`, `nr_mapped`...)
//!   is a zone counter, a `scanned` line sits among the watermarks, `protection:` comes
//!   after the counters, and the tail lines are `all_unreclaimable:`, `start_pfn:` and
//!   `inactive_ratio:` (2.6 kernels also print `prev_priority:`).
//!
//! `name value` lines other than the fields of [`Zone`] go to the zone's `stats` (so
//! `boost`, `promo`, `cma` and `scanned` land there too). Every `key: value` line other
//! than `protection:` is a per-CPU or tail detail and is skipped: `high:` of a pageset
//! never overwrites the zone's `high` watermark.

use memlens_model::{NamedCounters, Zone, ZoneInfo};

use crate::buddyinfo::node_zone;
use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, fields, lines, lossy, parse_u64, show, trim};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Zone,
    NodeStats,
    Pagesets,
}

/// Parses zoneinfo text.
pub fn parse(text: &[u8]) -> std::result::Result<ZoneInfo, ParseError> {
    check_complete(text)?;
    let mut info = ZoneInfo::default();
    let mut zone: Option<Zone> = None;
    let mut section = Section::Zone;
    for (n, line) in lines(text) {
        let t = trim(line);
        if t.is_empty() {
            continue;
        }
        if t.starts_with(b"Node ") {
            let mut f = fields(t);
            let bad_header =
                || ParseError::at(n, format!("expected `Node N, zone NAME`, got {}", show(t)));
            let (node, name) = node_zone(&mut f).ok_or_else(bad_header)?;
            if f.next().is_some() {
                return Err(bad_header());
            }
            if let Some(z) = zone.take() {
                info.zones.push(finish(z));
            }
            zone = Some(Zone {
                node,
                zone: lossy(name),
                ..Zone::default()
            });
            section = Section::Zone;
            continue;
        }
        let Some(z) = zone.as_mut() else {
            return Err(ParseError::at(
                n,
                format!("{} before the first `Node N, zone NAME` line", show(t)),
            ));
        };
        if t == b"per-node stats" {
            info.node_stats.push((z.node, NamedCounters::default()));
            section = Section::NodeStats;
            continue;
        }
        if t == b"pagesets" {
            section = Section::Pagesets;
            continue;
        }
        if let Some(rest) = t.strip_prefix(b"pages free") {
            let rest = trim(rest);
            z.free = Some(parse_u64(rest).ok_or_else(|| {
                ParseError::at(n, format!("pages free: bad value {}", show(rest)))
            })?);
            section = Section::Zone;
            continue;
        }
        if let Some(rest) = t.strip_prefix(b"protection:") {
            let rest = trim(rest);
            z.protection = parse_protection(rest).ok_or_else(|| {
                ParseError::at(
                    n,
                    format!("protection: expected `(N, N, ...)`, got {}", show(rest)),
                )
            })?;
            continue;
        }
        if t.contains(&b':') {
            // Per-CPU pageset lines and the zone's tail (`start_pfn:` ...); of them, the
            // free pages each CPU holds.
            if let (Section::Pagesets, Some(rest)) = (section, t.strip_prefix(b"count:")) {
                let rest = trim(rest);
                let v = parse_u64(rest)
                    .ok_or_else(|| ParseError::at(n, format!("count: bad value {}", show(rest))))?;
                z.pcp_count = Some(z.pcp_count.unwrap_or(0).saturating_add(v));
            }
            continue;
        }
        let mut f = fields(t);
        let (Some(name), Some(value), None) = (f.next(), f.next(), f.next()) else {
            return Err(ParseError::at(
                n,
                format!("expected `name value`, got {}", show(t)),
            ));
        };
        let v = parse_u64(value).ok_or_else(|| {
            ParseError::at(n, format!("{}: bad value {}", lossy(name), show(value)))
        })?;
        match section {
            Section::NodeStats => {
                if let Some((_, stats)) = info.node_stats.last_mut() {
                    stats.0.push((lossy(name), v));
                }
            }
            // A per-CPU detail of a kind this parser does not know: never a zone value.
            Section::Pagesets => {}
            Section::Zone => {
                let slot = match name {
                    b"min" => &mut z.min,
                    b"low" => &mut z.low,
                    b"high" => &mut z.high,
                    b"spanned" => &mut z.spanned,
                    b"present" => &mut z.present,
                    b"managed" => &mut z.managed,
                    _ => {
                        z.stats.0.push((lossy(name), v));
                        continue;
                    }
                };
                *slot = Some(v);
            }
        }
    }
    if let Some(z) = zone.take() {
        info.zones.push(finish(z));
    }
    if info.zones.is_empty() {
        return Err(ParseError::file("no zones"));
    }
    Ok(info)
}

/// Fills `free` from the zone's `nr_free_pages` counter when there was no `pages free`
/// line (both print the same `NR_FREE_PAGES` state).
fn finish(mut z: Zone) -> Zone {
    if z.free.is_none() {
        z.free = z.stats.get("nr_free_pages");
    }
    z
}

/// `(0, 3019, 4043)` -> `[0, 3019, 4043]`.
fn parse_protection(s: &[u8]) -> Option<Vec<u64>> {
    let inner = s.strip_prefix(b"(")?.strip_suffix(b")")?;
    inner
        .split(|&b| b == b',')
        .map(|p| parse_u64(trim(p)))
        .collect()
}

/// Reads `proc/zoneinfo` under the root.
pub fn read(root: &Root) -> Result<ZoneInfo> {
    let (path, text) = root.read("proc/zoneinfo")?;
    parse(&text).map_err(|e| Error::parse(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fuzz;

    /// Linux 6.18, x86_64, one node, two CPUs (with unpopulated Movable and Device zones).
    const SAMPLE: &[u8] = b"Node 0, zone      DMA
  per-node stats
      nr_inactive_anon 719
      nr_active_anon 378
      nr_inactive_file 70402
      nr_active_file 78600
      nr_unevictable 2794
      nr_slab_reclaimable 6699
      nr_slab_unreclaimable 5151
      nr_isolated_anon 0
      nr_isolated_file 0
      workingset_nodes 5987
      workingset_refault_anon 0
      workingset_refault_file 254807
      workingset_activate_anon 0
      workingset_activate_file 36955
      workingset_restore_anon 0
      workingset_restore_file 0
      workingset_nodereclaim 0
      nr_anon_pages 1709
      nr_mapped    2618
      nr_file_pages 151200
      nr_dirty     58
      nr_writeback 0
      nr_shmem     2197
      nr_shmem_hugepages 0
      nr_shmem_pmdmapped 0
      nr_file_hugepages 0
      nr_file_pmdmapped 0
      nr_anon_transparent_hugepages 0
      nr_vmscan_write 0
      nr_vmscan_immediate_reclaim 3724
      nr_dirtied   166571
      nr_written   132043
      nr_throttled_written 0
      nr_kernel_misc_reclaimable 0
      nr_foll_pin_acquired 0
      nr_foll_pin_released 0
      nr_kernel_stack 1300
      nr_page_table_pages 352
      nr_sec_page_table_pages 0
      nr_iommu_pages 0
      nr_swapcached 0
      pgpromote_success 0
      pgpromote_candidate 0
      pgpromote_candidate_nrl 0
      pgdemote_kswapd 0
      pgdemote_direct 0
      pgdemote_khugepaged 0
      pgdemote_proactive 0
      nr_hugetlb   0
      nr_balloon_pages 0
      nr_kernel_file_pages 0
  pages free     3840
        boost    0
        min      62
        low      77
        high     92
        promo    107
        spanned  4095
        present  3998
        managed  3840
        cma      0
        protection: (0, 3019, 4043, 4043, 4043)
      nr_free_pages 3840
      nr_free_pages_blocks 3584
      nr_zone_inactive_anon 0
      nr_zone_active_anon 0
      nr_zone_inactive_file 0
      nr_zone_active_file 0
      nr_zone_unevictable 0
      nr_zone_write_pending 0
      nr_mlock     0
      nr_zspages   0
      nr_free_cma  0
      numa_hit     0
      numa_miss    0
      numa_foreign 0
      numa_interleave 0
      numa_local   0
      numa_other   0
  pagesets
    cpu: 0
              count:    0
              high:     0
              batch:    1
              high_min: 38
              high_max: 240
  vm stats threshold: 4
    cpu: 1
              count:    0
              high:     0
              batch:    1
              high_min: 38
              high_max: 240
  vm stats threshold: 4
  node_unreclaimable:  0
  start_pfn:           1
Node 0, zone    DMA32
  pages free     772918
        boost    0
        min      12570
        low      15712
        high     18854
        promo    21996
        spanned  1044480
        present  782336
        managed  772918
        cma      0
        protection: (0, 0, 1024, 1024, 1024)
      nr_free_pages 772918
      nr_free_pages_blocks 771072
      nr_zone_inactive_anon 0
      nr_zone_active_anon 0
      nr_zone_inactive_file 0
      nr_zone_active_file 0
      nr_zone_unevictable 0
      nr_zone_write_pending 0
      nr_mlock     0
      nr_zspages   0
      nr_free_cma  0
      numa_hit     0
      numa_miss    0
      numa_foreign 0
      numa_interleave 0
      numa_local   0
      numa_other   0
  pagesets
    cpu: 0
              count:    0
              high:     7856
              batch:    63
              high_min: 7856
              high_max: 48307
  vm stats threshold: 24
    cpu: 1
              count:    0
              high:     7856
              batch:    63
              high_min: 7856
              high_max: 48307
  vm stats threshold: 24
  node_unreclaimable:  0
  start_pfn:           4096
Node 0, zone   Normal
  pages free     86565
        boost    0
        min      4263
        low      5328
        high     6393
        promo    7458
        spanned  5505024
        present  5505024
        managed  262144
        cma      0
        protection: (0, 0, 0, 0, 0)
      nr_free_pages 86565
      nr_free_pages_blocks 30208
      nr_zone_inactive_anon 745
      nr_zone_active_anon 378
      nr_zone_inactive_file 70402
      nr_zone_active_file 78600
      nr_zone_unevictable 2794
      nr_zone_write_pending 58
      nr_mlock     2543
      nr_zspages   0
      nr_free_cma  0
      numa_hit     1980394
      numa_miss    0
      numa_foreign 0
      numa_interleave 1120
      numa_local   1980394
      numa_other   0
  pagesets
    cpu: 0
              count:    721
              high:     2664
              batch:    63
              high_min: 2664
              high_max: 16384
  vm stats threshold: 20
    cpu: 1
              count:    2442
              high:     3395
              batch:    63
              high_min: 2664
              high_max: 16384
  vm stats threshold: 20
  node_unreclaimable:  0
  start_pfn:           1048576
Node 0, zone  Movable
  pages free     0
        boost    0
        min      32
        low      32
        high     32
        promo    32
        spanned  0
        present  0
        managed  0
        cma      0
        protection: (0, 0, 0, 0, 0)
Node 0, zone   Device
  pages free     0
        boost    0
        min      0
        low      0
        high     0
        promo    0
        spanned  0
        present  0
        managed  0
        cma      0
        protection: (0, 0, 0, 0, 0)
";

    /// Linux 4.4 layout (abridged counters): no per-node stats, `scanned` among the
    /// watermarks, protection after the counters, `all_unreclaimable`/`inactive_ratio`.
    const LINUX_4_4: &[u8] = b"Node 0, zone      DMA
  pages free     3975
        min      33
        low      41
        high     49
        scanned  0
        spanned  4095
        present  3998
        managed  3977
    nr_free_pages 3975
    nr_alloc_batch 8
    nr_inactive_anon 0
    nr_active_file 0
    numa_hit     1
        protection: (0, 2991, 15985, 15985)
  pagesets
    cpu: 0
              count: 0
              high:  0
              batch: 1
  vm stats threshold: 8
  all_unreclaimable: 1
  start_pfn:         1
  inactive_ratio:    1
Node 0, zone   Normal
  pages free     251730
        min      8380
        low      10475
        high     12570
        scanned  0
        spanned  3407872
        present  3407872
        managed  3343546
    nr_free_pages 251730
    nr_alloc_batch 1057
    nr_inactive_anon 32154
    nr_active_file 1283416
    numa_hit     2112456
        protection: (0, 0, 0, 0)
  pagesets
    cpu: 0
              count: 168
              high:  186
              batch: 31
  vm stats threshold: 64
  all_unreclaimable: 0
  start_pfn:         1048576
  inactive_ratio:    11
";

    #[test]
    fn parses_current_kernel() {
        let info = parse(SAMPLE).unwrap();
        let names: Vec<_> = info.zones.iter().map(|z| z.zone.as_str()).collect();
        assert_eq!(names, ["DMA", "DMA32", "Normal", "Movable", "Device"]);
        let dma = &info.zones[0];
        assert_eq!(dma.node, 0);
        assert_eq!(
            (dma.free, dma.min, dma.low, dma.high),
            (Some(3840), Some(62), Some(77), Some(92))
        );
        assert_eq!(
            (dma.spanned, dma.present, dma.managed),
            (Some(4095), Some(3998), Some(3840))
        );
        assert_eq!(dma.protection, vec![0, 3019, 4043, 4043, 4043]);
        assert_eq!(
            dma.stats.0.len(),
            20,
            "boost, promo, cma and 17 zone counters"
        );
        assert_eq!(dma.stats.0[0], ("boost".to_string(), 0));
        assert_eq!(dma.stats.get("promo"), Some(107));
        assert_eq!(dma.stats.get("nr_free_pages"), Some(3840));
        assert_eq!(dma.stats.get("nr_free_pages_blocks"), Some(3584));
        assert_eq!(dma.stats.get("count"), None, "per-CPU lines are skipped");

        let dma32 = &info.zones[1];
        assert_eq!(dma32.high, Some(18854), "pageset `high:` 7856 must not win");
        assert_eq!(dma32.protection, vec![0, 0, 1024, 1024, 1024]);
        let normal = &info.zones[2];
        assert_eq!(normal.free, Some(86565));
        assert_eq!(normal.spanned, Some(5505024));
        assert_eq!(normal.managed, Some(262144));
        assert_eq!(normal.high, Some(6393), "pageset `high:` 3395 must not win");
        assert_eq!(normal.stats.get("numa_hit"), Some(1980394));
        assert_eq!(normal.stats.get("numa_interleave"), Some(1120));

        let movable = &info.zones[3];
        assert_eq!(
            (movable.free, movable.min, movable.managed),
            (Some(0), Some(32), Some(0))
        );
        assert_eq!(movable.protection, vec![0; 5]);
        assert_eq!(
            movable.stats.0.len(),
            3,
            "an empty zone has only boost, promo, cma"
        );

        assert_eq!(info.node_stats.len(), 1);
        let (node, stats) = &info.node_stats[0];
        assert_eq!(*node, 0);
        assert_eq!(stats.0.len(), 51);
        assert_eq!(stats.0[0], ("nr_inactive_anon".to_string(), 719));
        assert_eq!(stats.get("nr_file_pages"), Some(151200));
        assert_eq!(stats.get("nr_mapped"), Some(2618));
        assert_eq!(stats.get("workingset_refault_file"), Some(254807));
        assert_eq!(
            stats.0.last().unwrap(),
            &("nr_kernel_file_pages".to_string(), 0)
        );
        assert_eq!(
            stats.get("nr_free_pages"),
            None,
            "zone counters stay in zones"
        );
    }

    #[test]
    fn parses_linux_4_4() {
        let info = parse(LINUX_4_4).unwrap();
        assert!(info.node_stats.is_empty());
        assert_eq!(info.zones.len(), 2);
        let z = &info.zones[1];
        assert_eq!(z.zone, "Normal");
        assert_eq!(
            (z.free, z.min, z.low, z.high),
            (Some(251730), Some(8380), Some(10475), Some(12570))
        );
        assert_eq!(z.managed, Some(3343546));
        assert_eq!(z.protection, vec![0, 0, 0, 0]);
        assert_eq!(z.stats.get("scanned"), Some(0));
        assert_eq!(z.stats.get("nr_inactive_anon"), Some(32154));
        assert_eq!(z.stats.get("nr_active_file"), Some(1283416));
        assert_eq!(z.stats.0.len(), 6);
        assert_eq!(info.zones[0].protection, vec![0, 2991, 15985, 15985]);
        assert_eq!(info.zones[0].high, Some(49));
    }

    #[test]
    fn free_falls_back_to_nr_free_pages() {
        let info = parse(b"Node 1, zone Normal\n    nr_free_pages 42\n    min 3\n").unwrap();
        let z = &info.zones[0];
        assert_eq!((z.node, z.free, z.min), (1, Some(42), Some(3)));
    }

    #[test]
    fn second_node_stats() {
        let t = b"Node 0, zone Normal\n  per-node stats\n      nr_mapped 5\n  pages free 1\nNode 1, zone Normal\n  per-node stats\n      nr_mapped 7\n  pages free 2\n";
        let info = parse(t).unwrap();
        assert_eq!(info.node_stats.len(), 2);
        assert_eq!(info.node_stats[1].0, 1);
        assert_eq!(info.node_stats[1].1.get("nr_mapped"), Some(7));
        assert_eq!(info.zones[1].free, Some(2));
        assert!(info.zones[1].stats.0.is_empty());
    }

    #[test]
    fn rejects_garbled_and_truncated() {
        let line = |t: &[u8]| parse(t).unwrap_err().line;
        let head = "Node 0, zone DMA\n  pages free 5\n";
        let with = |tail: &str| format!("{head}{tail}");
        assert_eq!(line(with("        min\n").as_bytes()), Some(3));
        assert_eq!(line(with("        min x\n").as_bytes()), Some(3));
        assert_eq!(line(with("        min 1 2\n").as_bytes()), Some(3));
        assert_eq!(
            line(with("        protection: (0, x)\n").as_bytes()),
            Some(3)
        );
        assert_eq!(line(with("        protection: 0, 1\n").as_bytes()), Some(3));
        assert_eq!(
            line(with("        protection: (0, -1)\n").as_bytes()),
            Some(3)
        );
        assert_eq!(
            line(with("  min 1\nNode 0 zone DMA32\n").as_bytes()),
            Some(4)
        );
        assert_eq!(line(with("Node 0, zone DMA32 extra\n").as_bytes()), Some(3));
        assert_eq!(line(b"Node 0, zone DMA\n  pages free five\n"), Some(2));
        assert_eq!(line(b"  pages free 5\nNode 0, zone DMA\n"), Some(1));
        assert_eq!(line(b"Node 0, zone DMA\n  pages free 5\n  min 1"), Some(3));
        // Pagesets never hide garbage without a colon.
        assert_eq!(
            line(with("  pagesets\n    cpu: 0\n    garbage\n").as_bytes()),
            Some(5)
        );
        let cut = &SAMPLE[..SAMPLE.len() - 4];
        assert_eq!(
            parse(cut).unwrap_err().line,
            Some(SAMPLE.split(|&b| b == b'\n').count() - 1)
        );
        assert!(parse(b"").is_err());
    }

    #[test]
    fn fuzzed_input_never_panics() {
        fuzz(SAMPLE, parse);
        fuzz(LINUX_4_4, parse);
    }

    #[test]
    fn reads_live_system() {
        let info = read(&Root::live()).unwrap();
        assert!(info.zones.iter().any(|z| z.managed.unwrap_or(0) > 0));
    }
}
