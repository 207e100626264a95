//! The screens of `memlens top`, drawn from a [`TopView`] with ratatui.
//!
//! A renderer: it reads no file and collects nothing. [`Ui`] is what the person at the
//! terminal chose (tab, sort, filter, grouping, the process drilled into); [`Ui::handle`]
//! turns a terminal event into a change of it (or an [`Action`] for the command: quit, a
//! step through history, a process to read); [`draw`] paints one frame. Colours follow
//! `NO_COLOR`: without colour every part of the bar has a fill character of its own, so
//! a monochrome terminal stays readable.

use memlens_analysis::procs::{self, Group, GroupBy};
use memlens_analysis::top::{Detail, SysPoint, TopRow, TopView, BAR};
use memlens_catalogue::Scope;
use memlens_present::units::human;
use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

/// The smallest terminal the screens are drawn in.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// The tabs, in order (keys 1 to 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Processes,
    Cgroups,
    Zones,
    Slab,
    Vmstat,
    Swap,
    Doctor,
}

pub const TABS: [(Tab, &str); 7] = [
    (Tab::Processes, "Processes"),
    (Tab::Cgroups, "Cgroups"),
    (Tab::Zones, "Zones"),
    (Tab::Slab, "Slab"),
    (Tab::Vmstat, "Vmstat"),
    (Tab::Swap, "Swap"),
    (Tab::Doctor, "Doctor"),
];

/// The process table's sort keys: (key letter, catalogue scope, catalogue key).
pub const SORTS: [(char, Scope, &str); 6] = [
    ('P', Scope::Process, "pss"),
    ('U', Scope::Process, "uss"),
    ('R', Scope::Process, "rss"),
    ('W', Scope::Process, "swap"),
    ('G', Scope::Top, "pss_growth"),
    ('F', Scope::Process, "minflt_rate"),
];

/// How processes are listed: one by one, or summed by a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Process,
    User,
    Command,
    Cgroup,
}

impl Grouping {
    fn next(self) -> Grouping {
        match self {
            Grouping::Process => Grouping::User,
            Grouping::User => Grouping::Command,
            Grouping::Command => Grouping::Cgroup,
            Grouping::Cgroup => Grouping::Process,
        }
    }
    fn label(self) -> &'static str {
        match self {
            Grouping::Process => "process",
            Grouping::User => "user",
            Grouping::Command => "command",
            Grouping::Cgroup => "cgroup",
        }
    }
}

/// What the command is asked to do after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    None,
    Quit,
    /// Read this process whole (its mappings and limits) for the drill-down; `None`: the
    /// drill-down was closed.
    Drill(Option<u32>),
    /// History: move this many samples (negative: back).
    Step(i64),
    /// History: move this many hours.
    Hours(i64),
}

/// What the person at the terminal chose.
#[derive(Debug, Clone)]
pub struct Ui {
    pub tab: Tab,
    /// Index into [`SORTS`].
    pub sort: usize,
    pub grouping: Grouping,
    pub filter: String,
    /// Typing the filter (after `/`).
    pub editing: bool,
    pub help: bool,
    /// The PID drilled into.
    pub detail: Option<u32>,
    /// No colour (`NO_COLOR`).
    pub mono: bool,
    /// Over recorded history: arrows and PageUp/PageDown move in time.
    pub history: bool,
    /// A line for the header: where in history, loading..., a failure.
    pub status: String,
    pub table: TableState,
    /// Where the body's table was drawn (for mouse clicks) and the first row's index.
    body: Rect,
    /// Where each tab's title was drawn.
    tab_spots: Vec<(Tab, Rect)>,
    /// Rows the body's table holds (for moving the selection).
    rows: usize,
    /// The index of the body's first row on screen.
    offset: usize,
    /// PIDs of the process table's rows, in order (for Enter).
    pids: Vec<u32>,
}

impl Ui {
    pub fn new(mono: bool, history: bool) -> Ui {
        Ui {
            tab: Tab::Processes,
            sort: 0,
            grouping: Grouping::Process,
            filter: String::new(),
            editing: false,
            help: false,
            detail: None,
            mono,
            history,
            status: String::new(),
            table: TableState::default().with_selected(Some(0)),
            body: Rect::default(),
            tab_spots: Vec::new(),
            rows: 0,
            offset: 0,
            pids: Vec::new(),
        }
    }

