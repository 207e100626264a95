//! `memlens wss PID [--interval DUR]`: clear the referenced bits, wait, read smaps, sum
//! what was referenced by mapping kind.

use crate::failure::{Failure, Outcome};
use memlens_analysis::wss::{self, WssRow};
use memlens_present::{json, Cell, Column, Table};
use memlens_sources::procs::{clear_refs, read_smaps};
use memlens_sources::{status, Error, Root};
use serde::Serialize;

use crate::cli::WssArgs;
use crate::output::{print, Format, Output};

const SIDE_EFFECT: &str = "memlens wrote 1 to /proc/PID/clear_refs: this clears the referenced and accessed bits of the process's pages, which the kernel's reclaim also reads, so for a moment its pages look less recently used than they are";

#[derive(Serialize)]
struct WssJson<'a> {
    pid: u32,
    interval_secs: f64,
    by_kind: &'a [WssRow],
    total: &'a WssRow,
    side_effect: &'static str,
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
    match status::read(root, pid) {
        Ok(_) => {}
        Err(Error::Missing(_)) | Err(Error::Vanished(_)) => {
            return Err(Failure::no_process(root, pid))
        }
        Err(e) => return Err(e.into()),
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
    std::thread::sleep(args.interval);
    let maps = match read_smaps(root, pid, std::time::Duration::from_secs(5)) {
        Err(Error::Missing(_)) | Err(Error::Vanished(_)) => {
            return Err(Failure::no_process(root, pid))
        }
        r => r?,
    };
    // Analyse.
    let (rows, total) = wss::by_kind(&maps);
    // Render.
    match out.format {
        Format::Json => print(&json(&WssJson {
            pid,
            interval_secs: args.interval.as_secs_f64(),
            by_kind: &rows,
            total: &total,
            side_effect: SIDE_EFFECT,
        })),
        Format::Csv => print(&table(&rows, &total).csv()),
        Format::Table => {
            let mut text = format!(
                "{pid}: working set over {:.1}s: {} of {} resident\n",
                args.interval.as_secs_f64(),
                memlens_present::bytes(total.referenced, out.units),
                memlens_present::bytes(total.rss, out.units)
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
