//! `memlens cgroup [PATH]`: read the memory cgroup tree(s), derive rows, render a tree.

use crate::failure::{Failure, Outcome};
use memlens_analysis::cgroup::{self, CgroupRow};
use memlens_catalogue::Scope;
use memlens_model::CgroupTree;
use memlens_model::{CgroupVersion, Limit};
use memlens_present::human;
use memlens_present::{Cell, Table};
use memlens_sources::cgroupfs::parse_path;
use memlens_sources::collect::{collect, Plan};
use memlens_sources::text::escaped;
use memlens_sources::Root;
use serde::Serialize;

use crate::cli::CgroupArgs;
use crate::output::{print, print_json, Format, Output};
use crate::render::{left, right};

#[derive(Serialize)]
struct CgroupJson<'a> {
    hierarchies: Vec<HierarchyJson<'a>>,
}

#[derive(Serialize)]
struct HierarchyJson<'a> {
    version: CgroupVersion,
    dir: String,
    cgroups: &'a [CgroupRow],
}

fn limit_cell(l: Option<Limit>) -> Cell {
    match l {
        None => Cell::Bytes(None),
        Some(Limit::Unlimited) => Cell::Text("max".into()),
        Some(Limit::Bytes(b)) => Cell::Bytes(Some(b)),
    }
}

pub fn run(root: &Root, args: &CgroupArgs, out: &Output) -> Outcome {
    // Collect.
    // `system.slice` and `/system.slice/` both name `/system.slice`; `..` is refused.
    let given = args.path.as_deref().unwrap_or("/");
    let start = parse_path(given).ok_or_else(|| {
        Failure::usage(format!(
            "cgroup {given:?}: leaves the memory cgroup hierarchy (`..` or `.` in the path)"
        ))
    })?;
    let start = escaped(&start);
    let snap = collect(
        root,
        &Plan {
            cgroups: true,
            ..Plan::NOTHING
        },
    );
    let hs = snap.cgroups.get("cgroups")?;
    if hs.is_empty() {
        return Err(no_hierarchy(root));
    }
    // The hierarchies where the path is a memory cgroup; say why when it is in none.
    let mut trees = Vec::new();
    let mut not_a_cgroup = false;
    for h in hs {
        match cgroup::subtree(&h.cgroups, &start, args.depth) {
            Some(t) if cgroup::has_memory_files(&t[0]) => trees.push((h, t)),
            Some(_) => not_a_cgroup = true,
            None => {}
        }
    }
    if trees.is_empty() {
        let dirs: Vec<String> = hs.iter().map(|h| format!("/{}", h.dir)).collect();
        return Err(if not_a_cgroup {
            Failure::usage(format!(
                "cgroup {given:?}: a directory, but not a memory cgroup (no memory controller files in it) under {}",
                dirs.join(" or ")
            ))
        } else {
            Failure::read(format!(
                "cgroup {given:?}: no such cgroup under {}",
                dirs.join(" or ")
            ))
        });
    }
    // Analyse.
    let rows: Vec<(&CgroupTree, Vec<CgroupRow>)> = trees
        .into_iter()
        .map(|(h, t)| (h, cgroup::sort_tree(t.iter().map(cgroup::row).collect())))
        .collect();
    // Render.
    match out.format {
        Format::Json => print_json(&CgroupJson {
            hierarchies: rows
                .iter()
                .map(|(h, r)| HierarchyJson {
                    version: h.version,
                    dir: format!("/{}", h.dir),
                    cgroups: r,
                })
                .collect(),
        }),
        Format::Csv => {
            let mut t = table(true);
            for (_, r) in &rows {
                t.rows.extend(r.iter().map(|c| cells(c, true)));
            }
            let all: Vec<_> = rows.iter().flat_map(|(_, r)| r.iter()).collect();
            t.add_json_keys(&all);
            print(&t.csv());
        }
        Format::Table => {
            let mut text = String::new();
            for (h, r) in &rows {
                text.push_str(&format!(
                    "cgroup {} memory hierarchy at /{}{}\n",
                    match h.version {
                        CgroupVersion::V1 => "v1",
                        CgroupVersion::V2 => "v2",
                    },
                    h.dir,
                    if h.version == CgroupVersion::V1 {
                        " (RESIDENT = total_rss + total_mapped_file; LIMIT% of memory.limit_in_bytes)"
                    } else {
                        " (LIMIT% of the tighter of memory.max and memory.high)"
                    }
                ));
                let mut t = table(false);
                t.rows.extend(r.iter().map(|c| cells(c, false)));
                text.push_str(&out.table(&t));
                if let Some((path, child, root_usage)) = cgroup::v1_child_above_root(r) {
                    text.push_str(&format!(
                        "Note: {path} uses {} but the root only {}: the v1 root's usage is not the sum of \
                         its children; the kernel computes it from the global page cache and anon counters, \
                         while a child's counts every page charged to it, kernel memory included.\n",
                        human(child),
                        human(root_usage)
                    ));
                }
                text.push('\n');
            }
            print(&text);
        }
    }
    Ok(0)
}

