//! `/sys/kernel/mm/transparent_hugepage/`: THP policy selectors (`enabled`, `defrag`,
//! `shmem_enabled`), `use_zero_page`, `hpage_pmd_size` and the `khugepaged/` tunables and
//! counters.
//!
//! Kernel differences: `defrag` offers `always defer defer+madvise madvise never` on
//! current kernels (`defer` and `defer+madvise` came in 4.x; `always madvise never`
//! before); `shmem_enabled` and `hpage_pmd_size` appeared in 4.x (`None` when missing);
//! multi-size THP (6.8) adds `hugepages-<size>kB/` directories, not read here. RHEL 6
//! kernels used `redhat_transparent_hugepage/`, which reads as THP absent. Non-numeric
//! `khugepaged/` files (early kernels printed `defrag` as a `[yes] no` selector) are
//! skipped.

use memlens_model::{Choice, Thp};

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::sysfs::{is_unreadable, one_line, read_u64, readable_files};
use crate::text::{fields, lossy, parse_u64, show};

const DIR: &str = "sys/kernel/mm/transparent_hugepage";

/// Parses a selector file: `always [madvise] never` -> selected `madvise` with options
/// `always`, `madvise`, `never`. Exactly one option must be bracketed.
pub fn parse_choice(text: &[u8]) -> std::result::Result<Choice, ParseError> {
    let line = one_line(text)?;
    let mut choice = Choice::default();
    let mut selected = false;
    for word in fields(line) {
        let name = match word.strip_prefix(b"[").and_then(|w| w.strip_suffix(b"]")) {
            Some(inner) => {
                if selected {
                    return Err(ParseError::at(
                        1,
                        format!("two selected options in {}", show(line)),
                    ));
                }
                selected = true;
                choice.selected = lossy(inner);
                inner
            }
            None => word,
        };
        if name.is_empty() || name.iter().any(|&b| b == b'[' || b == b']') {
            return Err(ParseError::at(
                1,
                format!("bad option {} in {}", show(word), show(line)),
            ));
        }
        choice.options.push(lossy(name));
    }
    if !selected {
        return Err(ParseError::at(
            1,
            format!("no [selected] option in {}", show(line)),
        ));
    }
    Ok(choice)
}

fn read_choice(root: &Root, rel: &str) -> Result<Option<Choice>> {
    match root.read_optional(rel)? {
        None => Ok(None),
        Some((path, text)) => parse_choice(&text)
            .map(Some)
            .map_err(|e| Error::parse(&path, e)),
    }
}

