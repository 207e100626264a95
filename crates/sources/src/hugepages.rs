//! `/sys/kernel/mm/hugepages/hugepages-<size>kB/`: one directory per hugetlb page size
//! (`2048kB` and `1048576kB` on x86_64), each with one-value files `nr_hugepages`,
//! `free_hugepages`, `resv_hugepages`, `surplus_hugepages` and `nr_overcommit_hugepages`
//! (also `nr_hugepages_mempolicy`, and `demote`/`demote_size` since 5.16, not read here).
//!
//! The directory is missing without `CONFIG_HUGETLBFS`; a gigantic page size is listed
//! only when the CPU supports it. Per-node pools live under
//! `/sys/devices/system/node/node*/hugepages/` and are not read here.

use memlens_model::HugePool;

use crate::error::Result;
use crate::root::Root;
use crate::sysfs::read_u64;

const DIR: &str = "sys/kernel/mm/hugepages";

/// The page size in bytes of a pool directory name: `hugepages-2048kB` -> 2 MiB.
pub fn parse_dir_name(name: &str) -> Option<u64> {
    let kb = name.strip_prefix("hugepages-")?.strip_suffix("kB")?;
    let kb = crate::text::parse_u64(kb.as_bytes())?;
    if kb == 0 {
        return None;
    }
    kb.checked_mul(1024)
}

/// Reads every pool, sorted by page size; an empty list when the directory is missing.
/// Missing files give `None` fields; a file that is not a number is an error naming it.
pub fn read(root: &Root) -> Result<Vec<HugePool>> {
    let entries = match root.entries(DIR) {
        Ok(v) => v,
        Err(e) if e.is_missing() => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut pools = Vec::new();
    for entry in entries {
        let Some(name) = entry.name.to_str() else {
            continue;
        };
        let Some(page_size) = parse_dir_name(name) else {
            continue;
        };
        // The pools are directories (on sysfs, listed as such).
        if !root.is_dir(&format!("{DIR}/{name}")) {
            continue;
        }
        let file = |f: &str| read_u64(root, &format!("{DIR}/{name}/{f}"));
        pools.push(HugePool {
            page_size,
            nr_hugepages: file("nr_hugepages")?,
            free_hugepages: file("free_hugepages")?,
            resv_hugepages: file("resv_hugepages")?,
            surplus_hugepages: file("surplus_hugepages")?,
            nr_overcommit_hugepages: file("nr_overcommit_hugepages")?,
        });
    }
    pools.sort_by_key(|p| p.page_size);
    Ok(pools)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::testutil::TempRoot;

    /// This machine's layout (Linux 6.18, x86_64); the 2 MiB pool's numbers are made
    /// distinct so that a swapped field would show (the machine has no pages reserved).
    fn sample() -> TempRoot {
        let t = TempRoot::new("hugepages");
        let g = "sys/kernel/mm/hugepages/hugepages-1048576kB";
        for (f, v) in [
            ("demote_size", &b"2048kB\n"[..]),
            ("free_hugepages", b"0\n"),
            ("nr_hugepages", b"0\n"),
            ("nr_hugepages_mempolicy", b"0\n"),
            ("nr_overcommit_hugepages", b"0\n"),
            ("resv_hugepages", b"0\n"),
            ("surplus_hugepages", b"0\n"),
        ] {
            t.write(&format!("{g}/{f}"), v);
        }
        t.write_mode(&format!("{g}/demote"), b"", 0o200);
        let m = "sys/kernel/mm/hugepages/hugepages-2048kB";
        for (f, v) in [
            ("free_hugepages", &b"60\n"[..]),
            ("nr_hugepages", b"128\n"),
            ("nr_hugepages_mempolicy", b"128\n"),
            ("nr_overcommit_hugepages", b"16\n"),
            ("resv_hugepages", b"4\n"),
            ("surplus_hugepages", b"2\n"),
        ] {
            t.write(&format!("{m}/{f}"), v);
        }
        t
    }

    #[test]
    fn reads_pools_sorted_by_size() {
        let t = sample();
        let pools = read(&t.root()).unwrap();
        assert_eq!(
            pools,
            vec![
                HugePool {
                    page_size: 2 << 20,
                    nr_hugepages: Some(128),
                    free_hugepages: Some(60),
                    resv_hugepages: Some(4),
                    surplus_hugepages: Some(2),
                    nr_overcommit_hugepages: Some(16),
                },
                HugePool {
                    page_size: 1 << 30,
                    nr_hugepages: Some(0),
                    free_hugepages: Some(0),
                    resv_hugepages: Some(0),
                    surplus_hugepages: Some(0),
                    nr_overcommit_hugepages: Some(0),
                },
            ]
        );
    }

    #[test]
    fn missing_directory_files_and_strangers() {
        let t = TempRoot::new("hugepages-missing");
        assert!(read(&t.root()).unwrap().is_empty());
        t.write(
            "sys/kernel/mm/hugepages/hugepages-64kB/nr_hugepages",
            b"3\n",
        );
        t.write("sys/kernel/mm/hugepages/hugepages-xkB/nr_hugepages", b"3\n");
        t.write("sys/kernel/mm/hugepages/hugepages-32kB", b"a file\n");
        t.mkdir("sys/kernel/mm/hugepages/other");
        let pools = read(&t.root()).unwrap();
        assert_eq!(pools.len(), 1);
        assert_eq!(pools[0].page_size, 64 << 10);
        assert_eq!(pools[0].nr_hugepages, Some(3));
        assert_eq!(pools[0].free_hugepages, None);
    }

    #[test]
    fn garbled_and_truncated_values_name_the_file() {
        for bad in [&b"12x\n"[..], b"12", b"-1\n", b"1\n2\n", b"\n"] {
            let t = sample();
            t.write(
                "sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages",
                bad,
            );
            match read(&t.root()).unwrap_err() {
                Error::Parse { path, line, .. } => {
                    assert!(path.ends_with("hugepages-2048kB/resv_hugepages"));
                    assert_eq!(line, Some(if bad == b"1\n2\n" { 2 } else { 1 }));
                }
                e => panic!("{e}"),
            }
        }
    }

    #[test]
    fn dir_names() {
        assert_eq!(parse_dir_name("hugepages-2048kB"), Some(2 << 20));
        assert_eq!(parse_dir_name("hugepages-1048576kB"), Some(1 << 30));
        assert_eq!(parse_dir_name("hugepages-16777216kB"), Some(16 << 30));
        assert_eq!(parse_dir_name("hugepages-0kB"), None);
        assert_eq!(parse_dir_name("hugepages-kB"), None);
        assert_eq!(parse_dir_name("hugepages-2048KB"), None);
        assert_eq!(parse_dir_name("hugepages-99999999999999999999kB"), None);
        assert_eq!(
            parse_dir_name("hugepages-18014398509481984kB"),
            None,
            "overflow"
        );
    }

    #[test]
    fn fuzzed_dir_names_never_panic() {
        let base = "hugepages-1048576kB";
        for i in 0..=base.len() {
            let _ = parse_dir_name(&base[..i]);
            let _ = parse_dir_name(&base[i..]);
        }
        for g in [
            "",
            "-",
            "hugepages-",
            "hugepages--1kB",
            "hugepages-1kB\n",
            "hugepages-ùkB",
        ] {
            assert_eq!(parse_dir_name(g), None);
        }
    }

    #[test]
    fn reads_live_system() {
        for p in read(&Root::live()).unwrap() {
            assert!(p.page_size >= 64 << 10);
            assert!(p.nr_hugepages.is_some());
        }
    }
}
