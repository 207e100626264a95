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
    /// Line width cap for tables (`COLUMNS`, else the terminal's width), `None` when neither.
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
        if format == Format::Table {
            // Only text is wrapped: JSON and CSV lines stay whole.
            let _ = PROSE_WIDTH.set(width);
        }
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

/// The width tables must fit: `COLUMNS` when set to a number (it overrides the terminal,
/// also when stdout is not one, as procps' `ps` does), else the terminal's width, else
/// none (a pipe or file gets whole lines).
fn terminal_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return Some(n);
    }
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

/// The width prose lines on stdout are wrapped to (set once, for table output only).
static PROSE_WIDTH: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();

/// Wraps every line of `s` longer than `width` at spaces, continuation lines indented
/// two more than the line (table lines already fit and pass unchanged). A word longer
/// than a line is split, not cut: prose loses nothing.
pub fn wrap_lines(s: &str, width: usize) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, true),
            None => (line, false),
        };
        if body.chars().count() <= width {
            out.push_str(line);
            continue;
        }
        let indent = body.len() - body.trim_start().len();
        let cont = " ".repeat((indent + 2).min(width / 2));
        let mut cur = body[..indent].to_string();
        let mut fresh = true; // nothing but the indent on `cur` yet
        for word in body[indent..].split(' ').filter(|w| !w.is_empty()) {
            let mut word: Vec<char> = word.chars().collect();
            loop {
                let used = cur.chars().count();
                let room = width.saturating_sub(used + usize::from(!fresh));
                if word.len() <= room {
                    if !fresh {
                        cur.push(' ');
                    }
                    cur.extend(word.iter());
                    fresh = false;
                    break;
                }
                if fresh {
                    // Longer than a whole line: split it.
                    let room = room.max(1);
                    cur.extend(word[..room].iter());
                    word.drain(..room);
                }
                out.push_str(&cur);
                out.push('\n');
                cur = cont.clone();
                fresh = true;
                if word.is_empty() {
                    break;
                }
            }
        }
        if !fresh {
            out.push_str(&cur);
            if nl {
                out.push('\n');
            }
        }
    }
    out
}

/// Writes to stdout as it is, never wrapped (scripts, roff), ignoring a closed pipe.
pub fn print_raw(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}

/// User names of a snapshot, with one warning when `etc/passwd` exists but could not be
/// read (users are then shown by UID).
pub fn user_names(s: &memlens_model::Snapshot) -> memlens_model::snapshot::UserNames {
    match &s.users {
        memlens_model::Part::Read(u) => u.clone(),
        memlens_model::Part::Failed(f) => {
            warn(&format!("{f}; users shown by UID"));
            Default::default()
        }
        memlens_model::Part::NotRead => Default::default(),
    }
}

/// Writes to stdout, ignoring a closed pipe (`memlens ps | head`); in table output
/// with a width, long prose lines are wrapped to it.
pub fn print(s: &str) {
    let wrapped;
    let s = match PROSE_WIDTH.get().copied().flatten() {
        Some(w) => {
            wrapped = wrap_lines(s, w);
            wrapped.as_str()
        }
        None => s,
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}

/// Writes `v` as pretty JSON with a trailing newline straight to stdout, ignoring a
/// closed pipe: no text of the whole output is built first, which for `ps --json` at
/// 10,000 processes is 10 MB grown by doubling.
pub fn print_json<T: serde::Serialize>(v: &T) {
    json_to_stdout(|out| {
        serde_json::to_writer_pretty(&mut *out, v)?;
        out.write_all(b"\n").map_err(serde_json::Error::io)
    });
}

/// Runs `write` on a buffered stdout and flushes it. A closed pipe is the reader's choice;
/// any other failure is said.
fn json_to_stdout(write: impl FnOnce(&mut dyn Write) -> serde_json::Result<()>) {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush().map_err(serde_json::Error::io)) {
        Ok(()) => {}
        Err(e) if e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) => {}
        Err(e) => eprintln!("memlens: writing JSON: {e}"),
    }
}

/// Work on more items than this is split across two threads ([`alongside`]).
pub const SPLIT_ABOVE: usize = 2000;

/// Runs `second` on a thread of its own while `first` runs on this one; a panic in
/// either goes on as this thread's.
pub fn alongside<A, B: Send>(
    first: impl FnOnce() -> A,
    second: impl FnOnce() -> B + Send,
) -> (A, B) {
    std::thread::scope(|s| {
        let other = s.spawn(second);
        let a = first();
        match other.join() {
            Ok(b) => (a, b),
            Err(p) => std::panic::resume_unwind(p),
        }
    })
}