    /// The sort key's catalogue name.
    pub fn sort_key(&self) -> &'static str {
        SORTS[self.sort].2
    }

    /// The sort key's column header.
    pub fn sort_header(&self) -> &'static str {
        head(SORTS[self.sort].1, SORTS[self.sort].2)
    }

    fn select(&mut self, i: isize) {
        let last = self.rows.saturating_sub(1) as isize;
        self.table.select(Some(i.clamp(0, last.max(0)) as usize));
    }

    fn moved(&mut self, by: isize) {
        let at = self.table.selected().unwrap_or(0) as isize;
        self.select(at + by);
    }

    /// Takes one terminal event.
    pub fn handle(&mut self, ev: &Event) -> Action {
        match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => self.key(k),
            Event::Mouse(m) => self.mouse(m),
            _ => Action::None,
        }
    }

    fn key(&mut self, k: &KeyEvent) -> Action {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(k.code, KeyCode::Char('c') | KeyCode::Char('q')) {
            return Action::Quit;
        }
        if self.editing {
            match k.code {
                KeyCode::Enter | KeyCode::Esc => self.editing = false,
                KeyCode::Backspace => {
                    self.filter.pop();
                }
                KeyCode::Char(c) => self.filter.push(c),
                _ => {}
            }
            self.select(0);
            return Action::None;
        }
        if self.help {
            // Any key closes the help; q still quits.
            self.help = false;
            return if k.code == KeyCode::Char('q') {
                Action::Quit
            } else {
                Action::None
            };
        }
        let page = self.body.height.saturating_sub(2).max(1) as isize;
        match k.code {
            KeyCode::Char('q') => return Action::Quit,
            KeyCode::Char('?') | KeyCode::F(1) => self.help = true,
            KeyCode::Esc if self.detail.is_some() => {
                self.detail = None;
                return Action::Drill(None);
            }
            KeyCode::Esc => {
                self.filter.clear();
            }
            KeyCode::Char('/') => {
                self.tab = Tab::Processes;
                self.editing = true;
            }
            KeyCode::Char(c @ '1'..='7') => {
                self.tab = TABS[c as usize - '1' as usize].0;
                self.select(0);
            }
            KeyCode::Tab => self.next_tab(1),
            KeyCode::BackTab => self.next_tab(TABS.len() - 1),
            KeyCode::Char('s') => self.sort = (self.sort + 1) % SORTS.len(),
            KeyCode::Char('g') => {
                self.grouping = self.grouping.next();
                self.select(0);
            }
            KeyCode::Char(c) if SORTS.iter().any(|s| s.0 == c) => {
                self.sort = SORTS.iter().position(|s| s.0 == c).unwrap_or(0);
            }
            KeyCode::Enter if self.tab == Tab::Processes && self.grouping == Grouping::Process => {
                let pid = self
                    .table
                    .selected()
                    .and_then(|i| self.pids.get(i))
                    .copied();
                if let Some(pid) = pid {
                    self.detail = Some(pid);
                    return Action::Drill(Some(pid));
                }
            }
            KeyCode::Left if self.history => return Action::Step(-1),
            KeyCode::Right if self.history => return Action::Step(1),
            KeyCode::PageUp if self.history => return Action::Hours(-1),
            KeyCode::PageDown if self.history => return Action::Hours(1),
            KeyCode::Up | KeyCode::Char('k') => self.moved(-1),
            KeyCode::Down | KeyCode::Char('j') => self.moved(1),
            KeyCode::PageUp => self.moved(-page),
            KeyCode::PageDown => self.moved(page),
            KeyCode::Home => self.select(0),
            KeyCode::End => self.select(isize::MAX / 2),
            _ => {}
        }
        Action::None
    }

    /// The rows `lo..hi` of `total` that fit `height` lines with the selection in view,
    /// moving the first row shown only as far as needed. Only those rows are built.
    fn window(&mut self, total: usize, height: usize) -> (usize, usize) {
        let height = height.max(1);
        let sel = self
            .table
            .selected()
            .unwrap_or(0)
            .min(total.saturating_sub(1));
        if sel < self.offset {
            self.offset = sel;
        } else if sel >= self.offset + height {
            self.offset = sel + 1 - height;
        }
        self.offset = self.offset.min(total.saturating_sub(height));
        (self.offset, (self.offset + height).min(total))
    }

    /// A table state for rows `lo..` drawn alone.
    fn state_from(&self, lo: usize) -> TableState {
        TableState::default().with_selected(self.table.selected().map(|s| s.saturating_sub(lo)))
    }

    fn next_tab(&mut self, by: usize) {
        let i = TABS.iter().position(|t| t.0 == self.tab).unwrap_or(0);
        self.tab = TABS[(i + by) % TABS.len()].0;
        self.select(0);
    }

    fn mouse(&mut self, m: &MouseEvent) -> Action {
        let at = Position::new(m.column, m.row);
        match m.kind {
            MouseEventKind::ScrollDown => self.moved(3),
            MouseEventKind::ScrollUp => self.moved(-3),
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(&(tab, _)) = self.tab_spots.iter().find(|(_, r)| r.contains(at)) {
                    self.tab = tab;
                    self.detail = None;
                    self.select(0);
                    return Action::Drill(None);
                }
                // A row of the body's table (below its border and header).
                if self.body.contains(at) && m.row >= self.body.y + 2 {
                    let i = self.offset + (m.row - self.body.y - 2) as usize;
                    if i < self.rows {
                        self.select(i as isize);
                    }
                }
            }
            _ => {}
        }
        Action::None
    }
}

