//! Axis ticks: round times along x, round values along y, and how to print them.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use memlens_catalogue::Unit;

const NS: u64 = 1_000_000_000;

/// Time steps ticks are put at, seconds.
const TIME_STEPS: [u64; 20] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    172_800, 604_800,
];

/// Ticks along a time axis from `since` to `until` (ns), at most about `max` of them, on
/// round local times; with the strftime format to print them.
pub fn time_ticks(since: u64, until: u64, max: usize, tz: &TimeZone) -> (Vec<u64>, &'static str) {
    let span = until.saturating_sub(since).max(1) / NS;
    let step = TIME_STEPS
        .iter()
        .copied()
        .find(|s| span / s < max as u64)
        .unwrap_or(604_800);
    // Round in local time: the zone's offset at the start.
    let offset = Timestamp::from_nanosecond(since as i128)
        .map(|t| tz.to_offset(t).seconds() as i64)
        .unwrap_or(0);
    let local = |t: u64| (t / NS) as i64 + offset;
    let mut first = local(since).div_euclid(step as i64) * step as i64;
    if first < local(since) {
        first += step as i64;
    }
    let mut ticks = Vec::new();
    let mut l = first;
    while l <= local(until) {
        ticks.push(((l - offset) as u64) * NS);
        l += step as i64;
    }
    let format = if span > 2 * 86_400 {
        "%m-%d %H:%M"
    } else if step < 60 {
        "%H:%M:%S"
    } else {
        "%H:%M"
    };
    (ticks, format)
}

/// A time in the zone, by a strftime format.
pub fn show_time(ns: u64, format: &str, tz: &TimeZone) -> String {
    match Timestamp::from_nanosecond(ns as i128) {
        Ok(t) => t.to_zoned(tz.clone()).strftime(format).to_string(),
        Err(_) => format!("{ns}"),
    }
}

/// How values of a unit are scaled and named on an axis: (divisor, unit label).
pub fn scale(unit: Unit, max: f64) -> (f64, &'static str) {
    const K: f64 = 1024.0;
    match unit {
        Unit::Bytes | Unit::BytesPerSecond => {
            let per = if unit == Unit::Bytes { "" } else { "/s" };
            let names: [(&str, &str); 5] = [
                ("B", "B/s"),
                ("KiB", "KiB/s"),
                ("MiB", "MiB/s"),
                ("GiB", "GiB/s"),
                ("TiB", "TiB/s"),
            ];
            let mut i = 0;
            while i < 4 && max >= K.powi(i as i32 + 1) {
                i += 1;
            }
            let name = if per.is_empty() {
                names[i].0
            } else {
                names[i].1
            };
            (K.powi(i as i32), name)
        }
        Unit::PerSecond => (1.0, "/s"),
        Unit::Percent => (1.0, "%"),
        Unit::Fraction => (1.0, ""),
        _ => (1.0, ""),
    }
}

/// Round ticks from 0 to at least `max` (already scaled), about `n` of them: steps of 1,
/// 2 or 5 times a power of ten.
pub fn value_ticks(max: f64, n: usize) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / n.max(1) as f64;
    let p = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p);
    let top = (max / step).ceil() * step;
    let count = (top / step).round() as usize;
    (0..=count).map(|k| k as f64 * step).collect()
}

/// A tick's label: as few decimals as the step needs.
pub fn tick_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{v:.decimals$}")
}

/// A value for people, in its unit (tooltips, legends, the summary).
pub fn show_value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Bytes => memlens_present::units::human(v.max(0.0) as u64),
        Unit::BytesPerSecond => format!("{}/s", memlens_present::units::human(v.max(0.0) as u64)),
        Unit::PerSecond => format!("{}/s", short_number(v)),
        Unit::Percent => format!("{v:.1}%"),
        Unit::Fraction => format!("{v:.3}"),
        _ => short_number(v),
    }
}

fn short_number(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_ticks_are_round_and_cover_the_maximum() {
        assert_eq!(value_ticks(9.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(value_ticks(100.0, 4), vec![0.0, 50.0, 100.0]);
        let t = value_ticks(0.93, 5);
        assert_eq!(t.len(), 6);
        assert!((t[5] - 1.0).abs() < 1e-12);
        assert_eq!(
            value_ticks(0.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
    }

    #[test]
    fn time_ticks_fall_on_round_times_within_the_range() {
        let tz = TimeZone::UTC;
        let since = 1_700_000_003 * NS; // 22:13:23 UTC
        let until = since + 3600 * NS;
        let (ticks, fmt) = time_ticks(since, until, 8, &tz);
        assert_eq!(fmt, "%H:%M");
        assert!(ticks.iter().all(|t| *t >= since && *t <= until));
        assert!(
            ticks.iter().all(|t| (t / NS).is_multiple_of(600)),
            "{ticks:?}"
        );
        assert!(ticks.len() >= 5 && ticks.len() <= 8, "{ticks:?}");
        let (week, fmt) = time_ticks(since, since + 7 * 86_400 * NS, 8, &tz);
        assert_eq!(fmt, "%m-%d %H:%M");
        assert!(
            week.iter().all(|t| (t / NS).is_multiple_of(86_400)),
            "{week:?}"
        );
    }

    #[test]
    fn bytes_scale_to_a_binary_unit() {
        assert_eq!(
            scale(Unit::Bytes, 3.0 * 1024.0 * 1024.0 * 1024.0),
            (1024f64.powi(3), "GiB")
        );
        assert_eq!(scale(Unit::Bytes, 500.0), (1.0, "B"));
        assert_eq!(scale(Unit::BytesPerSecond, 2048.0), (1024.0, "KiB/s"));
    }
}
