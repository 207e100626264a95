//! `memlens explain [TERM]`: the glossary. One entry by name (ignoring case), or all of
//! them; an unknown term lists the close ones and exits 2.

use crate::failure::{Failure, Outcome};
use memlens_catalogue::{self as catalogue, Figure, Scope};
use memlens_present::glossary::{lookup, suggestions, Entry, ENTRIES};
use memlens_present::{json, Column, Table};

use crate::cli::ExplainArgs;
use crate::output::{print, Format, Output};

fn table(entries: &[Entry]) -> Table {
    let mut t = Table::new(vec![
        Column::left("TERM", "term").id(),
        Column::left("KIND", "kind"),
        Column::left("OBSOLETE", "obsolete"),
        Column::left("MEANING", "meaning").wrap(),
    ]);
    for e in entries {
        t.rows.push(vec![
            e.term.into(),
            e.kind.into(),
            if e.obsolete { "yes" } else { "no" }.into(),
            e.meaning.into(),
        ]);
    }
    t
}

/// A figure of the catalogue as a glossary entry: its meaning, where it comes from, its
/// unit and kind.
fn figure_entry(f: &'static Figure) -> Entry {
    let scope = match f.scope {
        Scope::System => "sys figure",
        Scope::Process => "process figure",
        Scope::Rates => "vmstat figure",
    };
    let meaning = format!(
        "{} (from {}; {}, {})",
        f.meaning,
        f.source,
        f.unit.name(),
        f.kind.name()
    );
    Entry {
        term: f.key,
        kind: scope,
        meaning: Box::leak(meaning.into_boxed_str()),
        obsolete: false,
        aliases: &[],
    }
}

/// The glossary, then every figure of the catalogue that the glossary does not already
/// explain under the same name (one row a scope: `anon` of `sys` and of `ps` differ), so
/// that `explain` lists every figure memlens shows.
fn all_entries() -> Vec<Entry> {
    let mut v: Vec<Entry> = ENTRIES.to_vec();
    v.extend(
        catalogue::FIGURES
            .iter()
            .filter(|f| lookup(f.key).is_none())
            .map(figure_entry),
    );
    v
}

/// A term: a glossary entry, or a figure of the catalogue by its key.
fn find(term: &str) -> Option<Entry> {
    lookup(term).cloned().or_else(|| {
        catalogue::FIGURES
            .iter()
            .find(|f| f.key.eq_ignore_ascii_case(term))
            .map(figure_entry)
    })
}

pub fn run(args: &ExplainArgs, out: &Output) -> Outcome {
    let entries = all_entries();
    let Some(term) = &args.term else {
        match out.format {
            Format::Json => print(&json(&entries)),
            Format::Csv => {
                let mut t = table(&entries);
                t.add_json_keys(&entries);
                print(&t.csv())
            }
            Format::Table => {
                let mut t = table(&entries);
                t.columns.remove(2);
                for r in &mut t.rows {
                    if let memlens_present::Cell::Text(o) = r.remove(2) {
                        if o == "yes" {
                            if let Some(memlens_present::Cell::Text(k)) = r.get_mut(1) {
                                k.push_str(" (obsolete)");
                            }
                        }
                    }
                }
                print(&out.table(&t));
            }
        }
        return Ok(0);
    };
    let Some(e) = find(term) else {
        let close = suggestions(term);
        return Err(Failure::usage(if close.is_empty() {
            format!("no entry for {term:?}; `memlens explain` lists every term")
        } else {
            format!(
                "no entry for {term:?}; did you mean: {}? (`memlens explain` lists every term)",
                close.join(", ")
            )
        }));
    };
    match out.format {
        Format::Json => print(&json(&e)),
        Format::Csv => print(&table(std::slice::from_ref(&e)).csv()),
        Format::Table => print(&format!(
            "{} ({}{}): {}\n",
            e.term,
            e.kind,
            if e.obsolete { ", obsolete" } else { "" },
            e.meaning
        )),
    }
    Ok(0)
}
