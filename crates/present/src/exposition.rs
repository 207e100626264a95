//! The text formats Prometheus scrapes: the Prometheus exposition format 0.0.4
//! (`text/plain; version=0.0.4`, also what node_exporter's textfile collector reads) and
//! OpenMetrics 1.0 (`application/openmetrics-text`). Families in, text out; nothing here
//! reads a file or knows a figure: names, help and values come from the caller (the
//! metrics view, from the catalogue).
//!
//! The two differ where this renderer must care: OpenMetrics names a counter's family
//! without `_total` (its samples keep it), gives a `# UNIT` line for a family whose name
//! ends in its unit, escapes `"` in help text, and ends with `# EOF`.

use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Gauge,
    Counter,
}

/// One metric family: its samples share a name, a type and help.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The family's name: for a counter without `_total`, which its samples add; ending in
    /// `_<unit>` when it has a unit.
    pub name: String,
    pub help: String,
    pub kind: MetricType,
    /// `bytes`, `seconds`, `ratio`...; empty for a plain number.
    pub unit: &'static str,
    pub samples: Vec<Sample>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The Prometheus text format 0.0.4.
    Prometheus,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// The exposition of `families` (those without samples are left out).
pub fn render(families: &[Family], format: Format) -> String {
    let mut out = String::with_capacity(families.len() * 200);
    for f in families.iter().filter(|f| !f.samples.is_empty()) {
        let sample_name = match f.kind {
            MetricType::Counter => format!("{}_total", f.name),
            MetricType::Gauge => f.name.clone(),
        };
        let (described, kind) = match (format, f.kind) {
            (Format::Prometheus, MetricType::Counter) => (sample_name.as_str(), "counter"),
            (_, MetricType::Counter) => (f.name.as_str(), "counter"),
            (_, MetricType::Gauge) => (f.name.as_str(), "gauge"),
        };
        let _ = writeln!(out, "# HELP {described} {}", escape_help(&f.help, format));
        let _ = writeln!(out, "# TYPE {described} {kind}");
        if format == Format::OpenMetrics && !f.unit.is_empty() {
            let _ = writeln!(out, "# UNIT {described} {}", f.unit);
        }
        for s in &f.samples {
            out.push_str(&sample_name);
            if !s.labels.is_empty() {
                out.push('{');
                for (i, (k, v)) in s.labels.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{k}=\"{}\"", escape_label(v));
                }
                out.push('}');
            }
            out.push(' ');
            push_value(&mut out, s.value);
            out.push('\n');
        }
    }
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
    out
}

fn escape_help(s: &str, format: Format) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '"' if format == Format::OpenMetrics => o.push_str("\\\""),
            c => o.push(c),
        }
    }
    o
}

fn escape_label(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '"' => o.push_str("\\\""),
            c => o.push(c),
        }
    }
    o
}

/// A value as both formats write it: integers without a fraction, `NaN`, `+Inf`, `-Inf`.
fn push_value(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
        let _ = write!(out, "{}", v as i64);
    } else {
        let _ = write!(out, "{v}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn families() -> Vec<Family> {
        vec![
            Family {
                name: "memlens_memory_available_bytes".into(),
                help: "MemAvailable: \"estimate\" \\ of\nmemory".into(),
                kind: MetricType::Gauge,
                unit: "bytes",
                samples: vec![Sample {
                    labels: vec![],
                    value: 1073741824.0,
                }],
            },
            Family {
                name: "memlens_vmstat_pgfault".into(),
                help: "Page faults".into(),
                kind: MetricType::Counter,
                unit: "",
                samples: vec![Sample {
                    labels: vec![("node", "0".into()), ("name", "a\"b\\c\nd".into())],
                    value: 0.25,
                }],
            },
            Family {
                name: "memlens_empty".into(),
                help: "no samples".into(),
                kind: MetricType::Gauge,
                unit: "",
                samples: vec![],
            },
        ]
    }

    #[test]
    fn the_two_formats_name_counters_units_and_the_end_as_each_wants() {
        assert_eq!(
            render(&families(), Format::Prometheus),
            "# HELP memlens_memory_available_bytes MemAvailable: \"estimate\" \\\\ of\\nmemory\n\
             # TYPE memlens_memory_available_bytes gauge\n\
             memlens_memory_available_bytes 1073741824\n\
             # HELP memlens_vmstat_pgfault_total Page faults\n\
             # TYPE memlens_vmstat_pgfault_total counter\n\
             memlens_vmstat_pgfault_total{node=\"0\",name=\"a\\\"b\\\\c\\nd\"} 0.25\n"
        );
        assert_eq!(
            render(&families(), Format::OpenMetrics),
            "# HELP memlens_memory_available_bytes MemAvailable: \\\"estimate\\\" \\\\ of\\nmemory\n\
             # TYPE memlens_memory_available_bytes gauge\n\
             # UNIT memlens_memory_available_bytes bytes\n\
             memlens_memory_available_bytes 1073741824\n\
             # HELP memlens_vmstat_pgfault Page faults\n\
             # TYPE memlens_vmstat_pgfault counter\n\
             memlens_vmstat_pgfault_total{node=\"0\",name=\"a\\\"b\\\\c\\nd\"} 0.25\n\
             # EOF\n"
        );
    }

    #[test]
    fn values_are_written_as_both_formats_read_them() {
        let mut s = String::new();
        for v in [
            0.0,
            -3.0,
            1e20,
            0.1,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            push_value(&mut s, v);
            s.push(' ');
        }
        assert_eq!(s, "0 -3 100000000000000000000 0.1 NaN +Inf -Inf ");
    }
}
