//! memlens presentation: units, tables, CSV and JSON. Nothing here parses kernel files.

pub mod exposition;
pub mod glossary;
pub mod table;
pub mod units;

pub use table::{Cell, Column, Table};
pub use units::{bytes, human, parse_size, Units};

/// Pretty JSON with a trailing newline.
pub fn json<T: serde::Serialize>(v: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
