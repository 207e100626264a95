//! `/proc/PID/smaps` (one block per mapping) and `/proc/PID/smaps_rollup` (one block).
//!
//! Keys are matched exactly: `Pss` is not `Pss_Dirty` or `Pss_Anon` (prefix matching is a
//! known bug of peer tools that makes PSS too large).

use memlens_model::{Mapping, MappingKind, SmapsCounters};

use crate::error::ParseError;
use crate::text::escaped;
use crate::text::{
    check_complete, fields, lines, lossy, parse_hex, parse_kb_value, parse_u64, show, split_key,
    trim,
};

/// Whether a line is a mapping header (`start-end perms offset dev inode path`) rather than
/// a `Key: value` line: its first word has a dash and no colon.
fn is_header(line: &[u8]) -> bool {
    let first = line.split(|&b| b == b' ').next().unwrap_or(b"");
    first.contains(&b'-') && !first.contains(&b':')
}

/// Applies one `Key: value` line to counters. Returns `Ok(false)` for keys that are not
/// counters (the caller may handle them).
#[inline]
fn apply_counter(
    c: &mut SmapsCounters,
    key: &[u8],
    value: &[u8],
    n: usize,
) -> Result<bool, ParseError> {
    match c.slot_of_bytes(key) {
        Some(slot) => {
            let v = parse_kb_value(value, true).ok_or_else(|| {
                ParseError::at(n, format!("{}: bad value {}", lossy(key), show(value)))
            })?;
            *slot = Some(v);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Parses `smaps_rollup`. Empty text (a kernel thread or a zombie) gives empty counters.
pub fn parse_rollup(text: &[u8]) -> Result<SmapsCounters, ParseError> {
    check_complete(text)?;
    let mut c = SmapsCounters::default();
    for (n, line) in lines(text) {
        if is_header(line) {
            continue;
        }
        let (key, value) = split_key(line)
            .ok_or_else(|| ParseError::at(n, format!("no colon in {}", show(line))))?;
        apply_counter(&mut c, key, value, n)?;
    }
    Ok(c)
}

/// Parses a mapping header line.
fn parse_header(line: &[u8], n: usize) -> Result<Mapping, ParseError> {
    let bad =
        |what: &str| ParseError::at(n, format!("bad mapping header ({what}): {}", show(line)));
    let mut rest = line;
    let mut next_word = || -> Option<&[u8]> {
        let s = trim(rest);
        let end = s.iter().position(|&b| b == b' ').unwrap_or(s.len());
        let (w, r) = s.split_at(end);
        rest = r;
        (!w.is_empty()).then_some(w)
    };
    let range = next_word().ok_or_else(|| bad("range"))?;
    let perms = next_word().ok_or_else(|| bad("perms"))?;
    let offset = next_word().ok_or_else(|| bad("offset"))?;
    let dev = next_word().ok_or_else(|| bad("device"))?;
    let inode = next_word().ok_or_else(|| bad("inode"))?;
    let path = trim(rest);
    let (start, end) = {
        let dash = range
            .iter()
            .position(|&b| b == b'-')
            .ok_or_else(|| bad("range"))?;
        (
            parse_hex(&range[..dash]).ok_or_else(|| bad("start"))?,
            parse_hex(&range[dash + 1..]).ok_or_else(|| bad("end"))?,
        )
    };
    if end < start || perms.len() != 4 || !dev.contains(&b':') {
        return Err(bad("fields"));
    }
    let perms_s = lossy(perms);
    let path_s = escaped(path);
    let kind = classify(&path_s, perms.get(3) == Some(&b's'));
    Ok(Mapping {
        start,
        end,
        perms: perms_s,
        offset: parse_hex(offset).ok_or_else(|| bad("offset"))?,
        dev: lossy(dev),
        inode: parse_u64(inode).ok_or_else(|| bad("inode"))?,
        path: path_s,
        kind,
        counters: SmapsCounters::default(),
        thp_eligible: None,
        vm_flags: None,
    })
}

/// The kind of a mapping from its path and whether it is shared.
pub fn classify(path: &str, shared: bool) -> MappingKind {
    match path {
        "" if shared => MappingKind::Shmem,
        "" => MappingKind::Anon,
        "[heap]" => MappingKind::Heap,
        "[vdso]" | "[vvar]" | "[vvar_vclock]" | "[vsyscall]" | "[uprobes]" | "[sigpage]"
        | "[vectors]" => MappingKind::Kernel,
        p if p == "[stack]" || p.starts_with("[stack:") => MappingKind::Stack,
        p if p.starts_with("[anon_shmem:") => MappingKind::Shmem,
        p if p.starts_with('[') => MappingKind::Anon,
        p if p.starts_with("/SYSV") || p.starts_with("/dev/shm/") || p.starts_with("/memfd:") => {
            MappingKind::Shmem
        }
        p if p.starts_with("/dev/zero") => {
            if shared {
                MappingKind::Shmem
            } else {
                MappingKind::Anon
            }
        }
        _ => MappingKind::File,
    }
}

/// Parses a full `smaps` file into mappings.
pub fn parse_smaps(text: &[u8]) -> Result<Vec<Mapping>, ParseError> {
    check_complete(text)?;
    let mut out: Vec<Mapping> = Vec::new();
    for (n, line) in lines(text) {
        if is_header(line) {
            out.push(parse_header(line, n)?);
            continue;
        }
        let m = out
            .last_mut()
            .ok_or_else(|| ParseError::at(n, "field before the first mapping header"))?;
        let (key, value) = split_key(line)
            .ok_or_else(|| ParseError::at(n, format!("no colon in {}", show(line))))?;
        if apply_counter(&mut m.counters, key, value, n)? {
            continue;
        }
        match key {
            b"THPeligible" => {
                m.thp_eligible = Some(
                    parse_u64(value).ok_or_else(|| ParseError::at(n, "THPeligible: bad value"))?
                        != 0,
                )
            }
            b"VmFlags" => {
                let flags: Vec<&[u8]> = fields(value).collect();
                m.vm_flags = Some(lossy(&flags.join(&b' ')));
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Sums the counters of all mappings, as `smaps_rollup` would (for kernels before 4.14).
/// `Size`, `KernelPageSize` and `MMUPageSize` are dropped, as the rollup has none.
pub fn sum(maps: &[Mapping]) -> SmapsCounters {
    let mut total = SmapsCounters::default();
    for m in maps {
        total.add(&m.counters);
    }
    total.size = None;
    total.kernel_page_size = None;
    total.mmu_page_size = None;
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLLUP: &[u8] = b"5588a4d50000-7ffe9fae9000 ---p 00000000 00:00 0                          [rollup]\nRss:                1748 kB\nPss:                 753 kB\nPss_Dirty:           112 kB\nPss_Anon:            112 kB\nPss_File:            641 kB\nPss_Shmem:             0 kB\nShared_Clean:       1580 kB\nShared_Dirty:          0 kB\nPrivate_Clean:        56 kB\nPrivate_Dirty:       112 kB\nSwap:                  8 kB\nSwapPss:               4 kB\n";

    #[test]
    fn rollup_matches_keys_exactly() {
        let c = parse_rollup(ROLLUP).unwrap();
        assert_eq!(
            c.pss,
            Some(753 * 1024),
            "Pss must not absorb Pss_Dirty/Pss_Anon"
        );
        assert_eq!(c.pss_dirty, Some(112 * 1024));
        assert_eq!(c.uss(), Some((56 + 112) * 1024));
        assert_eq!(c.swap_pss, Some(4 * 1024));
        assert_eq!(c.locked, None);
        assert_eq!(c.size, None, "smaps_rollup has no Size");
    }

    #[test]
    fn rollup_of_kernel_thread_is_empty() {
        assert_eq!(parse_rollup(b"").unwrap(), SmapsCounters::default());
    }

    #[test]
    fn smaps_paths_with_spaces_and_deleted() {
        let text = b"7f0000000000-7f0000002000 rw-s 00000000 00:01 4242                       /dev/shm/my file (deleted)\nSize:                  8 kB\nRss:                   4 kB\nTHPeligible:    0\nVmFlags: rd wr sh mr mw me ms sd\n00400000-00401000 r-xp 00000000 fe:00 12 /usr/bin/x\nSize: 4 kB\nRss: 4 kB\n7ffd0000-7ffd1000 rw-p 00000000 00:00 0                                  [stack]\nRss: 0 kB\n";
        let maps = parse_smaps(text).unwrap();
        assert_eq!(maps.len(), 3);
        assert_eq!(maps[0].path, "/dev/shm/my file (deleted)");
        assert_eq!(maps[0].kind, MappingKind::Shmem);
        assert_eq!(maps[0].size(), 8192);
        assert_eq!(maps[0].thp_eligible, Some(false));
        assert_eq!(maps[0].vm_flags.as_deref(), Some("rd wr sh mr mw me ms sd"));
        assert_eq!(maps[1].kind, MappingKind::File);
        assert_eq!(maps[1].inode, 12);
        assert_eq!(maps[2].kind, MappingKind::Stack);
        assert_eq!(sum(&maps).rss, Some(8192));
    }

    #[test]
    fn non_utf8_path_is_kept_lossily() {
        let text = b"00400000-00401000 r-xp 00000000 fe:00 12 /tmp/\xff\xfe\nRss: 4 kB\n";
        let maps = parse_smaps(text).unwrap();
        assert!(maps[0].path.starts_with("/tmp/"));
    }

    #[test]
    fn garbled_smaps_is_an_error_with_a_line() {
        assert_eq!(parse_smaps(b"Rss: 4 kB\n").unwrap_err().line, Some(1));
        let e = parse_smaps(b"00400000-00401000 r-xp 00000000 fe:00 12 /x\nRss: four kB\n")
            .unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = parse_smaps(b"00400000-zz r-xp 00000000 fe:00 12 /x\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(parse_rollup(b"Rss: 4 kB\nPss").is_err());
    }

    #[test]
    fn classification() {
        assert_eq!(classify("", false), MappingKind::Anon);
        assert_eq!(classify("", true), MappingKind::Shmem);
        assert_eq!(classify("/dev/zero (deleted)", true), MappingKind::Shmem);
        assert_eq!(
            classify("/SYSV00000000 (deleted)", true),
            MappingKind::Shmem
        );
        assert_eq!(
            classify("/memfd:wayland (deleted)", true),
            MappingKind::Shmem
        );
        assert_eq!(classify("[anon:glibc malloc]", false), MappingKind::Anon);
        assert_eq!(classify("[vdso]", false), MappingKind::Kernel);
        assert_eq!(classify("[heap]", false), MappingKind::Heap);
        assert_eq!(classify("/usr/lib/libc.so.6", false), MappingKind::File);
    }
}
