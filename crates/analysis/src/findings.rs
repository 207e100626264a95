//! Findings: what is alarming in a snapshot, with evidence and the command to dig further.
//! One rules engine makes them (`doctor::diagnose`), for `memlens doctor` and the overview
//! alike, so that the two never disagree on a finding or its severity.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    /// How tables and text name it: `CRITICAL`, `WARNING`, `info`.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Critical => "CRITICAL",
            Severity::Warning => "WARNING",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// Stable identifier for scripts (`low_available`, `oom_kills`...).
    pub id: &'static str,
    pub title: String,
    pub evidence: String,
    /// The memlens command that shows more.
    pub next: String,
    /// A remedy to consider, when there is a clear one (a `sysctl -w` line...). memlens
    /// never applies it. Null when there is none (the key is always there, as in CSV).
    pub advice: Option<String>,
}
