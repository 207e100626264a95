//! `/proc/vmstat`: one `name value` line per counter, in the kernel's order.
//!
//! The set of names changes with every kernel release (and with the configuration: NUMA,
//! THP, CMA, zswap...), so every line is kept. Values are printed with `%lu`: a state
//! counter that drifted negative on an older kernel shows as a huge number, not `-1`.

use memlens_model::{NamedCounters, VmStat};

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, fields, lines, lossy, parse_u64, show};

/// Parses vmstat text. Every line must be a name and an unsigned number.
pub fn parse(text: &[u8]) -> std::result::Result<VmStat, ParseError> {
    check_complete(text)?;
    let mut out = Vec::with_capacity(256);
    for (n, line) in lines(text) {
        let mut f = fields(line);
        let (Some(name), Some(value), None) = (f.next(), f.next(), f.next()) else {
            return Err(ParseError::at(
                n,
                format!("expected `name value`, got {}", show(line)),
            ));
        };
        let v = parse_u64(value).ok_or_else(|| {
            ParseError::at(n, format!("{}: bad value {}", lossy(name), show(value)))
        })?;
        out.push((lossy(name), v));
    }
    if out.is_empty() {
        return Err(ParseError::file("no counters"));
    }
    Ok(NamedCounters(out))
}

