//! `memlens doctor`: collect everything (and a short live sample of rates), diagnose,
//! render the findings most serious first. Exit status: 0 ok, 1 warning, 2 critical.

use crate::failure::Outcome;
use memlens_analysis::doctor;
use memlens_analysis::findings::Finding;
use memlens_analysis::rates;
use memlens_present::{Cell, Column, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;
use serde::Serialize;

use crate::cli::DoctorArgs;
use crate::commands::rates_snapshot;
use crate::output::{print, print_json, warn, Format, Output};
use crate::scanned;

#[derive(Serialize)]
struct DoctorJson<'a> {
    /// Seconds between the two live samples; null on a capture (since-boot counters only).
    sample_secs: Option<f64>,
    findings: &'a [Finding],
    exit_status: i32,
}

/// `earlier`: an earlier capture of the same machine; the rates are then those between
/// the two captures, and everything else is read from `root`, the later one.
pub fn run(root: &Root, earlier: Option<&Root>, args: &DoctorArgs, out: &Output) -> Outcome {
    // Collect: a first reading of the counters, then (after the sample) everything.
    let first = if let Some(e) = earlier {
        Some(rates_snapshot(e)?)
    } else if root.is_live() && !args.sample.is_zero() {
        let first = rates_snapshot(root)?;
        crate::output::wait(args.sample, "sampling rates over");
        Some(first)
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
            swap: true,
            processes: Some(ScanOptions {
                limits: true,
                ..Default::default()
            }),
            ..Plan {
                uptime: true,
                vmstat: true,
                pressure: true,
                ..Plan::SYS
            }
        },
    );
    // Analyse.
    let found = doctor::diagnose(&snap, first.as_ref())?;
    let status = doctor::exit_status(&found);
    // Render.
    if let Ok(scan) = snap.processes.get("processes") {
        scanned::warn_skipped(&scanned::Skipped::of(scan));
    }
    if !root.is_live() && earlier.is_none() {
        warn("reading a capture: rates are since boot only (no live sample; give two captures for rates between them)");
    }
    let secs = first
        .as_ref()
        .and_then(|f| rates::between(Some(f), &snap).seconds);
    match out.format {
        Format::Json => print_json(&DoctorJson {
            sample_secs: secs,
            findings: &found,
            exit_status: status,
        }),
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
