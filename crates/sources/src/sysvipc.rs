//! `/proc/sysvipc/{shm,sem,msg}`: the SysV IPC objects, one per line under a header line
//! naming the columns (`ipc/shm.c`, `ipc/sem.c`, `ipc/msg.c`, `sysvipc_*_proc_show`).
//!
//! ```text
//!        key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap
//!          0         48  1600               8388608   377   377      2     0     0     0     0 1795307189          0 1795307189               8388608                     0
//! ```
//!
//! Columns are found by their header names, so older kernels without `rss`/`swap` (added
//! in 2.6.x) read with those as `None`. `key` is printed as a signed decimal, `perms` in
//! octal (the whole `mode`, so `SHM_DEST` shows as `1600`), `size`, `rss` and `swap` in
//! bytes. The files are missing without `CONFIG_SYSVIPC`.

use memlens_model::{MsgQueue, SemSet, ShmSegment};

use crate::error::{Error, ParseError, Result};
use crate::root::Root;
use crate::text::{check_complete, fields, lines, parse_i64, parse_u64, show};

/// The header's column names and the rows' fields, checked to match in number.
struct Rows<'a> {
    header: Vec<&'a [u8]>,
    rows: Vec<(usize, Vec<&'a [u8]>)>,
}

impl<'a> Rows<'a> {
    fn parse(text: &'a [u8]) -> std::result::Result<Rows<'a>, ParseError> {
        check_complete(text)?;
        let mut it = lines(text);
        let Some((_, head)) = it.next() else {
            return Err(ParseError::file("empty file (no header line)"));
        };
        let header: Vec<&[u8]> = fields(head).filter(|f| !f.is_empty()).collect();
        if header.is_empty()
            || header
                .iter()
                .any(|h| !h.iter().all(|b| b.is_ascii_lowercase()))
        {
            return Err(ParseError::at(
                1,
                format!("not a header line: {}", show(head)),
            ));
        }
        let mut rows = Vec::new();
        for (n, line) in it {
            let f: Vec<&[u8]> = fields(line).filter(|f| !f.is_empty()).collect();
            if f.len() != header.len() {
                return Err(ParseError::at(
                    n,
                    format!(
                        "{} fields under a header of {}: {}",
                        f.len(),
                        header.len(),
                        show(line)
                    ),
                ));
            }
            rows.push((n, f));
        }
        Ok(Rows { header, rows })
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| *h == name.as_bytes())
    }

    fn need(&self, name: &str) -> std::result::Result<usize, ParseError> {
        self.col(name)
            .ok_or_else(|| ParseError::at(1, format!("header has no `{name}` column")))
    }
}

fn num<T: TryFrom<u64>>(
    f: &[&[u8]],
    i: usize,
    n: usize,
    what: &str,
) -> std::result::Result<T, ParseError> {
    parse_u64(f[i])
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| ParseError::at(n, format!("bad {what}: {}", show(f[i]))))
}

fn opt(
    f: &[&[u8]],
    i: Option<usize>,
    n: usize,
    what: &str,
) -> std::result::Result<Option<u64>, ParseError> {
    i.map(|i| num(f, i, n, what)).transpose()
}

fn key(f: &[&[u8]], i: usize, n: usize) -> std::result::Result<i64, ParseError> {
    parse_i64(f[i])
        .filter(|k| i32::try_from(*k).is_ok())
        .ok_or_else(|| ParseError::at(n, format!("bad key: {}", show(f[i]))))
}

fn mode(f: &[&[u8]], i: usize, n: usize) -> std::result::Result<u32, ParseError> {
    let s = f[i];
    let ok = !s.is_empty() && s.len() <= 7 && s.iter().all(|b| (b'0'..=b'7').contains(b));
    if !ok {
        return Err(ParseError::at(n, format!("bad perms (octal): {}", show(s))));
    }
    Ok(s.iter().fold(0u32, |m, b| m * 8 + (b - b'0') as u32))
}