/// The colour of a bar part, and its fill character without colour.
fn part_style(key: &str) -> (Color, char) {
    match key {
        "anon" => (Color::Red, '#'),
        "page_cache" => (Color::Blue, '='),
        "shmem" => (Color::Magenta, '+'),
        "slab" => (Color::Yellow, '%'),
        "kernel" => (Color::Cyan, 'k'),
        "hugetlb" => (Color::LightGreen, 'h'),
        _ => (Color::DarkGray, '.'),
    }
}

/// A column's or part's header, from the catalogue.
fn head(scope: Scope, key: &str) -> &'static str {
    memlens_catalogue::figure(scope, key).map_or("?", |f| f.header)
}

/// Cells of a bar `width` wide for each part, by largest remainder (they sum to
/// `width` exactly when the parts sum to more than 0).
pub fn bar_cells(parts: &[u64], width: usize) -> Vec<usize> {
    let total: u128 = parts.iter().map(|&p| p as u128).sum();
    if total == 0 {
        return vec![0; parts.len()];
    }
    let exact: Vec<(usize, u128)> = parts
        .iter()
        .map(|&p| {
            let x = p as u128 * width as u128;
            ((x / total) as usize, x % total)
        })
        .collect();
    let mut cells: Vec<usize> = exact.iter().map(|e| e.0).collect();
    let mut left = width - cells.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| exact[b].1.cmp(&exact[a].1).then(a.cmp(&b)));
    for i in order {
        if left == 0 {
            break;
        }
        cells[i] += 1;
        left -= 1;
    }
    cells
}

const TICKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of the last `width` values, scaled between their minimum and maximum (a
/// range of at least 1% of the maximum, so that noise stays flat); unknown values are
/// blank.
pub fn sparkline(values: &[Option<f64>], width: usize) -> String {
    let shown = &values[values.len().saturating_sub(width)..];
    let max = shown.iter().flatten().fold(f64::MIN, |m, &v| m.max(v));
    let min = shown.iter().flatten().fold(f64::MAX, |m, &v| m.min(v));
    let range = (max - min).max(max.abs() / 100.0);
    shown
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(_) if range <= 0.0 => TICKS[0],
            Some(v) => TICKS[(((v - min) / range) * 7.0).round().clamp(0.0, 7.0) as usize],
        })
        .collect()
}

/// `1.2Gi`, or `-` when unknown.
fn b(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_string(), human)
}

/// A per-second byte rate: `+1.2Mi/s`, `-3.0Ki/s`.
fn rate_bytes(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(x) if x.abs() < 0.5 => "0B/s".into(),
        Some(x) => format!(
            "{}{}/s",
            if x < 0.0 { "-" } else { "+" },
            human(x.abs() as u64)
        ),
    }
}

fn per_second(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(x) if x >= 100.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.1}"),
    }
}

