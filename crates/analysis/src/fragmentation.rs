//! `memlens buddy`: free memory per order of the buddy allocator, and how fragmented it is.
//!
//! `/proc/buddyinfo` gives, per zone, `n[k]`: the number of free blocks of `2^k` pages.
//! The **unusable free space index** of order `j` (Mel Gorman, "Measuring the Impact of
//! External Fragmentation", and the kernel's `unusable_free_index()` behind
//! `/sys/kernel/debug/extfrag/unusable_index`) is the share of free memory that cannot
//! serve an allocation of `2^j` pages:
//!
//! ```text
//! F_u(j) = (F - Σ_{i≥j} 2^i · n[i]) / F,   F = Σ_i 2^i · n[i] (total free pages)
//! ```
//!
//! 0 means every free page sits in a block of order `j` or more; 1 means none does. A zone
//! with no free page at all has index 1 at every order, as the kernel defines it.

use serde::Serialize;

/// Total free pages: `Σ 2^k · n[k]`.
pub fn free_pages(n: &[u64]) -> u64 {
    n.iter()
        .enumerate()
        .map(|(k, c)| c.saturating_mul(1u64 << k))
        .fold(0u64, u64::saturating_add)
}

/// Free pages in blocks of order `j` or more: `Σ_{i≥j} 2^i · n[i]`.
pub fn free_pages_at_least(n: &[u64], j: usize) -> u64 {
    n.iter()
        .enumerate()
        .skip(j)
        .map(|(k, c)| c.saturating_mul(1u64 << k))
        .fold(0u64, u64::saturating_add)
}

/// The unusable free space index for every order.
pub fn unusable_index(n: &[u64]) -> Vec<f64> {
    let total = free_pages(n);
    (0..n.len())
        .map(|j| {
            if total == 0 {
                1.0
            } else {
                (total - free_pages_at_least(n, j)) as f64 / total as f64
            }
        })
        .collect()
}

/// The highest order with a free block.
pub fn largest_order(n: &[u64]) -> Option<usize> {
    n.iter().rposition(|&c| c > 0)
}

/// One zone's free lists in bytes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BuddyView {
    pub node: u32,
    pub zone: String,
    /// Free blocks per order (`n[k]`, from buddyinfo).
    pub free_blocks: Vec<u64>,
    /// Size of one block of each order, in bytes (`2^k` × page size).
    pub block_sizes: Vec<u64>,
    /// Free memory in the zone, in bytes.
    pub free: u64,
    /// The largest free block, in bytes; `None` when nothing is free.
    pub largest_free_block: Option<u64>,
    /// Unusable free space index per order, 0..1.
    pub unusable_index: Vec<f64>,
}

pub fn view(node: u32, zone: &str, n: &[u64], page_size: u64) -> BuddyView {
    BuddyView {
        node,
        zone: zone.to_string(),
        free_blocks: n.to_vec(),
        block_sizes: (0..n.len()).map(|k| page_size << k).collect(),
        free: free_pages(n).saturating_mul(page_size),
        largest_free_block: largest_order(n).map(|k| page_size << k),
        unusable_index: unusable_index(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_index() {
        // n = [4, 2, 1]: F = 4·1 + 2·2 + 1·4 = 12 pages.
        // j=0: all 12 usable -> 0. j=1: 8 usable -> 4/12. j=2: 4 usable -> 8/12.
        let n = [4, 2, 1];
        assert_eq!(free_pages(&n), 12);
        let u = unusable_index(&n);
        assert_eq!(u[0], 0.0);
        assert!((u[1] - 1.0 / 3.0).abs() < 1e-12);
        assert!((u[2] - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(largest_order(&n), Some(2));
    }

    #[test]
    fn only_small_blocks_and_empty_zones() {
        // Only order-0 pages: nothing above order 0 can be served.
        let u = unusable_index(&[100, 0, 0, 0]);
        assert_eq!(u, vec![0.0, 1.0, 1.0, 1.0]);
        // Only one big block: everything can be served.
        assert_eq!(unusable_index(&[0, 0, 0, 1]), vec![0.0; 4]);
        // Nothing free: unusable at every order (the kernel's convention).
        assert_eq!(unusable_index(&[0, 0]), vec![1.0, 1.0]);
        assert_eq!(largest_order(&[0, 0]), None);
    }

    #[test]
    fn the_fixture_normal_zone_by_hand() {
        // Node 0, zone Normal of tests/fixtures/vm-6.18-hybrid/proc/buddyinfo.
        let n = [9523, 5727, 1614, 1071, 670, 244, 142, 60, 29, 11, 31];
        // 9523 + 11454 + 6456 + 8568 + 10720 + 7808 + 9088 + 7680 + 7424 + 5632 + 31744
        assert_eq!(free_pages(&n), 116097);
        let u = unusable_index(&n);
        // Order 9 and up: 5632 + 31744 = 37376 usable pages.
        assert!((u[9] - (116097.0 - 37376.0) / 116097.0).abs() < 1e-12);
        assert!((u[10] - (116097.0 - 31744.0) / 116097.0).abs() < 1e-12);
        let v = view(0, "Normal", &n, 4096);
        assert_eq!(v.largest_free_block, Some(4 << 20));
        assert_eq!(v.block_sizes[10], 4 << 20);
        assert_eq!(v.free, 116097 * 4096);
    }
}
