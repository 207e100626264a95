//! Renderings shared by more than one command (so that no command imports another).

use memlens_analysis::sys::SysSummary;
use memlens_present::{Cell, Column, Table};

use crate::output::Output;

/// A `free -w`-like header (shared with the overview).
pub fn free_block(s: &SysSummary, out: &Output) -> String {
    let mut t = Table::new(vec![
        Column::left("", ""),
        Column::right("total", "total"),
        Column::right("used", "used"),
        Column::right("free", "free"),
        Column::right("shared", "shared"),
        Column::right("buffers", "buffers"),
        Column::right("cache", "cache"),
        Column::right("available", "available"),
    ]);
    t.rows.push(vec![
        "Mem:".into(),
        Cell::Bytes(Some(s.total)),
        Cell::Bytes(Some(s.used)),
        Cell::Bytes(Some(s.free)),
        Cell::Bytes(s.shared),
        Cell::Bytes(s.buffers),
        Cell::Bytes(Some(s.buff_cache - s.buffers.unwrap_or(0))),
        Cell::Bytes(Some(s.available)),
    ]);
    t.rows.push(vec![
        "Swap:".into(),
        Cell::Bytes(s.swap_total),
        Cell::Bytes(s.swap_used),
        Cell::Bytes(s.swap_free),
    ]);
    t.render(out.units, out.width)
}
