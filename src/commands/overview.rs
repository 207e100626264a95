//! `memlens` with no command: system summary, top processes by PSS, findings.

use crate::failure::Outcome;
use memlens_analysis::doctor;
use memlens_analysis::findings::Finding;
use memlens_analysis::procs::{self, ProcRow};
use memlens_analysis::sys::SysSummary;
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;
use serde::Serialize;

use crate::output::{print, print_json, Format, Output};
use crate::scanned::{self, Skipped};

const TOP: usize = 10;

#[derive(Serialize)]
struct OverviewJson<'a> {
    system: &'a SysSummary,
    top_processes: &'a [ProcRow],
    findings: &'a [Finding],
    skipped: &'a Skipped,
}

pub fn run(root: &Root, out: &Output) -> Outcome {
    // Collect.
    let snap = collect(
        root,
        &Plan {
            vmstat: true,
            uptime: true,
            pressure: true,
            processes: Some(ScanOptions::default()),
            users: true,
            ..Plan::SYS
        },
    );
    let summary = memlens_analysis::sys::view(&snap)?;
    let (mut rows, skipped) = scanned::rows(&snap)?;
    // Analyse: the doctor's rules on what the overview has (no zones, no live sample).
    let found = doctor::diagnose(&snap, None)?;
    procs::sort(&mut rows, "pss", false);
    rows.truncate(TOP);
    // Render.
    scanned::warn_skipped(&skipped);
    match out.format {
        Format::Json => print_json(&OverviewJson {
            system: &summary,
            top_processes: &rows,
            findings: &found,
            skipped: &skipped,
        }),
        Format::Csv => {
            let mut t = scanned::process_table(&rows, None, false, false, false);
            t.add_json_keys(&rows);
            print(&t.csv())
        }
        Format::Table => {
            let mut text = crate::render::free_block(&summary, out);
            text.push_str(&format!(
                "\nanon {}  page cache {}  slab {}  kernel stack+page tables {}  hugetlb {}\n",
                b(summary.anon, out),
                b(summary.page_cache, out),
                b(summary.slab, out),
                b(summary.kernel_stack_page_tables, out),
                b(summary.hugetlb, out),
            ));
            text.push_str(&format!("\nTop {} processes by PSS:\n", rows.len()));
            text.push_str(&out.table(&scanned::process_table(&rows, None, false, false, false)));
            text.push_str(&scanned::footer(&skipped));
            text.push('\n');
            if found.is_empty() {
                text.push_str(
                    "Nothing alarming: memory available, and no OOM kills or swapping since boot that this kernel reports.\n",
                );
            } else {
                text.push_str("Findings:\n");
                for f in &found {
                    let tag = f.severity.label();
                    text.push_str(&format!(
                        "  [{tag}] {}: {} (see `{}`)\n",
                        f.title, f.evidence, f.next
                    ));
                }
            }
            print(&text);
        }
    }
    Ok(0)
}

fn b(v: Option<u64>, out: &Output) -> String {
    v.map_or("-".into(), |v| memlens_present::bytes(v, out.units))
}
