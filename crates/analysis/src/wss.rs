//! Working-set size: of a process's resident memory, how much it referenced during an
//! interval (smaps `Referenced` after clearing the bits with clear_refs).

use memlens_model::{Mapping, MappingKind};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct WssRow {
    pub kind: MappingKind,
    pub mappings: u64,
    pub rss: u64,
    /// Bytes referenced since the bits were cleared: the working set.
    pub referenced: u64,
}

/// Sums RSS and `Referenced` per mapping kind (largest working set first) and in total.
pub fn by_kind(maps: &[Mapping]) -> (Vec<WssRow>, WssRow) {
    let mut rows: Vec<WssRow> = Vec::new();
    let mut total = WssRow {
        kind: MappingKind::Anon,
        mappings: 0,
        rss: 0,
        referenced: 0,
    };
    for m in maps {
        let rss = m.counters.rss.unwrap_or(0);
        let refd = m.counters.referenced.unwrap_or(0);
        let i = match rows.iter().position(|r| r.kind == m.kind) {
            Some(i) => i,
            None => {
                rows.push(WssRow {
                    kind: m.kind,
                    mappings: 0,
                    rss: 0,
                    referenced: 0,
                });
                rows.len() - 1
            }
        };
        for r in [&mut rows[i], &mut total] {
            r.mappings += 1;
            r.rss = r.rss.saturating_add(rss);
            r.referenced = r.referenced.saturating_add(refd);
        }
    }
    rows.sort_by(|a, b| b.referenced.cmp(&a.referenced).then(a.kind.cmp(&b.kind)));
    (rows, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use memlens_model::SmapsCounters;

    fn m(kind: MappingKind, rss: u64, refd: u64) -> Mapping {
        Mapping {
            start: 0,
            end: rss,
            perms: "rw-p".into(),
            offset: 0,
            dev: "00:00".into(),
            inode: 0,
            path: String::new(),
            kind,
            counters: SmapsCounters {
                rss: Some(rss),
                referenced: Some(refd),
                ..Default::default()
            },
            thp_eligible: None,
            vm_flags: None,
        }
    }

    #[test]
    fn sums_by_kind() {
        let (rows, total) = by_kind(&[
            m(MappingKind::Anon, 100, 10),
            m(MappingKind::File, 50, 40),
            m(MappingKind::Anon, 20, 20),
        ]);
        assert_eq!(rows[0].kind, MappingKind::File);
        assert_eq!(rows[1].referenced, 30);
        assert_eq!(rows[1].mappings, 2);
        assert_eq!((total.rss, total.referenced, total.mappings), (170, 70, 3));
    }
}
