//! `memlens vmstat`: deltas and per-second rates between two raw samples of `/proc/vmstat`
//! and `/proc/meminfo`, or since boot when there is no earlier sample.
//!
//! Everything here is derived from a pair of snapshots (their vmstat, meminfo, PSI and
//! uptime parts), so a stored series can be recomputed.
//!
//! Reclaim, scanned (`pgscan`) and reclaimed (`pgsteal`), is shown whole and split by who
//! reclaimed:
//! - The per-reclaimer counters, `pgscan_kswapd`, `pgscan_direct`, `pgscan_khugepaged` and
//!   `pgscan_proactive` (and their `pgsteal_*`), count only *global* reclaim: the kernel
//!   skips them when a memory cgroup reclaims against its own limit (`cgroup_reclaim()` in
//!   mm/vmscan.c). `pgscan_anon` + `pgscan_file` (Linux 5.8+) count every scanned page,
//!   cgroup reclaim included; likewise `pgsteal_anon` + `pgsteal_file`.
//! - So the total is `pgscan_anon + pgscan_file`, and memory cgroup reclaim
//!   (`pgscan_memcg`) is the total less the global reclaimers. On kernels before 5.8 the
//!   total falls back to the sum of the global reclaimers and cgroup reclaim is unknown
//!   (`None`): those kernels do not count it anywhere in /proc/vmstat.
//! - Per-reclaimer counters sum every counter with that prefix (3.x kernels have one per
//!   zone, `pgscan_kswapd_normal`...), but `pgscan_direct_throttle` is left out: it counts
//!   throttling events, not scanned pages (sysstat 12.6 adds it in). sysstat 12.6 also
//!   sums every `pgsteal_*` line, counting reclaimed pages twice on 5.8+ kernels, and
//!   shows no cgroup reclaim at all.
//!
//! `%vmeff` is `pgsteal / pgscan × 100` over all reclaim (sar uses the global reclaimers
//! only), and `None` when nothing was scanned (sar prints 0.00).

use memlens_model::{FailureKind, MemInfo, ReadFailure, Snapshot, VmStat};
use serde::Serialize;

/// The counters `memlens vmstat` shows, in column order: (JSON key, what it sums).
pub const COUNTERS: &[&str] = &[
    "pgfault",
    "pgmajfault",
    "pswpin",
    "pswpout",
    "pgpgin",
    "pgpgout",
    "pgscan",
    "pgscan_kswapd",
    "pgscan_direct",
    "pgscan_khugepaged",
    "pgscan_proactive",
    "pgscan_memcg",
    "pgsteal",
    "pgsteal_memcg",
    "compact_stall",
    "thp_fault_alloc",
    "oom_kill",
];

/// The value of one shown counter in a vmstat reading: a kernel counter, or a sum of
/// several (see the module docs). `None` when this kernel has none of them.
pub fn counter(v: &VmStat, name: &str) -> Option<u64> {
    let sum = |pred: &dyn Fn(&str) -> bool| {
        let mut found = false;
        let mut s = 0u64;
        for (n, x) in &v.0 {
            if pred(n) {
                found = true;
                s = s.wrapping_add(*x);
            }
        }
        found.then_some(s)
    };
    // The global reclaimers of one kind (`pgscan` or `pgsteal`): kswapd, direct,
    // khugepaged, proactive, each summed over zones on old kernels.
    let global = |kind: &str| {
        sum(&|n| {
            n.strip_prefix(kind).is_some_and(|r| {
                ["_kswapd", "_direct", "_khugepaged", "_proactive"]
                    .iter()
                    .any(|who| r.starts_with(who))
                    && r != "_direct_throttle"
            })
        })
    };
    // Every page of one kind, cgroup reclaim included (Linux 5.8+).
    let all = |kind: &str| match (
        v.get(&format!("{kind}_anon")),
        v.get(&format!("{kind}_file")),
    ) {
        (Some(a), Some(f)) => Some(a.wrapping_add(f)),
        _ => None,
    };
    match name {
        "pgscan_kswapd" | "pgscan_khugepaged" | "pgscan_proactive" | "pgsteal_kswapd"
        | "pgsteal_khugepaged" | "pgsteal_proactive" => sum(&|n| n.starts_with(name)),
        "pgscan_direct" | "pgsteal_direct" => {
            sum(&|n| n.starts_with(name) && n != "pgscan_direct_throttle")
        }
        "pgscan" | "pgsteal" => all(name).or_else(|| global(name)),
        "pgscan_memcg" | "pgsteal_memcg" => {
            let kind = &name[..name.len() - "_memcg".len()];
            Some(all(kind)?.saturating_sub(global(kind).unwrap_or(0)))
        }
        _ => v.get(name),
    }
}

