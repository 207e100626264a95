//! `memlens buddy [--types]`: read buddyinfo (and pagetypeinfo), derive block sizes and
//! the unusable free space index per order, render.

use crate::failure::{Failure, Outcome};
use memlens_analysis::fragmentation::{self, BuddyView};
use memlens_catalogue::Scope;
use memlens_model::PageTypeInfo;
use memlens_present::{bytes, Cell, Column, Table};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::Root;
use serde::Serialize;

use crate::cli::BuddyArgs;
use crate::output::{print, print_json, Format, Output};
use crate::render::{left, right};

#[derive(Serialize)]
struct TypeFree {
    node: u32,
    zone: String,
    migrate_type: String,
    free_blocks: Vec<u64>,
    /// Bytes; a lower bound when the kernel printed `>100000` for a list.
    free: u64,
}

#[derive(Serialize)]
struct TypeBlocks {
    node: u32,
    zone: String,
    /// Page blocks (`pages_per_block` pages each) per migrate type.
    blocks: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct Types {
    page_block_order: Option<u32>,
    pages_per_block: Option<u64>,
    free: Vec<TypeFree>,
    blocks: Vec<TypeBlocks>,
}

#[derive(Serialize)]
struct BuddyJson<'a> {
    page_size: u64,
    zones: &'a [BuddyView],
    #[serde(skip_serializing_if = "Option::is_none")]
    types: Option<Types>,
}

fn types(p: &PageTypeInfo, page_size: u64) -> Types {
    Types {
        page_block_order: p.page_block_order,
        pages_per_block: p.pages_per_block,
        free: p
            .free
            .iter()
            .map(|f| TypeFree {
                node: f.node,
                zone: f.zone.clone(),
                migrate_type: f.migrate_type.clone(),
                free_blocks: f.free.clone(),
                free: fragmentation::free_pages(&f.free).saturating_mul(page_size),
            })
            .collect(),
        blocks: p
            .blocks
            .iter()
            .map(|b| TypeBlocks {
                node: b.node,
                zone: b.zone.clone(),
                blocks: b
                    .blocks
                    .iter()
                    .map(|(t, n)| (t.clone(), serde_json::Value::from(*n)))
                    .collect(),
            })
            .collect(),
    }
}

/// Headers and keys are made at run time (the number of orders depends on the kernel).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

pub fn run(root: &Root, args: &BuddyArgs, out: &Output) -> Outcome {
    let snap = collect(
        root,
        &Plan {
            buddyinfo: true,
            pagetypeinfo: args.types,
            ..Plan::NOTHING
        },
    );
    let zones = snap.buddyinfo.get("buddyinfo")?;
    let page_size = snap.meta.page_size;
    let types_info = if args.types {
        Some(Failure::part(
            &snap.pagetypeinfo,
            "pagetypeinfo",
            "pagetypeinfo is readable by root only (mode 0400); run as root for --types",
            "this kernel (or capture) has no pagetypeinfo, so --types cannot be shown",
        )?)
    } else {
        None
    };
    let views: Vec<BuddyView> = zones
        .iter()
        .map(|z| fragmentation::view(z.node, &z.zone, &z.free, page_size))
        .collect();
    let orders = views.first().map_or(0, |v| v.free_blocks.len());
    match out.format {
        Format::Json => print_json(&BuddyJson {
            page_size,
            zones: &views,
            types: types_info.map(|p| types(p, page_size)),
        }),
        Format::Csv => print(&csv_table(&views, types_info, orders, page_size).csv()),
        Format::Table => {
            let mut text = String::from("block size per order:");
            for k in 0..orders {
                text.push_str(&format!(" {k}={}", bytes(page_size << k, out.units)));
            }
            text.push_str("\n\nFree blocks per order:\n");
            let mut cols = vec![right(Scope::Buddy, "node"), left(Scope::Buddy, "zone")];
            for k in 0..orders {
                cols.push(Column::right(
                    leak(k.to_string()),
                    leak(format!("order_{k}")),
                ));
            }
            cols.push(right(Scope::Buddy, "free"));
            cols.push(right(Scope::Buddy, "largest_free_block"));
            let mut t = Table::new(cols);
            for v in &views {
                let mut r = vec![Cell::Int(Some(v.node as i64)), Cell::Text(v.zone.clone())];
                r.extend(v.free_blocks.iter().map(|n| Cell::Int(Some(*n as i64))));
                r.push(Cell::Bytes(Some(v.free)));
                r.push(Cell::Bytes(v.largest_free_block));
                t.rows.push(r);
            }
            text.push_str(&out.table(&t));
            text.push_str(
                "\nUnusable free space index per order (0: all free memory can serve a block of this order; 1: none can):\n",
            );
            let mut cols = vec![right(Scope::Buddy, "node"), left(Scope::Buddy, "zone")];
            for k in 0..orders {
                cols.push(Column::right(
                    leak(k.to_string()),
                    leak(format!("unusable_{k}")),
                ));
            }
            let mut t = Table::new(cols);
            for v in &views {
                let mut r = vec![Cell::Int(Some(v.node as i64)), Cell::Text(v.zone.clone())];
                r.extend(
                    v.unusable_index
                        .iter()
                        .map(|x| Cell::Text(format!("{x:.3}"))),
                );
                t.rows.push(r);
            }
            text.push_str(&out.table(&t));
            if let Some(p) = &types_info {
                text.push_str(&types_text(p, orders, page_size, out));
            }
            print(&text);
        }
    }
    Ok(0)
}

