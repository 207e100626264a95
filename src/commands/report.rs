//! `memlens report`: a recorded history (or one capture, or an earlier and a later one) as
//! one self-contained HTML page with charts; with `--svg DIR` the charts as SVG files.
//! Arguments → the store's samples (or the captures) → `analysis::report` → `html`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use memlens_analysis::report::{Builder, Frame, Report};
use memlens_model::snapshot::SystemParts;
use memlens_sources::collect::{collect, Plan};
use memlens_sources::Root;

use crate::cli::{Global, ReportArgs};
use crate::failure::{Failure, Outcome};
use crate::output::warn;

pub fn run(global: &Global, args: &ReportArgs) -> Outcome {
    let started = Instant::now();
    if !global.root.is_empty() && global.db.is_some() {
        return Err(Failure::usage(
            "--root and --db exclude each other: a report of captures, or of a history",
        ));
    }
    let report = if global.root.is_empty() {
        of_history(global, args)?
    } else {
        of_captures(global, args)?
    };
    let tz = jiff::tz::TimeZone::system();
    let page_to = match (&args.out, &args.svg) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(_)) => None,
        (None, None) => Some(PathBuf::from("memlens-report.html")),
    };
    if let Some(dir) = &args.svg {
        let svgs = memlens_html::svgs(&report, &tz);
        if svgs.is_empty() {
            warn("one moment: no charts over time to write to --svg");
        } else {
            std::fs::create_dir_all(dir).map_err(|e| {
                Failure::read(format!("--svg {}: cannot make it: {e}", dir.display()))
            })?;
            for (id, svg) in &svgs {
                write(&dir.join(format!("{id}.svg")), svg.as_bytes())?;
            }
            warn(&format!("wrote {} charts to {}", svgs.len(), dir.display()));
        }
    }
    if let Some(p) = page_to {
        let page = memlens_html::page(&report, &tz, memlens_store::WRITER);
        if p.as_os_str() == "-" {
            let mut o = std::io::stdout().lock();
            if let Err(e) = o.write_all(page.as_bytes()).and_then(|_| o.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(Failure::read(format!("standard output: {e}")));
                }
            }
        } else {
            write(&p, page.as_bytes())?;
            warn(&format!(
                "wrote {} ({}, {} samples, {:.1} s)",
                p.display(),
                memlens_present::units::human(page.len() as u64),
                report.summary.samples,
                started.elapsed().as_secs_f64()
            ));
        }
    }
    Ok(0)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes)
        .map_err(|e| Failure::read(format!("{}: cannot write it: {e}", path.display())))
}

/// The report of the samples of a history store from `--since` to `--until`.
fn of_history(global: &Global, args: &ReportArgs) -> Result<Report, Failure> {
    let store = crate::history::open(global.db.as_ref())?;
    let (since, until) =
        crate::history::period(&store, args.since.as_deref(), args.until.as_deref())?;
    let times: Vec<u64> = store
        .times()
        .into_iter()
        .filter(|t| (since..=until).contains(t))
        .collect();
    let (Some(&first), Some(&last)) = (times.first(), times.last()) else {
        return Err(Failure::read(format!(
            "{}: no sample between {} and {}",
            store.dir().display(),
            crate::when::show(since),
            crate::when::show(until)
        )));
    };
    let mut b = Builder::new(Frame {
        since_ns: first,
        until_ns: last,
        columns: memlens_html::COLUMNS,
    });
    // A sample is at the store's time for it (what `history` shows).
    let mut bad = Unread::default();
    let n = times.len();
    if args.samples == 0 || n <= args.samples {
        // Every sample whole, in one pass.
        for item in store.range(first, last) {
            match item {
                Ok((t, mut s)) => {
                    s.meta.taken_at_ns = Some(t);
                    b.system(&s);
                    b.whole(s);
                }
                Err(e) => bad.add(e),
            }
        }
    } else {
        // Every sample's system parts, then a spread of whole samples.
        let mut r = store.range(first, last);
        while let Some(item) = r.next_as::<SystemParts>() {
            match item {
                Ok((t, mut s)) => {
                    s.meta.taken_at_ns = Some(t);
                    b.system(&s.into_snapshot())
                }
                Err(e) => bad.add(e),
            }
        }
        for item in store.range(first, last).thinned(args.samples) {
            match item {
                Ok((t, mut s)) => {
                    s.meta.taken_at_ns = Some(t);
                    b.whole(s)
                }
                Err(e) => bad.add(e),
            }
        }
    }
    bad.say();
    Ok(b.finish())
}

/// Samples the store could not give, counted and said once.
#[derive(Default)]
struct Unread {
    count: usize,
    first: Option<String>,
}

impl Unread {
    fn add(&mut self, e: memlens_store::StoreError) {
        self.count += 1;
        self.first.get_or_insert_with(|| e.to_string());
    }

    fn say(&self) {
        if let Some(f) = &self.first {
            warn(&format!(
                "{} reads of samples failed and were left out (the first: {f})",
                self.count
            ));
        }
    }
}

/// The report of one moment: a capture, or the later of two (rates between them).
fn of_captures(global: &Global, args: &ReportArgs) -> Result<Report, Failure> {
    let roots = global
        .root
        .iter()
        .map(Root::open)
        .collect::<Result<Vec<_>, _>>()?;
    if roots.len() > 2 {
        return Err(Failure::usage(
            "--root: give one capture, or two (earlier, then later) for rates between them",
        ));
    }
    if roots.len() == 2 {
        crate::commands::check_pair(&roots[0], &roots[1])?;
    }
    let snaps: Vec<_> = roots
        .iter()
        .map(|r| collect(r, &Plan::everything()))
        .collect();
    let now = snaps.last().expect("one root at least");
    let t = now.meta.taken_at_ns.ok_or_else(|| {
        Failure::read(format!(
            "{}: the capture does not say when it was taken",
            global.root.last().expect("a root").display()
        ))
    })?;
    let bound = |what: &str, s: &Option<String>| {
        s.as_deref()
            .map(|s| crate::history::instant(what, s))
            .transpose()
    };
    let (since, until) = (
        bound("--since", &args.since)?,
        bound("--until", &args.until)?,
    );
    if since.is_some_and(|s| t < s) || until.is_some_and(|u| t > u) {
        return Err(Failure::read(format!(
            "the capture was taken at {}, outside --since/--until",
            crate::when::show(t)
        )));
    }
    let mut b = Builder::new(Frame {
        since_ns: t,
        until_ns: t,
        columns: memlens_html::COLUMNS,
    });
    let mut snaps = snaps.into_iter();
    if roots.len() == 2 {
        b.before(snaps.next().expect("two snapshots"));
    }
    let now = snaps.next().expect("a snapshot");
    b.system(&now);
    b.whole(now);
    Ok(b.finish())
}
