//! `memlens ps`: scan processes, derive rows, filter/sort/group, render.

use crate::failure::{Failure, Outcome};
use std::time::Duration;

use memlens_analysis::procs::{self, Group, GroupBy, ProcRow};
use memlens_present::{json, Cell, Column, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::passwd::Users;
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;
use serde::Serialize;

use crate::cli::{ByArg, PsArgs};
use crate::output::{count, print, Format, Output};
use crate::scanned::{self, footer, warn_skipped, Skipped};

#[derive(Serialize)]
struct PsJson<'a> {
    processes: &'a [ProcRow],
    #[serde(skip_serializing_if = "Option::is_none")]
    totals: Option<Group>,
    skipped: &'a Skipped,
}

#[derive(Serialize)]
struct GroupJson<'a> {
    by: &'static str,
    groups: &'a [Group],
    #[serde(skip_serializing_if = "Option::is_none")]
    totals: Option<Group>,
    skipped: &'a Skipped,
}

pub fn run(root: &Root, args: &PsArgs, out: &Output) -> Outcome {
    let opts = ScanOptions {
        cgroup: args.by == Some(ByArg::Cgroup),
        pids: (!args.pid.is_empty()).then(|| args.pid.clone()),
        timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
        ..Default::default()
    };
    // PIDs asked for that are kernel threads, which have no user memory and are not listed.
    let mut kernel_threads = Vec::new();
    if let Some(pids) = &opts.pids {
        for pid in pids {
            let p = root.path(&format!("proc/{pid}/status"));
            if !p.exists() {
                return Err(Failure::no_process(root, *pid));
            }
            if let Ok(s) = memlens_sources::status::read(root, *pid) {
                if s.is_kernel_thread() {
                    kernel_threads.push(format!(
                        "{pid}: [{}] is a kernel thread: it has no user memory, so it is not listed\n",
                        s.name
                    ));
                }
            }
        }
    }
    let invalid = |what: &str, msg: String| Failure::usage(format!("{what}: {msg}"));
    let re = match &args.command {
        Some(r) => Some(regex::Regex::new(r).map_err(|e| {
            // The regex crate's message spans several lines; its last says what is wrong.
            let why = e.to_string();
            let why = why
                .lines()
                .last()
                .unwrap_or("")
                .trim_start_matches("error: ");
            invalid(
                "--command",
                format!("invalid regular expression {r:?}: {why}"),
            )
        })?),
        None => None,
    };
    let uid = match &args.user {
        None => None,
        Some(u) => match u.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => Some(Users::read(root).uid(u).ok_or_else(|| {
                invalid(
                    "--user",
                    format!(
                        "no user named {u:?} in {}",
                        root.path("etc/passwd").display()
                    ),
                )
            })?),
        },
    };
    let snap = collect(
        root,
        &Plan {
            processes: Some(opts),
            users: true,
            ..Plan::NOTHING
        },
    );
    let (mut rows, mut skipped) = scanned::rows(&snap)?;
    if let Some(uid) = uid {
        rows.retain(|r| r.uid == Some(uid));
    }
    if let Some(re) = &re {
        rows.retain(|r| re.is_match(&r.command));
    }
    // The footer and warning speak of the processes shown.
    skipped.partially_readable = rows.iter().filter(|r| !r.unreadable.is_empty()).count() as u32;
    procs::sort(&mut rows, &args.sort, args.reverse);
    let totals = args.totals.then(|| procs::totals(&rows));
    warn_skipped(&skipped);
    if let Some(by) = args.by {
        let by_kind = match by {
            ByArg::User => GroupBy::User,
            ByArg::Command => GroupBy::Command,
            ByArg::Cgroup => GroupBy::Cgroup,
        };
        let mut groups = procs::group(&rows, by_kind, &args.sort, args.reverse);
        if let Some(n) = args.limit {
            groups.truncate(n);
        }
        let by_name = match by {
            ByArg::User => "user",
            ByArg::Command => "command",
            ByArg::Cgroup => "cgroup",
        };
        match out.format {
            Format::Json => print(&json(&GroupJson {
                by: by_name,
                groups: &groups,
                totals,
                skipped: &skipped,
            })),
            Format::Csv => {
                let mut t = group_table(by_name, &groups, totals.as_ref());
                t.add_json_keys(&groups);
                print(&t.csv())
            }
            Format::Table => {
                let mut text = out.table(&group_table(by_name, &groups, totals.as_ref()));
                text.push_str(&partial_note(groups.iter().chain(totals.as_ref())));
                print(&text)
            }
        }
        return Ok(0);
    }
    if let Some(n) = args.limit {
        rows.truncate(n);
    }
    match out.format {
        Format::Json => print(&json(&PsJson {
            processes: &rows,
            totals,
            skipped: &skipped,
        })),
        Format::Csv => {
            let mut t = process_table(&rows, totals.as_ref());
            t.add_json_keys(&rows);
            print(&t.csv())
        }
        Format::Table => {
            let mut text = out.table(&process_table(&rows, totals.as_ref()));
            text.push_str(&footer(&skipped));
            text.push_str(&partial_note(totals.as_ref()));
            text.extend(kernel_threads);
            print(&text);
        }
    }
    Ok(0)
}