/// Reads `proc/vmstat` under the root.
pub fn read(root: &Root) -> Result<VmStat> {
    let (path, text) = root.read("proc/vmstat")?;
    parse(&text).map_err(|e| Error::parse(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fuzz;

    /// Linux 6.18, x86_64, one NUMA node, THP and KSM built in.
    const SAMPLE: &[u8] = b"nr_free_pages 863323
nr_free_pages_blocks 804864
nr_zone_inactive_anon 766
nr_zone_active_anon 378
nr_zone_inactive_file 70402
nr_zone_active_file 78600
nr_zone_unevictable 2794
nr_zone_write_pending 58
nr_mlock 2543
nr_zspages 0
nr_free_cma 0
numa_hit 1980210
numa_miss 0
numa_foreign 0
numa_interleave 1120
numa_local 1980210
numa_other 0
nr_inactive_anon 769
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
nr_anon_pages 1734
nr_mapped 2618
nr_file_pages 151200
nr_dirty 58
nr_writeback 0
nr_shmem 2197
nr_shmem_hugepages 0
nr_shmem_pmdmapped 0
nr_file_hugepages 0
nr_file_pmdmapped 0
nr_anon_transparent_hugepages 0
nr_vmscan_write 0
nr_vmscan_immediate_reclaim 3724
nr_dirtied 166571
nr_written 132043
nr_throttled_written 0
nr_kernel_misc_reclaimable 0
nr_foll_pin_acquired 0
nr_foll_pin_released 0
nr_kernel_stack 1300
nr_page_table_pages 302
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
nr_hugetlb 0
nr_balloon_pages 0
nr_kernel_file_pages 0
nr_dirty_threshold 1222566
nr_dirty_background_threshold 610536
nr_memmap_pages 0
nr_memmap_boot_pages 98304
pgpgin 1711845
pgpgout 526296
pswpin 0
pswpout 0
pgalloc_dma 0
pgalloc_dma32 0
pgalloc_normal 2291672
pgalloc_movable 0
pgalloc_device 0
allocstall_dma 0
allocstall_dma32 0
allocstall_normal 0
allocstall_movable 0
allocstall_device 0
pgskip_dma 0
pgskip_dma32 0
pgskip_normal 0
pgskip_movable 0
pgskip_device 0
pgfree 3158219
pgactivate 155150
pgdeactivate 0
pglazyfree 0
pgfault 1859811
pgmajfault 1108
pglazyfreed 0
pgrefill 0
pgreuse 128900
pgsteal_kswapd 0
pgsteal_direct 0
pgsteal_khugepaged 0
pgsteal_proactive 0
pgscan_kswapd 0
pgscan_direct 0
pgscan_khugepaged 0
pgscan_proactive 0
pgscan_direct_throttle 0
pgscan_anon 0
pgscan_file 0
pgsteal_anon 0
pgsteal_file 0
zone_reclaim_success 0
zone_reclaim_failed 0
pginodesteal 0
slabs_scanned 279
kswapd_inodesteal 0
kswapd_low_wmark_hit_quickly 0
kswapd_high_wmark_hit_quickly 0
pageoutrun 0
pgrotated 3475
drop_pagecache 1
drop_slab 2
oom_kill 0
numa_pte_updates 0
numa_huge_pte_updates 0
numa_hint_faults 0
numa_hint_faults_local 0
numa_pages_migrated 0
pgmigrate_success 0
pgmigrate_fail 0
thp_migration_success 0
thp_migration_fail 0
thp_migration_split 0
compact_migrate_scanned 0
compact_free_scanned 0
compact_isolated 0
compact_stall 0
compact_fail 0
compact_success 0
compact_daemon_wake 0
compact_daemon_migrate_scanned 0
compact_daemon_free_scanned 0
htlb_buddy_alloc_success 0
htlb_buddy_alloc_fail 0
unevictable_pgs_culled 20916
unevictable_pgs_scanned 0
unevictable_pgs_rescued 18131
unevictable_pgs_mlocked 20792
unevictable_pgs_munlocked 18271
unevictable_pgs_cleared 0
unevictable_pgs_stranded 0
thp_fault_alloc 0
thp_fault_fallback 0
thp_fault_fallback_charge 0
thp_collapse_alloc 0
thp_collapse_alloc_failed 0
thp_file_alloc 0
thp_file_fallback 0
thp_file_fallback_charge 0
thp_file_mapped 7
thp_split_page 0
thp_split_page_failed 0
thp_deferred_split_page 0
thp_underused_split_page 0
thp_split_pmd 0
thp_scan_exceed_none_pte 0
thp_scan_exceed_swap_pte 0
thp_scan_exceed_share_pte 0
thp_split_pud 0
thp_zero_page_alloc 0
thp_zero_page_alloc_failed 0
thp_swpout 0
thp_swpout_fallback 0
balloon_inflate 0
balloon_deflate 0
balloon_migrate 0
swap_ra 0
swap_ra_hit 0
swpin_zero 0
swpout_zero 0
ksm_swpin_copy 0
cow_ksm 0
zswpin 0
zswpout 0
zswpwb 0
direct_map_level2_splits 5
direct_map_level3_splits 0
direct_map_level2_collapses 0
direct_map_level3_collapses 0
nr_unstable 0
";

    #[test]
    fn parses_sample_in_order() {
        let v = parse(SAMPLE).unwrap();
        assert_eq!(v.0.len(), 192);
        assert_eq!(v.0[0], ("nr_free_pages".to_string(), 863323));
        assert_eq!(v.0.last().unwrap(), &("nr_unstable".to_string(), 0));
        assert_eq!(v.get("workingset_refault_file"), Some(254807));
        assert_eq!(v.get("pgfault"), Some(1859811));
        assert_eq!(v.get("pgmajfault"), Some(1108));
        assert_eq!(v.get("nr_dirty_threshold"), Some(1222566));
        assert_eq!(v.get("direct_map_level2_splits"), Some(5));
        assert_eq!(v.get("pswpin"), Some(0));
        assert_eq!(v.get("no_such_counter"), None);
        assert_eq!(v.sum_prefix("pgalloc_"), Some(2291672));
        assert_eq!(v.sum_prefix("drop_"), Some(3));
    }

    #[test]
    fn huge_values_and_spacing() {
        let v = parse(b"nr_free_pages   18446744073709551615\npgfault\t12\n").unwrap();
        assert_eq!(v.get("nr_free_pages"), Some(u64::MAX));
        assert_eq!(v.get("pgfault"), Some(12));
    }

    #[test]
    fn rejects_garbled_and_truncated() {
        let e = parse(b"nr_free_pages 1\npgfault\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = parse(b"nr_free_pages 1\npgfault 1 2\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = parse(b"nr_free_pages 1\npgfault 1\npgmajfault -1\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        let e = parse(b"nr_free_pages 18446744073709551616\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        let e = parse(b"nr_free_pages 1\npgfault 18").unwrap_err();
        assert_eq!(e.line, Some(2));
        // Cut inside the sample: the last, partial line is named.
        let cut = &SAMPLE[..SAMPLE.len() - 3];
        assert_eq!(parse(cut).unwrap_err().line, Some(192));
        assert!(parse(b"").is_err());
        assert!(parse(b"\n").is_err());
    }

    #[test]
    fn fuzzed_input_never_panics() {
        fuzz(SAMPLE, parse);
    }

    #[test]
    fn reads_live_system() {
        let v = read(&Root::live()).unwrap();
        assert!(v.get("nr_free_pages").is_some());
    }
}
