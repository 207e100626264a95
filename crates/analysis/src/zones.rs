//! `memlens zones`: each zone's free pages against its watermarks.
//!
//! The page allocator compares a zone's free pages with three watermarks
//! (Documentation/admin-guide/sysctl/vm.rst, `min_free_kbytes`, `watermark_scale_factor`):
//! - below **high**: kswapd, once woken, keeps reclaiming until free is back above high;
//! - below **low**: an allocation wakes kswapd (background reclaim);
//! - below **min**: ordinary allocations stall in direct reclaim (and compaction); only
//!   atomic and `PF_MEMALLOC` allocations may dip further.
//!
//! `/proc/zoneinfo` prints the watermarks with `watermark_boost` already added (the
//! kernel's `min_wmark_pages()` and friends), so they are compared as printed. A zone that
//! manages no pages (an empty `Movable` or `Device` zone) is `empty`, whatever its
//! watermarks say.

use memlens_model::Zone;
use serde::Serialize;

/// Where free memory stands against the watermarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WatermarkStatus {
    /// free >= high.
    Ok,
    /// low <= free < high: kswapd, if awake, is still reclaiming.
    BelowHigh,
    /// min <= free < low: kswapd is woken.
    BelowLow,
    /// free < min: allocations enter direct reclaim.
    BelowMin,
    /// The zone manages no pages.
    Empty,
}

impl WatermarkStatus {
    pub fn text(self) -> &'static str {
        match self {
            WatermarkStatus::Ok => "ok",
            WatermarkStatus::BelowHigh => "below high",
            WatermarkStatus::BelowLow => "below low (kswapd wakes)",
            WatermarkStatus::BelowMin => "below min (direct reclaim)",
            WatermarkStatus::Empty => "empty",
        }
    }
}

/// One zone in bytes. `None` where zoneinfo lacks the line.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ZoneView {
    pub node: u32,
    pub zone: String,
    pub free: Option<u64>,
    pub min: Option<u64>,
    pub low: Option<u64>,
    pub high: Option<u64>,
    /// `boost`: temporary raise of the watermarks after fragmentation events (4.20+),
    /// already included in min/low/high.
    pub boost: Option<u64>,
    pub managed: Option<u64>,
    pub present: Option<u64>,
    pub spanned: Option<u64>,
    pub free_minus_min: Option<i64>,
    pub free_minus_low: Option<i64>,
    pub free_minus_high: Option<i64>,
    pub status: Option<WatermarkStatus>,
}

/// A zone's status from its free pages and watermarks (pages or bytes alike).
/// MemFree against the zones' free pages, when they disagree.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct FreeGap {
    /// `MemFree`.
    pub mem_free: u64,
    /// The zones' free pages, summed (vmstat `nr_free_pages`).
    pub zones_free: u64,
    /// What the zones span but do not manage: `present − managed`, summed.
    pub unmanaged: u64,
}

/// MemFree and the zones' free pages, when MemFree is above them by more than 1% of
/// MemTotal. On some kernels and VMs (memory being accepted or initialised after boot,
/// hot-added memory) zones manage only part of what they span; `MemFree` counts the
/// rest as free, the zones' free pages and the buddy lists do not.
pub fn free_gap(
    zones: &[ZoneView],
    mem_free: Option<u64>,
    mem_total: Option<u64>,
) -> Option<FreeGap> {
    let mem_free = mem_free?;
    let zones_free: u64 = zones.iter().filter_map(|z| z.free).sum();
    let unmanaged: u64 = zones
        .iter()
        .filter_map(|z| Some(z.present?.saturating_sub(z.managed?)))
        .sum();
    let slack = mem_total.unwrap_or(0) / 100;
    (mem_free > zones_free + slack).then_some(FreeGap {
        mem_free,
        zones_free,
        unmanaged,
    })
}

pub fn status(free: u64, min: u64, low: u64, high: u64, managed: u64) -> WatermarkStatus {
    if managed == 0 {
        WatermarkStatus::Empty
    } else if free < min {
        WatermarkStatus::BelowMin
    } else if free < low {
        WatermarkStatus::BelowLow
    } else if free < high {
        WatermarkStatus::BelowHigh
    } else {
        WatermarkStatus::Ok
    }
}

/// Converts a zone from pages to bytes and places free against its watermarks.
pub fn view(z: &Zone, page_size: u64) -> ZoneView {
    let b = |p: Option<u64>| p.map(|v| v.saturating_mul(page_size));
    let diff = |w: Option<u64>| match (z.free, w) {
        (Some(f), Some(w)) => Some((f as i64 - w as i64).saturating_mul(page_size as i64)),
        _ => None,
    };
    let status = match (z.free, z.min, z.low, z.high, z.managed) {
        (Some(f), Some(mi), Some(lo), Some(hi), Some(ma)) => Some(status(f, mi, lo, hi, ma)),
        _ => None,
    };
    ZoneView {
        node: z.node,
        zone: z.zone.clone(),
        free: b(z.free),
        min: b(z.min),
        low: b(z.low),
        high: b(z.high),
        boost: b(z.stats.get("boost")),
        managed: b(z.managed),
        present: b(z.present),
        spanned: b(z.spanned),
        free_minus_min: diff(z.min),
        free_minus_low: diff(z.low),
        free_minus_high: diff(z.high),
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_at_the_edges() {
        // Watermarks min 10, low 20, high 30 pages.
        let s = |f| status(f, 10, 20, 30, 100);
        assert_eq!(s(30), WatermarkStatus::Ok);
        assert_eq!(s(29), WatermarkStatus::BelowHigh);
        assert_eq!(s(20), WatermarkStatus::BelowHigh);
        assert_eq!(s(19), WatermarkStatus::BelowLow);
        assert_eq!(s(10), WatermarkStatus::BelowLow);
        assert_eq!(s(9), WatermarkStatus::BelowMin);
        assert_eq!(status(0, 32, 32, 32, 0), WatermarkStatus::Empty);
    }

    #[test]
    fn bytes_and_differences() {
        let z = Zone {
            node: 0,
            zone: "Normal".into(),
            free: Some(100),
            min: Some(50),
            low: Some(120),
            high: Some(150),
            managed: Some(1000),
            present: Some(1024),
            spanned: Some(2048),
            ..Default::default()
        };
        let v = view(&z, 4096);
        assert_eq!(v.free, Some(409600));
        assert_eq!(v.free_minus_low, Some(-20 * 4096));
        assert_eq!(v.free_minus_min, Some(50 * 4096));
        assert_eq!(v.status, Some(WatermarkStatus::BelowLow));
        assert_eq!(v.boost, None);
    }
}
