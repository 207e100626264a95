//! `memlens cache`: measure the page cache of files (live only), render the largest.

use crate::failure::{Failure, Outcome};
use memlens_analysis::cache::{self, CacheView};
use memlens_catalogue::Scope;
use memlens_present::{Cell, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::pagecache::CacheOptions;
use memlens_sources::Root;

use crate::cli::CacheArgs;
use crate::output::{print, print_json, warn, Format, Output};
use crate::render::{left, right};

pub fn run(root: &Root, args: &CacheArgs, out: &Output) -> Outcome {
    if !root.is_live() {
        return Err(Failure::refused(format!(
            "{}: cache asks the kernel about files on the live machine; a capture holds none",
            root.base().display()
        )));
    }
    for p in &args.paths {
        if let Err(e) = std::fs::symlink_metadata(p) {
            return Err(Failure::read(format!("{}: {e}", p.display())));
        }
    }
    let snap = collect(
        root,
        &Plan {
            page_cache: Some(CacheOptions {
                paths: args.paths.clone(),
                time_limit: args.time_limit,
                max_files: args.max_files,
            }),
            ..Plan::NOTHING
        },
    );
    let v = cache::view(&snap, (args.top > 0).then_some(args.top))?;
    if let Some(w) = skipped_note(&v) {
        warn(&w);
    }
    match out.format {
        Format::Json => print_json(&v),
        Format::Csv => print(&table(&v).csv()),
        Format::Table => {
            let mut text = table(&v).render(out.units, out.width);
            text.push_str(&summary(&v, out));
            print(&text)
        }
    }
    Ok(0)
}

fn table(v: &CacheView) -> Table {
    let s = Scope::Cache;
    let mut t = Table::new(vec![
        right(s, "size"),
        right(s, "cached"),
        right(s, "cached_ratio"),
        right(s, "dirty"),
        right(s, "recently_evicted"),
        right(s, "holders"),
        left(s, "path").id(),
    ]);
    for r in &v.files {
        let f = &r.file;
        t.rows.push(vec![
            Cell::Bytes(Some(f.size)),
            Cell::Bytes(Some(f.cached)),
            Cell::Text(
                r.cached_ratio
                    .map_or("-".into(), |x| format!("{:.1}%", x * 100.0)),
            ),
            Cell::Bytes(f.dirty),
            Cell::Bytes(f.recently_evicted),
            Cell::Int(Some(f.holders as i64)),
            Cell::Text(f.path.clone()),
        ]);
    }
    t
}

fn summary(v: &CacheView, out: &Output) -> String {
    let b = |x: u64| memlens_present::bytes(x, out.units);
    let mut s = format!(
        "{} of page cache in {} examined ({} in all, by {}), {} of them cached",
        b(v.cached),
        crate::output::count(v.examined_files, "file", "files"),
        b(v.examined_bytes),
        v.method,
        v.examined_files - v.uncached_files,
    );
    if let Some(d) = v.dirty.filter(|&d| d > 0) {
        s.push_str(&format!("; {} dirty", b(d)));
    }
    s.push('\n');
    s
}

/// What was left out, said once: files not measured by reason, the limit that stopped
/// the scan, processes whose files could not be listed.
fn skipped_note(v: &CacheView) -> Option<String> {
    let k = &v.skipped;
    let mut parts = Vec::new();
    for (n, what) in [
        (k.not_regular, "not regular files"),
        (k.denied, "permission denied"),
        (k.vanished, "gone (deleted or moved)"),
        (k.failed, "failed to measure"),
        (
            k.over_limit,
            "left when the limit was reached (--time-limit, --max-files)",
        ),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    if v.unreadable_processes > 0 {
        parts.push(format!(
            "{} whose files could not be listed (permission denied or exited)",
            crate::output::count(v.unreadable_processes, "process", "processes")
        ));
    }
    (!parts.is_empty()).then(|| format!("not examined: {}", parts.join(", ")))
}
