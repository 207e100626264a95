//! `memlens doctor`: findings over everything memlens reads, most serious first, each with
//! its evidence and the command to dig further.

use memlens_model::{FailureKind, Ksm, MemCgroup, Part, ReadFailure, Snapshot, Sysctls};

use crate::cgroup;
use crate::findings::{Finding, Severity};
use crate::fragmentation::{self, BuddyView};
use crate::procs::{self, ProcRow, Rlimits};
use crate::rates::{self, Interval};
use crate::sys::{self, SysSummary};
use crate::tunables;
use crate::zones::{self, WatermarkStatus, ZoneView};

/// The findings on a snapshot, most serious first; with an `earlier` snapshot of the same
/// machine, rates are those between the two (otherwise counters since boot only).
///
/// The one rules engine: the overview calls it on its smaller snapshot (no zones, no
/// cgroups, no earlier snapshot), `doctor` on everything. A part that was not collected,
/// or is missing (older kernel) or denied (not root), is no evidence; any other failure to
/// read a part is an error, as is a snapshot without meminfo.
pub fn diagnose(now: &Snapshot, earlier: Option<&Snapshot>) -> Result<Vec<Finding>, ReadFailure> {
    Ok(rules(&Facts::of(now, earlier)?))
}

/// What the rules look at, derived from the snapshots. Fields a snapshot lacks are
/// `None`/empty.
#[derive(Debug, Clone, Default)]
struct Facts {
    sys: Option<SysSummary>,
    meminfo: memlens_model::MemInfo,
    /// Rates over the sample (two live readings a few seconds apart).
    sample: Option<Interval>,
    /// Counters since boot.
    since_boot: Option<Interval>,
    /// `SUnreclaim` change over the sample, bytes.
    slab_unreclaim_growth: Option<i64>,
    zones: Vec<ZoneView>,
    buddy: Vec<BuddyView>,
    cgroups: Vec<MemCgroup>,
    vm: Sysctls,
    thp_enabled: Option<String>,
    ksm: Ksm,
    processes: Vec<ProcRow>,
    numa_nodes: usize,
    page_size: u64,
    /// `/proc/swaps`.
    swap: Vec<memlens_model::SwapDevice>,
    /// What no kernel counter explains (`where`'s remainder), when the zones were read.
    unaccounted: Option<i64>,
}