/// Parses `/proc/sysvipc/shm`.
pub fn parse_shm(text: &[u8]) -> std::result::Result<Vec<ShmSegment>, ParseError> {
    let t = Rows::parse(text)?;
    let [k, id, p, size, cpid, lpid, nattch, uid, gid, cuid, cgid] = [
        "key", "shmid", "perms", "size", "cpid", "lpid", "nattch", "uid", "gid", "cuid", "cgid",
    ]
    .map(|c| t.need(c));
    let (k, id, p, size, cpid, lpid, nattch) = (k?, id?, p?, size?, cpid?, lpid?, nattch?);
    let (uid, gid, cuid, cgid) = (uid?, gid?, cuid?, cgid?);
    let [atime, dtime, ctime, rss, swap] =
        ["atime", "dtime", "ctime", "rss", "swap"].map(|c| t.col(c));
    t.rows
        .iter()
        .map(|(n, f)| {
            let n = *n;
            Ok(ShmSegment {
                key: key(f, k, n)?,
                shmid: num(f, id, n, "shmid")?,
                mode: mode(f, p, n)?,
                size: num(f, size, n, "size")?,
                cpid: num(f, cpid, n, "cpid")?,
                lpid: num(f, lpid, n, "lpid")?,
                nattch: num(f, nattch, n, "nattch")?,
                uid: num(f, uid, n, "uid")?,
                gid: num(f, gid, n, "gid")?,
                cuid: num(f, cuid, n, "cuid")?,
                cgid: num(f, cgid, n, "cgid")?,
                atime: opt(f, atime, n, "atime")?,
                dtime: opt(f, dtime, n, "dtime")?,
                ctime: opt(f, ctime, n, "ctime")?,
                rss: opt(f, rss, n, "rss")?,
                swap: opt(f, swap, n, "swap")?,
            })
        })
        .collect()
}

/// Parses `/proc/sysvipc/sem`.
pub fn parse_sem(text: &[u8]) -> std::result::Result<Vec<SemSet>, ParseError> {
    let t = Rows::parse(text)?;
    let (k, id, p, nsems, uid) = (
        t.need("key")?,
        t.need("semid")?,
        t.need("perms")?,
        t.need("nsems")?,
        t.need("uid")?,
    );
    t.rows
        .iter()
        .map(|(n, f)| {
            let n = *n;
            Ok(SemSet {
                key: key(f, k, n)?,
                semid: num(f, id, n, "semid")?,
                mode: mode(f, p, n)?,
                nsems: num(f, nsems, n, "nsems")?,
                uid: num(f, uid, n, "uid")?,
            })
        })
        .collect()
}

/// Parses `/proc/sysvipc/msg`.
pub fn parse_msg(text: &[u8]) -> std::result::Result<Vec<MsgQueue>, ParseError> {
    let t = Rows::parse(text)?;
    let (k, id, p, cbytes, qnum, uid) = (
        t.need("key")?,
        t.need("msqid")?,
        t.need("perms")?,
        t.need("cbytes")?,
        t.need("qnum")?,
        t.need("uid")?,
    );
    t.rows
        .iter()
        .map(|(n, f)| {
            let n = *n;
            Ok(MsgQueue {
                key: key(f, k, n)?,
                msqid: num(f, id, n, "msqid")?,
                mode: mode(f, p, n)?,
                cbytes: num(f, cbytes, n, "cbytes")?,
                qnum: num(f, qnum, n, "qnum")?,
                uid: num(f, uid, n, "uid")?,
            })
        })
        .collect()
}

fn read_with<T>(
    root: &Root,
    rel: &str,
    parse: fn(&[u8]) -> std::result::Result<Vec<T>, ParseError>,
) -> Result<Option<Vec<T>>> {
    match root.read_optional(rel)? {
        None => Ok(None),
        Some((path, text)) => parse(&text).map(Some).map_err(|e| Error::parse(&path, e)),
    }
}

/// `None` when the file is missing (no `CONFIG_SYSVIPC`, or not captured).
pub fn read_shm(root: &Root) -> Result<Option<Vec<ShmSegment>>> {
    read_with(root, "proc/sysvipc/shm", parse_shm)
}

pub fn read_sem(root: &Root) -> Result<Option<Vec<SemSet>>> {
    read_with(root, "proc/sysvipc/sem", parse_sem)
}

