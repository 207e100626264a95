//! `memlens swap`: every swap device and what its priority means, zswap and zram with their
//! compression, swap traffic, and the processes with most memory in swap.

use memlens_model::{ReadFailure, Snapshot, SwapDevice, ZramDevice};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeviceRow {
    /// The line of `/proc/swaps`.
    #[serde(flatten)]
    pub device: SwapDevice,
    /// `used / size`, 0 to 1.
    pub used_ratio: Option<f64>,
    /// The zram device behind it (`zram0`), when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zram: Option<String>,
    /// Its turn: 1 for the devices used first; devices of one turn take pages round-robin.
    pub turn: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ZramRow {
    /// What the device's files say.
    #[serde(flatten)]
    pub device: ZramDevice,
    /// `orig_data_size / mem_used_total`: bytes stored per byte of RAM taken.
    pub ratio: Option<f64>,
    /// Whether `/proc/swaps` lists it.
    pub used_as_swap: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Zswap {
    pub enabled: Option<bool>,
    pub compressor: Option<String>,
    pub zpool: Option<String>,
    pub max_pool_percent: Option<u64>,
    /// meminfo `Zswap`: RAM the compressed pool takes.
    pub pool: Option<u64>,
    /// meminfo `Zswapped`: bytes stored in it, before compression.
    pub stored: Option<u64>,
    /// `stored / pool`.
    pub ratio: Option<f64>,
}

/// Swap traffic: since boot, and per second over an interval when there is one.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Traffic {
    /// `(counter, since boot, per second)`: `pswpin`, `pswpout` (pages), `zswpin`,
    /// `zswpout`, `zswpwb`.
    pub counters: Vec<(String, u64, Option<f64>)>,
    /// Seconds the rates are over; `None`: the average since boot.
    pub interval: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SwapProcess {
    pub pid: u32,
    pub comm: String,
    /// `VmSwap`: its private and shared pages in swap.
    pub swap: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SwapView {
    pub total: Option<u64>,
    pub used: Option<u64>,
    pub swap_cached: Option<u64>,
    pub devices: Vec<DeviceRow>,
    /// One sentence per turn of the devices' priorities.
    pub priorities: Vec<String>,
    pub zswap: Option<Zswap>,
    pub zram: Vec<ZramRow>,
    pub traffic: Option<Traffic>,
    pub top: Vec<SwapProcess>,
}

const COUNTERS: &[&str] = &["pswpin", "pswpout", "zswpin", "zswpout", "zswpwb"];

/// The zram device a swap file name is (`/dev/zram0` → `zram0`).
fn zram_of(d: &SwapDevice) -> Option<String> {
    let name = d.filename.strip_prefix("/dev/")?;
    (name.starts_with("zram") && d.kind == "partition").then(|| name.to_string())
}

/// Turns of the devices, highest priority first; each turn's devices share a priority.
fn turns(devices: &[SwapDevice]) -> Vec<(i64, Vec<&SwapDevice>)> {
    let mut prios: Vec<i64> = devices.iter().map(|d| d.priority).collect();
    prios.sort_unstable_by(|a, b| b.cmp(a));
    prios.dedup();
    prios
        .into_iter()
        .map(|p| (p, devices.iter().filter(|d| d.priority == p).collect()))
        .collect()
}

/// What the priorities mean, in words.
pub fn priorities(devices: &[SwapDevice]) -> Vec<String> {
    let t = turns(devices);
    let mut out = Vec::new();
    for (i, (p, ds)) in t.iter().enumerate() {
        let names: Vec<&str> = ds.iter().map(|d| d.filename.as_str()).collect();
        let when = if i == 0 {
            "used first".to_string()
        } else {
            format!("used once priority {} is full", t[i - 1].0)
        };
        out.push(match names.len() {
            1 => format!("priority {p}: {} — {when}", names[0]),
            _ => format!(
                "priority {p}: {} — {when}; equal priorities take pages round-robin, like striping",
                names.join(", ")
            ),
        });
    }
    out
}

/// The swap view of a snapshot (needs `swap`; meminfo, vmstat, uptime and processes when
/// there). `earlier` gives rates over the interval between the two.
pub fn view(s: &Snapshot, earlier: Option<&Snapshot>, top: usize) -> Result<SwapView, ReadFailure> {
    let st = s.swap.get("swap")?;
    let m = s.meminfo.ok();
    let t = turns(&st.devices);
    let devices = st
        .devices
        .iter()
        .map(|d| DeviceRow {
            device: d.clone(),
            used_ratio: (d.size > 0).then(|| d.used as f64 / d.size as f64),
            zram: zram_of(d),
            turn: t.iter().position(|(p, _)| *p == d.priority).unwrap_or(0) + 1,
        })
        .collect();
    let zram = st
        .zram
        .iter()
        .map(|z| ZramRow {
            device: z.clone(),
            ratio: (z.mem_used_total > 0)
                .then(|| z.orig_data_size as f64 / z.mem_used_total as f64),
            used_as_swap: st
                .devices
                .iter()
                .any(|d| zram_of(d).as_deref() == Some(&z.name)),
        })
        .collect();
    let zswap = st.zswap.as_ref().map(|params| {
        let p = |n: &str| params.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let pool = m.and_then(|m| m.zswap);
        let stored = m.and_then(|m| m.zswapped);
        Zswap {
            enabled: p("enabled").map(|v| v == "Y" || v == "1"),
            compressor: p("compressor"),
            zpool: p("zpool"),
            max_pool_percent: p("max_pool_percent").and_then(|v| v.parse().ok()),
            pool,
            stored,
            ratio: match (stored, pool) {
                (Some(s), Some(p)) if p > 0 => Some(s as f64 / p as f64),
                _ => None,
            },
        }
    });
    let traffic = s.vmstat.ok().map(|v| {
        let before = earlier.and_then(|e| e.vmstat.ok());
        let secs = match (earlier.and_then(|e| e.uptime.ok()), s.uptime.ok()) {
            (Some(a), Some(b)) if before.is_some() && b > a => Some(b - a),
            _ => None,
        };
        let since_boot = s.uptime.ok().copied().filter(|u| *u > 0.0);
        Traffic {
            counters: COUNTERS
                .iter()
                .filter_map(|c| {
                    let now = v.get(c)?;
                    let rate = match (secs, before.and_then(|b| b.get(c))) {
                        (Some(t), Some(b)) => Some(now.saturating_sub(b) as f64 / t),
                        _ if secs.is_none() => since_boot.map(|u| now as f64 / u),
                        _ => None,
                    };
                    Some((c.to_string(), now, rate))
                })
                .collect(),
            interval: secs,
        }
    });
    let mut procs: Vec<SwapProcess> = s
        .processes
        .ok()
        .map(|scan| {
            scan.processes
                .iter()
                .filter_map(|p| {
                    let swap = p.status.counters.vm_swap?;
                    (swap > 0).then(|| SwapProcess {
                        pid: p.pid,
                        comm: p.status.name.clone(),
                        swap,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    procs.sort_by(|a, b| b.swap.cmp(&a.swap).then(a.pid.cmp(&b.pid)));
    procs.truncate(top);
    Ok(SwapView {
        total: m.and_then(|m| m.swap_total),
        used: m.and_then(|m| Some(m.swap_total?.saturating_sub(m.swap_free?))),
        swap_cached: m.and_then(|m| m.swap_cached),
        priorities: priorities(&st.devices),
        devices,
        zswap,
        zram,
        traffic,
        top: procs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(name: &str, prio: i64) -> SwapDevice {
        SwapDevice {
            filename: name.into(),
            kind: "partition".into(),
            size: 1 << 30,
            used: 0,
            priority: prio,
        }
    }

    #[test]
    fn priorities_in_turns_and_round_robin() {
        let d = [
            dev("/dev/sda2", 5),
            dev("/dev/zram0", 100),
            dev("/dev/sdb2", 5),
        ];
        let p = priorities(&d);
        assert_eq!(p.len(), 2);
        assert!(
            p[0].starts_with("priority 100: /dev/zram0 — used first"),
            "{p:?}"
        );
        assert!(p[1].contains("/dev/sda2, /dev/sdb2"), "{p:?}");
        assert!(p[1].contains("round-robin"), "{p:?}");
        assert!(p[1].contains("once priority 100 is full"), "{p:?}");
        assert_eq!(zram_of(&d[1]).as_deref(), Some("zram0"));
        assert_eq!(zram_of(&d[0]), None);
    }
}
