//! Instants given on the command line (`--at`, `--since`, `--until`): RFC 3339
//! (`2026-11-22T03:00:00Z`, `2026-11-22T03:00:00+01:00`), a local date and time
//! (`2026-11-22 03:00`), a local time of day (`03:00`, `03:00:30`: its last occurrence, today
//! or yesterday), a time ago (`-90m`, `-2h`, `-1d`; `--since 1d` too) or `now`.

use jiff::{civil, tz::TimeZone, Timestamp, Zoned};

/// An instant as nanoseconds since the Unix epoch, given `now`.
pub fn parse(s: &str, now: Timestamp) -> Result<i128, String> {
    let t = s.trim();
    let bad = || {
        format!(
            "not a time: {s:?} (use RFC 3339 like 2026-11-22T03:00:00Z, a local HH:MM[:SS], \
             a local 2026-11-22 03:00, or a time ago like -90m, -2h, 1d)"
        )
    };
    if t == "now" {
        return Ok(now.as_nanosecond());
    }
    // A time ago: -90m, 90m, -2h, 1d.
    let ago = t.strip_prefix('-').unwrap_or(t);
    if ago.starts_with(|c: char| c.is_ascii_digit())
        && !ago.contains([':', 'T'])
        && !ago.contains('-')
    {
        let d = crate::cli::parse_duration(ago).map_err(|_| bad())?;
        return Ok(now.as_nanosecond() - d.as_nanos() as i128);
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts.as_nanosecond());
    }
    let tz = TimeZone::system();
    if let Ok(dt) = t.parse::<civil::DateTime>() {
        let z = dt.to_zoned(tz).map_err(|e| format!("{s:?}: {e}"))?;
        return Ok(z.timestamp().as_nanosecond());
    }
    if let Ok(time) = t.parse::<civil::Time>() {
        let today: Zoned = now.to_zoned(tz.clone());
        let at = today
            .date()
            .to_datetime(time)
            .to_zoned(tz.clone())
            .map_err(|e| format!("{s:?}: {e}"))?;
        let at = if at.timestamp() > now {
            // The last occurrence: yesterday at that time.
            let y = today.date().yesterday().map_err(|e| e.to_string())?;
            y.to_datetime(time)
                .to_zoned(tz)
                .map_err(|e| format!("{s:?}: {e}"))?
        } else {
            at
        };
        return Ok(at.timestamp().as_nanosecond());
    }
    Err(bad())
}

/// An instant for people: local time with its offset, to the second.
pub fn show(ns: u64) -> String {
    match Timestamp::from_nanosecond(ns as i128) {
        Ok(ts) => ts
            .to_zoned(TimeZone::system())
            .strftime("%Y-%m-%d %H:%M:%S %:z")
            .to_string(),
        Err(_) => format!("{ns} ns"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-22T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn forms() {
        let n = now().as_nanosecond();
        let s = 1_000_000_000i128;
        assert_eq!(parse("now", now()).unwrap(), n);
        assert_eq!(parse("-90m", now()).unwrap(), n - 5400 * s);
        assert_eq!(parse("1d", now()).unwrap(), n - 86_400 * s);
        assert_eq!(
            parse("2026-11-22T03:00:00Z", now()).unwrap(),
            n - 9 * 3600 * s
        );
        assert_eq!(
            parse("2026-11-22T04:00:00+01:00", now()).unwrap(),
            n - 9 * 3600 * s
        );
        for bad in ["", "soon", "25:00", "-", "2026-13-01T00:00:00Z", "-5x"] {
            assert!(parse(bad, now()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_time_of_day_is_its_last_occurrence() {
        // Whatever the local zone, HH:MM is at most a day before now and never after it.
        for hhmm in ["00:00", "11:59", "12:01", "23:59:59"] {
            let t = parse(hhmm, now()).unwrap();
            let n = now().as_nanosecond();
            assert!(t <= n && n - t < 86_400 * 1_000_000_000, "{hhmm}");
        }
    }
}
