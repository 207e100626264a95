//! `memlens where`: the whole of RAM, accounted: collect what the tree needs, build it,
//! render it as an indented tree (or JSON, or CSV rows by path).

use crate::failure::Outcome;
use memlens_analysis::r#where::{self, Node, ShmemObject, Where};
use memlens_catalogue::{self as catalogue, Scope};
use memlens_model::ShmemMount;
use memlens_present::{Cell, Column, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;
use std::time::Duration;

use crate::cli::WhereArgs;
use crate::output::{print, print_json, warn, Format, Output};
use serde::Serialize;

/// What the tree reads: meminfo, the page counters, the zones' present pages, the machine's
/// RAM, the tmpfs mounts and SysV shared memory.
const PLAN: Plan = Plan {
    meminfo: true,
    vmstat: true,
    zoneinfo: true,
    physical: true,
    shmem_mounts: true,
    ipc: true,
    ..Plan::NOTHING
};

/// `--shmem`: the mounts, and the shared memory objects processes map with their holders.
#[derive(Serialize)]
struct ShmemJson<'a> {
    mounts: &'a [ShmemMount],
    objects: &'a [ShmemObject],
    /// Processes whose mappings could not be read (denied, timed out): their holdings
    /// are missing from `objects`.
    processes_unread: usize,
}

pub fn run(root: &Root, args: &WhereArgs, out: &Output) -> Outcome {
    if args.shmem {
        return shmem(root, args, out);
    }
    let snap = collect(root, &PLAN);
    let w = r#where::view(&snap)?;
    match out.format {
        Format::Json => print_json(&w),
        Format::Csv => {
            let mut t = Table::new(vec![
                Column::left("", "path"),
                Column::right("", "bytes"),
                Column::left("", "estimate"),
                Column::left("", "unknown"),
            ]);
            csv_rows(&w.tree, "", &mut t);
            print(&t.csv());
        }
        Format::Table => print(&render(&w, args.explain, out)),
    }
    Ok(0)
}

fn label(key: &str) -> &'static str {
    catalogue::figure(Scope::Where, key)
        .expect("every part of the tree is in the catalogue")
        .header
}

fn csv_rows(n: &Node, parent: &str, t: &mut Table) {
    let path = if parent.is_empty() {
        n.key.to_string()
    } else {
        format!("{parent}/{}", n.key)
    };
    t.rows.push(vec![
        Cell::Text(path.clone()),
        Cell::Int(Some(n.bytes)),
        Cell::Text(n.estimate.to_string()),
        Cell::Text(n.unknown.to_string()),
    ]);
    for p in &n.parts {
        csv_rows(p, &path, t);
    }
}

fn render(w: &Where, explain: bool, out: &Output) -> String {
    let mut cols = vec![
        Column::left("PART", "part"),
        Column::right("SIZE", "bytes"),
        Column::right("SHARE", "share"),
        Column::left("SEE", "command"),
    ];
    if explain {
        cols.push(Column::left("MEANING", "meaning").wrap());
    }
    let mut t = Table::new(cols);
    let mut notes = Vec::new();
    rows(&w.tree, w.tree.bytes, "", None, explain, &mut t, &mut notes);
    let mut text = t.render(out.units, out.width);
    text.push_str(&format!(
        "\nInstalled RAM from {}; every part sums exactly to the part above it. \
         \"of which\" lines overlap their siblings and are not summed.\n",
        w.installed_from
    ));
    for (i, (key, note)) in notes.iter().enumerate() {
        text.push_str(&format!("[{}] {}: {note}\n", i + 1, label(key)));
    }
    text
}

