//! Generated inputs for every parser: arbitrary bytes, and well-formed text cut and
//! corrupted at random. No panic, ever; well-formed text parses to the values it holds.

use memlens_sources::*;
use proptest::prelude::*;

/// Feeds one input to every parser; only panics matter.
fn all_parsers(b: &[u8]) {
    memlens_sources::parse_everything(b);
}

const KEYS: &[&str] = &[
    "Rss",
    "Pss",
    "Pss_Dirty",
    "Pss_Anon",
    "Private_Clean",
    "Private_Dirty",
    "Swap",
    "SwapPss",
    "Locked",
];

fn rollup_text(vals: &[u64], spaces: &[usize]) -> String {
    let mut s = String::from("00400000-7fff0000 ---p 00000000 00:00 0      [rollup]\n");
    for (i, k) in KEYS.iter().enumerate() {
        s.push_str(&format!(
            "{k}:{}{} kB\n",
            " ".repeat(1 + spaces[i] % 12),
            vals[i]
        ));
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..2048)) {
        all_parsers(&b);
    }

    #[test]
    fn rollup_round_trips(vals in proptest::collection::vec(0u64..(u64::MAX / 1024), 9), spaces in proptest::collection::vec(0usize..100, 9)) {
        let c = smaps::parse_rollup(rollup_text(&vals, &spaces).as_bytes()).unwrap();
        prop_assert_eq!(c.rss, Some(vals[0] * 1024));
        prop_assert_eq!(c.pss, Some(vals[1] * 1024));
        prop_assert_eq!(c.pss_dirty, Some(vals[2] * 1024));
        prop_assert_eq!(c.uss(), Some((vals[4] * 1024).saturating_add(vals[5] * 1024)));
    }

    #[test]
    fn numbers_past_u64_are_errors(extra in 1u32..1000) {
        let big = format!("{}{}", u64::MAX, extra);
        let t = format!("MemTotal: {big} kB\n");
        prop_assert!(meminfo::parse(t.as_bytes()).is_err());
        let r = format!("Rss: {big} kB\n");
        prop_assert!(smaps::parse_rollup(r.as_bytes()).is_err());
    }

    #[test]
    fn cut_or_corrupted_text_never_panics(
        vals in proptest::collection::vec(0u64..1_000_000, 9),
        cut in any::<prop::sample::Index>(),
        pos in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        dup in any::<bool>(),
    ) {
        let mut t = rollup_text(&vals, &[1; 9]).into_bytes();
        if dup {
            let again = t.clone();
            t.extend_from_slice(&again[again.iter().position(|&b| b == b'\n').unwrap() + 1..]);
        }
        let i = pos.index(t.len());
        t[i] = byte;
        all_parsers(&t);
        let c = cut.index(t.len());
        all_parsers(&t[..c]);
        // A cut that loses the final newline is reported, not parsed as a shorter number.
        if c > 0 && t[c - 1] != b'\n' {
            prop_assert!(smaps::parse_rollup(&t[..c]).is_err());
        }
    }

    #[test]
    fn smaps_paths_survive(path in "[ -~]{0,60}", deleted in any::<bool>()) {
        let p = if deleted { format!("/{path} (deleted)") } else { format!("/{path}") };
        let t = format!("00400000-00401000 r--s 00000000 fe:00 12 {p}\nRss: 4 kB\n");
        let m = smaps::parse_smaps(t.as_bytes()).unwrap();
        prop_assert_eq!(m.len(), 1);
        prop_assert_eq!(&m[0].path, p.trim_end());
    }
}