fn types_text(p: &PageTypeInfo, orders: usize, page_size: u64, out: &Output) -> String {
    let mut text = format!(
        "\nFree blocks per migrate type (pagetypeinfo; page block order {}, {} pages per block):\n",
        p.page_block_order.map_or("?".into(), |v| v.to_string()),
        p.pages_per_block.map_or("?".into(), |v| v.to_string()),
    );
    let mut cols = vec![
        right(Scope::Buddy, "node"),
        left(Scope::Buddy, "zone"),
        left(Scope::Buddy, "migrate_type"),
    ];
    let n = p.free.first().map_or(orders, |f| f.free.len());
    for k in 0..n {
        cols.push(Column::right(
            leak(k.to_string()),
            leak(format!("order_{k}")),
        ));
    }
    cols.push(right(Scope::Buddy, "free"));
    let mut t = Table::new(cols);
    for f in &p.free {
        let mut r = vec![
            Cell::Int(Some(f.node as i64)),
            Cell::Text(f.zone.clone()),
            Cell::Text(f.migrate_type.clone()),
        ];
        r.extend(f.free.iter().map(|n| Cell::Int(Some(*n as i64))));
        r.push(Cell::Bytes(Some(
            fragmentation::free_pages(&f.free).saturating_mul(page_size),
        )));
        t.rows.push(r);
    }
    text.push_str(&out.table(&t));
    text.push_str("\nPage blocks per migrate type:\n");
    let names: Vec<String> = p
        .blocks
        .first()
        .map(|b| b.blocks.iter().map(|(n, _)| n.clone()).collect())
        .unwrap_or_default();
    let mut cols = vec![right(Scope::Buddy, "node"), left(Scope::Buddy, "zone")];
    for name in &names {
        cols.push(Column::right(leak(name.clone()), leak(name.to_lowercase())));
    }
    let mut t = Table::new(cols);
    for b in &p.blocks {
        let mut r = vec![Cell::Int(Some(b.node as i64)), Cell::Text(b.zone.clone())];
        r.extend(b.blocks.iter().map(|(_, n)| Cell::Int(Some(*n as i64))));
        t.rows.push(r);
    }
    text.push_str(&out.table(&t));
    text
}

/// One CSV table: a row per zone from buddyinfo (`migrate_type` empty), then with
/// `--types` a row per zone and migrate type from pagetypeinfo (no index columns).
fn csv_table(
    views: &[BuddyView],
    p: Option<&PageTypeInfo>,
    orders: usize,
    page_size: u64,
) -> Table {
    let mut cols = vec![
        right(Scope::Buddy, "node"),
        left(Scope::Buddy, "zone"),
        left(Scope::Buddy, "migrate_type"),
    ];
    for k in 0..orders {
        cols.push(Column::right("", leak(format!("order_{k}"))));
    }
    cols.push(right(Scope::Buddy, "free"));
    cols.push(right(Scope::Buddy, "largest_free_block"));
    for k in 0..orders {
        cols.push(Column::right("", leak(format!("unusable_{k}"))));
    }
    let mut t = Table::new(cols);
    for v in views {
        let mut r = vec![
            Cell::Int(Some(v.node as i64)),
            Cell::Text(v.zone.clone()),
            Cell::Text(String::new()),
        ];
        r.extend(v.free_blocks.iter().map(|n| Cell::Int(Some(*n as i64))));
        r.push(Cell::Bytes(Some(v.free)));
        r.push(Cell::Bytes(v.largest_free_block));
        r.extend(v.unusable_index.iter().map(|x| Cell::Text(x.to_string())));
        t.rows.push(r);
    }
    for f in p.map(|p| p.free.as_slice()).unwrap_or_default() {
        let mut r = vec![
            Cell::Int(Some(f.node as i64)),
            Cell::Text(f.zone.clone()),
            Cell::Text(f.migrate_type.clone()),
        ];
        r.extend(f.free.iter().map(|n| Cell::Int(Some(*n as i64))));
        r.push(Cell::Bytes(Some(
            fragmentation::free_pages(&f.free).saturating_mul(page_size),
        )));
        r.push(Cell::Bytes(
            fragmentation::largest_order(&f.free).map(|k| page_size << k),
        ));
        t.rows.push(r);
    }
    t
}
