//! Findings: what is alarming in a snapshot, with evidence and the command to dig further.

use memlens_model::VmStat;
use serde::Serialize;

use crate::sys::SysSummary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    /// How tables and text name it: `CRITICAL`, `WARNING`, `info`.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Critical => "CRITICAL",
            Severity::Warning => "WARNING",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// Stable identifier for scripts (`low_available`, `oom_kills`...).
    pub id: &'static str,
    pub title: String,
    pub evidence: String,
    /// The memlens command that shows more.
    pub next: String,
    /// A remedy to consider, when there is a clear one (a `sysctl -w` line...). memlens
    /// never applies it. Null when there is none (the key is always there, as in CSV).
    pub advice: Option<String>,
}

const MIB: u64 = 1024 * 1024;

/// The overview's findings: low available memory, swap activity since boot, OOM kills,
/// overcommit beyond the limit. Most serious first.
pub fn overview(sys: &SysSummary, vmstat: Option<&VmStat>) -> Vec<Finding> {
    let mut out = Vec::new();
    let pct = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            part as f64 * 100.0 / whole as f64
        }
    };
    let avail_pct = pct(sys.available, sys.total);
    if sys.total > 0 && avail_pct < 10.0 {
        out.push(Finding {
            severity: if avail_pct < 5.0 {
                Severity::Critical
            } else {
                Severity::Warning
            },
            id: "low_available",
            title: "little memory available".into(),
            evidence: format!(
                "MemAvailable is {} MiB, {:.1}% of {} MiB",
                sys.available / MIB,
                avail_pct,
                sys.total / MIB
            ),
            next: "memlens ps --sort pss".into(),
            advice: None,
        });
    }
    if let Some(v) = vmstat {
        let oom = v.get("oom_kill").unwrap_or(0);
        if oom > 0 {
            out.push(Finding {
                severity: Severity::Warning,
                id: "oom_kills",
                title: "the OOM killer has run since boot".into(),
                evidence: format!("vmstat oom_kill = {oom}"),
                next: "memlens oom".into(),
                advice: None,
            });
        }
        let (pin, pout) = (v.get("pswpin").unwrap_or(0), v.get("pswpout").unwrap_or(0));
        if pin.saturating_add(pout) > 0 {
            out.push(Finding {
                severity: Severity::Info,
                id: "swap_activity",
                title: "pages have been swapped since boot".into(),
                evidence: format!(
                    "pswpin = {pin}, pswpout = {pout} pages since boot; swap used {} MiB",
                    sys.swap_used.unwrap_or(0) / MIB
                ),
                next: "memlens ps --sort swap".into(),
                advice: None,
            });
        }
    }
    if let (Some(limit), Some(committed)) = (sys.commit_limit, sys.committed_as) {
        if committed > limit {
            let strict = sys.overcommit_memory == Some(2);
            out.push(Finding {
                severity: if strict {
                    Severity::Critical
                } else {
                    Severity::Info
                },
                id: "overcommit",
                title: if strict {
                    "commit limit reached: new allocations fail (vm.overcommit_memory=2)".into()
                } else {
                    "more memory promised than CommitLimit (allowed by the overcommit heuristic)"
                        .into()
                },
                evidence: format!(
                    "Committed_AS {} MiB > CommitLimit {} MiB",
                    committed / MIB,
                    limit / MIB
                ),
                next: "memlens sys --explain".into(),
                advice: None,
            });
        }
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use memlens_model::{MemInfo, NamedCounters};

    #[test]
    fn low_memory_and_oom() {
        let mut m = MemInfo {
            mem_total: Some(1000 * MIB),
            mem_free: Some(10 * MIB),
            mem_available: Some(40 * MIB),
            ..Default::default()
        };
        let s = SysSummary::from_meminfo(&m, Some(0));
        let v = NamedCounters(vec![
            ("oom_kill".into(), 3),
            ("pswpin".into(), 0),
            ("pswpout".into(), 0),
        ]);
        let f = overview(&s, Some(&v));
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].id, "low_available");
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(f[1].id, "oom_kills");
        m.mem_available = Some(500 * MIB);
        let s = SysSummary::from_meminfo(&m, Some(0));
        assert!(overview(&s, None).is_empty());
    }
}
