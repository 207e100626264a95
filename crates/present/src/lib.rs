//! memlens presentation: units, tables and CSV, the Prometheus and OpenMetrics text formats,
//! and the glossary. Nothing here parses kernel files.

pub mod exposition;
pub mod glossary;
pub mod table;
pub mod units;

pub use table::{Cell, Column, Table};
pub use units::{bytes, human, parse_size, Units};
