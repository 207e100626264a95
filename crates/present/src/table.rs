//! Tables of cells, rendered as aligned text or CSV. Cells carry raw values (bytes, text,
//! integers), so text and CSV come from one description of the view.

use crate::units::{bytes, Units};

/// One cell's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A byte count; `None` where the kernel has no such field.
    Bytes(Option<u64>),
    /// A byte count that could not be read (permission denied, timed out).
    Unreadable,
    /// A sum that lacks some members' figures: at least this many bytes (`≥3.5Mi`).
    AtLeast(u64),
    /// A signed byte difference (`free - low`); `None` when unknown.
    SignedBytes(Option<i64>),
    Int(Option<i64>),
    /// Events per second; `None` when unknown (no earlier snapshot for this row).
    Rate(Option<f64>),
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

/// How a text column gives way when a table is wider than the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Never narrowed (numbers, addresses, short codes); may be hidden whole.
    Fixed,
    /// Narrowed down to a few characters, cut text ending with `…`; may be hidden whole.
    Cut,
    /// The column that says what a row is (COMMAND, PATH, CGROUP, TUNABLE...): never
    /// hidden, narrowed (with `…`) only when nothing else can give way.
    Id,
    /// Prose (MEANING): wrapped onto continuation lines at word boundaries.
    Wrap,
}

/// A column: its table header, its CSV/JSON key, whether it is left-aligned, how it
/// gives way to a narrow terminal, and its priority (lower is hidden first).
///
/// Left-aligned columns are [`Fit::Cut`] by default, right-aligned ones [`Fit::Fixed`].
/// A table without an explicit [`Fit::Id`] column takes its last `Cut` column as the
/// identifying one.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub key: &'static str,
    pub left: bool,
    pub fit: Fit,
    pub priority: u8,
}

/// The priority columns have unless told otherwise.
pub const DEFAULT_PRIORITY: u8 = 5;

impl Column {
    pub const fn right(header: &'static str, key: &'static str) -> Column {
        Column {
            header,
            key,
            left: false,
            fit: Fit::Fixed,
            priority: DEFAULT_PRIORITY,
        }
    }
    pub const fn left(header: &'static str, key: &'static str) -> Column {
        Column {
            header,
            key,
            left: true,
            fit: Fit::Cut,
            priority: DEFAULT_PRIORITY,
        }
    }
    /// Marks the column that identifies a row.
    pub const fn id(mut self) -> Column {
        self.fit = Fit::Id;
        self
    }
    /// Marks a prose column, wrapped rather than cut.
    pub const fn wrap(mut self) -> Column {
        self.fit = Fit::Wrap;
        self
    }
    /// Marks a column never narrowed (it may still be hidden).
    pub const fn fixed(mut self) -> Column {
        self.fit = Fit::Fixed;
        self
    }
    /// Sets the priority: when a table does not fit, lower priorities are hidden first
    /// (ties: the rightmost first).
    pub const fn priority(mut self, p: u8) -> Column {
        self.priority = p;
        self
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
        Cell::Bytes(None) | Cell::Int(None) | Cell::SignedBytes(None) | Cell::Rate(None) => {
            "-".into()
        }
        Cell::Rate(Some(v)) => per_second(*v),
        Cell::SignedBytes(Some(v)) if *v < 0 => format!("-{}", bytes(v.unsigned_abs(), units)),
        Cell::SignedBytes(Some(v)) => bytes(*v as u64, units),
        Cell::Unreadable => "denied".into(),
        Cell::AtLeast(v) => format!("≥{}", bytes(*v, units)),
        Cell::Int(Some(v)) => v.to_string(),
        Cell::Text(s) => s.clone(),
    }
}

/// A rate as a table shows it: one decimal below 100 per second, whole numbers above.
pub fn per_second(v: f64) -> String {
    if v.abs() < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// `AnonHugePages` → `anon_huge_pages`, `Private_Clean` → `private_clean`, `KSM` → `ksm`.
pub fn snake_case(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_lowercase());
    }
    out.replace("__", "_")
}

