//! `/sys/kernel/mm/ksm/`: kernel samepage merging switches and counters, one number per
//! file (`run`, `pages_shared`, `pages_sharing`, `pages_unshared`, `full_scans`...).
//!
//! The set of files grows with the kernel (`max_page_sharing`, `stable_node_*` and
//! `use_zero_pages` in 4.x; `general_profit`, which may be negative, `ksm_zero_pages`,
//! `smart_scan` and `advisor_*` in 6.x), so every numeric file is kept by name.
//! Non-numeric files such as the `advisor_mode` selector (`[none] scan-time`) are skipped.
//! The directory is missing without `CONFIG_KSM`.

use memlens_model::Ksm;

use crate::error::{Error, Result};
use crate::root::Root;
use crate::sysfs::{is_unreadable, one_line, readable_files};
use crate::text::parse_i64;

const DIR: &str = "sys/kernel/mm/ksm";

/// Reads every numeric file, sorted by name; empty when the directory is missing.
/// A file cut short (no final newline) is an error naming it.
pub fn read(root: &Root) -> Result<Ksm> {
    let mut out = Vec::new();
    for name in readable_files(root, DIR)?.unwrap_or_default() {
        let (path, text) = match root.read(&format!("{DIR}/{name}")) {
            Ok(v) => v,
            Err(e) if is_unreadable(&e) => continue,
            Err(e) => return Err(e),
        };
        let value = one_line(&text).map_err(|e| Error::parse(&path, e))?;
        if let Some(v) = parse_i64(value) {
            out.push((name, v));
        }
    }
    Ok(Ksm(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{fuzz, TempRoot};

    /// This machine's files (Linux 6.18), with KSM running and merging so that the
    /// numbers mean something (the machine itself has `run` 0 and zero counters), and a
    /// negative `general_profit` as the kernel reports when metadata outweighs the savings.
    fn sample() -> TempRoot {
        let t = TempRoot::new("ksm");
        for (f, v) in [
            ("advisor_max_cpu", &b"70\n"[..]),
            ("advisor_max_pages_to_scan", b"30000\n"),
            ("advisor_min_pages_to_scan", b"500\n"),
            ("advisor_mode", b"[none] scan-time\n"),
            ("advisor_target_scan_time", b"200\n"),
            ("full_scans", b"12\n"),
            ("general_profit", b"-40960\n"),
            ("ksm_zero_pages", b"0\n"),
            ("max_page_sharing", b"256\n"),
            ("merge_across_nodes", b"1\n"),
            ("pages_scanned", b"81920\n"),
            ("pages_shared", b"310\n"),
            ("pages_sharing", b"2052\n"),
            ("pages_skipped", b"0\n"),
            ("pages_to_scan", b"100\n"),
            ("pages_unshared", b"7400\n"),
            ("pages_volatile", b"15\n"),
            ("run", b"1\n"),
            ("sleep_millisecs", b"20\n"),
            ("smart_scan", b"1\n"),
            ("stable_node_chains", b"0\n"),
            ("stable_node_chains_prune_millisecs", b"2000\n"),
            ("stable_node_dups", b"0\n"),
            ("use_zero_pages", b"0\n"),
        ] {
            t.write(&format!("{DIR}/{f}"), v);
        }
        t
    }

    #[test]
    fn reads_numeric_files_sorted() {
        let t = sample();
        let k = read(&t.root()).unwrap();
        assert_eq!(k.0.len(), 23, "advisor_mode is not a number");
        assert_eq!(k.0[0], ("advisor_max_cpu".to_string(), 70));
        assert_eq!(k.0.last().unwrap(), &("use_zero_pages".to_string(), 0));
        assert!(k.0.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(k.get("run"), Some(1));
        assert_eq!(k.get("pages_shared"), Some(310));
        assert_eq!(k.get("pages_sharing"), Some(2052));
        assert_eq!(k.get("general_profit"), Some(-40960));
        assert_eq!(k.get("advisor_mode"), None);
    }

    #[test]
    fn missing_write_only_and_truncated() {
        let t = TempRoot::new("ksm-missing");
        assert_eq!(read(&t.root()).unwrap(), Ksm::default());
        t.write(&format!("{DIR}/run"), b"0\n");
        t.write_mode(&format!("{DIR}/trigger"), b"5\n", 0o200);
        assert_eq!(read(&t.root()).unwrap().0, vec![("run".to_string(), 0)]);
        t.write(&format!("{DIR}/pages_shared"), b"31");
        match read(&t.root()).unwrap_err() {
            Error::Parse { path, line, .. } => {
                assert!(path.ends_with("ksm/pages_shared"));
                assert_eq!(line, Some(1));
            }
            e => panic!("{e}"),
        }
        t.write(&format!("{DIR}/pages_shared"), b"31\n32\n");
        assert!(read(&t.root()).is_err());
    }

    #[test]
    fn fuzzed_values_never_panic() {
        fuzz(b"-40960\n", crate::sysfs::parse_i64_value);
        fuzz(b"[none] scan-time\n", |t| one_line(t).map(<[u8]>::len));
    }

    #[test]
    fn reads_live_system() {
        let k = read(&Root::live()).unwrap();
        if !k.0.is_empty() {
            assert!(k.get("run").is_some());
        }
    }
}