/// Draws one frame. `clock` is the time the snapshot shows, as the header prints it.
pub fn draw(f: &mut Frame, view: &TopView, detail: Option<&Detail>, ui: &mut Ui, clock: &str) {
    let area = f.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "terminal too small: {}x{}; memlens top needs {MIN_WIDTH}x{MIN_HEIGHT} (q quits)",
            area.width, area.height
        );
        f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let [title, bar, legend, sparks, finding, tabs, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(1),
    ])
    .areas(area);
    let accent = if ui.mono {
        Style::default().add_modifier(Modifier::BOLD)
    } else {
        Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD)
    };
    // Title: host, the time shown, live or history, status.
    let mut t = vec![
        Span::styled("memlens top", accent),
        Span::raw(format!(
            "  {}  {}  {}",
            view.hostname.as_deref().unwrap_or("?"),
            clock,
            if ui.history { "history" } else { "live" }
        )),
    ];
    if !ui.status.is_empty() {
        t.push(Span::raw(format!("  {}", ui.status)));
    }
    f.render_widget(Paragraph::new(Line::from(t)), title);
    draw_bar(f, view, ui, bar, legend);
    draw_sparks(f, &view.series, sparks);
    // The doctor's worst finding.
    let worst = match view.findings.first() {
        Some(w) => {
            let style = match (w.severity, ui.mono) {
                (_, true) => Style::default().add_modifier(Modifier::BOLD),
                (memlens_analysis::findings::Severity::Critical, _) => {
                    Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
                }
                (memlens_analysis::findings::Severity::Warning, _) => {
                    Style::default().fg(Color::Yellow)
                }
                _ => Style::default(),
            };
            Line::from(vec![
                Span::styled(format!("{} ", w.severity.label()), style),
                Span::raw(format!("{}: {}", w.title, w.evidence)),
            ])
        }
        None => Line::from("doctor: nothing alarming"),
    };
    f.render_widget(Paragraph::new(worst), finding);
    // Tabs, each title where a click finds it.
    ui.tab_spots.clear();
    let mut spans = Vec::new();
    let mut x = tabs.x;
    for (i, (tab, name)) in TABS.iter().enumerate() {
        let text = format!(" {} {} ", i + 1, name);
        let w = text.chars().count() as u16;
        let style = if *tab == ui.tab {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default()
        };
        ui.tab_spots.push((
            *tab,
            Rect::new(x, tabs.y, w.min(tabs.right() - x.min(tabs.right())), 1),
        ));
        x = x.saturating_add(w);
        spans.push(Span::styled(text, style));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), tabs);
    ui.body = body;
    match (ui.tab, detail) {
        (Tab::Processes, Some(d)) if ui.detail == Some(d.row.pid) => draw_detail(f, d, ui, body),
        (Tab::Processes, _) => draw_processes(f, view, ui, body),
        (Tab::Cgroups, _) => draw_cgroups(f, view, ui, body),
        (Tab::Zones, _) => draw_zones(f, view, ui, body),
        (Tab::Slab, _) => draw_slab(f, view, ui, body),
        (Tab::Vmstat, _) => draw_vmstat(f, view, ui, body),
        (Tab::Swap, _) => draw_swap(f, view, ui, body),
        (Tab::Doctor, _) => draw_doctor(f, view, ui, body),
    }
    let keys = if ui.editing {
        format!(
            "filter: {}█  (Enter: done, Esc: done, Backspace: erase)",
            ui.filter
        )
    } else {
        let sort = ui.sort_header();
        let time = if ui.history {
            "  ←/→ sample  PgUp/PgDn hour"
        } else {
            ""
        };
        format!(
            "q quit  ? help  1-7 tabs  s sort:{sort}  g group:{}  / filter{}  Enter details{time}",
            ui.grouping.label(),
            if ui.filter.is_empty() {
                String::new()
            } else {
                format!(":{}", ui.filter)
            }
        )
    };
    f.render_widget(
        Paragraph::new(keys).style(Style::default().add_modifier(Modifier::REVERSED)),
        footer,
    );
    if ui.help {
        draw_help(f, area);
    }
}

fn draw_bar(f: &mut Frame, view: &TopView, ui: &Ui, bar: Rect, legend: Rect) {
    let total = view.mem_total.unwrap_or(0);
    if view.bar.is_empty() {
        f.render_widget(Paragraph::new("memory: meminfo could not be read"), bar);
        return;
    }
    let label = format!("Mem {} ", human(total));
    let width = (bar.width as usize).saturating_sub(label.chars().count());
    let cells = bar_cells(&view.bar.iter().map(|p| p.bytes).collect::<Vec<_>>(), width);
    let mut spans = vec![Span::raw(label)];
    for (p, n) in view.bar.iter().zip(cells) {
        let (colour, fill) = part_style(p.key);
        spans.push(if ui.mono {
            Span::raw(fill.to_string().repeat(n))
        } else {
            Span::styled("█".repeat(n), Style::default().fg(colour))
        });
    }
    f.render_widget(Paragraph::new(Line::from(spans)), bar);
    let mut spans = Vec::new();
    for key in BAR {
        let Some(p) = view.bar.iter().find(|p| p.key == key) else {
            continue;
        };
        let (colour, fill) = part_style(key);
        spans.push(if ui.mono {
            Span::raw(fill.to_string())
        } else {
            Span::styled("█", Style::default().fg(colour))
        });
        spans.push(Span::raw(format!(
            "{} {}  ",
            head(Scope::Top, key),
            human(p.bytes)
        )));
    }
    spans.push(Span::raw(format!(
        "avail {}  swap {}/{}",
        b(view.available),
        b(view.swap_used),
        b(view.swap_total)
    )));
    f.render_widget(Paragraph::new(Line::from(spans)), legend);
}

