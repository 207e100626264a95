//! `memlens tunables [--explain NAME]`: read vm.* and kernel.shm*, audit, render.

use crate::failure::{Failure, Outcome};
use memlens_analysis::findings::Finding;
use memlens_analysis::tunables::{self, TunableRow};
use memlens_model::Sysctls;
use memlens_present::{Cell, Column, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::Root;
use serde::Serialize;

use crate::cli::TunablesArgs;
use crate::output::{count, print, print_json, warn, Format, Output};

#[derive(Serialize)]
struct TunablesJson<'a> {
    tunables: &'a [TunableRow],
    findings: &'a [Finding],
    /// Tunables whose files exist but could not be read: `[name, why]`.
    unreadable: &'a [(String, String)],
}

#[derive(Serialize)]
struct ExplainJson<'a> {
    name: String,
    value: Option<&'a str>,
    default: Option<&'static str>,
    meaning: Option<&'static str>,
    removed: Option<&'static str>,
}

fn not_found(name: &str) -> Failure {
    Failure::usage(format!(
        "{name}: not a vm.* or kernel.shm* tunable memlens knows, and not on this kernel"
    ))
}

pub fn run(root: &Root, args: &TunablesArgs, out: &Output) -> Outcome {
    // Collect.
    let snap = collect(
        root,
        &Plan {
            sysctl_vm: true,
            sysctl_kernel: true,
            meminfo: true,
            buddyinfo: true,
            thp: true,
            ..Plan::NOTHING
        },
    );
    let vm_dir = snap.sysctl_vm.get("vm sysctls")?;
    let kernel_dir = snap.sysctl_kernel.get("kernel sysctls")?;
    let vm = &vm_dir.values;
    // The kernel.shm* ones: the IPC view shows msg* and sem.
    let shm = |n: &str| n.starts_with("shm");
    let kernel = Sysctls(
        kernel_dir
            .values
            .0
            .iter()
            .filter(|(n, _)| shm(n))
            .cloned()
            .collect(),
    );
    let unreadable: Vec<(String, String)> = vm_dir
        .unreadable
        .iter()
        .map(|(n, why)| (format!("vm.{n}"), why.clone()))
        .chain(
            kernel_dir
                .unreadable
                .iter()
                .filter(|(n, _)| shm(n))
                .map(|(n, why)| (format!("kernel.{n}"), why.clone())),
        )
        .collect();
    if !unreadable.is_empty() {
        let names: Vec<String> = unreadable
            .iter()
            .map(|(n, why)| format!("{n} ({why})"))
            .collect();
        warn(&format!(
            "{} could not be read and {} not shown: {}",
            count(unreadable.len() as u64, "tunable", "tunables"),
            if unreadable.len() == 1 { "is" } else { "are" },
            names.join(", ")
        ));
    }
    if let Some(name) = &args.explain {
        return explain(name, vm, &kernel, out);
    }
    let mi = snap.meminfo.get("meminfo")?;
    let nodes = match snap.buddyinfo.ok() {
        Some(z) => {
            let mut n: Vec<u32> = z.iter().map(|z| z.node).collect();
            n.dedup();
            n.len().max(1)
        }
        None => 1,
    };
    let thp = snap.thp.ok().cloned().unwrap_or_default();
    // Analyse.
    let rows = tunables::rows(vm, &kernel);
    let found = tunables::findings(
        vm,
        mi,
        nodes,
        thp.enabled.as_ref().map(|c| c.selected.as_str()),
    );
    // Render.
    match out.format {
        Format::Json => print_json(&TunablesJson {
            tunables: &rows,
            findings: &found,
            unreadable: &unreadable,
        }),
        Format::Csv => {
            let mut t = table(&rows, true);
            t.add_json_keys(&rows);
            print(&t.csv())
        }
        Format::Table => {
            let mut text = out.table(&table(&rows, args.all));
            text.push('\n');
            if found.is_empty() {
                text.push_str("No risky settings found.\n");
            } else {
                text.push_str("Findings:\n");
                for f in &found {
                    text.push_str(&format!(
                        "  [{}] {}: {}\n",
                        f.severity.label(),
                        f.title,
                        f.evidence
                    ));
                    if let Some(a) = &f.advice {
                        text.push_str(&format!("      consider: {a}\n"));
                    }
                }
                text.push_str("memlens never changes a setting; it only prints what to run.\n");
            }
            print(&text);
        }
    }
    Ok(0)
}

fn table(rows: &[TunableRow], with_meaning: bool) -> Table {
    let mut cols = vec![
        Column::left("TUNABLE", "name").id(),
        Column::left("VALUE", "value"),
        Column::left("DEFAULT", "default"),
        Column::left("CHANGED", "changed").fixed().priority(9),
    ];
    if with_meaning {
        cols.push(Column::left("MEANING", "meaning").wrap());
    }
    let mut t = Table::new(cols);
    for r in rows {
        let mut cells = vec![
            Cell::Text(r.name.clone()),
            Cell::Text(r.value.clone()),
            Cell::Text(r.default.unwrap_or("?").into()),
            Cell::Text(if r.changed {
                "yes".into()
            } else {
                String::new()
            }),
        ];
        if with_meaning {
            cells.push(Cell::Text(r.meaning.unwrap_or("").into()));
        }
        t.rows.push(cells);
    }
    t
}

fn explain(name: &str, vm: &Sysctls, kernel: &Sysctls, out: &Output) -> Outcome {
    let full = tunables::normalize(name);
    let short = full.split_once('.').map(|x| x.1).unwrap_or(&full);
    let value = if full.starts_with("kernel.") {
        kernel.get(short)
    } else {
        vm.get(short)
    };
    let known = tunables::lookup(&full);
    let removed = tunables::removed(&full);
    if value.is_none() && known.is_none() && removed.is_none() {
        return Err(not_found(&full));
    }
    let e = ExplainJson {
        name: full.clone(),
        value,
        default: known.map(|k| k.default),
        meaning: known.map(|k| k.meaning),
        removed,
    };
    match out.format {
        Format::Json => print_json(&e),
        _ => {
            let mut s = format!("{full}\n");
            if let Some(r) = removed {
                s.push_str(&format!("  obsolete: {r}\n"));
            }
            match value {
                Some(v) => s.push_str(&format!("  value on this kernel: {v}\n")),
                None if removed.is_none() => s.push_str("  not present on this kernel\n"),
                None => {}
            }
            if let Some(k) = known {
                s.push_str(&format!(
                    "  default: {}\n  meaning: {}\n",
                    k.default, k.meaning
                ));
            }
            print(&s);
        }
    }
    Ok(0)
}