/// A counter over one interval.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Change {
    /// Events (or pages; KiB for `pgpgin`/`pgpgout`) in the interval. `None` when the kernel
    /// lacks the counter, or it went backwards (never for these event counters).
    pub delta: Option<u64>,
    /// `delta / seconds`.
    pub per_second: Option<f64>,
}

/// One row of `memlens vmstat`: the state at the end of the interval, and the counters'
/// changes over it. Sizes in bytes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Interval {
    /// True for the first row: counters since boot, divided by the uptime.
    pub since_boot: bool,
    /// Length of the interval in seconds (the uptime for the since-boot row); `None` when
    /// unknown.
    pub seconds: Option<f64>,
    /// `MemFree`.
    pub free: Option<u64>,
    /// `MemAvailable`.
    pub available: Option<u64>,
    /// `AnonPages`.
    pub anon: Option<u64>,
    /// The file LRU: `Active(file) + Inactive(file)`.
    pub file: Option<u64>,
    /// `SwapTotal - SwapFree`.
    pub swap_used: Option<u64>,
    /// Keyed by [`COUNTERS`], in that order (a JSON object).
    #[serde(serialize_with = "as_map")]
    pub counters: Vec<(&'static str, Change)>,
    /// `pgsteal / pgscan × 100` over all reclaim; `None` when nothing was scanned.
    pub vmeff_percent: Option<f64>,
    /// PSI memory `some avg10` / `full avg10` at the end of the interval (percent of time).
    pub psi_some_avg10: Option<f64>,
    pub psi_full_avg10: Option<f64>,
}

