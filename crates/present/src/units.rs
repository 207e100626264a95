//! Byte figures for people: human units by default, exact bytes or KiB on request.

/// How byte figures are printed in tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Units {
    /// `1.5Gi`, `298Mi`, `12Ki`, `512B`, as `free -h` prints them.
    #[default]
    Human,
    /// Exact bytes.
    Bytes,
    /// Exact KiB (bytes / 1024, as the kernel prints kB).
    Kib,
}

/// Formats a byte count.
pub fn bytes(v: u64, units: Units) -> String {
    match units {
        Units::Bytes => v.to_string(),
        Units::Kib => (v / 1024).to_string(),
        Units::Human => human(v),
    }
}

/// `free -h` style: three significant digits at most, binary suffixes. Integer
/// arithmetic only (this runs for every cell of every table).
pub fn human(v: u64) -> String {
    const SUFFIX: [&str; 6] = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    if v < 1024 {
        return format!("{v}B");
    }
    let mut i = 0;
    let mut unit: u128 = 1024;
    while (v as u128) >= unit * 1024 && i < SUFFIX.len() - 1 {
        unit *= 1024;
        i += 1;
    }
    let v = v as u128;
    // Tenths, rounded half up.
    let tenths = (v * 10 + unit / 2) / unit;
    if tenths < 100 {
        return format!("{}.{}{}", tenths / 10, tenths % 10, SUFFIX[i]);
    }
    let whole = (v + unit / 2) / unit;
    if whole >= 1024 && i < SUFFIX.len() - 1 {
        format!("1.0{}", SUFFIX[i + 1])
    } else {
        format!("{whole}{}", SUFFIX[i])
    }
}

/// Parses a size with an optional unit (`64M`, `1G`, `512k`, `4096`, `1.5GiB`); units are
/// binary (K = 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("not a size: {s:?} (use e.g. 64M, 1G, 4096)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "ki" | "kib" => 1 << 10,
        "m" | "mb" | "mi" | "mib" => 1 << 20,
        "g" | "gb" | "gi" | "gib" => 1 << 30,
        "t" | "tb" | "ti" | "tib" => 1 << 40,
        other => {
            return Err(format!(
                "unknown size unit {other:?} in {s:?} (use K, M, G, T)"
            ))
        }
    };
    let v = n * mult as f64;
    if !v.is_finite() || v < 0.0 || v >= u64::MAX as f64 {
        return Err(format!("size out of range: {s:?}"));
    }
    Ok(v.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_like_free() {
        assert_eq!(human(0), "0B");
        assert_eq!(human(1023), "1023B");
        assert_eq!(human(1024), "1.0Ki");
        assert_eq!(human(1536), "1.5Ki");
        assert_eq!(human(298 * 1024 * 1024), "298Mi");
        assert_eq!(human(24684096 * 1024), "24Gi");
        assert_eq!(human((9.97 * 1024.0 * 1024.0) as u64), "10Mi");
        assert_eq!(human(1023 * 1024 * 1024 + 1000 * 1024 * 1024), "2.0Gi");
        assert_eq!(human(1023 * 1024 + 1000), "1.0Mi");
        assert_eq!(bytes(4096, Units::Kib), "4");
        assert_eq!(bytes(4096, Units::Bytes), "4096");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64M").unwrap(), 64 << 20);
        assert_eq!(parse_size("1G").unwrap(), 1 << 30);
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("12X").is_err());
        assert!(parse_size("abc").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
