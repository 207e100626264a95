//! `memlens top`: the live terminal UI, or the recorded past stepped through (`--at`).
//!
//! Two threads. The reader collects snapshots (or reads them back from the history
//! store), folds them into a [`Session`] and sends each view; the UI thread only draws,
//! takes keys and mouse, and passes requests back (a process to drill into, a step in
//! time). So a slow `smaps_rollup` never holds up drawing. The terminal is restored on
//! quit, on a panic and on SIGTERM.

use std::io::IsTerminal;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use memlens_analysis::rates;
use memlens_analysis::top::{Detail, Session, TopView};
use memlens_model::Snapshot;
use memlens_sources::collect::{collect, Earlier, Plan};
use memlens_sources::procs::ScanOptions;
use memlens_sources::Root;
use memlens_store::Reader;
use memlens_tui::{draw, Action, Tab, Ui};
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;

use crate::cli::{Global, TopArgs};
use crate::failure::{Failure, Outcome};

/// What the reader sends: one screen's worth (`view` `None`: the one before still holds).
struct Update {
    view: Option<TopView>,
    detail: Option<Detail>,
    /// The time shown.
    clock: String,
    status: String,
}

/// What the UI asks of the reader.
enum Request {
    Drill(Option<u32>),
    Step(i64),
    Hours(i64),
    /// The tab now shown.
    Shown(Tab),
}

/// Refreshes between reads of the parts that cost most and that the header does not draw
/// (cgroups, slab, swap devices, THP and KSM), unless their tab is shown.
const SLOW_EVERY: u64 = 5;

/// Samples read back to draw the sparklines of a moment of history.
const HISTORY_WINDOW: usize = 30;

pub fn run(global: &Global, args: &TopArgs) -> Outcome {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::refused(
            "memlens top draws on a terminal, and this is not one: for text use `memlens ps`, `sys` or `doctor`",
        ));
    }
    if global.db.is_some() && global.at.is_none() {
        return Err(Failure::usage("--db goes with --at TIME"));
    }
    if global.at.is_some() && !global.root.is_empty() {
        return Err(Failure::usage(
            "--at and --root exclude each other: give one",
        ));
    }
    if global.root.len() > 1 {
        return Err(Failure::usage("--root: give one capture to `top`"));
    }
    let (tx, rx) = mpsc::channel::<Update>();
    let (req_tx, req_rx) = mpsc::channel::<Request>();
    let history = global.at.is_some();
    // Everything that can fail before the terminal is taken over fails here, as a line.
    let reader: Box<dyn FnOnce() + Send> = match &global.at {
        Some(at) => {
            let t = crate::history::instant("--at", at)?;
            let r = crate::history::open(global.db.as_ref())?;
            let times = r.times();
            // The sample at or before TIME, as for every other view's --at.
            let Some(i) = times.partition_point(|&x| x <= t).checked_sub(1) else {
                return Err(Failure::read(match times.first() {
                    None => format!("{}: the history holds no samples", r.dir().display()),
                    Some(&first) => format!(
                        "{}: --at {at}: before the first sample ({})",
                        r.dir().display(),
                        crate::when::show(first)
                    ),
                }));
            };
            let keep = args.keep;
            Box::new(move || replay(r, i, keep, req_rx, tx))
        }
        None => {
            let root = match global.root.first() {
                Some(dir) => Root::open(dir)?,
                None => Root::live(),
            };
            let a = (args.interval, args.refresh, args.timeout, args.keep);
            Box::new(move || live(root, a, req_rx, tx))
        }
    };
    std::thread::spawn(reader);
    crate::output::catch_interrupts();
    let mut terminal =
        ratatui::try_init().map_err(|e| Failure::read(format!("the terminal: {e}")))?;
    let _ = execute!(std::io::stdout(), EnableMouseCapture);
    // On a panic: mouse reports off, then ratatui's own hook (raw mode and the alternate
    // screen back), then the message.
    let ratatui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        ratatui_hook(info);
    }));
    let mono = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let result = ui_loop(&mut terminal, Ui::new(mono, history), &rx, &req_tx);
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

