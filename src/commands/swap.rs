//! `memlens swap`: collect swap devices, zram, zswap, the swap counters and the processes'
//! VmSwap (twice, an interval apart, for current rates); render them.

use std::time::Duration;

use crate::failure::{Failure, Outcome};
use memlens_analysis::swap::{self, SwapView};
use memlens_catalogue::Scope;
use memlens_present::{bytes, Cell, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;

use crate::cli::SwapArgs;
use crate::output::{print, print_json, wait, Format, Output};
use crate::render::{left, right};

pub fn run(root: &Root, args: &SwapArgs, out: &Output) -> Outcome {
    let counters = Plan {
        vmstat: true,
        uptime: true,
        ..Plan::NOTHING
    };
    let earlier = match args.interval {
        Some(d) if d.is_zero() => return Err(Failure::usage("--interval must be above 0")),
        Some(_) if !root.is_live() => {
            return Err(Failure::refused(
                "--interval samples the live machine; a capture holds one moment",
            ))
        }
        Some(d) => {
            let e = collect(root, &counters);
            wait(d, "sampling swap traffic");
            Some(e)
        }
        None => None,
    };
    let plan = Plan {
        meminfo: true,
        swap: true,
        processes: Some(ScanOptions {
            timeout: Duration::from_secs(2),
            ..Default::default()
        }),
        ..counters
    };
    let s = collect(root, &plan);
    let v = swap::view(&s, earlier.as_ref(), args.limit)?;
    match out.format {
        Format::Json => print_json(&v),
        Format::Csv => print(&devices(&v).csv()),
        Format::Table => print(&render(&v, out)),
    }
    Ok(0)
}

fn devices(v: &SwapView) -> Table {
    let s = Scope::Swap;
    let mut t = Table::new(vec![
        left(s, "filename").id(),
        left(s, "kind"),
        right(s, "size"),
        right(s, "used"),
        right(s, "used_ratio"),
        right(s, "priority"),
        right(s, "turn"),
        left(s, "zram"),
    ]);
    for d in &v.devices {
        t.rows.push(vec![
            d.device.filename.clone().into(),
            d.device.kind.clone().into(),
            Cell::Bytes(Some(d.device.size)),
            Cell::Bytes(Some(d.device.used)),
            Cell::Text(
                d.used_ratio
                    .map_or(String::new(), |r| format!("{:.1}%", r * 100.0)),
            ),
            Cell::Int(Some(d.device.priority)),
            Cell::Int(Some(d.turn as i64)),
            Cell::Text(d.zram.clone().unwrap_or_default()),
        ]);
    }
    t
}

fn render(v: &SwapView, out: &Output) -> String {
    let b = |x: Option<u64>| x.map_or("-".to_string(), |x| bytes(x, out.units));
    let mut text = format!(
        "Swap: {} total, {} used, {} in the swap cache\n\n",
        b(v.total),
        b(v.used),
        b(v.swap_cached)
    );
    if v.devices.is_empty() {
        text.push_str("No swap device or file is in use (/proc/swaps lists none).\n");
    } else {
        text.push_str(&devices(v).render(out.units, out.width));
        for p in &v.priorities {
            text.push_str(&format!("  {p}\n"));
        }
    }
    if let Some(z) = &v.zswap {
        text.push_str(&format!(
            "\nzswap: {}{}{}; pool {} holding {}{}\n",
            match z.enabled {
                Some(true) => "enabled",
                Some(false) => "disabled",
                None => "state unknown",
            },
            z.compressor
                .as_ref()
                .map_or(String::new(), |c| format!(", compressor {c}")),
            z.max_pool_percent
                .map_or(String::new(), |p| format!(", pool capped at {p}% of RAM")),
            b(z.pool),
            b(z.stored),
            z.ratio
                .map_or(String::new(), |r| format!(" (compression {r:.2}:1)")),
        ));
    }
    let zram: Vec<_> = v.zram.iter().filter(|z| z.device.disksize > 0).collect();
    if !zram.is_empty() {
        let s = Scope::Swap;
        let mut t = Table::new(vec![
            left(s, "name").id(),
            left(s, "algorithm"),
            right(s, "disksize"),
            right(s, "orig_data_size"),
            right(s, "compr_data_size"),
            right(s, "mem_used_total"),
            right(s, "ratio"),
            right(s, "same_pages"),
            left(s, "used_as_swap"),
        ]);
        for z in zram {
            t.rows.push(vec![
                z.device.name.clone().into(),
                z.device.algorithm.clone().unwrap_or_default().into(),
                Cell::Bytes(Some(z.device.disksize)),
                Cell::Bytes(Some(z.device.orig_data_size)),
                Cell::Bytes(Some(z.device.compr_data_size)),
                Cell::Bytes(Some(z.device.mem_used_total)),
                Cell::Text(z.ratio.map_or("-".into(), |r| format!("{r:.2}"))),
                Cell::Int(Some(z.device.same_pages as i64)),
                Cell::Text(if z.used_as_swap { "yes" } else { "no" }.into()),
            ]);
        }
        text.push('\n');
        text.push_str(&t.render(out.units, out.width));
        text.push_str("  DATA is what was stored, TOTAL the RAM it takes (COMPR plus the pool's overhead); RATIO = DATA / TOTAL\n");
    }
    if let Some(tr) = &v.traffic {
        let over = match tr.interval {
            Some(s) => format!("per second over the last {s:.1} s"),
            None => "per second, averaged since boot".into(),
        };
        let line: Vec<String> = tr
            .counters
            .iter()
            .map(|(n, total, rate)| match rate {
                Some(r) => format!("{n} {total} ({r:.1}/s)"),
                None => format!("{n} {total}"),
            })
            .collect();
        text.push_str(&format!(
            "\nTraffic in pages since boot ({over}): {}\n",
            line.join(", ")
        ));
    }
    if !v.top.is_empty() {
        let p = Scope::Process;
        let mut t = Table::new(vec![
            right(p, "pid"),
            right(p, "swap"),
            left(p, "comm").id(),
        ]);
        for p in &v.top {
            t.rows.push(vec![
                Cell::Int(Some(p.pid as i64)),
                Cell::Bytes(Some(p.swap)),
                p.comm.clone().into(),
            ]);
        }
        text.push_str("\nProcesses with most memory in swap (VmSwap):\n");
        text.push_str(&t.render(out.units, out.width));
    }
    text
}
