//! Renderings shared by more than one command (so that no command imports another).

use memlens_analysis::sys::SysSummary;
use memlens_catalogue::{figure, Figure, Scope};
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

/// A figure a table shows: the catalogue's, which must have it with a header.
fn shown(scope: Scope, key: &str) -> &'static Figure {
    let f = figure(scope, key)
        .unwrap_or_else(|| panic!("{} column {key} is not in the catalogue", scope.name()));
    assert!(
        !f.header.is_empty(),
        "{} figure {key} has no header",
        scope.name()
    );
    f
}

/// The right-aligned column of a figure: the catalogue's header over the figure's key.
pub fn right(scope: Scope, key: &str) -> Column {
    let f = shown(scope, key);
    Column::right(f.header, f.key)
}

/// The left-aligned column of a figure: the catalogue's header over the figure's key.
pub fn left(scope: Scope, key: &str) -> Column {
    let f = shown(scope, key);
    Column::left(f.header, f.key)
}
