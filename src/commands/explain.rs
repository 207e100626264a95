//! `memlens explain [TERM]`: the glossary. One entry by name (ignoring case), or all of
//! them; an unknown term lists the close ones and exits 2.

use crate::failure::{Failure, Outcome};
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

pub fn run(args: &ExplainArgs, out: &Output) -> Outcome {
    let Some(term) = &args.term else {
        match out.format {
            Format::Json => print(&json(&ENTRIES)),
            Format::Csv => {
                let mut t = table(ENTRIES);
                t.add_json_keys(ENTRIES);
                print(&t.csv())
            }
            Format::Table => {
                let mut t = table(ENTRIES);
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
    let Some(e) = lookup(term) else {
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
        Format::Json => print(&json(e)),
        Format::Csv => print(&table(std::slice::from_ref(e)).csv()),
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