fn draw_sparks(f: &mut Frame, series: &[SysPoint], area: Rect) {
    let cols = Layout::horizontal([Constraint::Ratio(1, 4); 4]).split(area);
    let last = series.last();
    let sets: [(&str, String, Vec<Option<f64>>); 4] = [
        (
            head(Scope::Top, "available"),
            b(last.and_then(|p| p.available)),
            series
                .iter()
                .map(|p| p.available.map(|v| v as f64))
                .collect(),
        ),
        (
            head(Scope::Top, "swap_used"),
            b(last.and_then(|p| p.swap_used)),
            series
                .iter()
                .map(|p| p.swap_used.map(|v| v as f64))
                .collect(),
        ),
        (
            head(Scope::Top, "reclaim"),
            rate_bytes(last.and_then(|p| p.reclaim)),
            series.iter().map(|p| p.reclaim).collect(),
        ),
        (
            head(Scope::Top, "psi_some"),
            last.and_then(|p| p.psi_some)
                .map_or("-".into(), |v| format!("{v:.2}%")),
            series.iter().map(|p| p.psi_some).collect(),
        ),
    ];
    for (col, (name, now, values)) in cols.iter().zip(sets) {
        let w = col.width.saturating_sub(1) as usize;
        let text = vec![
            Line::from(format!("{name} {now}")),
            Line::from(sparkline(&values, w)),
        ];
        f.render_widget(Paragraph::new(text), *col);
    }
}

fn header(cells: &[&str]) -> Row<'static> {
    Row::new(cells.iter().map(|c| c.to_string()).collect::<Vec<_>>())
        .style(Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED))
}

fn table<'a>(
    rows: Vec<Row<'a>>,
    widths: Vec<Constraint>,
    head: Row<'a>,
    title: String,
) -> Table<'a> {
    Table::new(rows, widths)
        .header(head)
        .block(Block::default().borders(Borders::TOP).title(title))
        .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED))
}

/// Draws a table of `n` rows with the selection, and keeps what a key or a click needs:
/// how many rows there are and which is first on screen.
fn show(f: &mut Frame, ui: &mut Ui, area: Rect, t: Table, n: usize) {
    ui.rows = n;
    f.render_stateful_widget(t, area, &mut ui.table);
    ui.offset = ui.table.offset();
}

/// The process table's rows as shown: filtered, sorted.
pub fn shown_processes<'a>(view: &'a TopView, ui: &Ui) -> Vec<&'a TopRow> {
    let needle = ui.filter.to_lowercase();
    let key = ui.sort_key();
    // Each row's figure once, not at every comparison.
    let mut keyed: Vec<(Option<f64>, &TopRow)> = view
        .processes
        .iter()
        .filter(|r| {
            needle.is_empty()
                || r.row.command.to_lowercase().contains(&needle)
                || r.row.user.to_lowercase().contains(&needle)
                || r.row.pid.to_string() == needle
        })
        .map(|r| {
            let figure = match key {
                "pss_growth" => r.pss_growth,
                k if procs::FAULT_RATE_KEYS.contains(&k) => r.row.rate(k),
                k => r.row.bytes(k).map(|v| v as f64),
            };
            (figure, r)
        })
        .collect();
    keyed.sort_by(|(x, a), (y, b)| procs::largest_first(*x, *y).then(a.row.pid.cmp(&b.row.pid)));
    keyed.into_iter().map(|(_, r)| r).collect()
}

