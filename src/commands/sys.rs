//! `memlens sys`: collect meminfo, derive the summary, render it.

use crate::failure::Outcome;
use memlens_analysis::sys::{self, overcommit_mode_name, SysSummary};
use memlens_catalogue::{self as catalogue, Scope};
use memlens_present::{Cell, Column, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::Root;

use crate::cli::SysArgs;
use crate::output::{print, print_json, Format, Output};

/// `(key, label, value, meaning)` rows of the breakdown: the values from the summary,
/// the labels and meanings from the catalogue.
fn rows(s: &SysSummary) -> Vec<(&'static str, &'static str, Option<u64>, &'static str)> {
    let values: [(&'static str, Option<u64>); 32] = [
        ("total", Some(s.total)),
        ("used", Some(s.used)),
        ("used_legacy", Some(s.used_legacy)),
        ("free", Some(s.free)),
        ("available", Some(s.available)),
        ("buffers", s.buffers),
        ("cached", s.cached),
        ("buff_cache", Some(s.buff_cache)),
        ("shared", s.shared),
        ("anon", s.anon),
        ("anon_active", s.anon_active),
        ("anon_inactive", s.anon_inactive),
        ("file_active", s.file_active),
        ("file_inactive", s.file_inactive),
        ("unevictable", s.unevictable),
        ("dirty", s.dirty),
        ("writeback", s.writeback),
        ("slab", s.slab),
        ("slab_reclaimable", s.slab_reclaimable),
        ("slab_unreclaimable", s.slab_unreclaimable),
        ("kernel_stack", s.kernel_stack),
        ("page_tables", s.page_tables),
        ("vmalloc_used", s.vmalloc_used),
        ("percpu", s.percpu),
        ("hugetlb", s.hugetlb),
        ("anon_huge_pages", s.anon_huge_pages),
        ("swap_total", s.swap_total),
        ("swap_used", s.swap_used),
        ("swap_free", s.swap_free),
        ("swap_cached", s.swap_cached),
        ("commit_limit", s.commit_limit),
        ("committed_as", s.committed_as),
    ];
    values
        .into_iter()
        .map(|(key, v)| {
            let f =
                catalogue::figure(Scope::System, key).expect("every sys row is in the catalogue");
            (key, f.header, v, f.meaning)
        })
        .collect()
}

pub fn run(root: &Root, args: &SysArgs, out: &Output) -> Outcome {
    let s = sys::view(&collect(root, &Plan::SYS))?;
    match out.format {
        Format::Json => print_json(&s),
        Format::Csv => {
            let mut t = Table::new(vec![Column::left("", "field"), Column::right("", "bytes")]);
            for (key, _, v, _) in rows(&s) {
                t.rows.push(vec![key.into(), Cell::Bytes(v)]);
            }
            print(&t.csv());
        }
        Format::Table => print(&render(&s, args.explain, out)),
    }
    Ok(0)
}

fn render(s: &SysSummary, explain: bool, out: &Output) -> String {
    let mut text = crate::render::free_block(s, out);
    text.push_str(
        "cache = Cached + SReclaimable, as free -w counts it (the `cached` row below is Cached alone)\n",
    );
    text.push('\n');
    let mut cols = vec![
        Column::left("ITEM", "field").id(),
        Column::right("SIZE", "bytes"),
    ];
    if explain {
        cols.push(Column::left("MEANING", "meaning").wrap());
    }
    let mut t = Table::new(cols);
    for (_, label, v, meaning) in rows(s) {
        let mut r = vec![Cell::Text(label.into()), Cell::Bytes(v)];
        if explain {
            r.push(meaning.into());
        }
        t.rows.push(r);
    }
    text.push_str(&t.render(out.units, out.width));
    text.push('\n');
    if let Some(mode) = s.overcommit_memory {
        text.push_str(&format!(
            "overcommit: vm.overcommit_memory = {mode} ({}){}\n",
            overcommit_mode_name(mode),
            match (s.committed_as, s.commit_limit) {
                (Some(c), Some(l)) if l > 0 => format!(
                    "; Committed_AS is {:.0}% of CommitLimit{}",
                    c as f64 * 100.0 / l as f64,
                    if mode == 2 {
                        " (enforced)"
                    } else {
                        " (not enforced in this mode)"
                    }
                ),
                _ => String::new(),
            }
        ));
    }
    if s.available_estimated {
        text.push_str(
            "available: estimated as procps does (no MemAvailable before Linux 3.14): MemFree above the low watermark, plus reclaimable file pages and slab\n",
        );
    }
    if let Some(id) = &s.cache_identity {
        text.push_str(&format!(
            "identity: Buffers + Cached + SwapCached = {} vs Active(file) + Inactive(file) + Shmem + SwapCached = {}; difference {} {}\n",
            memlens_present::bytes(id.buffers_cached_swap_cached, out.units),
            memlens_present::bytes(id.file_lru_shmem_swap_cached, out.units),
            if id.difference < 0 { "-" } else { "" }.to_string()
                + &memlens_present::bytes(id.difference.unsigned_abs(), out.units),
            match (explain, id.difference) {
                (false, _) => "",
                (true, d) if d > 0 => "(file pages outside the file LRU: mostly unevictable ones, mlocked or ramfs)",
                (true, 0) => "(every file page is on the file LRU or is shmem)",
                (true, _) => "(negative: the counters are read one after another while they move; a few pages of drift)",
            }
        ));
    }
    text
}
