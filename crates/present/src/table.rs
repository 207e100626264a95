//! Tables of cells, rendered as aligned text or CSV. Cells carry raw values (bytes, text,
//! integers), so text and CSV come from one description of the view.

use crate::units::{bytes, Units};

/// One cell's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// A byte count; `None` where the kernel has no such field.
    Bytes(Option<u64>),
    /// A byte count that could not be read (permission denied, timed out).
    Unreadable,
    /// A signed byte difference (`free - low`); `None` when unknown.
    SignedBytes(Option<i64>),
    Int(Option<i64>),
    Text(String),
}

impl From<Option<u64>> for Cell {
    fn from(v: Option<u64>) -> Self {
        Cell::Bytes(v)
    }
}

impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(v)
    }
}

impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_string())
    }
}

/// A column: its table header, its CSV/JSON key, and whether it is left-aligned.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub key: &'static str,
    pub left: bool,
}

impl Column {
    pub const fn right(header: &'static str, key: &'static str) -> Column {
        Column {
            header,
            key,
            left: false,
        }
    }
    pub const fn left(header: &'static str, key: &'static str) -> Column {
        Column {
            header,
            key,
            left: true,
        }
    }
}

/// Rows under columns, with optional footer rows (totals) set apart by a rule.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub footer: Vec<Vec<Cell>>,
}

fn text_of(c: &Cell, units: Units) -> String {
    match c {
        Cell::Bytes(Some(v)) => bytes(*v, units),
        Cell::Bytes(None) | Cell::Int(None) | Cell::SignedBytes(None) => "-".into(),
        Cell::SignedBytes(Some(v)) if *v < 0 => format!("-{}", bytes(v.unsigned_abs(), units)),
        Cell::SignedBytes(Some(v)) => bytes(*v as u64, units),
        Cell::Unreadable => "denied".into(),
        Cell::Int(Some(v)) => v.to_string(),
        Cell::Text(s) => s.clone(),
    }
}

fn csv_of(c: &Cell) -> String {
    match c {
        Cell::Bytes(Some(v)) => v.to_string(),
        Cell::Int(Some(v)) | Cell::SignedBytes(Some(v)) => v.to_string(),
        Cell::Bytes(None) | Cell::Int(None) | Cell::SignedBytes(None) | Cell::Unreadable => {
            String::new()
        }
        Cell::Text(s) => {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.clone()
            }
        }
    }
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            ..Default::default()
        }
    }

    /// Aligned text. `width` caps each line (the last column is cut), `None` for no cap.
    pub fn render(&self, units: Units, width: Option<usize>) -> String {
        let all: Vec<Vec<String>> = self
            .rows
            .iter()
            .chain(self.footer.iter())
            .map(|r| r.iter().map(|c| text_of(c, units)).collect())
            .collect();
        let n = self.columns.len();
        let mut w: Vec<usize> = self
            .columns
            .iter()
            .map(|c| c.header.chars().count())
            .collect();
        for r in &all {
            for (i, s) in r.iter().enumerate().take(n) {
                w[i] = w[i].max(s.chars().count());
            }
        }
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let mut l = String::new();
            for (i, col) in self.columns.iter().enumerate() {
                let s = cells.get(i).map(String::as_str).unwrap_or("");
                if i > 0 {
                    l.push_str("  ");
                }
                let pad = w[i].saturating_sub(s.chars().count());
                if i + 1 == n && col.left {
                    l.push_str(s);
                } else if col.left {
                    l.push_str(s);
                    l.extend(std::iter::repeat_n(' ', pad));
                } else {
                    l.extend(std::iter::repeat_n(' ', pad));
                    l.push_str(s);
                }
            }
            let l = l.trim_end();
            match width {
                Some(max) if l.chars().count() > max => out.extend(l.chars().take(max)),
                _ => out.push_str(l),
            }
            out.push('\n');
        };
        let headers: Vec<String> = self.columns.iter().map(|c| c.header.to_string()).collect();
        line(&headers, &mut out);
        for r in &all[..self.rows.len()] {
            line(r, &mut out);
        }
        if !self.footer.is_empty() {
            let total: usize = w.iter().sum::<usize>() + 2 * n.saturating_sub(1);
            let rule_len = width.map_or(total, |m| total.min(m));
            out.extend(std::iter::repeat_n('-', rule_len));
            out.push('\n');
            for r in &all[self.rows.len()..] {
                line(r, &mut out);
            }
        }
        out
    }

    /// CSV with the columns' keys as header; byte figures in bytes, unreadable cells empty.
    pub fn csv(&self) -> String {
        let mut out = String::new();
        let keys: Vec<&str> = self.columns.iter().map(|c| c.key).collect();
        out.push_str(&keys.join(","));
        out.push('\n');
        for r in self.rows.iter().chain(self.footer.iter()) {
            let cells: Vec<String> = r.iter().map(csv_of).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Table {
        let mut t = Table::new(vec![
            Column::right("PID", "pid"),
            Column::right("RSS", "rss"),
            Column::left("COMMAND", "command"),
        ]);
        t.rows.push(vec![
            Cell::Int(Some(1)),
            Cell::Bytes(Some(2048)),
            "init, \"x\"".into(),
        ]);
        t.rows.push(vec![
            Cell::Int(Some(1234)),
            Cell::Unreadable,
            "sleep 100".into(),
        ]);
        t.footer.push(vec![
            Cell::Text(String::new()),
            Cell::Bytes(None),
            "total".into(),
        ]);
        t
    }

    #[test]
    fn signed_bytes() {
        let mut t = Table::new(vec![Column::right("D", "d")]);
        t.rows.push(vec![Cell::SignedBytes(Some(-2048))]);
        t.rows.push(vec![Cell::SignedBytes(Some(3 << 20))]);
        t.rows.push(vec![Cell::SignedBytes(None)]);
        assert_eq!(
            t.render(Units::Human, None),
            "     D\n-2.0Ki\n 3.0Mi\n     -\n"
        );
        assert_eq!(t.csv(), "d\n-2048\n3145728\n\n");
    }

    #[test]
    fn text_alignment() {
        let s = t().render(Units::Bytes, None);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[0], " PID     RSS  COMMAND");
        assert_eq!(lines[1], "   1    2048  init, \"x\"");
        assert_eq!(lines[2], "1234  denied  sleep 100");
        assert!(lines[3].starts_with("-----"));
        assert_eq!(lines[4], "           -  total");
        let cut = t().render(Units::Human, Some(10));
        assert!(cut.lines().all(|l| l.chars().count() <= 10));
    }

    #[test]
    fn csv_quotes_and_raw_bytes() {
        let s = t().csv();
        assert_eq!(
            s,
            "pid,rss,command\n1,2048,\"init, \"\"x\"\"\"\n1234,,sleep 100\n,,total\n"
        );
    }
}
