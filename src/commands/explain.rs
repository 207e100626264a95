//! `memlens explain [TERM]`: the glossary and the catalogue of figures. One entry by name
//! (ignoring case), a figure by `SCOPE.KEY`, or all of them (the glossary, then the figures
//! scope by scope); an unknown term lists the close ones and exits 2.

use crate::failure::{Failure, Outcome};
use memlens_catalogue::{self as catalogue, Figure, Scope};
use memlens_present::glossary::{lookup, suggestions, Entry, ENTRIES};
use memlens_present::{Column, Table};

use crate::cli::ExplainArgs;
use crate::output::{print, print_json, Format, Output};

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
/// unit and kind; its kind is `SCOPE figure` (`sys figure`, `cgroup figure`...).
fn figure_entry(f: &'static Figure) -> Entry {
    let meaning = format!(
        "{} (from {}; {}, {})",
        f.meaning,
        f.source,
        f.unit.name(),
        f.kind.name()
    );
    Entry {
        term: f.key,
        kind: Box::leak(format!("{} figure", f.scope.name()).into_boxed_str()),
        meaning: Box::leak(meaning.into_boxed_str()),
        obsolete: false,
        aliases: &[],
    }
}

/// Whether the list leaves a figure to the glossary entry its key finds (see
/// [`Scope::keys_named_as_in_glossary`]).
fn left_to_glossary(f: &Figure) -> bool {
    f.scope.keys_named_as_in_glossary() && lookup(f.key).is_some()
}

/// The glossary, then the figures of the catalogue scope by scope (but those left to the
/// glossary), so that `explain` lists every figure memlens shows.
fn all_entries() -> Vec<Entry> {
    let mut v: Vec<Entry> = ENTRIES.to_vec();
    for scope in Scope::ALL {
        v.extend(
            catalogue::of(*scope)
                .filter(|f| !left_to_glossary(f))
                .map(figure_entry),
        );
    }
    v
}

/// A figure by `SCOPE.KEY` (`cgroup.high`, `zone.free`), ignoring case.
fn scoped_figure(term: &str) -> Option<&'static Figure> {
    let (scope, key) = term.trim().split_once('.')?;
    let scope = Scope::named(scope)?;
    catalogue::of(scope).find(|f| f.key.eq_ignore_ascii_case(key))
}

/// A term: a figure by `SCOPE.KEY`, a glossary entry, or the first figure with that key.
fn find(term: &str) -> Option<Entry> {
    if let Some(f) = scoped_figure(term) {
        return Some(figure_entry(f));
    }
    lookup(term).cloned().or_else(|| {
        catalogue::FIGURES
            .iter()
            .find(|f| f.key.eq_ignore_ascii_case(term.trim()))
            .map(figure_entry)
    })
}

pub fn run(args: &ExplainArgs, out: &Output) -> Outcome {
    let entries = all_entries();
    let Some(term) = &args.term else {
        match out.format {
            Format::Json => print_json(&entries),
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
        Format::Json => print_json(&e),
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
