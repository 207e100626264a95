//! `memlens cache`: which files hold page cache, largest first, with the totals of all
//! the files examined (not only of those shown).

use memlens_model::{FileCache, PageCacheScan, ReadFailure, Snapshot};
use serde::Serialize;

/// One file, with how much of it is cached.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CacheRow {
    #[serde(flatten)]
    pub file: FileCache,
    /// `cached` over the size rounded up to whole pages (the last page is cached whole);
    /// `None` for an empty file.
    pub cached_ratio: Option<f64>,
}

/// The view: the top files by cached bytes and the sums over every file examined.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CacheView {
    pub method: String,
    pub files: Vec<CacheRow>,
    /// Files examined, and their bytes.
    pub examined_files: u64,
    pub examined_bytes: u64,
    /// Page cache of every file examined.
    pub cached: u64,
    /// Dirty and recently evicted pages of every file examined (cachestat only).
    pub dirty: Option<u64>,
    pub recently_evicted: Option<u64>,
    /// Files examined that hold no page cache (left out of `files`).
    pub uncached_files: u64,
    pub skipped: memlens_model::CacheSkipped,
    pub stopped_early: bool,
    pub unreadable_processes: u64,
}

/// The `top` files holding most page cache (all of them for `None`), from a snapshot with
/// its page cache part.
pub fn view(s: &Snapshot, top: Option<usize>) -> Result<CacheView, ReadFailure> {
    let scan: &PageCacheScan = s.page_cache.get("page cache")?;
    let page = s.meta.page_size.max(1);
    let sum = |f: fn(&FileCache) -> Option<u64>| -> Option<u64> {
        scan.files.iter().map(f).try_fold(0u64, |a, v| Some(a + v?))
    };
    let mut files: Vec<CacheRow> = scan
        .files
        .iter()
        .filter(|f| f.cached > 0)
        .map(|f| CacheRow {
            file: f.clone(),
            cached_ratio: (f.size > 0)
                .then(|| f.cached as f64 / (f.size.div_ceil(page) * page) as f64),
        })
        .collect();
    let uncached_files = (scan.files.len() - files.len()) as u64;
    files.sort_by(|a, b| {
        b.file
            .cached
            .cmp(&a.file.cached)
            .then_with(|| a.file.path.cmp(&b.file.path))
    });
    if let Some(n) = top {
        files.truncate(n);
    }
    Ok(CacheView {
        method: scan.method.clone(),
        files,
        examined_files: scan.examined_files,
        examined_bytes: scan.examined_bytes,
        cached: scan.files.iter().map(|f| f.cached).sum(),
        dirty: sum(|f| f.dirty),
        recently_evicted: sum(|f| f.recently_evicted),
        uncached_files,
        skipped: scan.skipped.clone(),
        stopped_early: scan.stopped_early,
        unreadable_processes: scan.unreadable_processes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use memlens_model::Part;

    fn file(path: &str, size: u64, cached: u64, dirty: Option<u64>) -> FileCache {
        FileCache {
            path: path.into(),
            size,
            cached,
            dirty,
            ..Default::default()
        }
    }

    #[test]
    fn largest_first_totals_over_all_and_empty_files_have_no_ratio() {
        let s = Snapshot {
            page_cache: Part::Read(PageCacheScan {
                method: "cachestat".into(),
                files: vec![
                    file("/a", 100, 50, Some(10)),
                    file("/b", 0, 0, Some(0)),
                    file("/c", 200, 200, Some(0)),
                    file("/d", 350, 100, Some(5)),
                ],
                examined_files: 4,
                examined_bytes: 700,
                ..Default::default()
            }),
            meta: memlens_model::Meta {
                page_size: 100,
                ..Default::default()
            },
            ..Default::default()
        };
        let v = view(&s, Some(2)).unwrap();
        let paths: Vec<&str> = v.files.iter().map(|r| r.file.path.as_str()).collect();
        assert_eq!(paths, ["/c", "/d"]);
        assert_eq!(v.files[1].cached_ratio, Some(0.25));
        assert_eq!((v.cached, v.dirty, v.uncached_files), (350, Some(15), 1));
        assert!(view(&Snapshot::default(), None).is_err());
    }
}
