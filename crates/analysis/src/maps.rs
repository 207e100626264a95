//! `memlens maps`: mappings summed by kind or path, and checked against smaps_rollup.

use memlens_model::{Mapping, SmapsCounters};
use serde::Serialize;

/// Sums of a set of mappings (a kind, a path, or all).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MapGroup {
    pub key: String,
    pub mappings: usize,
    pub size: u64,
    /// Summed counters, by kernel name. `KernelPageSize`/`MMUPageSize` are not summed
    /// (a sum of page sizes means nothing), nor is `Size` (see `size`).
    pub counters: SmapsCounters,
}

/// Groups mappings by `key`, largest RSS first.
pub fn group(maps: &[Mapping], key: impl Fn(&Mapping) -> String) -> Vec<MapGroup> {
    let mut out: Vec<MapGroup> = Vec::new();
    for m in maps {
        let k = key(m);
        let i = match out.iter().position(|g| g.key == k) {
            Some(i) => i,
            None => {
                out.push(MapGroup {
                    key: k,
                    mappings: 0,
                    size: 0,
                    counters: SmapsCounters::default(),
                });
                out.len() - 1
            }
        };
        out[i].mappings += 1;
        out[i].size = out[i].size.saturating_add(m.size());
        out[i].counters.add(&m.counters);
    }
    for g in &mut out {
        g.counters.size = None;
        g.counters.kernel_page_size = None;
        g.counters.mmu_page_size = None;
    }
    out.sort_by(|a, b| {
        b.counters
            .rss
            .cmp(&a.counters.rss)
            .then_with(|| b.size.cmp(&a.size))
            .then_with(|| a.key.cmp(&b.key))
    });
    out
}

/// All mappings summed.
pub fn total(maps: &[Mapping]) -> MapGroup {
    group(maps, |_| "total".into()).pop().unwrap_or(MapGroup {
        key: "total".into(),
        mappings: 0,
        size: 0,
        counters: SmapsCounters::default(),
    })
}

/// How the sum of the mappings compares with smaps_rollup.
///
/// The kernel prints each mapping's `Pss` rounded down to a whole kB, but sums the
/// rollup's before rounding: the mappings' sum may fall short of the rollup by up to 1 KiB
/// per mapping and still agree. `Rss` is whole pages and must match exactly.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RollupCheck {
    pub rollup_rss: Option<u64>,
    pub rollup_pss: Option<u64>,
    pub smaps_rss: Option<u64>,
    pub smaps_pss: Option<u64>,
    /// True when RSS is equal and PSS within the per-mapping rounding.
    pub agrees: bool,
}

pub fn check(rollup: &SmapsCounters, total: &MapGroup) -> RollupCheck {
    let (rr, rp) = (rollup.rss, rollup.pss);
    let (sr, sp) = (total.counters.rss, total.counters.pss);
    let slack = total.mappings as u64 * 1024;
    let agrees = rr == sr
        && match (rp, sp) {
            (Some(r), Some(s)) => r >= s && r - s <= slack,
            (r, s) => r == s,
        };
    RollupCheck {
        rollup_rss: rr,
        rollup_pss: rp,
        smaps_rss: sr,
        smaps_pss: sp,
        agrees,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(rss: u64, pss: u64) -> Mapping {
        Mapping {
            start: 0,
            end: 8192,
            perms: "r--p".into(),
            offset: 0,
            dev: "00:00".into(),
            inode: 0,
            path: String::new(),
            kind: memlens_model::MappingKind::Anon,
            counters: SmapsCounters {
                size: Some(8192),
                kernel_page_size: Some(4096),
                mmu_page_size: Some(4096),
                rss: Some(rss),
                pss: Some(pss),
                ..Default::default()
            },
            thp_eligible: None,
            vm_flags: None,
        }
    }

    #[test]
    fn totals_do_not_sum_page_sizes_and_rollup_allows_rounding() {
        let maps = [m(8192, 2048), m(4096, 1024)];
        let t = total(&maps);
        assert_eq!(t.counters.kernel_page_size, None);
        assert_eq!(t.counters.mmu_page_size, None);
        assert_eq!(t.size, 16384);
        assert_eq!(t.counters.pss, Some(3072));
        let roll = |rss, pss| SmapsCounters {
            rss: Some(rss),
            pss: Some(pss),
            ..Default::default()
        };
        assert!(check(&roll(12288, 3072), &t).agrees);
        assert!(
            check(&roll(12288, 3072 + 2048), &t).agrees,
            "1 KiB per mapping of rounding"
        );
        assert!(!check(&roll(12288, 3072 + 2049), &t).agrees);
        assert!(
            !check(&roll(12288, 2048), &t).agrees,
            "the rollup is never below the sum"
        );
        assert!(!check(&roll(8192, 3072), &t).agrees, "RSS is exact");
    }
}
