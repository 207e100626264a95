//! `memlens wss PID [--interval DUR]`: clear the referenced bits, wait, read smaps, sum
//! what was referenced by mapping kind.

use crate::failure::{Failure, Outcome};
use memlens_analysis::wss::{self, WssRow};
use memlens_model::MappingKind;
use memlens_present::{Cell, Column, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::{clear_refs, ScanOptions};
use memlens_sources::{Error, Root};
use serde::Serialize;

use crate::cli::WssArgs;
use crate::output::{print, print_json, Format, Output};
use crate::scanned::{self, One};

const SIDE_EFFECT: &str = "memlens wrote 1 to /proc/PID/clear_refs: this clears the referenced and accessed bits of the process's pages, which the kernel's reclaim also reads, so for a moment its pages look less recently used than they are";

#[derive(Serialize)]
struct WssJson<'a> {
    pid: u32,
    interval_secs: f64,
    /// A kernel thread has no user memory: nothing is cleared or watched.
    kernel_thread: bool,
    by_kind: &'a [WssRow],
    total: &'a WssRow,
    /// Sums of the anonymous kinds (heap, stack, anon) and of the file-backed and shared
    /// ones (file, shmem).
    anon: WssRow,
    file: WssRow,
    side_effect: &'static str,
}

/// The sum of some kinds' rows (reported under the first kind).
fn sum(rows: &[WssRow], kinds: &[MappingKind]) -> WssRow {
    let mut s = WssRow {
        kind: kinds[0],
        mappings: 0,
        rss: 0,
        referenced: 0,
    };
    for r in rows.iter().filter(|r| kinds.contains(&r.kind)) {
        s.mappings += r.mappings;
        s.rss += r.rss;
        s.referenced += r.referenced;
    }
    s
}

fn refuse(path: std::path::PathBuf, why: &str) -> Failure {
    Failure::refused(format!("{}: {why}", path.display()))
}

pub fn run(root: &Root, args: &WssArgs, out: &Output) -> Outcome {
    let pid = args.pid;
    if !root.is_live() {
        return Err(refuse(
            root.base().to_path_buf(),
            "wss watches a live process (it writes clear_refs and waits); it cannot run on a capture",
        ));
    }
    // Collect: clear, wait, read.
    let one = |smaps: bool| {
        collect(
            root,
            &Plan {
                processes: Some(ScanOptions {
                    smaps,
                    rollup: false,
                    cmdline: false,
                    pids: Some(vec![pid]),
                    timeout: std::time::Duration::from_secs(5),
                    ..Default::default()
                }),
                ..Plan::NOTHING
            },
        )
    };
    if let One::KernelThread(name) = scanned::one(&one(false), root, pid)? {
        // No user address space: nothing to clear or watch.
        let total = sum(&[], &[MappingKind::Anon]);
        match out.format {
            Format::Table => print(&format!(
                "{pid}: [{name}] is a kernel thread: it has no user memory, so no working set\n"
            )),
            Format::Json => print_json(&WssJson {
                pid,
                interval_secs: 0.0,
                kernel_thread: true,
                by_kind: &[],
                total: &total,
                anon: total.clone(),
                file: sum(&[], &[MappingKind::File]),
                side_effect: "",
            }),
            Format::Csv => print(&table(&[], &total).csv()),
        }
        return Ok(0);
    }
    match clear_refs(root, pid) {
        Ok(()) => {}
        Err(Error::Denied(p)) => {
            return Err(refuse(
                p,
                "permission denied: clearing a process's referenced bits needs root or the process's owner",
            ))
        }
        Err(Error::Missing(_)) | Err(Error::Vanished(_)) => return Err(Failure::no_process(root, pid)),
        Err(e) => return Err(e.into()),
    }
    crate::output::wait(args.interval, "watching the working set for");
    let after = one(true);
    let One::Process(p) = scanned::one(&after, root, pid)? else {
        return Err(Failure::no_process(root, pid));
    };
    let denied = format!(
        "{}: permission denied: another user's mappings are readable by root only",
        root.origin(&format!("proc/{pid}/smaps")).display()
    );
    if let Some(f) = scanned::file_problem(p, "smaps", &denied) {
        return Err(f);
    }
    let Some(maps) = &p.mappings else {
        return Err(Failure::no_process(root, pid));
    };
    // Analyse.
    let (rows, total) = wss::by_kind(maps);
    let anon = sum(
        &rows,
        &[MappingKind::Anon, MappingKind::Heap, MappingKind::Stack],
    );
    let file = sum(&rows, &[MappingKind::File, MappingKind::Shmem]);
    // Render.
    match out.format {
        Format::Json => print_json(&WssJson {
            pid,
            interval_secs: args.interval.as_secs_f64(),
            kernel_thread: false,
            by_kind: &rows,
            total: &total,
            anon,
            file,
            side_effect: SIDE_EFFECT,
        }),
        Format::Csv => print(&table(&rows, &total).csv()),
        Format::Table => {
            let b = |v: u64| memlens_present::bytes(v, out.units);
            let mut text = format!(
                "{pid}: working set over {:.1}s: {} of {} resident\n  anonymous (heap, stack, anon): {} of {}\n  file-backed and shared (file, shmem): {} of {}, an upper bound: these pages are shared, and other processes touching them (shared libraries above all) set the same referenced bits\n",
                args.interval.as_secs_f64(),
                b(total.referenced),
                b(total.rss),
                b(anon.referenced),
                b(anon.rss),
                b(file.referenced),
                b(file.rss),
            );
            text.push_str(&out.table(&table(&rows, &total)));
            text.push_str(&format!("note: {SIDE_EFFECT}\n"));
            print(&text);
        }
    }
    Ok(0)
}

fn table(rows: &[WssRow], total: &WssRow) -> Table {
    let mut t = Table::new(vec![
        Column::left("KIND", "kind"),
        Column::right("MAPS", "mappings"),
        Column::right("RSS", "rss"),
        Column::right("REFERENCED", "referenced"),
        Column::right("%", "referenced_pct"),
    ]);
    let line = |kind: &str, r: &WssRow| {
        vec![
            Cell::Text(kind.into()),
            Cell::Int(Some(r.mappings as i64)),
            Cell::Bytes(Some(r.rss)),
            Cell::Bytes(Some(r.referenced)),
            Cell::Text(if r.rss > 0 {
                format!("{:.0}", r.referenced as f64 * 100.0 / r.rss as f64)
            } else {
                "-".into()
            }),
        ]
    };
    for r in rows {
        t.rows.push(line(r.kind.as_str(), r));
    }
    t.footer.push(line("total", total));
    t
}
