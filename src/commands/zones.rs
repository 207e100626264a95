//! `memlens zones`: read zoneinfo, place each zone's free pages against its watermarks,
//! render.

use crate::failure::Outcome;
use memlens_analysis::zones::{free_gap, view, FreeGap, ZoneView};
use memlens_catalogue::Scope;
use memlens_present::human;
use memlens_present::{Cell, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::Root;
use serde::Serialize;

use crate::output::{print, print_json, Format, Output};
use crate::render::{left, right};

#[derive(Serialize)]
struct ZonesJson<'a> {
    page_size: u64,
    zones: &'a [ZoneView],
    /// Present when MemFree is well above the zones' free pages (see the README).
    free_gap: Option<FreeGap>,
}

fn table(zones: &[ZoneView]) -> Table {
    let z = Scope::Zone;
    let mut t = Table::new(vec![
        right(z, "node"),
        left(z, "zone"),
        right(z, "free"),
        right(z, "min"),
        right(z, "low"),
        right(z, "high"),
        right(z, "managed"),
        right(z, "present"),
        right(z, "free_minus_low"),
        left(z, "status"),
    ]);
    for z in zones {
        t.rows.push(vec![
            Cell::Int(Some(z.node as i64)),
            Cell::Text(z.zone.clone()),
            Cell::Bytes(z.free),
            Cell::Bytes(z.min),
            Cell::Bytes(z.low),
            Cell::Bytes(z.high),
            Cell::Bytes(z.managed),
            Cell::Bytes(z.present),
            Cell::SignedBytes(z.free_minus_low),
            Cell::Text(z.status.map_or("-", |s| s.text()).to_string()),
        ]);
    }
    t
}

pub fn run(root: &Root, out: &Output) -> Outcome {
    let snap = collect(
        root,
        &Plan {
            zoneinfo: true,
            meminfo: true,
            ..Plan::NOTHING
        },
    );
    let page_size = snap.meta.page_size;
    let zones: Vec<ZoneView> = snap
        .zoneinfo
        .get("zoneinfo")?
        .zones
        .iter()
        .map(|z| view(z, page_size))
        .collect();
    let mi = snap.meminfo.get("meminfo")?;
    let gap = free_gap(&zones, mi.mem_free, mi.mem_total);
    match out.format {
        Format::Json => print_json(&ZonesJson {
            page_size,
            zones: &zones,
            free_gap: gap,
        }),
        Format::Csv => {
            let mut t = table(&zones);
            t.add_json_keys(&zones);
            print(&t.csv())
        }
        Format::Table => {
            let mut text = out.table(&table(&zones));
            text.push_str(
                "Free below low wakes kswapd, which reclaims until free is above high; below min, \
                 allocations stall in direct reclaim. Watermarks include any boost.\n",
            );
            if let Some(g) = gap {
                text.push_str(&format!(
                    "MemFree ({}) is {} above the zones' free pages ({}): the zones span {} they do not \
                     manage yet (PRESENT - MANAGED: memory being initialised or accepted after boot, or \
                     hot-added), which this kernel's MemFree counts as free and the buddy allocator does not.\n",
                    human(g.mem_free),
                    human(g.mem_free - g.zones_free),
                    human(g.zones_free),
                    human(g.unmanaged)
                ));
            }
            print(&text);
        }
    }
    Ok(0)
}