impl Facts {
    fn of(now: &Snapshot, earlier: Option<&Snapshot>) -> Result<Facts, ReadFailure> {
        let page_size = now.meta.page_size;
        let meminfo = now.meminfo.get("meminfo")?.clone();
        let since_boot = match &now.vmstat {
            Part::NotRead => None,
            Part::Failed(f) if f.kind == FailureKind::Missing => None,
            _ => {
                rates::check(now)?;
                Some(rates::between(None, now))
            }
        };
        let unreclaim = |s: &Snapshot| s.meminfo.ok().and_then(|m| m.s_unreclaim);
        let slab_unreclaim_growth = earlier.and_then(|e| match (unreclaim(e), unreclaim(now)) {
            (Some(a), Some(b)) => Some(b as i64 - a as i64),
            _ => None,
        });
        let zones = now
            .zoneinfo
            .if_read("zoneinfo")?
            .map(|z| z.zones.iter().map(|z| zones::view(z, page_size)).collect())
            .unwrap_or_default();
        let buddy: Vec<BuddyView> = now
            .buddyinfo
            .if_read("buddyinfo")?
            .map(|b| {
                b.iter()
                    .map(|b| fragmentation::view(b.node, &b.zone, &b.free, page_size))
                    .collect()
            })
            .unwrap_or_default();
        let mut nodes: Vec<u32> = buddy.iter().map(|z| z.node).collect();
        nodes.dedup();
        Ok(Facts {
            sys: Some(sys::view(now)?),
            meminfo,
            sample: earlier.map(|e| rates::between(Some(e), now)),
            since_boot,
            slab_unreclaim_growth,
            zones,
            buddy,
            cgroups: now
                .cgroups
                .if_read("cgroups")?
                .map(|t| t.iter().flat_map(|t| t.cgroups.iter().cloned()).collect())
                .unwrap_or_default(),
            vm: now
                .sysctl_vm
                .if_read("vm sysctls")?
                .map(|d| d.values.clone())
                .unwrap_or_default(),
            thp_enabled: now
                .thp
                .ok()
                .and_then(|t| t.enabled.as_ref())
                .map(|c| c.selected.clone()),
            ksm: now.ksm.if_read("ksm")?.cloned().unwrap_or_default(),
            processes: now
                .processes
                .if_read("processes")?
                .map(|scan| {
                    scan.processes
                        .iter()
                        .map(|p| procs::row(p, |u| u.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            numa_nodes: nodes.len().max(1),
            page_size,
            swap: now
                .swap
                .if_read("swap")?
                .map(|s| s.devices.clone())
                .unwrap_or_default(),
            unaccounted: if now.zoneinfo.is_read() {
                crate::r#where::view(now)
                    .ok()
                    .and_then(|w| w.tree.find("unaccounted").map(|n| n.bytes))
            } else {
                None
            },
        })
    }
}

const MIB: u64 = 1 << 20;

fn finding(
    severity: Severity,
    id: &'static str,
    title: String,
    evidence: String,
    next: &str,
) -> Finding {
    Finding {
        severity,
        id,
        title,
        evidence,
        next: next.to_string(),
        advice: None,
    }
}

fn delta(i: &Interval, name: &str) -> u64 {
    i.get(name).and_then(|c| c.delta).unwrap_or(0)
}

/// The order of a 2 MiB block (a PMD-sized huge page) for this page size.
fn huge_order(page_size: u64) -> usize {
    ((2 * MIB) / page_size.max(1)).trailing_zeros() as usize
}

fn rules(e: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    let mi = &e.meminfo;
    let total = mi.mem_total.unwrap_or(0);
    // Memory pressure: PSI.
    if let Some(s) = &e.sample.as_ref().or(e.since_boot.as_ref()) {
        if let Some(full) = s.psi_full_avg10.filter(|f| *f >= 5.0) {
            out.push(finding(
                Severity::Critical,
                "psi_full",
                "all tasks stalled on memory".into(),
                format!("PSI memory full avg10 = {full:.1}%: for that share of the last 10 s no task could run for want of memory"),
                "memlens vmstat 1",
            ));
        } else if let Some(some) = s.psi_some_avg10.filter(|f| *f >= 10.0) {
            out.push(finding(
                Severity::Warning,
                "psi_some",
                "tasks are stalling on memory".into(),
                format!("PSI memory some avg10 = {some:.1}% (reclaim, refaults, swap-in)"),
                "memlens vmstat 1",
            ));
        }
    }
    // Low available memory, against the zones' watermarks.
    if let Some(sys) = &e.sys {
        let pct = if total > 0 {
            sys.available as f64 * 100.0 / total as f64
        } else {
            100.0
        };
        let high: u64 = e.zones.iter().filter_map(|z| z.high).sum();
        if total > 0 && (pct < 10.0 || (high > 0 && sys.available < high)) {
            out.push(finding(
                if pct < 5.0 || sys.available < high { Severity::Critical } else { Severity::Warning },
                "low_available",
                "little memory available".into(),
                format!(
                    "MemAvailable {} MiB ({pct:.1}% of {} MiB); the zones' high watermarks add up to {} MiB",
                    sys.available / MIB,
                    total / MIB,
                    high / MIB
                ),
                "memlens ps --sort pss",
            ));
        }
        let below: Vec<String> = e
            .zones
            .iter()
            .filter(|z| {
                matches!(
                    z.status,
                    Some(WatermarkStatus::BelowMin | WatermarkStatus::BelowLow)
                )
            })
            .map(|z| {
                format!(
                    "node {} {}: {}",
                    z.node,
                    z.zone,
                    z.status.map(|s| s.text()).unwrap_or("")
                )
            })
            .collect();
        if !below.is_empty() {
            out.push(finding(
                Severity::Warning,
                "below_watermark",
                "zones below their low watermark: the kernel is reclaiming".into(),
                below.join("; "),
                "memlens zones",
            ));
        }
        // tmpfs / shared memory holding RAM.
        if let Some(sh) = sys.shared.filter(|s| total > 0 && *s > total / 5) {
            out.push(finding(
                Severity::Warning,
                "shmem_large",
                "tmpfs and shared memory hold much RAM".into(),
                format!("Shmem {} MiB ({:.0}% of RAM): tmpfs files, SysV/POSIX shm and shared anonymous memory cannot be dropped, only swapped", sh / MIB, sh as f64 * 100.0 / total as f64),
                "memlens ipc",
            ));
        }
        // Overcommit risk.
        if let (Some(c), Some(l)) = (sys.committed_as, sys.commit_limit) {
            let mode = sys.overcommit_memory.unwrap_or(0);
            let ram_swap = total.saturating_add(sys.swap_total.unwrap_or(0));
            if mode == 2 && l > 0 && c as f64 >= 0.9 * l as f64 {
                out.push(finding(
                    Severity::Critical,
                    "overcommit_limit",
                    "allocations are about to fail: Committed_AS near CommitLimit (strict overcommit)".into(),
                    format!("Committed_AS {} MiB of CommitLimit {} MiB", c / MIB, l / MIB),
                    "memlens tunables --explain overcommit_ratio",
                ));
            } else if mode != 2 && c > ram_swap {
                out.push(finding(
                    Severity::Warning,
                    "overcommit_risk",
                    "more memory promised than RAM + swap".into(),
                    format!("Committed_AS {} MiB > RAM {} MiB + swap {} MiB: if processes touched all they reserved, the OOM killer would run", c / MIB, total / MIB, sys.swap_total.unwrap_or(0) / MIB),
                    "memlens ps --sort vsz",
                ));
            }
        }
    }
    // Rates over the sample: swap, major faults, direct reclaim, OOM kills, compaction.
    if let Some(s) = &e.sample {
        let swap = s.per_second("pswpin").unwrap_or(0.0) + s.per_second("pswpout").unwrap_or(0.0);
        if swap >= 100.0 {
            out.push(finding(
                if swap >= 1000.0 {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                "swap_thrashing",
                "pages are moving to and from swap".into(),
                format!(
                    "{:.0} pages/s swapped in, {:.0} pages/s out during the sample",
                    s.per_second("pswpin").unwrap_or(0.0),
                    s.per_second("pswpout").unwrap_or(0.0)
                ),
                "memlens ps --sort swap",
            ));
        }
        if let Some(m) = s.per_second("pgmajfault").filter(|m| *m >= 200.0) {
            out.push(finding(
                Severity::Warning,
                "major_faults",
                "many major page faults (reads from disk or swap)".into(),
                format!("{m:.0} major faults/s during the sample"),
                "memlens vmstat 1",
            ));
        }
        let direct = delta(s, "pgscan_direct");
        if direct > 0 {
            out.push(finding(
                Severity::Warning,
                "direct_reclaim",
                "allocations stalled in direct reclaim".into(),
                format!("{direct} pages scanned by allocating tasks themselves during the sample (kswapd could not keep up)"),
                "memlens zones",
            ));
        }
        // Reclaim by memory cgroups against their own limits: invisible in the global
        // reclaimers' counters (and so in sar -B), counted in the anon/file split.
        if let Some(m) = s.per_second("pgscan_memcg").filter(|m| *m >= 1.0) {
            let total = s.per_second("pgscan").unwrap_or(m);
            out.push(finding(
                if m >= 10_000.0 {
                    Severity::Warning
                } else {
                    Severity::Info
                },
                "cgroup_reclaim",
                "memory cgroups are reclaiming against their limits".into(),
                format!(
                    "{m:.0} of {total:.0} pages/s scanned for reclaim were scanned by memory cgroups at their memory.high/memory.max (or limit_in_bytes){}",
                    s.vmeff_percent
                        .map(|v| format!("; {v:.0}% of scanned pages were reclaimed"))
                        .unwrap_or_default()
                ),
                "memlens cgroup",
            ));
        }
        let oom = delta(s, "oom_kill");
        if oom > 0 {
            out.push(finding(
                Severity::Critical,
                "oom_kill_now",
                "the OOM killer ran during the sample".into(),
                format!("{oom} processes killed"),
                "memlens oom",
            ));
        }
        let stalls = delta(s, "compact_stall");
        if stalls > 0 {
            out.push(finding(
                Severity::Warning,
                "compaction_stalls",
                "allocations waited for compaction".into(),
                format!(
                    "{stalls} compaction stalls during the sample{}",
                    if e.thp_enabled.as_deref() == Some("always") {
                        " (THP is set to always)"
                    } else {
                        ""
                    }
                ),
                "memlens buddy",
            ));
        }
        if let Some(g) = e.slab_unreclaim_growth.filter(|g| *g >= 16 * MIB as i64) {
            out.push(finding(
                Severity::Info,
                "slab_growth",
                "unreclaimable slab grew during the sample".into(),
                format!("SUnreclaim +{} MiB", g / MIB as i64),
                "memlens slab",
            ));
        }
    }
    if let Some(b) = &e.since_boot {
        let (pin, pout) = (delta(b, "pswpin"), delta(b, "pswpout"));
        if pin.saturating_add(pout) > 0 && !out.iter().any(|f| f.id == "swap_thrashing") {
            out.push(finding(
                Severity::Info,
                "swap_activity",
                "pages have been swapped since boot".into(),
                format!(
                    "pswpin = {pin}, pswpout = {pout} pages since boot; swap used {} MiB",
                    e.sys.as_ref().and_then(|s| s.swap_used).unwrap_or(0) / MIB
                ),
                "memlens ps --sort swap",
            ));
        }
        let oom = delta(b, "oom_kill");
        if oom > 0 && !out.iter().any(|f| f.id == "oom_kill_now") {
            out.push(finding(
                Severity::Warning,
                "oom_kills",
                "the OOM killer has run since boot".into(),
                format!("vmstat oom_kill = {oom}"),
                "memlens oom",
            ));
        }
    }
    // Slab size.
    if let Some(su) = mi.s_unreclaim.filter(|s| total > 0 && *s > total / 7) {
        out.push(finding(
            Severity::Warning,
            "slab_large",
            "the kernel's unreclaimable slab is large".into(),
            format!("SUnreclaim {} MiB ({:.0}% of RAM): a kernel-side leak or a very large object cache", su / MIB, su as f64 * 100.0 / total as f64),
            "memlens slab",
        ));
    }
    // Fragmentation: free memory that cannot serve a 2 MiB allocation.
    let order = huge_order(e.page_size.max(4096));
    for b in &e.buddy {
        let managed = e
            .zones
            .iter()
            .find(|z| z.node == b.node && z.zone == b.zone)
            .and_then(|z| z.managed)
            .unwrap_or(0);
        let idx = b.unusable_index.get(order).copied().unwrap_or(0.0);
        if managed > 0 && b.free * 20 >= managed && idx >= 0.95 {
            out.push(finding(
                Severity::Warning,
                "fragmentation",
                format!("free memory in node {} {} is fragmented", b.node, b.zone),
                format!(
                    "{} MiB free, but {:.0}% of it is in blocks smaller than 2 MiB (unusable free space index {idx:.2} at order {order}): huge pages need compaction",
                    b.free / MIB,
                    idx * 100.0
                ),
                "memlens buddy",
            ));
        }
    }
    // Cgroups near their limit, or that hit it.
    for p in cgroup::near_limit(&e.cgroups, 90.0) {
        let oom = p
            .events
            .iter()
            .any(|(k, v)| (k == "oom_kill" || k == "oom") && *v > 0);
        let ev: Vec<String> = p.events.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push(Finding {
            severity: if oom {
                Severity::Critical
            } else {
                Severity::Warning
            },
            id: if oom {
                "cgroup_oom"
            } else {
                "cgroup_near_limit"
            },
            title: format!(
                "cgroup {} is {} its memory limit",
                p.path,
                if p.pct >= 100.0 {
                    "at"
                } else if p.pct >= 90.0 {
                    "near"
                } else {
                    "hitting"
                }
            ),
            evidence: format!(
                "usage {} MiB of {} MiB ({:.0}%){}",
                p.usage / MIB,
                p.limit / MIB,
                p.pct,
                if ev.is_empty() {
                    String::new()
                } else {
                    format!("; events {}", ev.join(" "))
                }
            ),
            next: format!("memlens cgroup {}", p.path),
            advice: None,
        });
    }
    // KSM scanning without savings.
    if e.ksm.get("run") == Some(1)
        && e.ksm.get("full_scans").unwrap_or(0) > 0
        && e.ksm.get("pages_sharing") == Some(0)
    {
        out.push(finding(
            Severity::Info,
            "ksm_idle",
            "KSM is scanning but merges nothing".into(),
            format!(
                "run=1, full_scans={}, pages_sharing=0: ksmd costs CPU for no savings",
                e.ksm.get("full_scans").unwrap_or(0)
            ),
            "memlens huge",
        ));
    }
    // Processes whose memory is mostly in swap.
    let mut swapped: Vec<&ProcRow> = e
        .processes
        .iter()
        .filter(|p| {
            let (s, r) = (p.swap.unwrap_or(0), p.rss.unwrap_or(0));
            s >= 64 * MIB && s > r
        })
        .collect();
    swapped.sort_by_key(|p| std::cmp::Reverse(p.swap));
    if !swapped.is_empty() {
        out.push(finding(
            Severity::Warning,
            "mostly_swapped",
            "processes live mostly in swap".into(),
            swapped
                .iter()
                .take(3)
                .map(|p| {
                    format!(
                        "{} ({}) swap {} MiB > RSS {} MiB",
                        p.pid,
                        p.comm,
                        p.swap.unwrap_or(0) / MIB,
                        p.rss.unwrap_or(0) / MIB
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            "memlens ps --sort swap",
        ));
    }
    // Risky tunables.
    out.extend(tunables::findings(
        &e.vm,
        mi,
        e.numa_nodes.max(1),
        e.thp_enabled.as_deref(),
    ));
    // Memory no counter explains.
    if let Some(u) = e.unaccounted {
        if total > 0 && u > 256 * MIB as i64 && u as f64 > total as f64 * 0.05 {
            out.push(finding(
                Severity::Warning,
                "unaccounted",
                "much memory is in no kernel counter".into(),
                format!(
                    "{} MiB ({:.1}% of MemTotal) is neither free nor counted as cache, anon, shmem, slab, page tables, vmalloc, per-CPU, hugetlb or zsmalloc: drivers (GPU, network buffers), a balloon, or a kernel leak",
                    u as u64 / MIB,
                    u as f64 * 100.0 / total as f64
                ),
                "memlens where",
            ));
        }
    }
    // Processes about to hit their address-space limit: their next mmap fails.
    for p in e.processes.iter() {
        if let Some(Rlimits {
            limit_as_used: Some(used),
            limit_as: Some(limit),
            ..
        }) = p.rlimits
        {
            if used >= 0.9 {
                out.push(finding(
                    Severity::Warning,
                    "rlimit_as",
                    format!("{} (PID {}) is near its address-space limit", p.comm, p.pid),
                    format!(
                        "VSZ {} MiB is {:.0}% of RLIMIT_AS {} MiB: mmap, malloc of a new arena and stack growth will fail with ENOMEM",
                        p.vsz.unwrap_or(0) / MIB,
                        used * 100.0,
                        limit / MIB
                    ),
                    &format!("memlens ps --rlimits --pid {}", p.pid),
                ));
            }
        }
    }
    // Swap priorities that work against the devices.
    let is_zram = |d: &memlens_model::SwapDevice| d.filename.starts_with("/dev/zram");
    for z in e.swap.iter().filter(|d| is_zram(d)) {
        if let Some(disk) = e
            .swap
            .iter()
            .find(|d| !is_zram(d) && d.priority > z.priority)
        {
            out.push(finding(
                Severity::Warning,
                "swap_zram_after_disk",
                "zram is used only after disk swap".into(),
                format!(
                    "{} has priority {} and {} has {}: pages go to the disk first and to compressed RAM only once it is full",
                    z.filename, z.priority, disk.filename, disk.priority
                ),
                "memlens swap",
            ));
        } else if let Some(disk) = e
            .swap
            .iter()
            .find(|d| !is_zram(d) && d.priority == z.priority)
        {
            out.push(finding(
                Severity::Warning,
                "swap_zram_round_robin",
                "zram and disk swap share a priority".into(),
                format!(
                    "{} and {} both have priority {}: equal priorities take pages round-robin, so half the swapped pages go to the disk while zram has room",
                    z.filename, disk.filename, z.priority
                ),
                "memlens swap",
            ));
        }
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

/// The exit status for a set of findings: 0 when nothing is worse than info, 1 for a
/// warning, 2 for a critical finding.
pub fn exit_status(findings: &[Finding]) -> i32 {
    match findings.iter().map(|f| f.severity).max() {
        Some(Severity::Critical) => 2,
        Some(Severity::Warning) => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rates::Change;
    use memlens_model::Part;
    use memlens_model::{CgroupVersion, Limit, MemInfo, NamedCounters};

    fn interval(pairs: &[(&'static str, u64)], secs: f64) -> Interval {
        Interval {
            since_boot: false,
            seconds: Some(secs),
            free: None,
            available: None,
            anon: None,
            file: None,
            swap_used: None,
            counters: pairs
                .iter()
                .map(|(k, v)| {
                    (
                        *k,
                        Change {
                            delta: Some(*v),
                            per_second: Some(*v as f64 / secs),
                        },
                    )
                })
                .collect(),
            vmeff_percent: None,
            psi_some_avg10: Some(25.0),
            psi_full_avg10: Some(1.0),
        }
    }

    fn base() -> Facts {
        let mi = MemInfo {
            mem_total: Some(1024 * MIB),
            mem_free: Some(600 * MIB),
            mem_available: Some(700 * MIB),
            shmem: Some(300 * MIB),
            s_unreclaim: Some(10 * MIB),
            committed_as: Some(500 * MIB),
            commit_limit: Some(900 * MIB),
            swap_total: Some(0),
            ..Default::default()
        };
        Facts {
            sys: Some(SysSummary::from_meminfo(&mi, Some(0))),
            meminfo: mi,
            page_size: 4096,
            numa_nodes: 1,
            ..Default::default()
        }
    }

    #[test]
    fn the_overview_and_doctor_share_the_rules() {
        // What the overview has: meminfo and counters since boot, no zones, no earlier
        // snapshot.
        let snap = |m: &MemInfo, pairs: &[(&str, u64)], uptime: f64| memlens_model::Snapshot {
            meminfo: Part::Read(m.clone()),
            vmstat: Part::Read(NamedCounters(
                pairs.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
            )),
            pressure: Part::Read(None),
            uptime: Part::Read(uptime),
            ..Default::default()
        };
        let mut m = MemInfo {
            mem_total: Some(1000 * MIB),
            mem_free: Some(10 * MIB),
            mem_available: Some(40 * MIB),
            ..Default::default()
        };
        let now = snap(&m, &[("oom_kill", 3), ("pswpin", 0), ("pswpout", 7)], 100.0);
        let f = diagnose(&now, None).unwrap();
        let ids: Vec<&str> = f.iter().map(|f| f.id).collect();
        assert_eq!(ids, ["low_available", "oom_kills", "swap_activity"]);
        assert_eq!(f[0].severity, Severity::Critical);
        // With an earlier snapshot, rates are over the interval: the kill in it is
        // named as happening now, instead of since boot.
        let before = snap(&m, &[("oom_kill", 2), ("pswpin", 0), ("pswpout", 7)], 90.0);
        let f = diagnose(&now, Some(&before)).unwrap();
        let ids: Vec<&str> = f.iter().map(|f| f.id).collect();
        assert!(
            ids.contains(&"oom_kill_now") && !ids.contains(&"oom_kills"),
            "{ids:?}"
        );
        m.mem_available = Some(500 * MIB);
        let calm = snap(&m, &[("oom_kill", 0)], 100.0);
        assert!(diagnose(&calm, None).unwrap().is_empty());
        // No meminfo: an error, not an empty diagnosis.
        let none = memlens_model::Snapshot::default();
        assert!(diagnose(&none, None).is_err());
    }

    #[test]
    fn quiet_machine_is_ok() {
        let mut e = base();
        e.meminfo.shmem = Some(MIB);
        e.sys = Some(SysSummary::from_meminfo(&e.meminfo, Some(0)));
        let f = rules(&e);
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(exit_status(&f), 0);
    }

    #[test]
    fn each_problem_is_named_with_evidence() {
        let mut e = base();
        e.sample = Some(interval(
            &[
                ("pswpin", 600),
                ("pswpout", 3000),
                ("pgmajfault", 900),
                ("pgscan_direct", 5000),
                ("oom_kill", 1),
                ("compact_stall", 4),
            ],
            3.0,
        ));
        e.buddy = vec![crate::fragmentation::view(
            0,
            "Normal",
            &[60000, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            4096,
        )];
        e.zones = vec![ZoneView {
            node: 0,
            zone: "Normal".into(),
            free: Some(240 * MIB),
            min: Some(MIB),
            low: Some(2 * MIB),
            high: Some(3 * MIB),
            boost: None,
            managed: Some(1000 * MIB),
            present: None,
            spanned: None,
            free_minus_min: None,
            free_minus_low: None,
            free_minus_high: None,
            status: Some(WatermarkStatus::Ok),
        }];
        e.cgroups = vec![MemCgroup {
            version: CgroupVersion::V2,
            path: "/app".into(),
            depth: 1,
            current: Some(95 * MIB),
            peak: None,
            max: Some(Limit::Bytes(100 * MIB)),
            high: None,
            low: None,
            min: None,
            soft_limit: None,
            swap_current: None,
            swap_max: None,
            memsw_max: None,
            stat: NamedCounters::default(),
            events: NamedCounters(vec![("max".into(), 3), ("oom_kill".into(), 0)]),
            pressure: None,
            procs: Some(1),
        }];
        let f = rules(&e);
        let ids: Vec<&str> = f.iter().map(|f| f.id).collect();
        for id in [
            "psi_some",
            "swap_thrashing",
            "major_faults",
            "direct_reclaim",
            "oom_kill_now",
            "compaction_stalls",
            "fragmentation",
            "cgroup_near_limit",
            "shmem_large",
        ] {
            assert!(ids.contains(&id), "{id} missing from {ids:?}");
        }
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(exit_status(&f), 2);
        let cg = f.iter().find(|f| f.id == "cgroup_near_limit").unwrap();
        assert_eq!(cg.next, "memlens cgroup /app");
        assert!(cg.evidence.contains("95%") && cg.evidence.contains("max=3"));
    }

    #[test]
    fn unaccounted_memory_and_swap_priorities() {
        let mut f = base();
        f.unaccounted = Some(200 * MIB as i64);
        assert!(!rules(&f).iter().any(|x| x.id == "unaccounted"), "small");
        f.unaccounted = Some(300 * MIB as i64);
        let u = rules(&f)
            .into_iter()
            .find(|x| x.id == "unaccounted")
            .unwrap();
        assert!(
            u.evidence.starts_with("300 MiB (29.3% of MemTotal)"),
            "{}",
            u.evidence
        );
        let dev = |name: &str, priority: i64| memlens_model::SwapDevice {
            filename: name.into(),
            kind: "partition".into(),
            size: 1 << 30,
            used: 0,
            priority,
        };
        f.swap = vec![dev("/dev/zram0", 100), dev("/dev/sda2", 5)];
        let ids = |f: &Facts| rules(f).iter().map(|x| x.id).collect::<Vec<_>>();
        assert!(!ids(&f).iter().any(|i| i.starts_with("swap_")));
        f.swap = vec![dev("/dev/zram0", -2), dev("/dev/sda2", 5)];
        assert!(ids(&f).contains(&"swap_zram_after_disk"));
        f.swap = vec![dev("/dev/zram0", 5), dev("/dev/sda2", 5)];
        assert!(ids(&f).contains(&"swap_zram_round_robin"));
    }

    #[test]
    fn huge_page_order() {
        assert_eq!(huge_order(4096), 9);
        assert_eq!(huge_order(16384), 7);
    }
}