fn ui_loop(
    terminal: &mut ratatui::DefaultTerminal,
    mut ui: Ui,
    rx: &Receiver<Update>,
    req: &Sender<Request>,
) -> Outcome {
    let mut view = TopView::default();
    let mut detail: Option<Detail> = None;
    let mut clock = String::new();
    ui.status = "reading…".into();
    let mut dirty = true;
    let failed = |e: std::io::Error| Failure::read(format!("the terminal: {e}"));
    loop {
        if crate::output::interrupted() {
            return Ok(0);
        }
        loop {
            match rx.try_recv() {
                Ok(u) => {
                    // A view, a drill-down, or both; neither: only the status changed.
                    if u.view.is_some() || u.detail.is_some() {
                        detail = u.detail;
                    }
                    if let Some(v) = u.view {
                        view = v;
                    }
                    clock = u.clock;
                    ui.status = u.status;
                    dirty = true;
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    return Err(Failure::read("the reader stopped"));
                }
            }
        }
        if dirty {
            terminal
                .draw(|f| draw(f, &view, detail.as_ref(), &mut ui, &clock))
                .map_err(failed)?;
            dirty = false;
        }
        if !event::poll(Duration::from_millis(100)).map_err(failed)? {
            continue;
        }
        let ev = event::read().map_err(failed)?;
        dirty = true;
        let tab = ui.tab;
        let ask = match ui.handle(&ev) {
            Action::None if ui.tab != tab => Some(Request::Shown(ui.tab)),
            Action::None => None,
            Action::Quit => return Ok(0),
            Action::Drill(p) => {
                if p.is_none() {
                    detail = None;
                }
                Some(Request::Drill(p))
            }
            Action::Step(n) => Some(Request::Step(n)),
            Action::Hours(h) => Some(Request::Hours(h)),
        };
        if let Some(r) = ask {
            let _ = req.send(r);
        }
    }
}

/// One process read whole, for the drill-down: its mappings and limits.
fn detail_of(root: &Root, session: &Session, pid: u32, timeout: f64) -> Option<Detail> {
    let d = collect(
        root,
        &Plan {
            users: true,
            processes: Some(ScanOptions {
                smaps: true,
                limits: true,
                stat: true,
                pids: Some(vec![pid]),
                timeout: Duration::from_secs_f64(timeout.max(0.001)),
                ..Default::default()
            }),
            ..Plan::NOTHING
        },
    );
    let maps = d
        .processes
        .ok()
        .and_then(|s| s.processes.first())
        .and_then(|p| p.mappings.clone());
    session.detail(&d, pid, maps.as_deref())
}

fn clock_of(s: &Snapshot) -> String {
    s.meta
        .taken_at_ns
        .map_or_else(|| "?".into(), crate::when::show)
}