/// Writes `{"KEY": rows, ...}` as pretty JSON to stdout, the members of `rest` (a struct)
/// after the rows: byte for byte what [`print_json`] writes for a struct of those members
/// in that order. When there are many rows, the second half is serialized on a thread of
/// its own meanwhile (at 10,000 processes `ps --json` spent about 14 ms on one core).
pub fn print_json_rows<R: serde::Serialize + Sync, T: serde::Serialize>(
    key: &str,
    rows: &[R],
    rest: &T,
) {
    json_to_stdout(|out| write_json_rows(out, key, rows, rest));
}

fn write_json_rows<W: Write + ?Sized, R: serde::Serialize + Sync, T: serde::Serialize>(
    out: &mut W,
    key: &str,
    rows: &[R],
    rest: &T,
) -> serde_json::Result<()> {
    // As serde_json's pretty printer lays an array out at depth 1: "[", each element on
    // its own line indented by 4 (after ",\n" from the second on), "\n  ]". Each element
    // is written by a pretty formatter already two levels deep, into a byte buffer: no
    // writer of its own that indents every line, no call through `dyn Write` per token.
    fn elements<R: serde::Serialize>(
        rows: &[R],
        first: bool,
        buf: &mut Vec<u8>,
        mut after_row: impl FnMut(&mut Vec<u8>) -> serde_json::Result<()>,
    ) -> serde_json::Result<()> {
        use serde_json::ser::Formatter;
        // A pretty formatter two levels deep: one that has opened two arrays (written to
        // nowhere), as it would have written `{"processes": [` itself.
        let mut deep = serde_json::ser::PrettyFormatter::new();
        for _ in 0..2 {
            deep.begin_array(&mut std::io::sink())
                .map_err(serde_json::Error::io)?;
        }
        for (i, r) in rows.iter().enumerate() {
            buf.extend_from_slice(if first && i == 0 {
                b"\n    "
            } else {
                b",\n    "
            });
            r.serialize(&mut serde_json::Serializer::with_formatter(
                &mut *buf,
                deep.clone(),
            ))?;
            after_row(buf)?;
        }
        Ok(())
    }
    // The first half goes out through a buffer emptied whenever it holds 64 KiB; the
    // second, made meanwhile, is held whole until the first is out.
    fn streamed<W: Write + ?Sized, R: serde::Serialize>(
        out: &mut W,
        rows: &[R],
    ) -> serde_json::Result<()> {
        let mut buf = Vec::with_capacity(1 << 17);
        elements(rows, true, &mut buf, |b| {
            if b.len() >= 1 << 16 {
                out.write_all(b).map_err(serde_json::Error::io)?;
                b.clear();
            }
            Ok(())
        })?;
        out.write_all(&buf).map_err(serde_json::Error::io)
    }
    out.write_all(b"{\n  ").map_err(serde_json::Error::io)?;
    serde_json::to_writer(&mut *out, key)?;
    out.write_all(b": [").map_err(serde_json::Error::io)?;
    if rows.len() > SPLIT_ABOVE {
        let (a, b) = rows.split_at(rows.len() / 2);
        let (first, second) = alongside(
            || streamed(out, a),
            || {
                let mut v = Vec::new();
                elements(b, false, &mut v, |_| Ok(())).map(|()| v)
            },
        );
        first?;
        out.write_all(&second?).map_err(serde_json::Error::io)?;
    } else {
        streamed(out, rows)?;
    }
    out.write_all(if rows.is_empty() { b"]" } else { b"\n  ]" })
        .map_err(serde_json::Error::io)?;
    // The other members, as a struct of them is printed alone: already at depth 1.
    let others = serde_json::to_vec_pretty(rest)?;
    match others.strip_prefix(b"{") {
        Some(members) if others != b"{}" => {
            out.write_all(b",").map_err(serde_json::Error::io)?;
            out.write_all(members).map_err(serde_json::Error::io)?;
        }
        _ => out.write_all(b"\n}").map_err(serde_json::Error::io)?,
    }
    out.write_all(b"\n").map_err(serde_json::Error::io)
}

