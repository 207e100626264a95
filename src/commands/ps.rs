//! `memlens ps`: scan processes, derive rows, filter/sort/group, render.

use crate::failure::{Failure, Outcome};
use std::time::Duration;

use memlens_analysis::procs::{self, Group, GroupBy};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;
use serde::Serialize;

use crate::cli::{ByArg, PsArgs};
use crate::output::{print, print_json, print_json_rows, Format, Output};
use crate::scanned::One;
use crate::scanned::{
    self, footer, group_table, partial_note, process_table, warn_skipped, Skipped,
};

/// What `ps --json` prints after `processes` (see [`crate::output::print_json_rows`]).
#[derive(Serialize)]
struct PsJson<'a> {
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

pub fn run(root: &Root, earlier: Option<&Root>, args: &PsArgs, out: &Output) -> Outcome {
    let by_rate = procs::FAULT_RATE_KEYS.contains(&args.sort.as_str());
    let by_faults = by_rate || procs::FAULT_KEYS.contains(&args.sort.as_str());
    if by_faults && args.by.is_some() {
        return Err(Failure::usage(format!(
            "--sort {} with --by: groups are sorted by their sizes; the fault counts are per process",
            args.sort
        )));
    }
    match (args.interval, earlier) {
        (Some(_), Some(_)) => {
            return Err(Failure::usage(
                "--interval with --at or two --root: the two snapshots already give the interval",
            ))
        }
        (Some(_), None) if !root.is_live() => return Err(Failure::refused(
            "--interval scans the live machine twice; a capture holds one moment (give two --root)",
        )),
        (None, None) if by_rate => {
            return Err(Failure::usage(format!(
            "--sort {}: fault rates need two snapshots: --interval DUR, --at TIME, or two --root",
            args.sort
        )))
        }
        _ => {}
    }
    let rates = args.interval.is_some() || earlier.is_some();
    let faults = args.faults || by_faults || rates;
    let opts = ScanOptions {
        stat: faults,
        limits: args.rlimits,
        cgroup: args.by == Some(ByArg::Cgroup),
        pids: (!args.pid.is_empty()).then(|| args.pid.clone()),
        timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
        ..Default::default()
    };
    let invalid = |what: &str, msg: String| Failure::usage(format!("{what}: {msg}"));
    let re = crate::cli::optional_regex("--command", args.command.as_deref())?;
    let plan = Plan {
        processes: Some(opts),
        users: true,
        uptime: rates,
        ..Plan::NOTHING
    };
    // The snapshot before, for fault rates: only uptime and each process's stat.
    let before_plan = Plan {
        processes: Some(ScanOptions {
            rollup: false,
            stat: true,
            limits: false,
            cgroup: false,
            ..plan.processes.clone().expect("processes")
        }),
        users: false,
        ..plan.clone()
    };
    let before = match (args.interval, earlier) {
        (_, Some(e)) => Some(collect(e, &before_plan)),
        (Some(d), None) => {
            let b = collect(root, &before_plan);
            crate::output::wait(d, "counting page faults");
            Some(b)
        }
        (None, None) => None,
    };
    let snap = collect(root, &plan);
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
    if let Some(b) = &before {
        procs::add_fault_rates(&mut rows, &snap, b)?;
    }
    // PIDs asked for: each is listed, a kernel thread (no user memory: said, not listed),
    // or accounted for in the footer (timed out, unusable, hidden); else there is none.
    let mut kernel_threads = Vec::new();
    for &pid in &args.pid {
        if rows.iter().any(|r| r.pid == pid) {
            continue;
        }
        match scanned::one(&snap, root, pid) {
            Ok(One::KernelThread(name)) => kernel_threads.push(format!(
                "{pid}: [{name}] is a kernel thread: it has no user memory, so it is not listed\n"
            )),
            Ok(One::Process(_)) => {}
            Err(e) => {
                let accounted = skipped.timed_out.contains(&pid)
                    || skipped.unusable.contains(&pid)
                    || skipped.hidden > 0;
                if !accounted {
                    return Err(e);
                }
            }
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
            Format::Json => print_json(&GroupJson {
                by: by_name,
                groups: &groups,
                totals,
                skipped: &skipped,
            }),
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
        Format::Json => print_json_rows(
            "processes",
            &rows,
            &PsJson {
                totals,
                skipped: &skipped,
            },
        ),
        Format::Csv => {
            let mut t = process_table(&rows, totals.as_ref(), faults, rates, args.rlimits);
            t.add_json_keys(&rows);
            print(&t.csv())
        }
        Format::Table => {
            let mut text = out.table(&process_table(
                &rows,
                totals.as_ref(),
                faults,
                rates,
                args.rlimits,
            ));
            text.push_str(&footer(&skipped));
            text.push_str(&partial_note(totals.as_ref()));
            text.extend(kernel_threads);
            print(&text);
        }
    }
    // The process exits next and its memory goes back whole: freeing 10,000 samples and
    // rows one by one first costs about 5 ms (measured), the serial tail's largest part
    // after the JSON.
    std::mem::forget((rows, snap, before));
    Ok(0)
}