/// The live machine (or one capture): a snapshot every interval.
fn live(
    root: Root,
    (interval, refresh, timeout, keep): (Duration, Duration, f64, usize),
    req: Receiver<Request>,
    tx: Sender<Update>,
) {
    let mut session = Session::new(keep);
    let mut plan = Plan::top(Duration::from_secs_f64(timeout.max(0.001)));
    let every = (refresh.as_secs_f64() / interval.as_secs_f64())
        .ceil()
        .max(1.0) as u32;
    if root.is_live() && every > 1 {
        plan.earlier = Some(Earlier::first_checking_quiet_less_often(
            every,
            memlens_sources::procs::stat_files_to_hold(),
        ));
    }
    let mut before: Option<Snapshot> = None;
    let mut drill: Option<u32> = None;
    let mut shown = Tab::Processes;
    for n in 0u64.. {
        let start = Instant::now();
        schedule(&mut plan, n, shown);
        let mut snap = collect(&root, &plan);
        if let Some(b) = &before {
            carry_slow(&mut snap, b);
        }
        session.push(&snap, before.as_ref());
        let view = session.view(&snap, before.as_ref());
        let status = if root.is_live() {
            format!("every {:.1} s", interval.as_secs_f64())
        } else {
            format!("capture {}", root.base().display())
        };
        let detail = drill.and_then(|pid| detail_of(&root, &session, pid, timeout));
        let clock = clock_of(&snap);
        let update = Update {
            view: Some(view),
            detail,
            clock: clock.clone(),
            status: status.clone(),
        };
        if tx.send(update).is_err() {
            return;
        }
        // The next refresh's rates need this snapshot without its processes (their fault
        // rates come from the session); the carrying scan takes the processes, moved.
        let processes = std::mem::replace(&mut snap.processes, memlens_model::Part::NotRead);
        before = Some(snap.clone());
        if let Some(e) = plan.earlier.take() {
            snap.processes = processes;
            // Slab is read on this schedule, not kept for the recorder's turns.
            snap.slabinfo = memlens_model::Part::NotRead;
            plan.earlier = Some(e.next(snap));
        }
        // Until the next refresh (a capture: for ever), answer the UI.
        loop {
            let wait = if root.is_live() {
                (start + interval).saturating_duration_since(Instant::now())
            } else {
                Duration::from_secs(3600)
            };
            match req.recv_timeout(wait) {
                Ok(Request::Drill(p)) => {
                    drill = p;
                    if let Some(pid) = p {
                        let u = Update {
                            view: None,
                            detail: detail_of(&root, &session, pid, timeout),
                            clock: clock.clone(),
                            status: status.clone(),
                        };
                        if tx.send(u).is_err() {
                            return;
                        }
                    }
                }
                // A tab whose parts are read less often: read now.
                Ok(Request::Shown(tab)) => {
                    shown = tab;
                    if root.is_live() && matches!(tab, Tab::Cgroups | Tab::Slab | Tab::Swap) {
                        break;
                    }
                }
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) if root.is_live() => break,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}

/// Which of the costlier parts refresh `n` reads, with `shown` the tab shown.
fn schedule(plan: &mut Plan, n: u64, shown: Tab) {
    let due = n.is_multiple_of(SLOW_EVERY);
    plan.cgroups = due || shown == Tab::Cgroups;
    plan.slabinfo = due || shown == Tab::Slab;
    plan.swap = due || shown == Tab::Swap;
    (plan.thp, plan.ksm) = (due, due);
}

/// The parts `snap` did not read this refresh (see [`SLOW_EVERY`]), as the refresh before
/// had them.
fn carry_slow(snap: &mut Snapshot, before: &Snapshot) {
    use memlens_model::Part;
    fn keep<T: Clone>(now: &mut Part<T>, then: &Part<T>) {
        if matches!(now, Part::NotRead) {
            *now = then.clone();
        }
    }
    keep(&mut snap.cgroups, &before.cgroups);
    keep(&mut snap.slabinfo, &before.slabinfo);
    keep(&mut snap.swap, &before.swap);
    keep(&mut snap.thp, &before.thp);
    keep(&mut snap.ksm, &before.ksm);
}

/// The history store: sample `i` and the ones before it, moved through on request.
fn replay(r: Reader, mut i: usize, keep: usize, req: Receiver<Request>, tx: Sender<Update>) {
    let times = r.times();
    let mut drill: Option<u32> = None;
    let mut shown: Option<(usize, Session, Snapshot, Option<Snapshot>)> = None;
    loop {
        let _ = tx.send(Update {
            view: None,
            detail: None,
            clock: crate::when::show(times[i]),
            status: "reading…".into(),
        });
        // The session of sample i: the next sample onto the last session, else read again
        // from HISTORY_WINDOW samples before.
        let next = match shown.take() {
            Some((j, mut session, now, _)) if j + 1 == i => match r.get(i) {
                Ok((_, s)) => {
                    let before = rates::same_boot(&now, &s).then_some(now);
                    session.push(&s, before.as_ref());
                    Ok((i, session, s, before))
                }
                Err(e) => Err(e.to_string()),
            },
            _ => window(&r, i, keep),
        };
        let status = match &next {
            Ok(_) => format!("sample {} of {}", i + 1, times.len()),
            Err(e) => format!("could not read sample {}: {e}", i + 1),
        };
        shown = next.ok();
        let send = |shown: &Option<(usize, Session, Snapshot, Option<Snapshot>)>,
                    drill: Option<u32>| {
            let (view, detail) = match shown {
                Some((_, s, now, before)) => (
                    s.view(now, before.as_ref()),
                    drill.and_then(|pid| s.detail(now, pid, None)),
                ),
                None => (TopView::default(), None),
            };
            tx.send(Update {
                view: Some(view),
                detail,
                clock: crate::when::show(times[i]),
                status: status.clone(),
            })
            .is_ok()
        };
        if !send(&shown, drill) {
            return;
        }
        loop {
            match req.recv() {
                Ok(Request::Drill(p)) => {
                    drill = p;
                    if !send(&shown, drill) {
                        return;
                    }
                }
                Ok(Request::Step(n)) => {
                    let to = (i as i64 + n).clamp(0, times.len() as i64 - 1) as usize;
                    if to != i {
                        i = to;
                        break;
                    }
                }
                Ok(Request::Hours(h)) => {
                    let target = times[i] as i128 + h as i128 * 3_600_000_000_000;
                    let to = times
                        .partition_point(|&x| (x as i128) <= target)
                        .saturating_sub(1);
                    if to != i {
                        i = to;
                        break;
                    }
                }
                Ok(Request::Shown(_)) => {}
                Err(_) => return,
            }
        }
    }
}

/// The session of sample `i`, from up to [`HISTORY_WINDOW`] samples before it.
fn window(
    r: &Reader,
    i: usize,
    keep: usize,
) -> Result<(usize, Session, Snapshot, Option<Snapshot>), String> {
    let mut session = Session::new(keep);
    let mut before: Option<Snapshot> = None;
    let mut last: Option<(Snapshot, Option<Snapshot>)> = None;
    for j in i.saturating_sub(HISTORY_WINDOW - 1)..=i {
        let (_, s) = r.get(j).map_err(|e| e.to_string())?;
        let prev = before.take().filter(|b| rates::same_boot(b, &s));
        session.push(&s, prev.as_ref());
        last = Some((s.clone(), prev));
        before = Some(s);
    }
    let (now, prev) = last.ok_or("no sample")?;
    Ok((i, session, now, prev))
}

#[cfg(test)]
mod tests {
    use super::*;
    use memlens_model::{Part, SwapState};

    #[test]
    fn costlier_parts_are_read_every_fifth_refresh_or_while_their_tab_is_shown() {
        let mut plan = Plan::top(Duration::from_secs(1));
        let read = |p: &Plan| [p.cgroups, p.slabinfo, p.swap, p.thp, p.ksm];
        schedule(&mut plan, 0, Tab::Processes);
        assert_eq!(read(&plan), [true; 5]);
        schedule(&mut plan, 3, Tab::Processes);
        assert_eq!(read(&plan), [false; 5]);
        assert!(plan.meminfo && plan.vmstat && plan.zoneinfo && plan.processes.is_some());
        for (tab, i) in [(Tab::Cgroups, 0), (Tab::Slab, 1), (Tab::Swap, 2)] {
            schedule(&mut plan, 7, tab);
            let mut want = [false; 5];
            want[i] = true;
            assert_eq!(read(&plan), want, "{tab:?}");
        }
        schedule(&mut plan, 10, Tab::Zones);
        assert_eq!(read(&plan), [true; 5]);
        // What a refresh did not read is the refresh before's; what it read is its own.
        let before = Snapshot {
            swap: Part::Read(SwapState::default()),
            cgroups: Part::Read(Vec::new()),
            ..Snapshot::default()
        };
        let mut now = Snapshot {
            cgroups: Part::Failed(memlens_model::ReadFailure {
                kind: memlens_model::FailureKind::Denied,
                path: "sys/fs/cgroup".into(),
                message: "denied".into(),
            }),
            ..Snapshot::default()
        };
        carry_slow(&mut now, &before);
        assert_eq!(now.swap, before.swap);
        assert!(now.cgroups.failure().is_some());
        assert_eq!(now.slabinfo, Part::NotRead);
    }
}
