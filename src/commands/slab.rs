//! `memlens slab`: read slabinfo (root only) and meminfo, size each cache, render like
//! `slabtop -o` sorted by size.

use crate::failure::{Failure, Outcome};
use memlens_analysis::slab::{rows, totals, SlabRow, SlabTotals};
use memlens_catalogue::Scope;
use memlens_present::{bytes, Cell, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::Root;
use serde::Serialize;

use crate::cli::SlabArgs;
use crate::output::{print, print_json, Format, Output};
use crate::render::{left, right};

#[derive(Serialize)]
struct SlabJson<'a> {
    page_size: u64,
    caches: &'a [SlabRow],
    totals: &'a SlabTotals,
}

/// The table; `csv` gives the utilisation as a fraction rather than a rounded percentage.
fn table(r: &[SlabRow], csv: bool) -> Table {
    let s = Scope::Slab;
    let mut t = Table::new(vec![
        right(s, "num_objs"),
        right(s, "active_objs"),
        right(s, "utilisation"),
        right(s, "objsize"),
        right(s, "num_slabs"),
        right(s, "objperslab"),
        right(s, "pagesperslab"),
        right(s, "size"),
        left(s, "name"),
    ]);
    for c in r {
        t.rows.push(vec![
            Cell::Int(Some(c.num_objs as i64)),
            Cell::Int(Some(c.active_objs as i64)),
            Cell::Text(match (c.utilisation, csv) {
                (Some(u), true) => u.to_string(),
                // Rounded down, as slabtop does: a cache is 100% only when full.
                (Some(u), false) => format!("{}%", (u * 100.0).floor() as u64),
                (None, true) => String::new(),
                (None, false) => "-".into(),
            }),
            Cell::Bytes(Some(c.objsize)),
            Cell::Int(Some(c.num_slabs as i64)),
            Cell::Int(Some(c.objperslab as i64)),
            Cell::Int(Some(c.pagesperslab as i64)),
            Cell::Bytes(Some(c.size)),
            Cell::Text(c.name.clone()),
        ]);
    }
    t
}

pub fn run(root: &Root, args: &SlabArgs, out: &Output) -> Outcome {
    let snap = collect(
        root,
        &Plan {
            slabinfo: true,
            meminfo: true,
            ..Plan::NOTHING
        },
    );
    let caches = Failure::part(
        &snap.slabinfo,
        "slabinfo",
        "slabinfo is readable by root only (mode 0400); run memlens slab as root",
        "this kernel (SLUB without CONFIG_SLUB_DEBUG) or capture has no slabinfo; meminfo's Slab, SReclaimable and SUnreclaim are in `memlens sys`",
    )?;
    let m = snap.meminfo.get("meminfo")?;
    let page_size = snap.meta.page_size;
    let mut all = rows(caches, page_size);
    let tot = totals(&all, m.slab);
    if let Some(n) = args.limit {
        all.truncate(n);
    }
    match out.format {
        Format::Json => print_json(&SlabJson {
            page_size,
            caches: &all,
            totals: &tot,
        }),
        Format::Csv => {
            let mut t = table(&all, true);
            t.add_json_keys(&all);
            print(&t.csv())
        }
        Format::Table => {
            let u = out.units;
            let pct = |a: u64, b: u64| {
                if b == 0 {
                    "-".to_string()
                } else {
                    format!("{:.1}%", a as f64 * 100.0 / b as f64)
                }
            };
            let mut text = format!(
                "Active / Total Objects (% used): {} / {} ({})\nActive / Total Caches: {} / {}\nActive / Total Size (objects): {} / {} ({})\n",
                tot.active_objs,
                tot.num_objs,
                pct(tot.active_objs, tot.num_objs),
                tot.active_caches,
                tot.caches,
                bytes(tot.active_size, u),
                bytes(all_objs_size(caches), u),
                pct(tot.active_size, all_objs_size(caches)),
            );
            text.push_str(&format!(
                "Slab pages of all caches: {}; meminfo Slab: {}; difference: {}\n\n",
                bytes(tot.size, u),
                tot.meminfo_slab.map_or("-".into(), |v| bytes(v, u)),
                tot.difference.map_or("-".into(), |d| {
                    format!(
                        "{}{}",
                        if d < 0 { "-" } else { "" },
                        bytes(d.unsigned_abs(), u)
                    )
                }),
            ));
            text.push_str(&out.table(&table(&all, false)));
            text.push_str(
                "\nslabinfo does not add up to meminfo's Slab: Slab also counts kmalloc allocations above two pages, \
                 which go to the page allocator and appear in no cache; PAGES/SLAB is each cache's preferred slab \
                 size, and slabs made smaller under memory pressure take fewer pages; and the two files are read \
                 moments apart. (SLUB also merges caches of the same shape under one name: that hides names, \
                 not memory.)\n",
            );
            print(&text);
        }
    }
    Ok(0)
}

/// `Σ num_objs × objsize`: what slabtop calls the total size.
fn all_objs_size(c: &[memlens_model::SlabCache]) -> u64 {
    c.iter().map(|c| c.num_objs.saturating_mul(c.objsize)).sum()
}
