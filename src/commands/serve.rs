//! `memlens serve`: collect on a schedule of its own, render the metrics page, and serve
//! the last page over HTTP (the memlens-serve crate) until SIGTERM or SIGINT. A scrape
//! never waits on a collection; a collection that fails keeps the page before (and
//! `/healthz` says when it grows stale).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use memlens_model::Snapshot;
use memlens_present::exposition::Format;
use memlens_serve::{Latest, Limits, Page, Server, WebConfig};
use memlens_sources::Root;

use crate::cli::{ExportArgs, ServeArgs};
use crate::export;
use crate::failure::{Failure, Outcome};
use crate::metrics::{Select, Trends};

pub fn run(root: &Root, args: &ServeArgs) -> Outcome {
    let select = export::select(&args.export)?;
    let web = match &args.web_config {
        Some(path) => WebConfig::load(path).map_err(Failure::usage)?,
        None => WebConfig::default(),
    };
    let secured = web.tls_server_config.is_some() || !web.basic_auth_users.is_empty();
    // The first page before listening: a machine memlens cannot read fails here, once,
    // rather than on every scrape.
    let mut trends = Trends::new(args.trend_window);
    let (first, snap) = page(root, &args.export, &select, &mut trends)?;
    // Denied, not garbled: what privileges would fix.
    let partial = crate::scanned::rows(&snap)
        .map(|(_, s)| s.partially_readable.saturating_sub(s.garbled))
        .unwrap_or(0);
    drop(snap);
    // Stale after three collections missed (each may take up to its timeout).
    let stale = args.interval * 3 + Duration::from_secs_f64(args.export.timeout.max(0.0) * 2.0);
    let latest = Arc::new(Latest::new(stale));
    latest.set(first);
    let limits = Limits {
        connections: args.max_connections as usize,
        ..Limits::default()
    };
    let server = Server::bind(args.listen, web, limits, latest.clone())
        .map_err(|e| Failure::usage(e.to_string()))?;
    let addr = server
        .local_addr()
        .map_err(|e| Failure::read(e.to_string()))?;
    eprintln!(
        "memlens serve: listening on {}://{addr}/metrics, collecting every {}",
        server.scheme(),
        humantime(args.interval)
    );
    if !addr.ip().is_loopback() && !secured {
        eprintln!("memlens serve: warning: {addr} is not loopback and --web-config sets neither TLS nor basic auth: anyone who can reach it reads the metrics");
    }
    if partial > 0 && root.is_live() {
        eprintln!(
            "memlens serve: {} could not be read whole (permission denied): the figures denied have no series; run as root, or with CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (see the README)",
            crate::output::count(partial, "process", "processes")
        );
    }
    let (root, export, interval) = (root.clone(), args.export.clone(), args.interval);
    std::thread::Builder::new()
        .name("collect".into())
        .spawn(move || collect_forever(&root, &export, &select, trends, interval, &latest))
        .map_err(|e| Failure::read(format!("cannot start the collector: {e}")))?;
    server.run().map_err(|e| Failure::read(e.to_string()))?;
    Ok(0)
}

/// A page, and the snapshot it shows.
fn page(
    root: &Root,
    args: &ExportArgs,
    select: &Select,
    trends: &mut Trends,
) -> Result<(Page, Snapshot), Failure> {
    let (snap, took) = export::snapshot(root, args);
    let at = snap
        .meta
        .taken_at_ns
        .map(|ns| SystemTime::UNIX_EPOCH + Duration::from_nanos(ns))
        .unwrap_or_else(SystemTime::now);
    let mut texts = export::render(
        &snap,
        took,
        select,
        Some(trends),
        &[Format::Prometheus, Format::OpenMetrics],
    )?
    .into_iter();
    let (prometheus, openmetrics) = (
        texts.next().unwrap_or_default(),
        texts.next().unwrap_or_default(),
    );
    Ok((Page::new(prometheus, openmetrics, at), snap))
}

/// Collects every `interval` from the start of the one before (a collection longer than
/// the interval is followed by the next at once), replacing the page; a failure is said
/// once, until a collection succeeds again.
fn collect_forever(
    root: &Root,
    args: &ExportArgs,
    select: &Select,
    mut trends: Trends,
    interval: Duration,
    latest: &Latest,
) {
    let mut next = Instant::now() + interval;
    let mut failing = false;
    loop {
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        next = (next + interval).max(Instant::now());
        match page(root, args, select, &mut trends) {
            Ok((p, _)) => {
                latest.set(p);
                if failing {
                    eprintln!("memlens serve: collecting again");
                    failing = false;
                }
            }
            Err(e) => {
                if !failing {
                    eprintln!("memlens serve: collection failed, serving the page before: {e}");
                    failing = true;
                }
            }
        }
    }
}

fn humantime(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 && s.fract() == 0.0 {
        format!("{s:.0}s")
    } else {
        format!("{}ms", d.as_millis())
    }
}
