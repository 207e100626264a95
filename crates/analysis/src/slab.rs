//! `memlens slab`: kernel object caches by the memory their slabs take, as `slabtop -o`
//! shows them, and their total against meminfo's `Slab`.
//!
//! A cache's size is `num_slabs × pagesperslab × page size`: the pages its slabs hold,
//! used or not (slabtop's CACHE SIZE). The sum over `/proc/slabinfo` is not `Slab` in
//! meminfo exactly: kmalloc allocations above two pages bypass the caches and go to the
//! page allocator, and current kernels count those pages in `Slab` (SUnreclaim) though no
//! cache lists them; `pagesperslab` is the cache's preferred slab order, and slabs
//! allocated at a lower order under pressure take fewer pages; and the two files are read
//! at different moments. SLUB's merging of caches of the same shape under one name
//! (`/sys/kernel/slab/` shows the aliases) hides names, not memory.

use memlens_model::SlabCache;
use serde::Serialize;

/// One cache, sizes in bytes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SlabRow {
    pub name: String,
    pub active_objs: u64,
    pub num_objs: u64,
    /// Bytes per object (with its metadata and alignment).
    pub objsize: u64,
    pub objperslab: u64,
    pub pagesperslab: u64,
    pub active_slabs: u64,
    pub num_slabs: u64,
    /// `num_slabs × pagesperslab × page size`.
    pub size: u64,
    /// `active_objs × objsize`: what the live objects take.
    pub active_size: u64,
    /// `active_objs / num_objs`, 0..1; `None` for an empty cache.
    pub utilisation: Option<f64>,
}

/// The totals, and how they compare with meminfo.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SlabTotals {
    pub caches: usize,
    /// Caches with at least one object.
    pub active_caches: usize,
    pub active_objs: u64,
    pub num_objs: u64,
    /// Sum of the caches' sizes.
    pub size: u64,
    /// Sum of `active_objs × objsize`.
    pub active_size: u64,
    /// meminfo `Slab` (`SReclaimable + SUnreclaim`), bytes.
    pub meminfo_slab: Option<u64>,
    /// `meminfo_slab - size`.
    pub difference: Option<i64>,
}

pub fn row(c: &SlabCache, page_size: u64) -> SlabRow {
    SlabRow {
        name: c.name.clone(),
        active_objs: c.active_objs,
        num_objs: c.num_objs,
        objsize: c.objsize,
        objperslab: c.objperslab,
        pagesperslab: c.pagesperslab,
        active_slabs: c.active_slabs,
        num_slabs: c.num_slabs,
        size: c
            .num_slabs
            .saturating_mul(c.pagesperslab)
            .saturating_mul(page_size),
        active_size: c.active_objs.saturating_mul(c.objsize),
        utilisation: (c.num_objs > 0).then(|| c.active_objs as f64 / c.num_objs as f64),
    }
}

/// Rows sorted by size, largest first (then by name).
pub fn rows(caches: &[SlabCache], page_size: u64) -> Vec<SlabRow> {
    let mut v: Vec<SlabRow> = caches.iter().map(|c| row(c, page_size)).collect();
    v.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.name.cmp(&b.name)));
    v
}

pub fn totals(rows: &[SlabRow], meminfo_slab: Option<u64>) -> SlabTotals {
    let size = rows.iter().map(|r| r.size).sum::<u64>();
    SlabTotals {
        caches: rows.len(),
        active_caches: rows.iter().filter(|r| r.active_objs > 0).count(),
        active_objs: rows.iter().map(|r| r.active_objs).sum(),
        num_objs: rows.iter().map(|r| r.num_objs).sum(),
        size,
        active_size: rows.iter().map(|r| r.active_size).sum(),
        meminfo_slab,
        difference: meminfo_slab.map(|m| m as i64 - size as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(name: &str, active: u64, num: u64, objsize: u64, pps: u64, slabs: u64) -> SlabCache {
        SlabCache {
            name: name.into(),
            active_objs: active,
            num_objs: num,
            objsize,
            objperslab: 0,
            pagesperslab: pps,
            active_slabs: slabs,
            num_slabs: slabs,
        }
    }

    #[test]
    fn sizes_sorting_and_totals() {
        // ext4_inode_cache of this machine: 6696 slabs of 8 pages.
        let c = [
            cache("dentry", 163743, 164094, 192, 1, 7814),
            cache("ext4_inode_cache", 93392, 93744, 1128, 8, 6696),
            cache("empty", 0, 0, 64, 1, 0),
        ];
        let r = rows(&c, 4096);
        assert_eq!(r[0].name, "ext4_inode_cache");
        assert_eq!(r[0].size, 6696 * 8 * 4096);
        assert_eq!(r[1].size, 7814 * 4096);
        assert!((r[1].utilisation.unwrap() - 163743.0 / 164094.0).abs() < 1e-12);
        assert_eq!(r[2].utilisation, None);
        let t = totals(&r, Some(250 << 20));
        assert_eq!(t.caches, 3);
        assert_eq!(t.active_caches, 2);
        assert_eq!(t.size, (6696 * 8 + 7814) * 4096);
        assert_eq!(t.difference, Some((250 << 20) - t.size as i64));
        assert_eq!(totals(&r, None).difference, None);
    }
}
