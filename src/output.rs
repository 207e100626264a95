//! Derived output settings: format, units and line width, from the global options.

use std::io::{IsTerminal, Write};

use memlens_present::{Table, Units};

use crate::cli::Global;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub format: Format,
    pub units: Units,
    /// Line width cap for tables (the terminal's width), `None` when not a terminal.
    pub width: Option<usize>,
}

impl Output {
    pub fn from_global(g: &Global) -> Output {
        let format = if g.json {
            Format::Json
        } else if g.csv {
            Format::Csv
        } else {
            Format::Table
        };
        let units = if g.bytes {
            Units::Bytes
        } else if g.kib {
            Units::Kib
        } else {
            Units::Human
        };
        let width = if g.wide { None } else { terminal_width() };
        Output {
            format,
            units,
            width,
        }
    }

    /// Renders a table as text or CSV (JSON is rendered by each command from its own data).
    pub fn table(&self, t: &Table) -> String {
        match self.format {
            Format::Csv => t.csv(),
            _ => t.render(self.units, self.width),
        }
    }
}

fn terminal_width() -> Option<usize> {
    let out = std::io::stdout();
    if !out.is_terminal() {
        return None;
    }
    // SAFETY: TIOCGWINSZ fills a winsize struct; we pass a valid pointer to one.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) };
    if r == 0 && ws.ws_col > 0 {
        Some(ws.ws_col as usize)
    } else {
        None
    }
}

/// Writes to stdout, ignoring a closed pipe (`memlens ps | head`).
pub fn print(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}

/// User names from the root's `etc/passwd`, with one warning when it exists but cannot be
/// read (users are then shown by UID).
pub fn users(root: &memlens_sources::Root) -> memlens_sources::passwd::Users {
    let u = memlens_sources::passwd::Users::read(root);
    if let Some(why) = u.problem() {
        warn(&format!("{why}; users shown by UID"));
    }
    u
}

/// One warning line on stderr.
pub fn warn(msg: &str) {
    eprintln!("memlens: {msg}");
}

/// `1 process`, `2 processes`: a count with its noun in the right number.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}