/// A JSON value as a CSV cell.
fn json_cell(v: &serde_json::Value) -> Cell {
    use serde_json::Value;
    match v {
        Value::Null => Cell::Bytes(None),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cell::Int(Some(i)),
            None => Cell::Text(n.to_string()),
        },
        Value::String(s) => Cell::Text(s.clone()),
        Value::Bool(b) => Cell::Text(b.to_string()),
        Value::Array(a) => Cell::Text(
            a.iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    x => x.to_string(),
                })
                .collect::<Vec<_>>()
                .join(";"),
        ),
        Value::Object(_) => Cell::Text(v.to_string()),
    }
}

fn csv_of(c: &Cell) -> String {
    match c {
        Cell::Bytes(Some(v)) | Cell::AtLeast(v) => v.to_string(),
        Cell::Int(Some(v)) | Cell::SignedBytes(Some(v)) => v.to_string(),
        Cell::Rate(Some(v)) => format!("{v:.3}"),
        Cell::Bytes(None)
        | Cell::Int(None)
        | Cell::SignedBytes(None)
        | Cell::Rate(None)
        | Cell::Unreadable => String::new(),
        Cell::Text(s) => {
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.clone()
            }
        }
    }
}

/// `s` within `w` characters: unchanged when it fits, else cut to end with `…`.
pub fn cut(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut t: String = s.chars().take(w - 1).collect();
    t.push('…');
    t
}

