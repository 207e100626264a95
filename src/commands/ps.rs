//! `memlens ps`: scan processes, derive rows, filter/sort/group, render.

use crate::failure::{Failure, Outcome};
use std::time::Duration;

use memlens_analysis::procs::{self, Group, GroupBy, ProcRow};
use memlens_present::json;
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;
use serde::Serialize;

use crate::cli::{ByArg, PsArgs};
use crate::output::{print, Format, Output};
use crate::scanned::{
    self, footer, group_table, partial_note, process_table, warn_skipped, Skipped,
};

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
    let from_snapshot = root.snapshot().is_some();
    if let Some(pids) = opts.pids.as_ref().filter(|_| !from_snapshot) {
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
    let snap = collect(
        root,
        &Plan {
            processes: Some(opts),
            users: true,
            ..Plan::NOTHING
        },
    );
    let uid =
        match &args.user {
            None => None,
            Some(u) => match u.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => Some(snap.users.ok().and_then(|names| names.uid(u)).ok_or_else(
                    || {
                        invalid(
                            "--user",
                            format!(
                                "no user named {u:?} in {}",
                                root.origin("etc/passwd").display()
                            ),
                        )
                    },
                )?),
            },
        };
    let (mut rows, mut skipped) = scanned::rows(&snap)?;
    // A snapshot file holds user processes only: a PID it lacks is no process of it.
    if from_snapshot {
        if let Some(pid) = args.pid.iter().find(|p| !rows.iter().any(|r| r.pid == **p)) {
            return Err(Failure::no_process(root, *pid));
        }
    }
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
