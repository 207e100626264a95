//! The history store as commands meet it: where it is by default, `--at TIME` turned
//! into the roots a view reads, and the store's errors as failures.

use std::path::PathBuf;

use memlens_sources::Root;
use memlens_store::{Reader, Store, StoreError};

use crate::failure::Failure;
use crate::output::warn;

/// `/var/lib/memlens` as root; else `$XDG_DATA_HOME/memlens` or `~/.local/share/memlens`.
pub fn default_db() -> PathBuf {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return PathBuf::from("/var/lib/memlens");
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("memlens");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".local/share/memlens"),
        None => PathBuf::from("memlens-history"),
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy { .. } => Failure::refused(e.to_string()),
            _ => Failure::read(e.to_string()),
        }
    }
}

/// Opens a store to read, saying once what was found damaged in it.
pub fn open(db: Option<&PathBuf>) -> Result<Reader, Failure> {
    let dir = db.cloned().unwrap_or_else(default_db);
    let r = Store::open_read(&dir)?;
    for w in r.warnings() {
        warn(w);
    }
    Ok(r)
}

/// Opens the part of a store around time `t` (see [`Store::open_read_around`]), saying
/// once what was found damaged in what it read.
fn open_around(db: Option<&PathBuf>, t: u64) -> Result<Reader, Failure> {
    let dir = db.cloned().unwrap_or_else(default_db);
    let r = Store::open_read_around(&dir, t)?;
    for w in r.warnings() {
        warn(w);
    }
    Ok(r)
}

/// Nanoseconds since the epoch of TIME as given on the command line.
pub fn instant(what: &str, s: &str) -> Result<u64, Failure> {
    let ns = crate::when::parse(s, jiff::Timestamp::now())
        .map_err(|e| Failure::usage(format!("{what}: {e}")))?;
    u64::try_from(ns).map_err(|_| Failure::usage(format!("{what} {s:?}: before 1970")))
}

/// `--at TIME`: the root of the sample at or before TIME and, for rates, of the one before
/// it. Says on stderr which sample is shown.
pub fn roots_at(
    db: Option<&PathBuf>,
    at: &str,
    with_earlier: bool,
) -> Result<(Root, Option<Root>), Failure> {
    let t = instant("--at", at)?;
    let r = open_around(db, t)?;
    let Some((taken, snap)) = r.at_or_before(t)? else {
        let first = r.times().first().copied().unwrap_or(0);
        return Err(Failure::read(format!(
            "{}: --at {at}: before the first sample ({})",
            r.dir().display(),
            crate::when::show(first)
        )));
    };
    let gap = t.saturating_sub(taken) as f64 / 1e9;
    warn(&format!(
        "--at {at}: the sample of {}{}",
        crate::when::show(taken),
        if gap >= 0.5 {
            format!(", {gap:.0} s before")
        } else {
            String::new()
        }
    ));
    let name = |t: u64| r.dir().join(format!("@{}", crate::when::show(t)));
    // Rates need the sample before, of the same boot (its uptime smaller).
    let earlier = match with_earlier.then(|| r.before(taken)).transpose()?.flatten() {
        Some((t0, s0)) if memlens_analysis::rates::same_boot(&s0, &snap) => {
            Some(Root::of_snapshot(name(t0), s0))
        }
        Some(_) => {
            warn("the sample before it is of another boot: rates since boot only");
            None
        }
        None => None,
    };
    Ok((Root::of_snapshot(name(taken), snap), earlier))
}

/// `--since` and `--until` over a store: nanoseconds since the epoch, by default its first
/// and last samples; an error when the range is reversed or holds no sample.
pub fn period(
    store: &Reader,
    since: Option<&str>,
    until: Option<&str>,
) -> Result<(u64, u64), Failure> {
    let times = store.times();
    let (first, last) = (times[0], *times.last().expect("a store has samples"));
    let since = match since {
        Some(s) => instant("--since", s)?,
        None => first,
    };
    let until = match until {
        Some(s) => instant("--until", s)?,
        None => last.max(since),
    };
    if until < since {
        return Err(Failure::usage("--until is before --since"));
    }
    if until < first || since > last {
        return Err(Failure::read(format!(
            "{}: no sample between {} and {} (the history runs from {} to {})",
            store.dir().display(),
            crate::when::show(since),
            crate::when::show(until),
            crate::when::show(first),
            crate::when::show(last)
        )));
    }
    Ok((since, until))
}
