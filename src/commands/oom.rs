//! `memlens oom`: scan processes with their OOM scores, rank them as the OOM killer would,
//! render with the OOM kills since boot.

use crate::failure::Outcome;
use std::time::Duration;

use memlens_analysis::cgroup::{self, CgroupOomKills};
use memlens_analysis::oom::{first_victim, rank, OomRow};
use memlens_catalogue::Scope;
use memlens_model::MemCgroup;
use memlens_present::table::cut;
use memlens_present::{Cell, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;
use serde::Serialize;

use crate::cli::OomArgs;
use crate::output::{print, print_json, Format, Output};
use crate::render::{left, right};
use crate::scanned::{self, footer, warn_skipped, Skipped};

#[derive(Serialize)]
struct OomJson<'a> {
    processes: &'a [OomRow],
    /// PID the OOM killer would pick now.
    first_victim: Option<u32>,
    /// vmstat `oom_kill`; `null` on kernels before 4.13, which do not count them.
    oom_kills_since_boot: Option<u64>,
    /// Memory cgroups whose events record OOM kills (v2 counts include descendants).
    cgroup_oom_kills: &'a [CgroupOomKills],
    skipped: &'a Skipped,
}

fn table(rows: &[OomRow]) -> Table {
    let mut t = Table::new(vec![
        right(Scope::Process, "pid"),
        left(Scope::Process, "user"),
        right(Scope::Process, "oom_score"),
        right(Scope::Process, "oom_score_adj"),
        right(Scope::Process, "rss"),
        right(Scope::Process, "swap"),
        right(Scope::Process, "pss"),
        left(Scope::Process, "cgroup").fixed().priority(3),
        left(Scope::Process, "command"),
    ]);
    for r in rows {
        t.rows.push(vec![
            Cell::Int(Some(r.pid as i64)),
            Cell::Text(r.user.clone()),
            Cell::Int(r.oom_score),
            Cell::Int(r.oom_score_adj),
            Cell::Bytes(r.rss),
            Cell::Bytes(r.swap),
            Cell::Bytes(r.pss),
            Cell::Text(r.cgroup.clone().unwrap_or_else(|| "-".into())),
            Cell::Text(r.command.clone()),
        ]);
    }
    t
}

pub fn run(root: &Root, args: &OomArgs, out: &Output) -> Outcome {
    let opts = ScanOptions {
        oom: true,
        cgroup: true,
        timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
        ..Default::default()
    };
    let snap = collect(
        root,
        &Plan {
            processes: Some(opts),
            users: true,
            vmstat: true,
            meminfo: true,
            cgroups: true,
            ..Plan::NOTHING
        },
    );
    let (rows, skipped) = scanned::rows(&snap)?;
    let oom_kills = snap.vmstat.get("vmstat")?.get("oom_kill");
    // Cgroups are an extra: without them (or without permission) there are no per-group
    // kill counts.
    let cgroups: Vec<MemCgroup> = snap
        .cgroups
        .optional("cgroups")?
        .into_iter()
        .flatten()
        .flat_map(|t| t.cgroups.clone())
        .collect();
    let cgroup_kills = cgroup::oom_kills(&cgroups);
    let mi = snap.meminfo.get("meminfo")?;
    let page_size = snap.meta.page_size;
    let total_pages = (mi.mem_total.unwrap_or(0) + mi.swap_total.unwrap_or(0)) / page_size.max(1);
    let mut ranked = rank(&rows, page_size, total_pages);
    let victim = first_victim(&ranked).map(|r| (r.pid, r.command.clone(), r.oom_score));
    if let Some(n) = args.limit {
        ranked.truncate(n);
    }
    warn_skipped(&skipped);
    match out.format {
        Format::Json => print_json(&OomJson {
            processes: &ranked,
            first_victim: victim.as_ref().map(|v| v.0),
            oom_kills_since_boot: oom_kills,
            cgroup_oom_kills: &cgroup_kills,
            skipped: &skipped,
        }),
        Format::Csv => {
            let mut t = table(&ranked);
            t.add_json_keys(&ranked);
            print(&t.csv())
        }
        Format::Table => {
            let mut text = out.table(&table(&ranked));
            text.push_str(&footer(&skipped));
            text.push_str(&match &victim {
                Some((pid, command, score)) => format!(
                    "First to be killed when memory runs out: PID {pid}, oom_score {}: {}\n",
                    score.map_or("?".into(), |s| s.to_string()),
                    cut(command, 120)
                ),
                None => "No process the OOM killer could pick (all exempt or unreadable)\n".into(),
            });
            text.push_str(&match oom_kills {
                Some(n) => format!("OOM kills since boot: {n} (vmstat oom_kill)\n"),
                None => "OOM kills since boot: not counted by this kernel (vmstat oom_kill appeared in Linux 4.13)\n".into(),
            });
            if !cgroup_kills.is_empty() {
                text.push_str("OOM kills by memory cgroup (memory.events / memory.oom_control):\n");
                for k in &cgroup_kills {
                    text.push_str(&format!("  {:>6}  {}\n", k.oom_kill, k.path));
                }
            }
            text.push_str(
                "The OOM killer picks the highest badness: RSS + swap + page tables, shifted by oom_score_adj \
                 thousandths of memory (-1000 never killed .. +1000 killed first). oom_score shows it scaled \
                 to 0..2000 as (1000 + badness per mille) x 2/3 (Linux 5.9+): an idle process with \
                 oom_score_adj 0 scores about 666. Init and oom_score_adj -1000 are exempt. \
                 /proc/PID/oom_adj (-17..15) is obsolete, replaced by oom_score_adj.\n",
            );
            print(&text);
        }
    }
    Ok(0)
}