fn as_map<S: serde::Serializer>(v: &[(&'static str, Change)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(v.len()))?;
    for (k, c) in v {
        m.serialize_entry(k, c)?;
    }
    m.end()
}

impl Interval {
    pub fn get(&self, name: &str) -> Option<Change> {
        self.counters
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| *c)
    }

    /// A shown counter's rate over the interval, per second.
    pub fn per_second(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(|c| c.per_second)
    }
}

/// One counter ([`counter`]: a kernel counter or a sum) from `prev` to `cur`, since boot
/// when `prev` is `None`, and its rate over `seconds`. `None` when either reading lacks
/// it or it went backwards.
pub fn change(prev: Option<&Snapshot>, cur: &Snapshot, name: &str, seconds: Option<f64>) -> Change {
    let read = |s: &Snapshot| s.vmstat.ok().and_then(|v| counter(v, name));
    let delta = match prev {
        None => read(cur),
        Some(p) => match (read(p), read(cur)) {
            (Some(a), Some(b)) => b.checked_sub(a),
            _ => None,
        },
    };
    let per_second = match (delta, seconds) {
        (Some(d), Some(s)) => Some(d as f64 / s),
        _ => None,
    };
    Change { delta, per_second }
}

/// Whether `later` was taken after `earlier` in the same boot (same boot id, larger
/// uptime), so that counters can be subtracted.
pub fn same_boot(earlier: &Snapshot, later: &Snapshot) -> bool {
    earlier.meta.boot_id == later.meta.boot_id
        && matches!((earlier.uptime.ok(), later.uptime.ok()), (Some(a), Some(b)) if a < b)
}

/// Whether a snapshot has what rates need: vmstat, meminfo and PSI read (PSI may be
/// `None` on old kernels), the uptime read or missing (then there are no rates).
pub fn check(s: &Snapshot) -> Result<(), ReadFailure> {
    s.vmstat.get("vmstat")?;
    s.meminfo.get("meminfo")?;
    s.pressure.get("pressure")?;
    match s.uptime.failure() {
        Some(f) if f.kind != FailureKind::Missing => Err(f.clone()),
        _ => Ok(()),
    }
}

/// Deltas and rates between `prev` and `cur`; since boot when `prev` is `None`. Parts a
/// snapshot lacks give unknown figures ([`check`] says whether that is an error).
pub fn between(prev: Option<&Snapshot>, cur: &Snapshot) -> Interval {
    let psi = |s: &Snapshot| s.pressure.ok().copied().flatten();
    let empty_mi = MemInfo::default();
    let m = cur.meminfo.ok().unwrap_or(&empty_mi);
    let up = |s: &Snapshot| s.uptime.ok().copied();
    let seconds = match prev {
        None => up(cur),
        Some(p) => match (up(p), up(cur)) {
            (Some(a), Some(b)) if b > a => Some(b - a),
            _ => None,
        },
    }
    .filter(|s| s.is_finite() && *s > 0.0);
    let counters: Vec<(&'static str, Change)> = COUNTERS
        .iter()
        .map(|&name| (name, change(prev, cur, name, seconds)))
        .collect();
    let d = |n: &str| {
        counters
            .iter()
            .find(|(k, _)| *k == n)
            .and_then(|(_, c)| c.delta)
    };
    let vmeff_percent = match (d("pgsteal"), d("pgscan")) {
        (Some(steal), Some(scan)) if scan > 0 => Some(steal as f64 * 100.0 / scan as f64),
        _ => None,
    };
    let file = match (m.active_file, m.inactive_file) {
        (Some(a), Some(i)) => Some(a + i),
        _ => None,
    };
    let swap_used = match (m.swap_total, m.swap_free) {
        (Some(t), Some(f)) => Some(t.saturating_sub(f)),
        _ => None,
    };
    Interval {
        since_boot: prev.is_none(),
        seconds,
        free: m.mem_free,
        available: m.mem_available,
        anon: m.anon_pages,
        file,
        swap_used,
        counters,
        vmeff_percent,
        psi_some_avg10: psi(cur).and_then(|p| p.some).map(|l| l.avg10),
        psi_full_avg10: psi(cur).and_then(|p| p.full).map(|l| l.avg10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use memlens_model::NamedCounters;
    use memlens_model::Part;

    fn vm(pairs: &[(&str, u64)]) -> VmStat {
        NamedCounters(pairs.iter().map(|(n, v)| (n.to_string(), *v)).collect())
    }

    #[test]
    fn sums_per_zone_counters_and_skips_throttle_and_type_split() {
        // A 3.10-style file: per-zone scan and steal counters.
        let old = vm(&[
            ("pgsteal_kswapd_dma32", 10),
            ("pgsteal_kswapd_normal", 90),
            ("pgsteal_direct_normal", 5),
            ("pgscan_kswapd_dma32", 20),
            ("pgscan_kswapd_normal", 180),
            ("pgscan_direct_normal", 50),
            ("pgscan_direct_throttle", 7),
        ]);
        assert_eq!(counter(&old, "pgsteal"), Some(105));
        assert_eq!(counter(&old, "pgscan_kswapd"), Some(200));
        assert_eq!(counter(&old, "pgscan_direct"), Some(50));
        assert_eq!(counter(&old, "pgscan"), Some(250));
        // No type split before 5.8: cgroup reclaim is not counted anywhere.
        assert_eq!(counter(&old, "pgscan_memcg"), None);
        // A 6.x file: per-reclaimer and per-type splits of the same pages.
        let new = vm(&[
            ("pgsteal_kswapd", 300),
            ("pgsteal_direct", 100),
            ("pgsteal_khugepaged", 1),
            ("pgscan_kswapd", 600),
            ("pgscan_direct", 200),
            ("pgscan_direct_throttle", 3),
            ("pgsteal_anon", 150),
            ("pgsteal_file", 251),
        ]);
        // The type split counts the same 401 pages (kswapd + direct + khugepaged).
        assert_eq!(counter(&new, "pgsteal"), Some(401));
        assert_eq!(counter(&new, "pgsteal_memcg"), Some(0));
        assert_eq!(counter(&new, "pgscan_direct"), Some(200));
        assert_eq!(counter(&new, "oom_kill"), None);
    }

    #[test]
    fn cgroup_reclaim_is_the_total_less_the_global_reclaimers() {
        // A memory cgroup reclaiming against its limit: the global reclaimers do not count
        // it, the anon/file split does.
        let v = vm(&[
            ("pgscan_kswapd", 100),
            ("pgscan_direct", 20),
            ("pgscan_khugepaged", 3),
            ("pgscan_proactive", 7),
            ("pgscan_direct_throttle", 9),
            ("pgscan_anon", 30),
            ("pgscan_file", 100_100),
            ("pgsteal_kswapd", 90),
            ("pgsteal_direct", 10),
            ("pgsteal_anon", 10),
            ("pgsteal_file", 99_090),
        ]);
        assert_eq!(counter(&v, "pgscan"), Some(100_130));
        assert_eq!(counter(&v, "pgscan_memcg"), Some(100_000));
        assert_eq!(counter(&v, "pgsteal"), Some(99_100));
        assert_eq!(counter(&v, "pgsteal_memcg"), Some(99_000));
        let s = |v: VmStat, up| Snapshot {
            vmstat: Part::Read(v),
            uptime: Part::Read(up),
            ..Default::default()
        };
        let i = between(
            Some(&s(
                vm(&[
                    ("pgscan_anon", 0),
                    ("pgscan_file", 0),
                    ("pgsteal_anon", 0),
                    ("pgsteal_file", 0),
                ]),
                1.0,
            )),
            &s(v, 2.0),
        );
        assert_eq!(i.vmeff_percent, Some(99_100.0 * 100.0 / 100_130.0));
    }

    fn sample(pairs: &[(&str, u64)], uptime: f64) -> Snapshot {
        Snapshot {
            vmstat: Part::Read(vm(pairs)),
            meminfo: Part::Read(MemInfo {
                mem_free: Some(1 << 30),
                active_file: Some(3 << 20),
                inactive_file: Some(5 << 20),
                swap_total: Some(8 << 20),
                swap_free: Some(6 << 20),
                ..Default::default()
            }),
            uptime: Part::Read(uptime),
            pressure: Part::Read(None),
            ..Default::default()
        }
    }

    #[test]
    fn since_boot_and_between_two_samples() {
        let a = sample(
            &[
                ("pgfault", 1000),
                ("pgscan_kswapd", 400),
                ("pgscan_direct", 100),
                ("pgsteal_kswapd", 200),
                ("pgsteal_direct", 50),
            ],
            100.0,
        );
        let b = sample(
            &[
                ("pgfault", 1600),
                ("pgscan_kswapd", 500),
                ("pgscan_direct", 100),
                ("pgsteal_kswapd", 280),
                ("pgsteal_direct", 50),
            ],
            102.0,
        );
        let boot = between(None, &a);
        assert!(boot.since_boot);
        assert_eq!(boot.seconds, Some(100.0));
        assert_eq!(boot.get("pgfault").unwrap().per_second, Some(10.0));
        assert_eq!(boot.vmeff_percent, Some(50.0));
        assert_eq!(boot.file, Some(8 << 20));
        assert_eq!(boot.swap_used, Some(2 << 20));
        let i = between(Some(&a), &b);
        assert!(!i.since_boot);
        assert_eq!(i.seconds, Some(2.0));
        let f = i.get("pgfault").unwrap();
        assert_eq!((f.delta, f.per_second), (Some(600), Some(300.0)));
        assert_eq!(i.vmeff_percent, Some(80.0));
        assert_eq!(i.get("oom_kill").unwrap().delta, None);
    }

    #[test]
    fn no_scan_no_vmeff_and_backwards_counters_are_unknown() {
        let a = sample(&[("pgfault", 10), ("pgscan_kswapd", 0)], 1.0);
        let b = sample(&[("pgfault", 5), ("pgscan_kswapd", 0)], 2.0);
        let i = between(Some(&a), &b);
        assert_eq!(i.get("pgfault").unwrap().delta, None);
        assert_eq!(i.vmeff_percent, None);
        // A capture without uptime: counters, no rates.
        let mut c = sample(&[("pgfault", 10)], 1.0);
        c.uptime = Part::NotRead;
        let i = between(None, &c);
        assert_eq!(i.get("pgfault").unwrap().delta, Some(10));
        assert_eq!(i.get("pgfault").unwrap().per_second, None);
        // Same instant twice: no rate rather than infinity.
        let i = between(Some(&a), &a);
        assert_eq!(i.seconds, None);
    }
}
