//! Memory cgroups: v2 (`memory.current`, `memory.max`...) and the v1 `memory` controller
//! (`memory.usage_in_bytes`, `memory.limit_in_bytes`...).

use serde::{Deserialize, Serialize, Serializer};

use crate::system::{NamedCounters, Pressure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CgroupVersion {
    V1,
    V2,
}

/// A memory limit: a byte count, or none (`max` in v2; PAGE_COUNTER_MAX in v1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Unlimited,
    Bytes(u64),
}

impl Limit {
    pub fn bytes(self) -> Option<u64> {
        match self {
            Limit::Bytes(b) => Some(b),
            Limit::Unlimited => None,
        }
    }
}

/// Serialises as an integer (bytes) or the string `"max"`, as cgroup v2 writes it.
impl Serialize for Limit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Limit::Unlimited => s.serialize_str("max"),
            Limit::Bytes(b) => s.serialize_u64(*b),
        }
    }
}

/// Reads back what [`Limit`]'s `Serialize` writes: an integer (bytes) or `"max"`.
impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Limit;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a byte count or \"max\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Limit, E> {
                Ok(Limit::Bytes(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Limit, E> {
                u64::try_from(v)
                    .map(Limit::Bytes)
                    .map_err(|_| E::custom("a negative limit"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Limit, E> {
                match v {
                    "max" => Ok(Limit::Unlimited),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// One memory cgroup, as read from its directory. Absent files are `None`/empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemCgroup {
    pub version: CgroupVersion,
    /// Path inside the hierarchy, `/` for its root (as /proc/PID/cgroup prints it).
    pub path: String,
    pub depth: u32,
    /// v2 `memory.current`, v1 `memory.usage_in_bytes`.
    pub current: Option<u64>,
    /// v2 `memory.peak`, v1 `memory.max_usage_in_bytes`.
    pub peak: Option<u64>,
    /// v2 `memory.max`, v1 `memory.limit_in_bytes`.
    pub max: Option<Limit>,
    /// v2 `memory.high` (throttling starts above it).
    pub high: Option<Limit>,
    /// v2 `memory.low` (best-effort protection).
    pub low: Option<Limit>,
    /// v2 `memory.min` (hard protection).
    pub min: Option<Limit>,
    /// v1 `memory.soft_limit_in_bytes`.
    pub soft_limit: Option<Limit>,
    /// v2 `memory.swap.current`; v1 `memory.memsw.usage_in_bytes - memory.usage_in_bytes`.
    pub swap_current: Option<u64>,
    /// v2 `memory.swap.max`: a limit on swap alone. v1 has none (`None`).
    pub swap_max: Option<Limit>,
    /// v1 `memory.memsw.limit_in_bytes`: a limit on memory and swap together, not on swap.
    #[serde(default)]
    pub memsw_max: Option<Limit>,
    /// `memory.stat`: bytes for sizes, counts for events, as the kernel prints them.
    pub stat: NamedCounters,
    /// v2 `memory.events` (low, high, max, oom, oom_kill...); v1: `failcnt` and the
    /// `oom_kill`/`under_oom` lines of `memory.oom_control`.
    pub events: NamedCounters,
    /// v2 `memory.pressure` (PSI of this group).
    pub pressure: Option<Pressure>,
    /// Number of processes directly in the group (`cgroup.procs`).
    pub procs: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_back_what_they_write() {
        for l in [Limit::Unlimited, Limit::Bytes(0), Limit::Bytes(33554432)] {
            let text = serde_json::to_string(&l).unwrap();
            assert_eq!(serde_json::from_str::<Limit>(&text).unwrap(), l, "{text}");
        }
        assert_eq!(serde_json::to_string(&Limit::Unlimited).unwrap(), "\"max\"");
        assert!(serde_json::from_str::<Limit>("\"lots\"").is_err());
        assert!(serde_json::from_str::<Limit>("-1").is_err());
    }
}