/// Reads the THP settings: [`Thp::default`] when the directory is missing (kernels without
/// `CONFIG_TRANSPARENT_HUGEPAGE`), `None` for each missing file.
pub fn read(root: &Root) -> Result<Thp> {
    if !root.is_dir(DIR) {
        return Ok(Thp::default());
    }
    let mut thp = Thp {
        enabled: read_choice(root, &format!("{DIR}/enabled"))?,
        defrag: read_choice(root, &format!("{DIR}/defrag"))?,
        shmem_enabled: read_choice(root, &format!("{DIR}/shmem_enabled"))?,
        use_zero_page: read_u64(root, &format!("{DIR}/use_zero_page"))?,
        hpage_pmd_size: read_u64(root, &format!("{DIR}/hpage_pmd_size"))?,
        khugepaged: Vec::new(),
    };
    let kdir = format!("{DIR}/khugepaged");
    for name in readable_files(root, &kdir)?.unwrap_or_default() {
        let (path, text) = match root.read(&format!("{kdir}/{name}")) {
            Ok(v) => v,
            Err(e) if is_unreadable(&e) => continue,
            Err(e) => return Err(e),
        };
        let value = one_line(&text).map_err(|e| Error::parse(&path, e))?;
        if let Some(v) = parse_u64(value) {
            thp.khugepaged.push((name, v));
        }
    }
    Ok(thp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{fuzz, TempRoot};

    fn choice(selected: &str, options: &[&str]) -> Choice {
        Choice {
            selected: selected.into(),
            options: options.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// This machine's files (Linux 6.18, x86_64).
    fn sample() -> TempRoot {
        let t = TempRoot::new("thp");
        for (f, v) in [
            ("enabled", &b"always [madvise] never\n"[..]),
            ("defrag", b"always defer defer+madvise [madvise] never\n"),
            (
                "shmem_enabled",
                b"always within_size advise [never] deny force\n",
            ),
            ("use_zero_page", b"1\n"),
            ("hpage_pmd_size", b"2097152\n"),
            ("shrink_underused", b"1\n"),
            (
                "hugepages-2048kB/enabled",
                b"always [inherit] madvise never\n",
            ),
            ("khugepaged/alloc_sleep_millisecs", b"60000\n"),
            ("khugepaged/defrag", b"1\n"),
            ("khugepaged/full_scans", b"0\n"),
            ("khugepaged/max_ptes_none", b"511\n"),
            ("khugepaged/max_ptes_shared", b"256\n"),
            ("khugepaged/max_ptes_swap", b"64\n"),
            ("khugepaged/pages_collapsed", b"0\n"),
            ("khugepaged/pages_to_scan", b"4096\n"),
            ("khugepaged/scan_sleep_millisecs", b"10000\n"),
        ] {
            t.write(&format!("{DIR}/{f}"), v);
        }
        t
    }

    #[test]
    fn parses_selectors() {
        assert_eq!(
            parse_choice(b"always [madvise] never\n").unwrap(),
            choice("madvise", &["always", "madvise", "never"])
        );
        assert_eq!(
            parse_choice(b"[always] madvise never\n").unwrap(),
            choice("always", &["always", "madvise", "never"])
        );
        assert_eq!(
            parse_choice(b"[none] scan-time\n").unwrap().selected,
            "none"
        );
        assert_eq!(
            parse_choice(b"[only]\n").unwrap(),
            choice("only", &["only"])
        );
    }

    #[test]
    fn rejects_garbled_and_truncated_selectors() {
        for bad in [
            &b"always madvise never\n"[..],
            b"[always] [madvise] never\n",
            b"always [madvise never\n",
            b"always [] never\n",
            b"always [[madvise]] never\n",
            b"always [madvise] never",
            b"\n",
            b"",
        ] {
            assert_eq!(
                parse_choice(bad).unwrap_err().line,
                Some(1),
                "{}",
                show(bad)
            );
        }
        assert_eq!(
            parse_choice(b"[always]\nnever\n").unwrap_err().line,
            Some(2)
        );
    }

    #[test]
    fn fuzzed_selectors_never_panic() {
        fuzz(
            b"always defer defer+madvise [madvise] never\n",
            parse_choice,
        );
    }

    #[test]
    fn reads_sample() {
        let t = sample();
        let thp = read(&t.root()).unwrap();
        assert_eq!(
            thp.enabled,
            Some(choice("madvise", &["always", "madvise", "never"]))
        );
        assert_eq!(
            thp.defrag,
            Some(choice(
                "madvise",
                &["always", "defer", "defer+madvise", "madvise", "never"]
            ))
        );
        let shmem = thp.shmem_enabled.unwrap();
        assert_eq!(shmem.selected, "never");
        assert_eq!(shmem.options.len(), 6);
        assert_eq!(thp.use_zero_page, Some(1));
        assert_eq!(thp.hpage_pmd_size, Some(2 << 20));
        let k: Vec<(&str, u64)> = thp
            .khugepaged
            .iter()
            .map(|(n, v)| (n.as_str(), *v))
            .collect();
        assert_eq!(
            k,
            [
                ("alloc_sleep_millisecs", 60000),
                ("defrag", 1),
                ("full_scans", 0),
                ("max_ptes_none", 511),
                ("max_ptes_shared", 256),
                ("max_ptes_swap", 64),
                ("pages_collapsed", 0),
                ("pages_to_scan", 4096),
                ("scan_sleep_millisecs", 10000),
            ]
        );
    }

    #[test]
    fn old_kernel_and_missing() {
        let t = TempRoot::new("thp-old");
        assert_eq!(read(&t.root()).unwrap(), Thp::default());
        t.write(&format!("{DIR}/enabled"), b"[always] madvise never\n");
        t.write(&format!("{DIR}/defrag"), b"always [madvise] never\n");
        t.write(&format!("{DIR}/khugepaged/defrag"), b"[yes] no\n");
        t.write(&format!("{DIR}/khugepaged/pages_to_scan"), b"4096\n");
        let thp = read(&t.root()).unwrap();
        assert_eq!(thp.enabled.unwrap().selected, "always");
        assert_eq!(thp.shmem_enabled, None);
        assert_eq!(thp.hpage_pmd_size, None);
        assert_eq!(thp.khugepaged, vec![("pages_to_scan".to_string(), 4096)]);
    }

    #[test]
    fn garbled_files_are_errors_naming_them() {
        let t = sample();
        t.write(&format!("{DIR}/enabled"), b"always madvise never\n");
        let e = read(&t.root()).unwrap_err();
        assert!(e.path().ends_with("transparent_hugepage/enabled"), "{e}");
        let t = sample();
        t.write(&format!("{DIR}/hpage_pmd_size"), b"2M\n");
        let e = read(&t.root()).unwrap_err();
        assert!(e.path().ends_with("hpage_pmd_size"), "{e}");
        let t = sample();
        t.write(&format!("{DIR}/khugepaged/pages_to_scan"), b"40");
        match read(&t.root()).unwrap_err() {
            Error::Parse { path, line, .. } => {
                assert!(path.ends_with("khugepaged/pages_to_scan"));
                assert_eq!(line, Some(1));
            }
            e => panic!("{e}"),
        }
    }

    #[test]
    fn reads_live_system() {
        let thp = read(&Root::live()).unwrap();
        if let Some(e) = thp.enabled {
            assert!(e.options.contains(&e.selected));
        }
    }
}