const BYTE_COLUMNS: [(&str, &str); 9] = [
    ("VSZ", "vsz"),
    ("RSS", "rss"),
    ("PSS", "pss"),
    ("USS", "uss"),
    ("SWAP", "swap"),
    ("SWAPPSS", "swap_pss"),
    ("ANON", "anon"),
    ("FILE", "file"),
    ("SHMEM", "shmem"),
];

/// Which byte columns a narrow terminal hides first (lowest first): PSS, the default
/// sort key, and RSS stay longest.
fn byte_priority(key: &str) -> u8 {
    match key {
        "swap_pss" => 1,
        "vsz" => 2,
        "shmem" => 3,
        "swap" => 4,
        "file" | "anon" => 5,
        "uss" => 6,
        "rss" => 7,
        _ => 9,
    }
}

/// A byte cell: unreadable when the figure is missing because a file was denied.
fn cell(v: Option<u64>, unreadable: bool) -> Cell {
    match v {
        None if unreadable => Cell::Unreadable,
        v => Cell::Bytes(v),
    }
}

/// A group's sum: `denied` when no member could be read, `≥` when some could not.
fn sum_cell(g: &Group, key: &str) -> Cell {
    if g.is_partial(key) {
        Cell::AtLeast(g.bytes(key).unwrap_or(0))
    } else {
        cell(g.bytes(key), g.incomplete > 0)
    }
}

/// The note under a table whose sums lack unreadable members' figures, if any does.
pub fn partial_note<'a>(groups: impl IntoIterator<Item = &'a Group>) -> String {
    let partial: Vec<&Group> = groups
        .into_iter()
        .filter(|g| BYTE_COLUMNS.iter().any(|(_, k)| g.is_partial(k)))
        .collect();
    let Some(most) = partial.iter().map(|g| g.incomplete).max() else {
        return String::new();
    };
    // The totals row (the largest group) tells how many members are missing in all.
    format!(
        "≥: a sum lacking the figures of members that could not be read in full ({} of {}); run as root for complete sums\n",
        count(most, "process", "processes"),
        partial.iter().map(|g| g.processes).max().unwrap_or(0)
    )
}

fn byte_columns() -> impl Iterator<Item = Column> {
    BYTE_COLUMNS
        .iter()
        .map(|(h, k)| Column::right(h, k).priority(byte_priority(k)))
}

pub fn process_table(rows: &[ProcRow], totals: Option<&Group>) -> Table {
    let mut cols = vec![
        Column::right("PID", "pid").priority(9),
        Column::left("USER", "user").priority(8),
    ];
    cols.extend(byte_columns());
    cols.push(Column::left("COMMAND", "command").id());
    let mut t = Table::new(cols);
    for r in rows {
        let unreadable = !r.unreadable.is_empty();
        let mut cells = vec![Cell::Int(Some(r.pid as i64)), Cell::Text(r.user.clone())];
        cells.extend(
            BYTE_COLUMNS
                .iter()
                .map(|(_, k)| cell(r.bytes(k), unreadable)),
        );
        cells.push(Cell::Text(r.command.clone()));
        t.rows.push(cells);
    }
    if let Some(g) = totals {
        let mut cells = vec![Cell::Text(String::new()), Cell::Text(String::new())];
        cells.extend(BYTE_COLUMNS.iter().map(|(_, k)| sum_cell(g, k)));
        cells.push(Cell::Text(format!(
            "total of {}",
            count(g.processes, "process", "processes")
        )));
        t.footer.push(cells);
    }
    t
}

fn group_table(by: &'static str, groups: &[Group], totals: Option<&Group>) -> Table {
    let header = match by {
        "user" => "USER",
        "command" => "COMMAND",
        _ => "CGROUP",
    };
    let mut cols = vec![Column::right("PROCS", "processes").priority(8)];
    cols.extend(byte_columns());
    cols.push(Column::left(header, "key").id());
    let mut t = Table::new(cols);
    let line = |g: &Group| {
        let mut cells = vec![Cell::Int(Some(g.processes as i64))];
        cells.extend(BYTE_COLUMNS.iter().map(|(_, k)| sum_cell(g, k)));
        cells.push(Cell::Text(g.key.clone()));
        cells
    };
    for g in groups {
        t.rows.push(line(g));
    }
    if let Some(g) = totals {
        t.footer.push(line(g));
    }
    t
}