fn draw_processes(f: &mut Frame, view: &TopView, ui: &mut Ui, area: Rect) {
    let shown = shown_processes(view, ui);
    let sort = ui.sort_header();
    if ui.grouping != Grouping::Process {
        let by = match ui.grouping {
            Grouping::User => GroupBy::User,
            Grouping::Command => GroupBy::Command,
            _ => GroupBy::Cgroup,
        };
        let rows: Vec<_> = shown.iter().map(|r| r.row.clone()).collect();
        let key = match ui.sort_key() {
            "pss_growth" | "minflt_rate" => "pss",
            k => k,
        };
        let groups: Vec<Group> = procs::group(&rows, by, key, false);
        ui.rows = groups.len();
        ui.pids.clear();
        let (lo, hi) = ui.window(groups.len(), area.height.saturating_sub(2) as usize);
        let body: Vec<Row> = groups[lo..hi]
            .iter()
            .map(|g| {
                Row::new(vec![
                    g.processes.to_string(),
                    b(g.pss),
                    b(g.uss),
                    b(g.rss),
                    b(g.swap),
                    g.key.clone(),
                ])
            })
            .collect();
        let t = table(
            body,
            vec![
                Constraint::Length(6),
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Length(8),
                Constraint::Min(10),
            ],
            header(&["PROCS", "PSS", "USS", "RSS", "SWAP", ui.grouping.label()]),
            format!(
                " {} groups by {}, sorted by {} ",
                groups.len(),
                ui.grouping.label(),
                key
            ),
        );
        f.render_stateful_widget(t, area, &mut ui.state_from(lo));
        return;
    }
    ui.rows = shown.len();
    ui.pids = shown.iter().map(|r| r.row.pid).collect();
    let (lo, hi) = ui.window(shown.len(), area.height.saturating_sub(2) as usize);
    let body: Vec<Row> = shown[lo..hi]
        .iter()
        .map(|r| {
            let p = &r.row;
            Row::new(vec![
                p.pid.to_string(),
                p.user.clone(),
                b(p.pss),
                b(p.uss),
                b(p.rss),
                b(p.swap),
                rate_bytes(r.pss_growth),
                per_second(p.minflt_rate),
                p.command.clone(),
            ])
        })
        .collect();
    let title = format!(
        " {} of {} processes, sorted by {sort}{} ",
        shown.len(),
        view.processes.len(),
        if ui.filter.is_empty() {
            String::new()
        } else {
            format!(", filter \"{}\"", ui.filter)
        }
    );
    let t = table(
        body,
        vec![
            Constraint::Length(7),
            Constraint::Length(9),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(10),
            Constraint::Length(8),
            Constraint::Min(10),
        ],
        header(&[
            head(Scope::Process, "pid"),
            head(Scope::Process, "user"),
            head(Scope::Process, "pss"),
            head(Scope::Process, "uss"),
            head(Scope::Process, "rss"),
            head(Scope::Process, "swap"),
            head(Scope::Top, "pss_growth"),
            head(Scope::Process, "minflt_rate"),
            head(Scope::Process, "command"),
        ]),
        title,
    );
    f.render_stateful_widget(t, area, &mut ui.state_from(lo));
}

fn draw_detail(f: &mut Frame, d: &Detail, ui: &mut Ui, area: Rect) {
    let p = &d.row;
    let [info, chart, maps] = Layout::vertical([
        Constraint::Length(6),
        Constraint::Length(2),
        Constraint::Min(3),
    ])
    .areas(area);
    let a = &d.assessment;
    let limits = match &p.rlimits {
        Some(l) => format!(
            "limits: address space {}  data {}  stack {}  locked {}",
            l.limit_as.map_or("unlimited".into(), human),
            l.limit_data.map_or("unlimited".into(), human),
            l.limit_stack.map_or("unlimited".into(), human),
            l.limit_memlock.map_or("unlimited".into(), human),
        ),
        None => "limits: not read".into(),
    };
    let text = vec![
        Line::from(Span::styled(
            format!("PID {}  {}  ({})   Esc: back", p.pid, p.command, p.user),
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Line::from(format!(
            "PSS {}  USS {}  RSS {}  swap {}  VSZ {}",
            b(p.pss),
            b(p.uss),
            b(p.rss),
            b(p.swap),
            b(p.vsz)
        )),
        Line::from(format!(
            "verdict: {} over {} samples: {}",
            a.verdict.as_str(),
            a.samples,
            a.reason
        )),
        Line::from(limits),
    ];
    f.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::TOP)),
        info,
    );
    let pss: Vec<Option<f64>> = d.points.iter().map(|p| p.pss.map(|v| v as f64)).collect();
    f.render_widget(
        Paragraph::new(vec![
            Line::from(format!("PSS over the last {} refreshes", pss.len())),
            Line::from(sparkline(&pss, chart.width as usize)),
        ]),
        chart,
    );
    match &d.by_kind {
        Some(groups) => {
            let rows: Vec<Row> = groups
                .iter()
                .map(|g| {
                    Row::new(vec![
                        g.key.clone(),
                        g.mappings.to_string(),
                        human(g.size),
                        b(g.counters.rss),
                        b(g.counters.pss),
                        b(g.counters.swap),
                    ])
                })
                .collect();
            let t = table(
                rows,
                vec![
                    Constraint::Length(8),
                    Constraint::Length(9),
                    Constraint::Length(9),
                    Constraint::Length(9),
                    Constraint::Length(9),
                    Constraint::Length(9),
                ],
                header(&["KIND", "MAPPINGS", "SIZE", "RSS", "PSS", "SWAP"]),
                " mappings by kind ".into(),
            );
            show(f, ui, maps, t, groups.len());
        }
        None => f.render_widget(
            Paragraph::new("mappings: not read (history holds no smaps)")
                .block(Block::default().borders(Borders::TOP)),
            maps,
        ),
    }
}

