//! `memlens doctor`: collect everything (and a short live sample of rates), diagnose,
//! render the findings most serious first. Exit status: 0 ok, 1 warning, 2 critical.

use crate::failure::{Failure, Outcome};
use memlens_analysis::doctor::{self, Evidence};
use memlens_analysis::findings::Finding;
use memlens_analysis::{fragmentation, rates, zones};
use memlens_model::Part;
use memlens_model::Sysctls;
use memlens_present::{json, Cell, Column, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;
use serde::Serialize;

use crate::cli::DoctorArgs;
use crate::commands::rates_snapshot;
use crate::output::{print, warn, Format, Output};
use crate::scanned;

#[derive(Serialize)]
struct DoctorJson<'a> {
    /// Seconds between the two live samples; null on a capture (since-boot counters only).
    sample_secs: Option<f64>,
    findings: &'a [Finding],
    exit_status: i32,
}

/// Optional parts: a missing file (old kernel) or a denied one (not root) is no evidence.
fn optional<T: Default + Clone>(p: &Part<T>, name: &str) -> Result<T, Failure> {
    Ok(p.optional(name)?.cloned().unwrap_or_default())
}

/// `earlier`: an earlier capture of the same machine; the rates are then those between
/// the two captures, and everything else is read from `root`, the later one.
pub fn run(root: &Root, earlier: Option<&Root>, args: &DoctorArgs, out: &Output) -> Outcome {
    // Collect.
    let first = rates_snapshot(earlier.unwrap_or(root))?;
    let sample = if earlier.is_some() || (root.is_live() && !args.sample.is_zero()) {
        if earlier.is_none() {
            crate::output::wait(args.sample, "sampling rates over");
        }
        let second = rates_snapshot(root)?;
        let i = rates::between(Some(&first), &second);
        let unreclaim = |s: &memlens_model::Snapshot| s.meminfo.ok().and_then(|m| m.s_unreclaim);
        let growth = match (unreclaim(&first), unreclaim(&second)) {
            (Some(a), Some(b)) => Some(b as i64 - a as i64),
            _ => None,
        };
        Some((i, growth, second))
    } else {
        None
    };
    let snap = collect(
        root,
        &Plan {
            zoneinfo: true,
            buddyinfo: true,
            cgroups: true,
            sysctl_vm: true,
            sysctl_vm_only: None,
            thp: true,
            ksm: true,
            processes: Some(ScanOptions::default()),
            users: true,
            ..Plan::SYS
        },
    );
    let page_size = snap.meta.page_size;
    let zone_info = optional(&snap.zoneinfo, "zoneinfo")?;
    let buddy = optional(&snap.buddyinfo, "buddyinfo")?;
    let cgroups: Vec<_> = optional(&snap.cgroups, "cgroups")?
        .into_iter()
        .flat_map(|t| t.cgroups)
        .collect();
    let vm: Sysctls = optional(&snap.sysctl_vm, "vm sysctls")?.values;
    let thp = snap.thp.ok().cloned().unwrap_or_default();
    let ksm_state = optional(&snap.ksm, "ksm")?;
    let (processes, skipped) = scanned::rows(&snap)?;
    let mut nodes: Vec<u32> = buddy.iter().map(|z| z.node).collect();
    nodes.dedup();
    // Analyse.
    let latest = sample.as_ref().map(|(_, _, s)| s).unwrap_or(&first);
    let evidence = Evidence {
        sys: Some(memlens_analysis::sys::view(&snap)?),
        meminfo: latest.meminfo.ok().cloned().unwrap_or_default(),
        since_boot: Some(rates::between(None, latest)),
        sample: sample.as_ref().map(|(i, _, _)| i.clone()),
        slab_unreclaim_growth: sample.as_ref().and_then(|(_, g, _)| *g),
        zones: zone_info
            .zones
            .iter()
            .map(|z| zones::view(z, page_size))
            .collect(),
        buddy: buddy
            .iter()
            .map(|b| fragmentation::view(b.node, &b.zone, &b.free, page_size))
            .collect(),
        cgroups,
        vm,
        thp_enabled: thp.enabled.map(|c| c.selected),
        ksm: ksm_state,
        processes,
        numa_nodes: nodes.len().max(1),
        page_size,
    };
    let found = doctor::diagnose(&evidence);
    let status = doctor::exit_status(&found);
    // Render.
    scanned::warn_skipped(&skipped);
    if !root.is_live() && earlier.is_none() {
        warn("reading a capture: rates are since boot only (no live sample; give two captures for rates between them)");
    }
    let secs = sample.as_ref().and_then(|(i, _, _)| i.seconds);
    match out.format {
        Format::Json => print(&json(&DoctorJson {
            sample_secs: secs,
            findings: &found,
            exit_status: status,
        })),
        Format::Csv => {
            let mut t = Table::new(vec![
                Column::left("", "severity"),
                Column::left("", "id"),
                Column::left("", "title"),
                Column::left("", "evidence"),
                Column::left("", "next"),
                Column::left("", "advice"),
            ]);
            for f in &found {
                t.rows.push(vec![
                    Cell::Text(format!("{:?}", f.severity).to_lowercase()),
                    Cell::Text(f.id.into()),
                    Cell::Text(f.title.clone()),
                    Cell::Text(f.evidence.clone()),
                    Cell::Text(f.next.clone()),
                    Cell::Text(f.advice.clone().unwrap_or_default()),
                ]);
            }
            t.add_json_keys(&found);
            print(&t.csv());
        }
        Format::Table => {
            let mut text = match secs {
                Some(s) => format!("memlens doctor: sampled rates over {s:.1} s\n"),
                None => "memlens doctor: counters since boot (no live sample)\n".to_string(),
            };
            if found.is_empty() {
                text.push_str("No problems found in what this kernel reports (older kernels lack PSI, OOM kill counts and cgroup events).\n");
            }
            for f in &found {
                text.push_str(&format!(
                    "[{}] {}\n    {}\n    see: {}\n",
                    f.severity.label(),
                    f.title,
                    f.evidence,
                    f.next
                ));
                if let Some(a) = &f.advice {
                    text.push_str(&format!("    consider: {a}\n"));
                }
            }
            print(&text);
        }
    }
    Ok(status)
}
