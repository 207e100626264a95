//! `memlens huge`: hugetlb pools and their holders, THP policy and the top THP users, KSM
//! state and savings with the processes whose pages are merged.

use crate::failure::Outcome;
use std::time::Duration;

use memlens_analysis::huge::{report, HugeReport, Inputs};
use memlens_catalogue::Scope;
use memlens_present::{bytes, Cell, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;

use crate::cli::HugeArgs;
use crate::output::{print, print_json, Format, Output};
use crate::render::{left, right};
use crate::scanned::warn_skipped;

fn pools_table(r: &HugeReport) -> Table {
    let mut t = Table::new(vec![
        right(Scope::Huge, "page_size"),
        right(Scope::Huge, "total_pages"),
        right(Scope::Huge, "free_pages"),
        right(Scope::Huge, "reserved_pages"),
        right(Scope::Huge, "surplus_pages"),
        right(Scope::Huge, "overcommit_pages"),
        right(Scope::Huge, "total"),
        right(Scope::Huge, "used"),
        right(Scope::Huge, "reserved"),
    ]);
    let n = |v: Option<u64>| Cell::Int(v.map(|v| v as i64));
    for p in &r.pools {
        t.rows.push(vec![
            Cell::Bytes(Some(p.page_size)),
            n(p.total_pages),
            n(p.free_pages),
            n(p.reserved_pages),
            n(p.surplus_pages),
            n(p.overcommit_pages),
            Cell::Bytes(p.total),
            Cell::Bytes(p.used),
            Cell::Bytes(p.reserved),
        ]);
    }
    t
}

fn hugetlb_table(r: &HugeReport) -> Table {
    let mut t = Table::new(vec![
        right(Scope::Process, "pid"),
        left(Scope::Process, "user"),
        right(Scope::Process, "hugetlb_pages"),
        right(Scope::Process, "private_hugetlb"),
        right(Scope::Process, "shared_hugetlb"),
        left(Scope::Process, "command"),
    ]);
    for p in &r.hugetlb_processes {
        t.rows.push(vec![
            Cell::Int(Some(p.pid as i64)),
            p.user.as_str().into(),
            Cell::Bytes(p.hugetlb_pages),
            Cell::Bytes(p.private_hugetlb),
            Cell::Bytes(p.shared_hugetlb),
            p.command.as_str().into(),
        ]);
    }
    t
}

fn thp_table(r: &HugeReport) -> Table {
    let mut t = Table::new(vec![
        right(Scope::Process, "pid"),
        left(Scope::Process, "user"),
        right(Scope::Process, "anon_huge_pages"),
        right(Scope::Process, "rss"),
        left(Scope::Process, "command"),
    ]);
    for p in &r.thp_processes {
        t.rows.push(vec![
            Cell::Int(Some(p.pid as i64)),
            p.user.as_str().into(),
            Cell::Bytes(Some(p.anon_huge_pages)),
            Cell::Bytes(p.rss),
            p.command.as_str().into(),
        ]);
    }
    t
}

fn ksm_table(r: &HugeReport) -> Table {
    let mut t = Table::new(vec![
        right(Scope::Process, "pid"),
        left(Scope::Process, "user"),
        right(Scope::Process, "ksm_merging_pages"),
        right(Scope::Process, "ksm_merging"),
        right(Scope::Process, "ksm_process_profit"),
        left(Scope::Process, "command"),
    ]);
    for p in &r.ksm_processes {
        t.rows.push(vec![
            Cell::Int(Some(p.pid as i64)),
            p.user.as_str().into(),
            Cell::Int(Some(p.ksm_merging_pages as i64)),
            Cell::Bytes(Some(p.ksm_merging)),
            Cell::SignedBytes(p.ksm_process_profit),
            p.command.as_str().into(),
        ]);
    }
    t
}

/// The CSV: one row per process listed in any section, with all the per-process figures.
fn csv_table(r: &HugeReport) -> Table {
    let mut pids: Vec<u32> = r
        .hugetlb_processes
        .iter()
        .map(|p| p.pid)
        .chain(r.thp_processes.iter().map(|p| p.pid))
        .chain(r.ksm_processes.iter().map(|p| p.pid))
        .collect();
    pids.sort_unstable();
    pids.dedup();
    let mut t = Table::new(vec![
        right(Scope::Process, "pid"),
        left(Scope::Process, "user"),
        right(Scope::Process, "anon_huge_pages"),
        right(Scope::Process, "hugetlb_pages"),
        right(Scope::Process, "private_hugetlb"),
        right(Scope::Process, "shared_hugetlb"),
        right(Scope::Process, "ksm_merging_pages"),
        right(Scope::Process, "ksm_merging"),
        left(Scope::Process, "command"),
        right(Scope::Process, "rss"),
        right(Scope::Process, "ksm_process_profit"),
    ]);
    for pid in pids {
        let h = r.hugetlb_processes.iter().find(|p| p.pid == pid);
        let a = r.thp_processes.iter().find(|p| p.pid == pid);
        let k = r.ksm_processes.iter().find(|p| p.pid == pid);
        let (user, command) = h
            .map(|p| (&p.user, &p.command))
            .or(a.map(|p| (&p.user, &p.command)))
            .or(k.map(|p| (&p.user, &p.command)))
            .unwrap();
        t.rows.push(vec![
            Cell::Int(Some(pid as i64)),
            user.as_str().into(),
            Cell::Bytes(a.map(|p| p.anon_huge_pages)),
            Cell::Bytes(h.and_then(|p| p.hugetlb_pages)),
            Cell::Bytes(h.and_then(|p| p.private_hugetlb)),
            Cell::Bytes(h.and_then(|p| p.shared_hugetlb)),
            Cell::Int(k.map(|p| p.ksm_merging_pages as i64)),
            Cell::Bytes(k.map(|p| p.ksm_merging)),
            command.as_str().into(),
            Cell::Bytes(a.and_then(|p| p.rss)),
            Cell::SignedBytes(k.and_then(|p| p.ksm_process_profit)),
        ]);
    }
    t
}

pub fn run(root: &Root, args: &HugeArgs, out: &Output) -> Outcome {
    let opts = ScanOptions {
        cmdline: true,
        ksm_stat: true,
        timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
        ..Default::default()
    };
    let snap = collect(
        root,
        &Plan {
            hugepages: true,
            meminfo: true,
            thp: true,
            ksm: true,
            processes: Some(opts),
            users: true,
            ..Plan::NOTHING
        },
    );
    let pools = snap.hugepages.get("hugepages")?;
    let mi = snap.meminfo.get("meminfo")?;
    let thp = snap.thp.get("transparent_hugepage")?;
    // Kernels without THP have no such directory, and read as an empty Thp.
    let thp_available = thp.enabled.is_some() || thp.hpage_pmd_size.is_some();
    let ksm = snap.ksm.get("ksm")?;
    let procs = snap.processes.get("processes")?;
    let users = crate::output::user_names(&snap);
    let page_size = snap.meta.page_size;
    let r = report(
        &Inputs {
            pools,
            meminfo: mi,
            thp,
            thp_available,
            ksm,
            procs: &procs.processes,
            page_size,
        },
        |u| users.name(u),
        Some(args.limit),
    );
    warn_skipped(&crate::scanned::Skipped::of(procs));
    match out.format {
        Format::Json => print_json(&r),
        Format::Csv => print(&csv_table(&r).csv()),
        Format::Table => print(&text(&r, out)),
    }
    Ok(0)
}

fn text(r: &HugeReport, out: &Output) -> String {
    let u = out.units;
    let b = |v: Option<u64>| v.map_or("-".to_string(), |v| bytes(v, u));
    let mut s = String::new();
    // hugetlb
    if r.pools.is_empty() {
        s.push_str("hugetlb: no pools (kernel without CONFIG_HUGETLBFS, or not captured)\n");
    } else {
        s.push_str(&format!(
            "hugetlb pools (meminfo Hugetlb {}; hugetlb memory is in no process's RSS):\n",
            b(r.hugetlb)
        ));
        s.push_str(&out.table(&pools_table(r)));
    }
    if r.hugetlb_processes.is_empty() {
        s.push_str("No process holds hugetlb memory.\n");
    } else {
        s.push_str("\nProcesses holding hugetlb memory (status HugetlbPages, smaps_rollup Private/Shared_Hugetlb):\n");
        s.push_str(&out.table(&hugetlb_table(r)));
    }
    // THP
    s.push('\n');
    if r.thp.available {
        let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        s.push_str(&format!(
            "Transparent huge pages: enabled [{}], defrag [{}], shmem_enabled [{}], huge page {}\n",
            o(&r.thp.enabled),
            o(&r.thp.defrag),
            o(&r.thp.shmem_enabled),
            b(r.thp.pmd_size),
        ));
    } else {
        s.push_str(
            "Transparent huge pages: not available (no /sys/kernel/mm/transparent_hugepage)\n",
        );
    }
    s.push_str(&format!(
        "AnonHugePages {}  ShmemHugePages {}  FileHugePages {}  (meminfo)\n",
        b(r.anon_huge_pages),
        b(r.shmem_huge_pages),
        b(r.file_huge_pages)
    ));
    if r.thp_processes.is_empty() {
        s.push_str("No process has anonymous huge pages.\n");
    } else {
        s.push_str(&format!(
            "Top {} of {} processes by AnonHugePages (smaps_rollup):\n",
            r.thp_processes.len(),
            r.thp_processes_total
        ));
        s.push_str(&out.table(&thp_table(r)));
    }
    // KSM
    s.push('\n');
    if !r.ksm.available {
        s.push_str("KSM: not available (no /sys/kernel/mm/ksm)\n");
    } else {
        let n = |v: Option<i64>| v.map_or("-".to_string(), |v| v.to_string());
        let state = match r.ksm.run {
            Some(0) => "stopped",
            Some(1) => "running",
            Some(2) => "stopped, all merged pages unmerged",
            _ => "?",
        };
        s.push_str(&format!(
            "KSM: run {} ({state}); pages_shared {}, pages_sharing {}, pages_unshared {}, pages_volatile {}\n",
            n(r.ksm.run),
            n(r.ksm.pages_shared),
            n(r.ksm.pages_sharing),
            n(r.ksm.pages_unshared),
            n(r.ksm.pages_volatile),
        ));
        s.push_str(&format!(
            "KSM saves {} (pages_sharing x {}-byte pages){}\n",
            b(r.ksm.savings),
            r.page_size,
            r.ksm.general_profit.map_or(String::new(), |p| format!(
                "; general_profit {}{}",
                if p < 0 { "-" } else { "" },
                bytes(p.unsigned_abs(), u)
            )),
        ));
        if !r.ksm_processes.is_empty() {
            s.push_str(&format!(
                "Top {} of {} processes by merged pages (ksm_stat):\n",
                r.ksm_processes.len(),
                r.ksm_processes_total
            ));
            s.push_str(&out.table(&ksm_table(r)));
        }
    }
    s
}