fn draw_cgroups(f: &mut Frame, view: &TopView, ui: &mut Ui, area: Rect) {
    let lim = |l: Option<memlens_model::Limit>| match l {
        Some(l) => l.bytes().map_or("max".into(), human),
        None => "-".into(),
    };
    let rows: Vec<Row> = view
        .cgroups
        .iter()
        .map(|c| {
            Row::new(vec![
                b(c.usage),
                lim(c.max),
                lim(c.high),
                c.limit_pct.map_or("-".into(), |p| format!("{p:.0}%")),
                b(c.swap),
                format!(
                    "{}{}{}",
                    "  ".repeat(c.depth as usize),
                    c.path,
                    c.container
                        .as_ref()
                        .map_or(String::new(), |o| format!("  ({o})"))
                ),
            ])
        })
        .collect();
    let t = table(
        rows,
        vec![
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Min(10),
        ],
        header(&["USAGE", "MAX", "HIGH", "LIMIT%", "SWAP", "CGROUP"]),
        format!(
            " {} memory cgroups against their limits ",
            view.cgroups.len()
        ),
    );
    show(f, ui, area, t, view.cgroups.len());
}

fn draw_zones(f: &mut Frame, view: &TopView, ui: &mut Ui, area: Rect) {
    let mut rows: Vec<Row> = view
        .zones
        .iter()
        .map(|z| {
            let frag = view
                .buddy
                .iter()
                .find(|bz| bz.node == z.node && bz.zone == z.zone);
            Row::new(vec![
                format!("{} {}", z.node, z.zone),
                b(z.free),
                b(z.min),
                b(z.low),
                b(z.high),
                z.status.map_or("-", |s| s.text()).to_string(),
                frag.and_then(|v| v.largest_free_block)
                    .map_or("-".into(), human),
                frag.and_then(|v| v.unusable_index.get(9).copied())
                    .map_or("-".into(), |u| format!("{u:.2}")),
            ])
        })
        .collect();
    let n = rows.len();
    if rows.is_empty() {
        rows.push(Row::new(vec!["zoneinfo not read".to_string()]));
    }
    let t = table(
        rows,
        vec![
            Constraint::Length(10),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(12),
            Constraint::Length(9),
            Constraint::Length(9),
        ],
        header(&[
            "ZONE", "FREE", "MIN", "LOW", "HIGH", "STATUS", "LARGEST", "UNUSABLE9",
        ]),
        " zones against their watermarks; buddy fragmentation (unusable free space index at order 9) ".into(),
    );
    show(f, ui, area, t, n);
}

fn draw_slab(f: &mut Frame, view: &TopView, ui: &mut Ui, area: Rect) {
    let rows: Vec<Row> = view
        .slab
        .iter()
        .map(|s| {
            Row::new(vec![
                human(s.size),
                human(s.active_size),
                s.active_objs.to_string(),
                s.num_objs.to_string(),
                s.objsize.to_string(),
                s.name.clone(),
            ])
        })
        .collect();
    let title = if view.slab.is_empty() {
        " slab: slabinfo not read (root only) ".to_string()
    } else {
        format!(" {} slab caches, largest first ", view.slab.len())
    };
    let t = table(
        rows,
        vec![
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(8),
            Constraint::Min(10),
        ],
        header(&["SIZE", "ACTIVE", "OBJS", "TOTAL", "OBJSIZE", "CACHE"]),
        title,
    );
    show(f, ui, area, t, view.slab.len());
}