/// `s` as lines of at most `w` characters, broken at spaces; a word longer than a line
/// is cut with `…`.
pub fn wrap(s: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ').filter(|x| !x.is_empty()) {
        let wl = word.chars().count();
        let cl = cur.chars().count();
        if cl > 0 && cl + 1 + wl <= w {
            cur.push(' ');
            cur.push_str(word);
            continue;
        }
        if cl > 0 {
            lines.push(std::mem::take(&mut cur));
        }
        // A word wider than the column is broken across lines, not cut: no text is lost.
        let chars: Vec<char> = word.chars().collect();
        let mut chunks = chars
            .chunks(w)
            .map(|c| c.iter().collect::<String>())
            .peekable();
        while let Some(c) = chunks.next() {
            if chunks.peek().is_some() {
                lines.push(c);
            } else {
                cur = c;
            }
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            ..Default::default()
        }
    }

    /// The index of the identifying column: the one marked [`Fit::Id`], else the last
    /// [`Fit::Cut`] column.
    fn id_column(&self) -> Option<usize> {
        let cols = &self.columns;
        cols.iter()
            .position(|c| c.fit == Fit::Id)
            .or_else(|| cols.iter().rposition(|c| c.fit == Fit::Cut))
    }

    /// The width of each column within `max` (None: hidden), from their natural widths.
    fn layout(&self, natural: &[usize], max: usize) -> Vec<Option<usize>> {
        let id = self.id_column();
        let n = self.columns.len();
        let fit = |i: usize| {
            if Some(i) == id {
                Fit::Id
            } else {
                self.columns[i].fit
            }
        };
        let min: Vec<usize> = (0..n)
            .map(|i| {
                let h = self.columns[i].header.chars().count();
                match fit(i) {
                    Fit::Fixed => natural[i],
                    Fit::Cut => natural[i].min(h.max(6)),
                    Fit::Id => natural[i].min(h.max(16)),
                    Fit::Wrap => natural[i].min(h.max(20)),
                }
            })
            .collect();
        let mut alive = vec![true; n];
        let need = |alive: &[bool], w: &[usize]| {
            let k = alive.iter().filter(|a| **a).count();
            (0..n).filter(|i| alive[*i]).map(|i| w[i]).sum::<usize>() + 2 * k.saturating_sub(1)
        };
        if need(&alive, natural) <= max {
            return natural.iter().map(|w| Some(*w)).collect();
        }
        while need(&alive, &min) > max {
            // Hide the lowest priority column (the rightmost of equals), never the id.
            let victim = (0..n)
                .rev()
                .filter(|i| alive[*i] && Some(*i) != id)
                .min_by_key(|i| self.columns[*i].priority);
            match victim {
                Some(v) => alive[v] = false,
                None => break,
            }
        }
        let mut w: Vec<usize> = min.clone();
        let used = need(&alive, &min);
        if used > max {
            // Only the id is left to give way.
            if let Some(i) = id {
                w[i] = w[i].saturating_sub(used - max).max(1);
            }
        } else {
            let mut extra = max - used;
            let order = id
                .into_iter()
                .chain((0..n).filter(|i| fit(*i) == Fit::Cut))
                .chain((0..n).filter(|i| fit(*i) == Fit::Wrap));
            for i in order {
                if !alive[i] {
                    continue;
                }
                let more = (natural[i] - w[i]).min(extra);
                w[i] += more;
                extra -= more;
            }
        }
        (0..n).map(|i| alive[i].then_some(w[i])).collect()
    }

    /// Aligned text. `width` caps each line, `None` for no cap: when the table is wider,
    /// prose columns wrap, text columns are cut (ending with `…`), then the columns of
    /// lowest priority are hidden (a note line names them) so that the identifying
    /// column stays. Byte columns' headers name the unit when it is not human.
    pub fn render(&self, units: Units, width: Option<usize>) -> String {
        let all: Vec<Vec<String>> = self
            .rows
            .iter()
            .chain(self.footer.iter())
            .map(|r| r.iter().map(|c| text_of(c, units)).collect())
            .collect();
        let n = self.columns.len();
        let suffix = match units {
            Units::Human => "",
            Units::Kib => "(KiB)",
            Units::Bytes => "(B)",
        };
        let headers: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let is_bytes = self.rows.iter().chain(self.footer.iter()).any(|r| {
                    matches!(
                        r.get(i),
                        Some(
                            Cell::Bytes(_)
                                | Cell::SignedBytes(_)
                                | Cell::Unreadable
                                | Cell::AtLeast(_)
                        )
                    )
                });
                if is_bytes && !c.header.is_empty() {
                    format!("{}{suffix}", c.header)
                } else {
                    c.header.to_string()
                }
            })
            .collect();
        let mut natural: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
        for r in &all {
            for (i, s) in r.iter().enumerate().take(n) {
                natural[i] = natural[i].max(s.chars().count());
            }
        }
        let w: Vec<Option<usize>> = match width {
            Some(max) => self.layout(&natural, max),
            None => natural.iter().map(|w| Some(*w)).collect(),
        };
        let id = self.id_column();
        let shown: Vec<usize> = (0..n).filter(|i| w[*i].is_some()).collect();
        let last = shown.last().copied();
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            // Each shown cell as one or more pieces (wrapped prose has several).
            let pieces: Vec<Vec<String>> = shown
                .iter()
                .map(|&i| {
                    let s = cells.get(i).map(String::as_str).unwrap_or("");
                    let cw = w[i].unwrap_or(0);
                    let wraps = self.columns[i].fit == Fit::Wrap && Some(i) != id;
                    if width.is_some() && wraps {
                        wrap(s, cw)
                    } else if width.is_some() {
                        vec![cut(s, cw)]
                    } else {
                        vec![s.to_string()]
                    }
                })
                .collect();
            let height = pieces.iter().map(Vec::len).max().unwrap_or(1).max(1);
            for k in 0..height {
                let mut l = String::new();
                for (j, &i) in shown.iter().enumerate() {
                    let col = &self.columns[i];
                    let s = pieces[j].get(k).map(String::as_str).unwrap_or("");
                    if j > 0 {
                        l.push_str("  ");
                    }
                    let pad = w[i].unwrap_or(0).saturating_sub(s.chars().count());
                    if Some(i) == last && col.left {
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
                    Some(max) => out.push_str(&cut(l, max)),
                    None => out.push_str(l),
                }
                out.push('\n');
            }
        };
        line(&headers, &mut out);
        for r in &all[..self.rows.len()] {
            line(r, &mut out);
        }
        if !self.footer.is_empty() {
            let total: usize = shown.iter().map(|i| w[*i].unwrap_or(0)).sum::<usize>()
                + 2 * shown.len().saturating_sub(1);
            let rule_len = width.map_or(total, |m| total.min(m));
            out.extend(std::iter::repeat_n('-', rule_len));
            out.push('\n');
            for r in &all[self.rows.len()..] {
                line(r, &mut out);
            }
        }
        let hidden: Vec<&str> = (0..n)
            .filter(|i| w[*i].is_none())
            .map(|i| self.columns[i].header)
            .collect();
        if let (false, Some(max)) = (hidden.is_empty(), width) {
            let note = format!(
                "({} hidden to fit {max} columns; --wide shows every column)",
                hidden.join(", ")
            );
            for l in wrap(&note, max) {
                out.push_str(&l);
                out.push('\n');
            }
        }
        out
    }

    /// Adds, as columns after its own, the keys of the rows' JSON objects that the table
    /// lacks, so that CSV carries every key the JSON has. `rows` are the table's rows in
    /// order (footer rows get empty cells). A nested object the table has no column for is
    /// flattened one level as `KEY_INNER`; an array of scalars is joined with `;`; null is
    /// an empty cell, as in the rest of the CSV.
    pub fn add_json_keys<T: serde::Serialize>(&mut self, rows: &[T]) {
        self.add_json_keys_lifting(rows, &[]);
    }

    /// [`Table::add_json_keys`], with the nested objects named in `lift` flattened
    /// without prefix, their keys in snake_case (`counters.Private_Clean` is
    /// `private_clean`, as the table's own columns name them).
    pub fn add_json_keys_lifting<T: serde::Serialize>(&mut self, rows: &[T], lift: &[&str]) {
        use serde_json::Value;
        let have: std::collections::HashSet<&str> = self.columns.iter().map(|c| c.key).collect();
        let mut keys: Vec<String> = Vec::new();
        let mut values: Vec<std::collections::HashMap<String, Cell>> = Vec::new();
        for r in rows {
            let mut m = std::collections::HashMap::new();
            if let Ok(Value::Object(o)) = serde_json::to_value(r) {
                for (k, v) in o {
                    if have.contains(k.as_str()) {
                        continue;
                    }
                    match v {
                        Value::Object(inner) if lift.contains(&k.as_str()) => {
                            for (ik, iv) in inner {
                                let ik = snake_case(&ik);
                                if !have.contains(ik.as_str()) {
                                    m.insert(ik, json_cell(&iv));
                                }
                            }
                        }
                        Value::Object(inner) => {
                            for (ik, iv) in inner {
                                m.insert(format!("{k}_{ik}"), json_cell(&iv));
                            }
                        }
                        v => {
                            m.insert(k, json_cell(&v));
                        }
                    }
                }
            }
            let mut new: Vec<&String> = m.keys().filter(|k| !keys.contains(k)).collect();
            new.sort();
            keys.extend(new.into_iter().cloned());
            values.push(m);
        }
        for k in &keys {
            let key: &'static str = Box::leak(k.clone().into_boxed_str());
            self.columns.push(Column::left("", key));
        }
        for (i, row) in self.rows.iter_mut().enumerate() {
            for k in &keys {
                let c = values
                    .get(i)
                    .and_then(|m| m.get(k))
                    .cloned()
                    .unwrap_or(Cell::Bytes(None));
                row.push(c);
            }
        }
        for row in &mut self.footer {
            row.extend(keys.iter().map(|_| Cell::Bytes(None)));
        }
    }

    /// Removes the column of this key and its cells (a column only the text needs).
    pub fn remove_column(&mut self, key: &str) {
        if let Some(i) = self.columns.iter().position(|c| c.key == key) {
            self.columns.remove(i);
            for r in self.rows.iter_mut().chain(self.footer.iter_mut()) {
                if i < r.len() {
                    r.remove(i);
                }
            }
        }
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
        let s = t().render(Units::Human, None);
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[0], " PID     RSS  COMMAND");
        assert_eq!(lines[1], "   1   2.0Ki  init, \"x\"");
        assert_eq!(lines[2], "1234  denied  sleep 100");
        assert!(lines[3].starts_with("-----"));
        assert_eq!(lines[4], "           -  total");
        let cut = t().render(Units::Human, Some(10));
        assert!(cut.lines().all(|l| l.chars().count() <= 10));
    }

    #[test]
    fn exact_units_are_named_in_byte_headers() {
        let s = t().render(Units::Bytes, None);
        assert!(s.starts_with(" PID  RSS(B)  COMMAND\n"), "{s}");
        assert!(s.contains("   1    2048  init"), "{s}");
        let s = t().render(Units::Kib, None);
        assert!(s.starts_with(" PID  RSS(KiB)  COMMAND\n"), "{s}");
    }

    fn wide() -> Table {
        let mut t = Table::new(vec![
            Column::right("PID", "pid"),
            Column::right("LOW", "low").priority(1),
            Column::right("HIGH", "high").priority(9),
            Column::left("COMMAND", "command"),
        ]);
        t.rows.push(vec![
            Cell::Int(Some(1)),
            Cell::Bytes(Some(1 << 30)),
            Cell::Bytes(Some(1 << 20)),
            "/usr/lib/systemd/systemd --switched-root --system".into(),
        ]);
        t
    }

    #[test]
    fn narrow_cuts_the_id_column_last_and_marks_the_cut() {
        let s = wide().render(Units::Human, Some(40));
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{s}");
        assert_eq!(lines[0], "PID    LOW   HIGH  COMMAND");
        assert!(lines[1].ends_with('…'), "{s}");
        assert!(lines[1].contains("/usr/lib/systemd/sys…"), "{s}");
        // Narrower: the lowest priority column goes, the id column stays.
        let s = wide().render(Units::Human, Some(30));
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{s}");
        assert!(lines[0].starts_with("PID   HIGH  COMMAND"), "{s}");
        assert!(lines[1].contains("/usr/lib/syst"), "{s}");
        assert!(s.contains("LOW hidden"), "{s}");
        // Unbounded: all of it.
        let s = wide().render(Units::Human, None);
        assert!(s.contains("--switched-root --system\n"), "{s}");
    }

    #[test]
    fn prose_wraps_at_word_boundaries() {
        let mut t = Table::new(vec![
            Column::left("TERM", "term"),
            Column::left("MEANING", "meaning").wrap(),
        ]);
        t.rows.push(vec![
            "PSS".into(),
            "Proportional set size: each shared page divided by its sharers".into(),
        ]);
        let s = t.render(Units::Human, Some(34));
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[1], "PSS   Proportional set size: each");
        assert_eq!(lines[2], "      shared page divided by its");
        assert_eq!(lines[3], "      sharers");
        // A word wider than the column is broken, none of it lost.
        assert_eq!(wrap("abcdefgh ij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("abcdefghi", 4), vec!["abcd", "efgh", "i"]);
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
    }

    #[test]
    fn csv_gets_the_json_keys_it_lacks() {
        #[derive(serde::Serialize)]
        struct Row {
            pid: u32,
            comm: &'static str,
            unreadable: Vec<&'static str>,
            counters: std::collections::BTreeMap<&'static str, u64>,
        }
        let mut t = Table::new(vec![Column::right("PID", "pid")]);
        t.rows.push(vec![Cell::Int(Some(7))]);
        let counters = [("Private_Clean", 4096), ("AnonHugePages", 0)].into();
        let rows = [Row {
            pid: 7,
            comm: "sh",
            unreadable: vec!["smaps_rollup: denied", "x"],
            counters,
        }];
        let mut a = t.clone();
        a.add_json_keys(&rows);
        assert_eq!(
            a.csv(),
            "pid,comm,counters_AnonHugePages,counters_Private_Clean,unreadable\n7,sh,0,4096,smaps_rollup: denied;x\n"
        );
        t.add_json_keys_lifting(&rows, &["counters"]);
        assert_eq!(
            t.csv(),
            "pid,anon_huge_pages,comm,private_clean,unreadable\n7,0,sh,4096,smaps_rollup: denied;x\n"
        );
        assert_eq!(snake_case("SwapPss"), "swap_pss");
        assert_eq!(snake_case("KSM"), "ksm");
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