/// Waits `d`. When stderr is a terminal, shows what it waits for on stderr meanwhile
/// (`memlens: sampling 3s… 2s left`), updated as time passes and erased when done; when
/// stderr is not a terminal (a pipe, a file, a test), it writes nothing.
pub fn wait(d: std::time::Duration, what: &str) {
    use std::time::{Duration, Instant};
    let err = std::io::stderr();
    if !err.is_terminal() || d < Duration::from_millis(500) {
        std::thread::sleep(d);
        return;
    }
    let start = Instant::now();
    let total = format!("{:.1}", d.as_secs_f64());
    let total = total.trim_end_matches(".0");
    loop {
        let elapsed = start.elapsed();
        if elapsed >= d {
            break;
        }
        let left = (d - elapsed).as_secs_f64().ceil() as u64;
        {
            let mut e = err.lock();
            let _ = write!(e, "\r\x1b[Kmemlens: {what} {total}s… {left}s left");
            let _ = e.flush();
        }
        std::thread::sleep((d - elapsed).min(Duration::from_millis(200)));
    }
    let mut e = err.lock();
    let _ = write!(e, "\r\x1b[K");
    let _ = e.flush();
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

static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Ctrl-C and SIGTERM end a long-running command (`watch`, `record`) with its summary
/// instead of killing it: they set a flag it checks between samples.
pub fn catch_interrupts() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
}

/// Whether Ctrl-C or SIGTERM came since [`catch_interrupts`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Sleeps until `t`, in short steps; false when interrupted first.
pub fn sleep_until(t: std::time::Instant) -> bool {
    loop {
        if interrupted() {
            return false;
        }
        let now = std::time::Instant::now();
        if now >= t {
            return true;
        }
        std::thread::sleep((t - now).min(std::time::Duration::from_millis(100)));
    }
}

#[cfg(test)]
mod tests {
    use super::wrap_lines;

    #[test]
    fn rows_written_in_two_halves_are_the_struct_printed_whole() {
        #[derive(serde::Serialize)]
        struct Row {
            pid: u32,
            command: String,
            figures: Vec<Option<u64>>,
            nested: std::collections::BTreeMap<&'static str, Vec<u8>>,
        }
        #[derive(serde::Serialize)]
        struct Rest {
            #[serde(skip_serializing_if = "Option::is_none")]
            totals: Option<Vec<u64>>,
            skipped: std::collections::BTreeMap<&'static str, u32>,
        }
        #[derive(serde::Serialize)]
        struct Whole<'a> {
            processes: &'a [Row],
            #[serde(flatten)]
            rest: &'a Rest,
        }
        #[derive(serde::Serialize)]
        struct Nothing {}
        #[derive(serde::Serialize)]
        struct Alone<'a> {
            processes: &'a [Row],
        }
        let row = |i: u32| Row {
            pid: i,
            command: format!("cmd {i} \"quoted\"\n\ttab é"),
            figures: vec![Some(i as u64), None],
            nested: [("a", vec![]), ("b", vec![1, 2])].into_iter().collect(),
        };
        for n in [0, 1, 2, super::SPLIT_ABOVE, super::SPLIT_ABOVE + 3] {
            let rows: Vec<Row> = (0..n as u32).map(row).collect();
            for rest in [
                Rest {
                    totals: None,
                    skipped: Default::default(),
                },
                Rest {
                    totals: Some(vec![1, 2]),
                    skipped: [("x", 3)].into_iter().collect(),
                },
            ] {
                let mut got = Vec::new();
                super::write_json_rows(&mut got, "processes", &rows, &rest).unwrap();
                let want = serde_json::to_string_pretty(&Whole {
                    processes: &rows,
                    rest: &rest,
                })
                .unwrap()
                    + "\n";
                assert_eq!(String::from_utf8(got).unwrap(), want, "{n} rows");
            }
            let mut got = Vec::new();
            super::write_json_rows(&mut got, "processes", &rows, &Nothing {}).unwrap();
            let want = serde_json::to_string_pretty(&Alone { processes: &rows }).unwrap() + "\n";
            assert_eq!(String::from_utf8(got).unwrap(), want, "{n} rows alone");
        }
    }

    #[test]
    fn prose_lines_wrap_with_a_hanging_indent() {
        assert_eq!(wrap_lines("short\n", 10), "short\n");
        assert_eq!(
            wrap_lines("aaa bbb ccc ddd\nx\n", 8),
            "aaa bbb\n  ccc\n  ddd\nx\n"
        );
        assert_eq!(wrap_lines("abcdefghij", 4), "abcd\n  ef\n  gh\n  ij");
    }
}