fn draw_vmstat(f: &mut Frame, view: &TopView, ui: &mut Ui, area: Rect) {
    let Some(v) = &view.vmstat else {
        ui.rows = 0;
        f.render_widget(Paragraph::new("vmstat not read"), area);
        return;
    };
    let rows: Vec<Row> = v
        .counters
        .iter()
        .map(|(k, c)| {
            Row::new(vec![
                k.to_string(),
                c.delta.map_or("-".into(), |d| d.to_string()),
                per_second(c.per_second),
            ])
        })
        .collect();
    let title = match (v.since_boot, v.seconds) {
        (true, _) => " vmstat since boot (the next refresh gives rates) ".to_string(),
        (false, Some(s)) => format!(" vmstat over the last {s:.1} s "),
        (false, None) => " vmstat ".to_string(),
    };
    let t = table(
        rows,
        vec![
            Constraint::Length(20),
            Constraint::Length(14),
            Constraint::Length(12),
        ],
        header(&["COUNTER", "DELTA", "PER SECOND"]),
        title,
    );
    show(f, ui, area, t, v.counters.len());
}

fn draw_swap(f: &mut Frame, view: &TopView, ui: &mut Ui, area: Rect) {
    let Some(s) = &view.swap else {
        ui.rows = 0;
        f.render_widget(Paragraph::new("swap not read"), area);
        return;
    };
    let rows: Vec<Row> = s
        .devices
        .iter()
        .map(|d| {
            Row::new(vec![
                d.device.filename.clone(),
                d.device.kind.clone(),
                human(d.device.size),
                human(d.device.used),
                d.device.priority.to_string(),
            ])
        })
        .collect();
    let title = format!(
        " swap: {} of {} used, {} cached{} ",
        b(s.used),
        b(s.total),
        b(s.swap_cached),
        if s.devices.is_empty() {
            "; no swap devices"
        } else {
            ""
        }
    );
    let t = table(
        rows,
        vec![
            Constraint::Min(16),
            Constraint::Length(10),
            Constraint::Length(9),
            Constraint::Length(9),
            Constraint::Length(6),
        ],
        header(&["DEVICE", "TYPE", "SIZE", "USED", "PRIO"]),
        title,
    );
    show(f, ui, area, t, s.devices.len());
}

fn draw_doctor(f: &mut Frame, view: &TopView, ui: &mut Ui, area: Rect) {
    ui.rows = view.findings.len();
    let mut lines = Vec::new();
    for w in &view.findings {
        lines.push(Line::from(Span::styled(
            format!("{} {}: {}", w.severity.label(), w.id, w.title),
            Style::default().add_modifier(Modifier::BOLD),
        )));
        lines.push(Line::from(format!("  {}", w.evidence)));
        lines.push(Line::from(format!("  see: {}", w.next)));
    }
    if lines.is_empty() {
        lines.push(Line::from("The doctor finds nothing alarming."));
    }
    for u in &view.unreadable {
        lines.push(Line::from(format!("not read: {u}")));
    }
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::TOP)
                .title(" doctor's findings "),
        ),
        area,
    );
}

/// The keys, over the screen.
pub const HELP: &[(&str, &str)] = &[
    ("q, Ctrl-C", "quit"),
    ("?", "this help (any key closes it)"),
    (
        "1-7, Tab",
        "tabs: processes, cgroups, zones, slab, vmstat, swap, doctor",
    ),
    (
        "P U R W G F",
        "sort by PSS, USS, RSS, swap, growth, fault rate",
    ),
    ("s", "next sort key"),
    ("g", "group by process, user, command, cgroup"),
    ("/", "filter by command, user or PID (Enter ends)"),
    ("Enter", "details of the selected process (Esc: back)"),
    (
        "↑ ↓ PgUp PgDn",
        "move; the mouse wheel scrolls, a click selects",
    ),
    ("← →", "history (--at): one sample back, forward"),
    ("PgUp PgDn", "history (--at): an hour back, forward"),
];

fn draw_help(f: &mut Frame, area: Rect) {
    let w = 80.min(area.width);
    let h = (HELP.len() as u16 + 4).min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(k, v)| Line::from(format!("{k:>14}  {v}")))
        .collect();
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" keys ")),
        r,
    );
}
