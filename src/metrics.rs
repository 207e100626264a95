//! The metrics view: a snapshot's figures as metric families, for `memlens metrics` (and
//! the endpoint to come). Names, units, types and help come from the catalogue: a figure
//! `KEY` of the system summary is `memlens_memory_KEY_bytes`, of a process
//! `memlens_process_KEY_bytes`, of vmstat's counters `memlens_vmstat_KEY_total`, following
//! node_exporter's conventions (`_bytes`, counters
//! `_total`, ratios from 0 to 1) under memlens's own prefix.

use memlens_analysis::procs::{self, ProcRow};
use memlens_analysis::{rates, sys};
use memlens_catalogue::{self as catalogue, Figure, Kind, Scope, Unit};
use memlens_model::Snapshot;
use memlens_present::exposition::{Family, MetricType, Sample};
use regex::Regex;
use serde_json::Value;

use crate::failure::Failure;

/// Which processes get series of their own.
pub struct Select {
    /// The processes with the most PSS.
    pub top: usize,
    /// And those whose command line matches.
    pub process: Option<Regex>,
    /// Whether to label them with their command line.
    pub cmdline: bool,
}

/// The process figures exported, each a family (PSS split by kind, below).
const PROCESS_KEYS: &[&str] = &["rss", "uss", "swap", "swap_pss", "vsz"];

/// The metric a catalogue figure becomes: its name, unit and type, and the factor its
/// value is multiplied by; `None` for labels and figures that are not numbers.
pub fn metric(f: &Figure) -> Option<(String, &'static str, MetricType, f64)> {
    let stem = match f.scope {
        Scope::System => "memory",
        Scope::Process => "process",
        // The counters behind `vmstat`'s rates, as counted since boot.
        Scope::Rates if f.kind == Kind::Counter => "vmstat",
        _ => return None,
    };
    let (unit, scale) = match f.unit {
        Unit::PerSecond => ("", 1.0),
        Unit::Bytes => ("bytes", 1.0),
        Unit::Seconds => ("seconds", 1.0),
        Unit::Fraction => ("ratio", 1.0),
        Unit::Percent => ("ratio", 0.01),
        Unit::Count => ("", 1.0),
        _ => return None,
    };
    let kind = match f.kind {
        Kind::Gauge => MetricType::Gauge,
        Kind::Counter => MetricType::Counter,
        Kind::Label => return None,
    };
    let name = match unit {
        "" => format!("memlens_{stem}_{}", f.key),
        u => format!("memlens_{stem}_{}_{u}", f.key),
    };
    Some((name, unit, kind, scale))
}

fn family(f: &Figure, samples: Vec<Sample>) -> Option<Family> {
    let (name, unit, kind, scale) = metric(f)?;
    Some(Family {
        name,
        help: f.meaning.to_string(),
        kind,
        unit,
        samples: samples
            .into_iter()
            .map(|mut s| {
                s.value *= scale;
                s
            })
            .collect(),
    })
}

/// The families of a snapshot: the system summary's figures, and the selected processes'.
pub fn families(s: &Snapshot, sel: &Select) -> Result<Vec<Family>, Failure> {
    let mut out = Vec::new();
    let summary = serde_json::to_value(sys::view(s)?).unwrap_or_default();
    for f in catalogue::of(Scope::System) {
        if let Some(v) = summary.get(f.key).and_then(Value::as_f64) {
            out.extend(family(
                f,
                vec![Sample {
                    labels: Vec::new(),
                    value: v,
                }],
            ));
        }
    }
    // vmstat's counters since boot (a counter summed from several, as `vmstat` shows it,
    // where the kernel splits it: pgscan is pgscan_anon + pgscan_file).
    if let Some(v) = s.vmstat.ok() {
        for f in catalogue::of(Scope::Rates).filter(|f| f.kind == Kind::Counter) {
            if let Some(x) = rates::counter(v, f.key) {
                out.extend(family(
                    f,
                    vec![Sample {
                        labels: Vec::new(),
                        value: x as f64,
                    }],
                ));
            }
        }
    }
    let (mut rows, _) = crate::scanned::rows(s)?;
    procs::sort(&mut rows, "pss", false);
    let chosen: Vec<&ProcRow> = rows
        .iter()
        .enumerate()
        .filter(|(i, r)| {
            *i < sel.top
                || sel
                    .process
                    .as_ref()
                    .is_some_and(|re| re.is_match(&r.command))
        })
        .map(|(_, r)| r)
        .collect();
    let labels = |r: &ProcRow| {
        let mut l = vec![
            ("pid", r.pid.to_string()),
            ("comm", r.comm.clone()),
            ("user", r.user.clone()),
            ("cgroup", r.cgroup.clone().unwrap_or_default()),
        ];
        if sel.cmdline {
            l.push(("command", r.command.clone()));
        }
        l
    };
    // PSS by kind, so that a sum over kinds is the process's PSS: its anon, file and shmem
    // parts where the kernel splits them (smaps_rollup Pss_Anon... since 5.7), else one
    // sample of kind "total".
    let mut pss = Vec::new();
    for r in &chosen {
        let split = [
            ("anon", r.pss_anon),
            ("file", r.pss_file),
            ("shmem", r.pss_shmem),
        ];
        if split.iter().all(|(_, v)| v.is_some()) {
            for (kind, v) in split {
                let mut l = labels(r);
                l.push(("kind", kind.to_string()));
                pss.push(Sample {
                    labels: l,
                    value: v.unwrap_or(0) as f64,
                });
            }
        } else if let Some(v) = r.pss {
            let mut l = labels(r);
            l.push(("kind", "total".to_string()));
            pss.push(Sample {
                labels: l,
                value: v as f64,
            });
        }
    }
    let pss_figure = catalogue::figure(Scope::Process, "pss").expect("pss is in the catalogue");
    out.extend(family(pss_figure, pss));
    for key in PROCESS_KEYS {
        let f =
            catalogue::figure(Scope::Process, key).expect("the process keys are in the catalogue");
        let samples = chosen
            .iter()
            .filter_map(|r| {
                r.bytes(key).map(|v| Sample {
                    labels: labels(r),
                    value: v as f64,
                })
            })
            .collect();
        out.extend(family(f, samples));
    }
    out.push(Family {
        name: "memlens_processes".into(),
        help: "Processes read in this snapshot (kernel threads not counted); per-process series are for the --top by PSS and those matching --process".into(),
        kind: MetricType::Gauge,
        unit: "",
        samples: vec![Sample {
            labels: Vec::new(),
            value: rows.len() as f64,
        }],
    });
    Ok(out)
}