/// The rows of a node and its parts: `prefix` draws the tree, `last` says whether the
/// node is the last of its siblings (`None` for the root).
fn rows(
    n: &Node,
    whole: i64,
    prefix: &str,
    last: Option<bool>,
    explain: bool,
    t: &mut Table,
    notes: &mut Vec<(&'static str, String)>,
) {
    let branch = match last {
        None => "",
        Some(true) => "└─ ",
        Some(false) => "├─ ",
    };
    let mut name = format!("{prefix}{branch}{}", label(n.key));
    if let Some(note) = &n.note {
        notes.push((n.key, note.clone()));
        name.push_str(&format!(" [{}]", notes.len()));
    }
    if n.estimate {
        name.push_str(" ~");
    }
    let share = |b: i64| {
        if whole > 0 {
            format!("{:.1}%", b as f64 * 100.0 / whole as f64)
        } else {
            String::new()
        }
    };
    let meaning = |key: &str| {
        catalogue::figure(Scope::Where, key)
            .map(|f| f.meaning)
            .unwrap_or("")
    };
    let mut row = vec![
        Cell::Text(name),
        if n.unknown {
            Cell::Text("?".into())
        } else {
            Cell::SignedBytes(Some(n.bytes))
        },
        Cell::Text(if n.unknown {
            String::new()
        } else {
            share(n.bytes)
        }),
        Cell::Text(
            n.command
                .map(|c| format!("memlens {c}"))
                .unwrap_or_default(),
        ),
    ];
    if explain {
        row.push(meaning(n.key).into());
    }
    t.rows.push(row);
    let child_prefix = match last {
        None => String::new(),
        Some(true) => format!("{prefix}   "),
        Some(false) => format!("{prefix}│  "),
    };
    for d in &n.of_which {
        let bar = if n.parts.is_empty() { "   " } else { "│  " };
        let mut row = vec![
            Cell::Text(format!("{child_prefix}{bar}· of which {}", label(d.key))),
            Cell::Bytes(Some(d.bytes)),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
        ];
        if explain {
            row.push(meaning(d.key).into());
        }
        t.rows.push(row);
    }
    for (i, p) in n.parts.iter().enumerate() {
        rows(
            p,
            whole,
            &child_prefix,
            Some(i + 1 == n.parts.len()),
            explain,
            t,
            notes,
        );
    }
}

fn mounts_table(mounts: &[ShmemMount]) -> Table {
    let mut t = Table::new(vec![
        Column::left("MOUNT POINT", "mount_point"),
        Column::left("TYPE", "fstype"),
        Column::left("DEVICE", "device"),
        Column::right("SIZE", "size"),
        Column::right("USED", "used"),
        Column::left("NOTE", "note"),
    ]);
    for m in mounts {
        t.rows.push(vec![
            Cell::Text(m.mount_point.clone()),
            Cell::Text(m.fstype.clone()),
            Cell::Text(m.device.clone()),
            Cell::Bytes(m.size),
            Cell::Bytes(m.used),
            Cell::Text(
                if m.hidden {
                    "hidden under a later mount"
                } else if m.size.is_none() {
                    "no size limit: use unknown"
                } else {
                    ""
                }
                .into(),
            ),
        ]);
    }
    t
}

fn shmem(root: &Root, args: &WhereArgs, out: &Output) -> Outcome {
    let snap = collect(
        root,
        &Plan {
            shmem_mounts: true,
            processes: Some(ScanOptions {
                rollup: false,
                smaps: true,
                cmdline: true,
                timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
                ..Default::default()
            }),
            ..Plan::NOTHING
        },
    );
    let mounts = snap.shmem_mounts.get("tmpfs mounts")?;
    let objects = r#where::shmem_holders(&snap)?;
    let scan = snap.processes.get("processes")?;
    let unread = scan
        .processes
        .iter()
        .filter(|p| p.mappings.is_none())
        .count()
        + scan.timed_out.len();
    if unread > 0 {
        warn(&format!(
            "{} not read (permission denied or timed out): the shared memory they map is not listed",
            crate::output::count(unread as u64, "process's mappings were", "processes' mappings were")
        ));
    }
    match out.format {
        Format::Json => print_json(&ShmemJson {
            mounts,
            objects: &objects,
            processes_unread: unread,
        }),
        Format::Csv => print(&mounts_table(mounts).csv()),
        Format::Table => {
            let mut text = mounts_table(mounts).render(out.units, out.width);
            text.push('\n');
            if objects.is_empty() {
                text.push_str("No process maps shared memory.\n");
            } else {
                text.push_str(&objects_table(&objects).render(out.units, out.width));
                text.push_str(
                    "MAPPED is the object's pages that processes map, each counted once (the \
                     sum of their PSS); an object's pages nobody maps are only in USED above.\n",
                );
            }
            print(&text)
        }
    }
    Ok(0)
}

/// How many holders the table names per object.
const HOLDERS_SHOWN: usize = 3;

fn objects_table(objects: &[ShmemObject]) -> Table {
    let mut t = Table::new(vec![
        Column::left("KIND", "kind"),
        Column::right("MAPPED", "mapped"),
        Column::right("SWAP", "swap"),
        Column::right("PROCS", "holders"),
        Column::left("TOP HOLDERS (PID PSS)", "top_holders"),
        Column::left("OBJECT", "path").id(),
    ]);
    for o in objects {
        let mut top: Vec<String> = o
            .holders
            .iter()
            .take(HOLDERS_SHOWN)
            .map(|h| format!("{} {}", h.pid, memlens_present::human(h.pss)))
            .collect();
        if o.holders.len() > HOLDERS_SHOWN {
            top.push("…".into());
        }
        t.rows.push(vec![
            Cell::Text(o.kind.into()),
            Cell::Bytes(Some(o.mapped)),
            Cell::Bytes(Some(o.swap)),
            Cell::Int(Some(o.holders.len() as i64)),
            Cell::Text(top.join(", ")),
            Cell::Text(o.path.clone()),
        ]);
    }
    t
}