fn no_hierarchy(root: &Root) -> Failure {
    Failure::refused(format!(
        "{}: no memory cgroup hierarchy (no v1 memory controller, no v2 root with memory enabled)",
        root.origin("sys/fs/cgroup").display()
    ))
}

fn table(csv: bool) -> Table {
    let c = Scope::Cgroup;
    let mut cols = vec![];
    if csv {
        cols.push(left(c, "version"));
    }
    cols.extend([
        // A narrow terminal hides the breakdown first and keeps usage against the limits,
        // the events (OOM kills) and the cgroup.
        right(c, "processes").priority(4),
        right(c, "usage").priority(9),
        right(c, "max").priority(8),
        right(c, "high").priority(6),
        right(c, "limit_pct").priority(8),
        right(c, "anon").priority(5),
        right(c, "file").priority(5),
        right(c, "kernel").priority(2),
        right(c, "shmem").priority(2),
        right(c, "resident").priority(1),
        right(c, "swap").priority(3),
        left(c, "events").fixed().priority(7),
        right(c, "psi_some_avg10").priority(4),
        left(c, "container").priority(3),
        left(c, "path").id(),
    ]);
    Table::new(cols)
}

fn cells(c: &CgroupRow, csv: bool) -> Vec<Cell> {
    let mut v = vec![];
    if csv {
        v.push(Cell::Text(format!("{:?}", c.version).to_lowercase()));
    }
    // CSV leaves unknown cells empty, as every other CSV does.
    let dash = if csv { "" } else { "-" };
    let events: Vec<String> = c
        .events
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k}={n}"))
        .collect();
    let name = if csv {
        c.path.clone()
    } else {
        let leaf = c
            .path
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("/");
        format!(
            "{}{}",
            "  ".repeat(c.depth as usize),
            if c.depth == 0 { c.path.as_str() } else { leaf }
        )
    };
    v.extend([
        Cell::Int(c.processes.map(|p| p as i64)),
        Cell::Bytes(c.usage),
        limit_cell(c.max),
        limit_cell(c.high),
        Cell::Text(c.limit_pct.map_or(dash.into(), |p| format!("{p:.1}"))),
        Cell::Bytes(c.anon),
        Cell::Bytes(c.file),
        Cell::Bytes(c.kernel),
        Cell::Bytes(c.shmem),
        Cell::Bytes(c.resident),
        Cell::Bytes(c.swap),
        Cell::Text(if events.is_empty() {
            dash.into()
        } else {
            events.join(" ")
        }),
        Cell::Text(c.psi_some_avg10.map_or(dash.into(), |p| format!("{p:.2}"))),
        // In the table, only what the name does not already say.
        Cell::Text(match &c.container {
            Some(o) if csv || !c.path.ends_with(&format!("/{o}")) => o.clone(),
            _ => String::new(),
        }),
        Cell::Text(name),
    ]);
    v
}
