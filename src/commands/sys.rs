//! `memlens sys`: collect meminfo, derive the summary, render it.

use crate::failure::Outcome;
use memlens_analysis::sys::{self, overcommit_mode_name, SysSummary};
use memlens_present::{json, Cell, Column, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::Root;

use crate::cli::SysArgs;
use crate::output::{print, Format, Output};

/// `(key, label, value, meaning)` rows of the breakdown.
fn rows(s: &SysSummary) -> Vec<(&'static str, &'static str, Option<u64>, &'static str)> {
    vec![
        ("total", "total", Some(s.total), "MemTotal: RAM the kernel manages (physical RAM minus firmware and kernel image reservations)"),
        ("used", "used", Some(s.used), "total - available: what procps 4 `free` calls used; memory that cannot be had without swapping or killing"),
        ("used_legacy", "used (legacy)", Some(s.used_legacy), "total - free - buffers - cached - SReclaimable: the older `used` of procps < 4.0.1, htop and sar"),
        ("free", "free", Some(s.free), "MemFree: pages holding nothing at all; low free is normal, caches fill it"),
        ("available", "available", Some(s.available), "MemAvailable: kernel estimate of memory startable programs can get without swapping (free + reclaimable cache and slab, minus watermarks)"),
        ("buffers", "buffers", s.buffers, "Buffers: page cache of block devices (filesystem metadata)"),
        ("cached", "cached", s.cached, "Cached: page cache of files, including tmpfs/shmem, excluding swap cache; without SReclaimable, unlike free's cache column"),
        ("buff_cache", "buff/cache", Some(s.buff_cache), "Buffers + Cached + SReclaimable, `free`'s buff/cache column"),
        ("shared", "shared (shmem)", s.shared, "Shmem: tmpfs files, shared anonymous and SysV/POSIX shared memory; counted in cached but not reclaimable without swap"),
        ("anon", "anon", s.anon, "AnonPages: anonymous memory mapped by processes (heap, stacks, private writes)"),
        ("anon_active", "anon LRU active", s.anon_active, "Active(anon): anonymous and shmem pages recently used (shmem lives on the anon LRU, so this is not a part of anon alone)"),
        ("anon_inactive", "anon LRU inactive", s.anon_inactive, "Inactive(anon): anonymous and shmem pages that are candidates for swap-out"),
        ("file_active", "file LRU active", s.file_active, "Active(file): page cache recently used"),
        ("file_inactive", "file LRU inactive", s.file_inactive, "Inactive(file): page cache first in line for reclaim"),
        ("unevictable", "unevictable", s.unevictable, "Unevictable: pages that cannot be reclaimed (mlocked, ramfs)"),
        ("dirty", "dirty", s.dirty, "Dirty: file pages modified and waiting to be written back"),
        ("writeback", "writeback", s.writeback, "Writeback: file pages being written back now"),
        ("slab", "slab", s.slab, "Slab: kernel object caches (dentries, inodes, buffers...)"),
        ("slab_reclaimable", "  slab reclaimable", s.slab_reclaimable, "SReclaimable: slab the kernel can free under pressure (dentry and inode caches)"),
        ("slab_unreclaimable", "  slab unreclaimable", s.slab_unreclaimable, "SUnreclaim: slab in use by the kernel; growth here can be a kernel leak"),
        ("kernel_stack", "kernel stack", s.kernel_stack, "KernelStack: one kernel stack per thread"),
        ("page_tables", "page tables", s.page_tables, "PageTables: memory mapping virtual to physical addresses; grows with RSS and process count"),
        ("vmalloc_used", "vmalloc used", s.vmalloc_used, "VmallocUsed: kernel virtually contiguous allocations"),
        ("percpu", "percpu", s.percpu, "Percpu: per-CPU kernel allocations"),
        ("hugetlb", "hugetlb", s.hugetlb, "Hugetlb: memory reserved for hugetlbfs pools, used or not; not available to anything else"),
        ("anon_huge_pages", "anon huge pages", s.anon_huge_pages, "AnonHugePages: anonymous memory backed by transparent huge pages (part of anon)"),
        ("swap_total", "swap total", s.swap_total, "SwapTotal: swap space configured"),
        ("swap_used", "swap used", s.swap_used, "SwapTotal - SwapFree: pages living in swap"),
        ("swap_free", "swap free", s.swap_free, "SwapFree: unused swap space"),
        ("swap_cached", "swap cached", s.swap_cached, "SwapCached: pages both in RAM and in swap (swapped back in, not yet changed)"),
        ("commit_limit", "commit limit", s.commit_limit, "CommitLimit: swap + RAM x overcommit_ratio% (or overcommit_kbytes); enforced only with vm.overcommit_memory=2"),
        ("committed_as", "committed (Committed_AS)", s.committed_as, "Committed_AS: memory promised to processes (allocated, not necessarily touched); the worst case if all of it were used"),
    ]
}

pub fn run(root: &Root, args: &SysArgs, out: &Output) -> Outcome {
    let s = sys::view(&collect(root, &Plan::SYS))?;
    match out.format {
        Format::Json => print(&json(&s)),
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