pub fn read_msg(root: &Root) -> Result<Option<Vec<MsgQueue>>> {
    read_with(root, "proc/sysvipc/msg", parse_msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{fuzz, TempRoot};

    const SHM: &[u8] = b"       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap
         0         48  1600               8388608   377   377      2     0     0     0     0 1795307189          0 1795307189               8388608                     0
1234567890         49   640              67108864  4001  4002      0  1000   100     0     0          0          0 1795307200              16777216               4194304
-559038737         50  2600                  4096     1     1      1    65534 65534 0 0 1 2 3 4096 0
";
    const SEM: &[u8] =
        b"       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime
    305419896          0   666          3     0     0     0     0          0 1795307189
         0          1   600        250  1000  1000  1000  1000          0 1795307190
";
    const MSG: &[u8] = b"       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime
        42          0   644        1024          3   100     0     0     0     0     0 1795307189          0 1795307189
";

    #[test]
    fn shm_every_column() {
        let s = parse_shm(SHM).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(
            s[0],
            ShmSegment {
                key: 0,
                shmid: 48,
                mode: 0o1600,
                size: 8 << 20,
                cpid: 377,
                lpid: 377,
                nattch: 2,
                uid: 0,
                gid: 0,
                cuid: 0,
                cgid: 0,
                atime: Some(1795307189),
                dtime: Some(0),
                ctime: Some(1795307189),
                rss: Some(8 << 20),
                swap: Some(0),
            }
        );
        assert_eq!(s[1].key, 1234567890);
        assert_eq!(s[1].mode, 0o640);
        assert_eq!((s[1].uid, s[1].gid), (1000, 100));
        assert_eq!(s[1].swap, Some(4 << 20));
        assert_eq!(s[2].key, -559038737, "0xdeadbeef printed as %d");
        assert_eq!(s[2].mode, 0o2600, "SHM_LOCKED");
    }

    #[test]
    fn header_only_and_old_columns() {
        let head = SHM.split(|b| *b == b'\n').next().unwrap();
        let mut t = head.to_vec();
        t.push(b'\n');
        assert!(parse_shm(&t).unwrap().is_empty());
        // 2.6.1x: no rss and swap columns.
        let old = b"       key      shmid perms       size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime\n      0      5   600    4096   10    10      1     0     0     0     0 0 0 0\n";
        let s = parse_shm(old).unwrap();
        assert_eq!(s[0].size, 4096);
        assert_eq!(s[0].rss, None);
    }

    #[test]
    fn sem_and_msg() {
        let s = parse_sem(SEM).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].key, s[0].semid, s[0].mode, s[0].nsems),
            (305419896, 0, 0o666, 3)
        );
        assert_eq!(s[1].nsems, 250);
        assert_eq!(s[1].uid, 1000);
        let m = parse_msg(MSG).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].key, m[0].cbytes, m[0].qnum, m[0].mode),
            (42, 1024, 3, 0o644)
        );
    }

    #[test]
    fn garbled_and_truncated() {
        let cut = &SHM[..SHM.len() - 5];
        assert_eq!(parse_shm(cut).unwrap_err().line, Some(4));
        let e = |t: &str| parse_shm(t.as_bytes()).unwrap_err();
        let head = "key shmid perms size cpid lpid nattch uid gid cuid cgid\n";
        assert_eq!(
            e(&format!("{head}0 1 600 4096 1 1 1 0 0 0\n")).line,
            Some(2),
            "short row"
        );
        assert_eq!(
            e(&format!("{head}0 1 600 4096 1 1 1 0 0 0 0 9\n")).line,
            Some(2)
        );
        assert_eq!(
            e(&format!("{head}0 1 680 4096 1 1 1 0 0 0 0\n")).line,
            Some(2),
            "8 in octal"
        );
        assert_eq!(
            e(&format!("{head}0 1 600 4k 1 1 1 0 0 0 0\n")).line,
            Some(2)
        );
        assert_eq!(
            e(&format!("{head}0 1 600 4096 -1 1 1 0 0 0 0\n")).line,
            Some(2)
        );
        assert_eq!(
            e(&format!("{head}x 1 600 4096 1 1 1 0 0 0 0\n")).line,
            Some(2)
        );
        assert_eq!(
            e(&format!("{head}4294967296 1 600 1 1 1 1 0 0 0 0\n")).line,
            Some(2),
            "key > int"
        );
        assert_eq!(
            e(&format!("{head}0 1 600 1 99999999999 1 1 0 0 0 0\n")).line,
            Some(2),
            "pid > u32"
        );
        assert_eq!(
            e("key shmid perms size\n0 1 600 1\n").line,
            Some(1),
            "no cpid column"
        );
        assert_eq!(e("0 1 600 4096\n").line, Some(1), "no header");
        assert_eq!(e("").line, None);
        assert!(parse_sem(b"key semid perms\n").is_err());
        assert!(parse_msg(MSG.split_at(40).0).is_err());
    }

    #[test]
    fn fuzzed_never_panic() {
        fuzz(SHM, parse_shm);
        fuzz(SEM, parse_sem);
        fuzz(MSG, parse_msg);
    }

    #[test]
    fn read_missing_and_present() {
        let t = TempRoot::new("sysvipc");
        assert_eq!(read_shm(&t.root()).unwrap(), None);
        t.write("proc/sysvipc/shm", SHM);
        t.write("proc/sysvipc/sem", b"garbage\n1\n");
        assert_eq!(read_shm(&t.root()).unwrap().unwrap().len(), 3);
        let e = read_sem(&t.root()).unwrap_err();
        assert!(e.to_string().contains("proc/sysvipc/sem:1:"), "{e}");
    }

    #[test]
    fn reads_live_system() {
        if let Some(s) = read_shm(&Root::live()).unwrap() {
            for seg in s {
                assert!(seg.size > 0);
            }
        }
        let _ = read_sem(&Root::live()).unwrap();
        let _ = read_msg(&Root::live()).unwrap();
    }
}
