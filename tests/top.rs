//! `memlens top`: its screens drawn from a fixture snapshot with ratatui's test backend
//! and compared with the screens committed under `tests/golden/top/` (after a deliberate
//! change: `MEMLENS_BLESS=1 cargo test --test top screens`, then read the diff); its keys;
//! and the real program in a real terminal under tmux: a lab process with its PSS, sort,
//! filter, drill-down, help, quit, SIGTERM, a tiny terminal and recorded history.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;
use memlens_analysis::top::{Session, TopView};
use memlens_sources::collect::{collect, Plan};
use memlens_sources::Root;
use memlens_tui::{draw, Action, Ui};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

const TREE: &str = "vm-6.18-hybrid";

/// The fixture tree's snapshot, read as `top` reads it, and its view.
fn fixture() -> (Session, memlens_model::Snapshot, TopView) {
    let root = Root::open(fixtures().join(TREE)).unwrap();
    let snap = collect(&root, &Plan::top(Duration::from_secs(2)));
    let mut session = Session::new(300);
    session.push(&snap, None);
    let view = session.view(&snap, None);
    (session, snap, view)
}

fn key(c: KeyCode) -> Event {
    Event::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn chars(s: &str) -> Vec<Event> {
    s.chars().map(|c| key(KeyCode::Char(c))).collect()
}

/// The screen after `events`, as text (trailing blanks cut).
fn screen(view: &TopView, ui: &mut Ui, events: &[Event], w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    // Draw once first: keys act on what is on the screen (its rows).
    term.draw(|f| draw(f, view, None, ui, "2026-11-23 12:00:00"))
        .unwrap();
    for e in events {
        ui.handle(e);
        term.draw(|f| draw(f, view, None, ui, "2026-11-23 12:00:00"))
            .unwrap();
    }
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn golden(name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/top")
        .join(format!("{name}.txt"));
    if std::env::var_os("MEMLENS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{}: missing; bless it", path.display()));
    assert_eq!(
        text,
        want,
        "screen {name} differs from {} (bless after a deliberate change)",
        path.display()
    );
}

#[test]
fn screens_of_a_fixture_match_the_expected() {
    let (_, _, view) = fixture();
    let cases: Vec<(&str, Vec<Event>, u16, u16)> = vec![
        ("processes", vec![], 120, 36),
        ("sort-uss", chars("U"), 120, 36),
        ("group-by-user", chars("g"), 120, 36),
        (
            "filter",
            [chars("/"), chars("bash"), vec![key(KeyCode::Enter)]].concat(),
            120,
            36,
        ),
        ("cgroups", chars("2"), 120, 36),
        ("zones", chars("3"), 120, 36),
        ("slab", chars("4"), 120, 36),
        ("vmstat", chars("5"), 120, 36),
        ("swap", chars("6"), 120, 36),
        ("doctor", chars("7"), 120, 36),
        ("help", chars("?"), 120, 36),
        ("too-small", vec![], 50, 12),
    ];
    for (name, events, w, h) in cases {
        let mut ui = Ui::new(true, false);
        golden(name, &screen(&view, &mut ui, &events, w, h));
    }
}

#[test]
fn the_bar_sums_to_memtotal_and_draws_in_colour_unless_no_color() {
    let (_, snap, view) = fixture();
    let total = snap.meminfo.ok().unwrap().mem_total.unwrap();
    assert_eq!(view.bar.iter().map(|p| p.bytes).sum::<u64>(), total);
    assert_eq!(view.mem_total, Some(total));
    // Each part's cells are its share of the width, and all of them fill it.
    let parts: Vec<u64> = view.bar.iter().map(|p| p.bytes).collect();
    for width in [1usize, 7, 80, 113] {
        let cells = memlens_tui::bar_cells(&parts, width);
        assert_eq!(cells.iter().sum::<usize>(), width);
        for (c, p) in cells.iter().zip(&parts) {
            let exact = *p as f64 * width as f64 / total as f64;
            assert!((*c as f64 - exact).abs() < 1.0, "{c} cells for {exact}");
        }
    }
    // Colour: the bar's cells are coloured blocks; without colour, characters of their
    // own per part (a monochrome terminal tells them apart).
    for mono in [false, true] {
        let mut term = Terminal::new(TestBackend::new(120, 36)).unwrap();
        let mut ui = Ui::new(mono, false);
        term.draw(|f| draw(f, &view, None, &mut ui, "now")).unwrap();
        let buf = term.backend().buffer().clone();
        let row: Vec<_> = (0..120).map(|x| buf[(x, 1)].clone()).collect();
        let coloured = row
            .iter()
            .filter(|c| c.fg != ratatui::style::Color::Reset)
            .count();
        let symbols: std::collections::BTreeSet<String> =
            row.iter().map(|c| c.symbol().to_string()).collect();
        if mono {
            assert_eq!(coloured, 0, "NO_COLOR: no colour");
            assert!(
                symbols.contains("=") && symbols.contains("."),
                "{symbols:?}"
            );
        } else {
            assert!(coloured > 100, "{coloured} coloured cells");
            assert!(symbols.contains("█"));
        }
    }
}

#[test]
fn the_figures_top_adds_are_catalogued() {
    let (_, _, view) = fixture();
    let v = serde_json::to_value(&view).unwrap();
    let mut shown = std::collections::BTreeSet::new();
    for p in v["bar"].as_array().unwrap() {
        shown.insert(p["key"].as_str().unwrap().to_string());
    }
    for k in v["series"][0].as_object().unwrap().keys() {
        if k != "taken_at_ns" {
            shown.insert(k.clone());
        }
    }
    // A process row: the process scope's keys, and what the session adds.
    let process: std::collections::BTreeSet<String> =
        memlens_catalogue::of(memlens_catalogue::Scope::Process)
            .map(|f| f.key.to_string())
            .collect();
    for k in v["processes"][0].as_object().unwrap().keys() {
        if !process.contains(k) {
            shown.insert(k.clone());
        }
    }
    let top: std::collections::BTreeSet<String> =
        memlens_catalogue::of(memlens_catalogue::Scope::Top)
            .map(|f| f.key.to_string())
            .collect();
    assert_eq!(shown, top);
}

#[test]
fn keys_sort_filter_group_drill_and_step_through_history() {
    let (session, snap, view) = fixture();
    let mut ui = Ui::new(true, false);
    let mut term = Terminal::new(TestBackend::new(120, 36)).unwrap();
    term.draw(|f| draw(f, &view, None, &mut ui, "now")).unwrap();
    for (k, key_name) in [
        ('P', "pss"),
        ('U', "uss"),
        ('R', "rss"),
        ('W', "swap"),
        ('G', "pss_growth"),
        ('F', "minflt_rate"),
    ] {
        ui.handle(&chars(&k.to_string())[0]);
        assert_eq!(ui.sort_key(), key_name);
    }
    ui.handle(&chars("P")[0]);
    // Enter drills into the selected row: the largest PSS.
    let shown = memlens_tui::shown_processes(&view, &ui);
    let first = shown[0].row.pid;
    assert!(shown
        .windows(2)
        .all(|w| w[0].row.pss >= w[1].row.pss || w[1].row.pss.is_none()));
    assert_eq!(ui.handle(&key(KeyCode::Enter)), Action::Drill(Some(first)));
    // The drill-down: the process's figures and its limits, its mappings not read here.
    let d = session.detail(&snap, first, None).unwrap();
    term.draw(|f| draw(f, &view, Some(&d), &mut ui, "now"))
        .unwrap();
    let text: String = term
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(text.contains(&format!("PID {first}")), "{text}");
    assert!(text.contains("mappings: not read"));
    assert_eq!(ui.handle(&key(KeyCode::Esc)), Action::Drill(None));
    // Down moves the selection; the filter narrows the rows; q quits.
    ui.handle(&key(KeyCode::Down));
    assert_eq!(ui.table.selected(), Some(1));
    for e in [chars("/"), chars("zzz-no-such"), vec![key(KeyCode::Enter)]].concat() {
        ui.handle(&e);
    }
    assert!(memlens_tui::shown_processes(&view, &ui).is_empty());
    assert_eq!(ui.handle(&chars("q")[0]), Action::Quit);
    assert_eq!(
        ui.handle(&Event::Key(KeyEvent::new(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL
        ))),
        Action::Quit
    );
    // Over history the arrows and PageUp/PageDown move in time; live they move rows.
    let mut h = Ui::new(true, true);
    assert_eq!(h.handle(&key(KeyCode::Left)), Action::Step(-1));
    assert_eq!(h.handle(&key(KeyCode::Right)), Action::Step(1));
    assert_eq!(h.handle(&key(KeyCode::PageUp)), Action::Hours(-1));
    assert_eq!(h.handle(&key(KeyCode::PageDown)), Action::Hours(1));
    let mut live = Ui::new(true, false);
    assert_eq!(live.handle(&key(KeyCode::PageUp)), Action::None);
}

#[test]
fn the_mouse_scrolls_selects_rows_and_switches_tabs() {
    use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let (_, _, view) = fixture();
    let mut ui = Ui::new(true, false);
    let mut term = Terminal::new(TestBackend::new(120, 36)).unwrap();
    let mouse = |kind, column, row| {
        Event::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut frame = |ui: &mut Ui| {
        term.draw(|f| draw(f, &view, None, ui, "now")).unwrap();
        term.backend().buffer().clone()
    };
    let buf = frame(&mut ui);
    // The wheel moves the selection three rows.
    ui.handle(&mouse(MouseEventKind::ScrollDown, 10, 20));
    assert_eq!(ui.table.selected(), Some(3));
    ui.handle(&mouse(MouseEventKind::ScrollUp, 10, 20));
    assert_eq!(ui.table.selected(), Some(0));
    // A click on a process row selects it: the row whose first cell is its PID.
    let pids = memlens_tui::shown_processes(&view, &ui);
    let y = (0..36u16)
        .find(|&y| {
            let line: String = (0..10).map(|x| buf[(x, y)].symbol().to_string()).collect();
            line.split_whitespace().next() == Some(&pids[2].row.pid.to_string())
        })
        .expect("the third row on the screen");
    ui.handle(&mouse(MouseEventKind::Down(MouseButton::Left), 3, y));
    assert_eq!(ui.table.selected(), Some(2));
    // A click on a tab's title opens it.
    let tabs_y = (0..36u16)
        .find(|&y| {
            let line: String = (0..120).map(|x| buf[(x, y)].symbol().to_string()).collect();
            line.contains("7 Doctor")
        })
        .unwrap();
    let line: String = (0..120)
        .map(|x| buf[(x, tabs_y)].symbol().to_string())
        .collect();
    let x = line.find("7 Doctor").unwrap() as u16 + 2;
    ui.handle(&mouse(MouseEventKind::Down(MouseButton::Left), x, tabs_y));
    assert_eq!(ui.tab, memlens_tui::Tab::Doctor);
    let buf = frame(&mut ui);
    let text: String = buf.content().iter().map(|c| c.symbol()).collect();
    assert!(text.contains("doctor's findings"));
}

#[test]
fn top_refuses_without_a_terminal() {
    let r = memlens(&["top"]);
    assert_eq!(r.code, EXIT_REFUSED, "{}", r.stderr);
    assert!(r.stderr.contains("terminal"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

/// A tmux server of this test's own, with one window running `cmd` in a terminal
/// `w`×`h`; after the command, the shell says its exit status and whether the terminal
/// is back in canonical mode (`icanon`, not `-icanon`).
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, w: u16, h: u16, cmd: &str) -> Tmux {
        let socket = format!("memlens-test-{name}-{}", std::process::id());
        let t = Tmux { socket };
        let script = format!("{cmd}; echo EXITED $?; stty -a | grep -o -- '-\\?icanon'; sleep 600");
        let ok = std::process::Command::new("tmux")
            .args([
                "-L",
                &t.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
            ])
            .args(["-x", &w.to_string(), "-y", &h.to_string()])
            .arg(script)
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR")
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux did not start");
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "t", k]);
        }
    }

    /// Waits until the screen says `what`; fails with the screen after `secs`.
    fn wait_for(&self, what: &str, secs: u64) -> String {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            if Instant::now() > end {
                panic!("no {what:?} on the screen after {secs} s:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The PID of the program the window's shell runs.
    fn program_pid(&self) -> u32 {
        let shell = self.tmux(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
        let out = sh(&format!("pgrep -P {} -x memlens", shell.trim()));
        out.trim().parse().unwrap()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// A human size as the table prints it (`81Mi`, `1.5Gi`), in bytes.
fn parse_human(s: &str) -> f64 {
    let (n, mult) = match s {
        _ if s.ends_with("Gi") => (&s[..s.len() - 2], 1024.0 * 1024.0 * 1024.0),
        _ if s.ends_with("Mi") => (&s[..s.len() - 2], 1024.0 * 1024.0),
        _ if s.ends_with("Ki") => (&s[..s.len() - 2], 1024.0),
        _ => (s.trim_end_matches('B'), 1.0),
    };
    n.parse::<f64>().unwrap() * mult
}

#[test]
fn top_in_a_real_terminal_shows_a_lab_process_and_leaves_the_terminal_clean() {
    if !have("tmux") {
        panic!("tmux is missing (apt-get install tmux; .ci/run installs it)");
    }
    // 80 MiB of private anonymous memory, touched: its PSS is 80 MiB and a little.
    let lab = Lab::start(&["leak", "--count", "1", "--size", "80M"]);
    let pid = lab.pid();
    let t = Tmux::start("live", 140, 45, &format!("{} top --interval 500ms", bin()));
    t.wait_for("processes, sorted by PSS", 20);
    // Filter to the lab (by its PID): its row shows, with its PSS.
    t.keys(&["/"]);
    for c in pid.to_string().chars() {
        t.keys(&[&c.to_string()]);
    }
    t.keys(&["Enter"]);
    t.wait_for(&format!("filter \"{pid}\""), 10);
    let s = t.wait_for(&format!("\n{pid} "), 10);
    let row = s
        .lines()
        .find(|l| l.split_whitespace().next() == Some(&pid.to_string()))
        .unwrap_or_else(|| panic!("no row for lab PID {pid}:\n{s}"));
    let pss = parse_human(row.split_whitespace().nth(2).unwrap());
    let mib = 1024.0 * 1024.0;
    assert!(
        (80.0 * mib..96.0 * mib).contains(&pss),
        "lab PSS {pss} not 80 MiB and a little:\n{row}"
    );
    // Sort by USS: the table says so.
    t.keys(&["U"]);
    t.wait_for("sorted by USS", 10);
    // Drill into the lab: its mappings by kind, the anonymous ones holding the 80 MiB.
    t.keys(&["Enter"]);
    t.wait_for("mappings by kind", 10);
    // The mappings are read after the view opens: wait for their first line.
    let s = t.wait_for("\nanon ", 10);
    assert!(s.contains(&format!("PID {pid}")), "{s}");
    let anon = s
        .lines()
        .find(|l| l.starts_with("anon "))
        .unwrap_or_else(|| panic!("no anon mappings:\n{s}"));
    let rss = parse_human(anon.split_whitespace().nth(3).unwrap());
    assert!(rss >= 80.0 * mib, "anon RSS {rss}:\n{anon}");
    t.keys(&["Escape"]);
    t.wait_for("sorted by USS", 10);
    // Help, closed by any key.
    t.keys(&["?"]);
    t.wait_for("group by process, user, command, cgroup", 10);
    t.keys(&["x"]);
    // Tabs: the doctor's.
    t.keys(&["7"]);
    t.wait_for("doctor's findings", 10);
    // q quits, exit 0, the terminal back in canonical mode and the screen given back.
    t.keys(&["q"]);
    let s = t.wait_for("EXITED 0", 10);
    let s = t.wait_for("icanon", 5).to_string() + &s;
    assert!(!s.contains("-icanon"), "raw mode left on:\n{s}");
    assert!(
        !s.contains("memlens top"),
        "the alternate screen was not left:\n{s}"
    );
}

#[test]
fn top_restores_the_terminal_on_sigterm_and_says_when_it_is_too_small() {
    if !have("tmux") {
        panic!("tmux is missing (apt-get install tmux; .ci/run installs it)");
    }
    let t = Tmux::start("small", 40, 10, &format!("{} top", bin()));
    t.wait_for("too small", 20);
    // Grown, it draws.
    t.tmux(&["resize-window", "-t", "t", "-x", "130", "-y", "40"]);
    t.wait_for("processes, sorted by PSS", 20);
    sh(&format!("kill -TERM {}", t.program_pid()));
    let s = t.wait_for("EXITED 0", 10);
    let s = t.wait_for("icanon", 5).to_string() + &s;
    assert!(!s.contains("-icanon"), "raw mode left on:\n{s}");
}

#[test]
fn top_steps_through_recorded_history() {
    if !have("tmux") {
        panic!("tmux is missing (apt-get install tmux; .ci/run installs it)");
    }
    let dir = tempdir("top-history");
    let db = dir.join("db");
    let r = memlens(&[
        "record",
        "--db",
        db.to_str().unwrap(),
        "--interval",
        "1s",
        "--for",
        "4500ms",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let times = memlens(&["history", "--db", db.to_str().unwrap(), "--json"]);
    let samples = times.json().as_array().unwrap().len();
    assert!(samples >= 4, "{samples} samples");
    let t = Tmux::start(
        "history",
        130,
        40,
        &format!("{} top --at now --db {}", bin(), db.display()),
    );
    // The latest sample, then one back, then an hour back (the first), then forward.
    t.wait_for(&format!("sample {samples} of {samples}"), 20);
    let s = t.screen();
    assert!(s.contains("history"), "{s}");
    assert!(s.contains("processes, sorted by PSS"), "{s}");
    t.keys(&["Left"]);
    t.wait_for(&format!("sample {} of {samples}", samples - 1), 20);
    t.keys(&["PPage"]);
    t.wait_for(&format!("sample 1 of {samples}"), 20);
    t.keys(&["Right"]);
    t.wait_for(&format!("sample 2 of {samples}"), 20);
    t.keys(&["q"]);
    t.wait_for("EXITED 0", 10);
    drop(t);
    // Before the first sample there is nothing to show: one line, exit 1, as for the other
    // views' --at (the terminal is never taken over).
    let t = Tmux::start(
        "history-early",
        130,
        40,
        &format!(
            "{} top --at 2001-01-01T00:00:00Z --db {}",
            bin(),
            db.display()
        ),
    );
    let s = t.wait_for("EXITED 1", 20);
    assert!(s.contains("before the first sample"), "{s}");
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("memlens-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
