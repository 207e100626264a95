//! `memlens ipc`: SysV shared memory segments, semaphore sets and message queues, POSIX
//! shared memory (`/dev/shm`), and the kernel's IPC limits.
//!
//! SysV segments and `/dev/shm` files live in shmem (tmpfs pages): they count in meminfo
//! `Shmem` and `Cached`, in the RSS (`RssShmem`) of every process that has touched them
//! while mapped, and they stay when no process maps them (a segment until `IPC_RMID` and
//! its last detach, a file until it is unlinked).

use memlens_model::{MsgQueue, PosixShmFile, SemSet, ShmSegment, Sysctls};
use serde::Serialize;

/// One segment as `ipcs -m` shows it, with rss and swap; sizes in bytes.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ShmRow {
    /// The key as the kernel prints it (signed decimal).
    pub key: i64,
    /// The key as `ipcs` prints it: `0x%08x`.
    pub key_hex: String,
    pub shmid: u64,
    /// User name of the owner's UID.
    pub owner: String,
    pub uid: u32,
    /// Permission bits in octal, as `ipcs` shows them (`600`).
    pub perms: String,
    /// The whole mode, with `SHM_DEST` (0o1000) and `SHM_LOCKED` (0o2000).
    pub mode: u32,
    pub size: u64,
    pub rss: Option<u64>,
    pub swap: Option<u64>,
    pub nattch: u64,
    pub cpid: u32,
    pub lpid: u32,
    /// Marked for removal (`IPC_RMID`): freed at the last detach.
    pub dest: bool,
    /// Locked in RAM (`SHM_LOCK`).
    pub locked: bool,
}

pub fn key_hex(key: i64) -> String {
    format!("0x{:08x}", key as i32 as u32)
}

pub fn shm_row(s: &ShmSegment, owner: String) -> ShmRow {
    ShmRow {
        key: s.key,
        key_hex: key_hex(s.key),
        shmid: s.shmid,
        owner,
        uid: s.uid,
        perms: format!("{:o}", s.mode & 0o777),
        mode: s.mode,
        size: s.size,
        rss: s.rss,
        swap: s.swap,
        nattch: s.nattch,
        cpid: s.cpid,
        lpid: s.lpid,
        dest: s.mode & 0o1000 != 0,
        locked: s.mode & 0o2000 != 0,
    }
}

/// Sums over the segments.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ShmTotals {
    pub segments: usize,
    pub size: u64,
    /// `None` when the kernel prints no rss column.
    pub rss: Option<u64>,
    pub swap: Option<u64>,
}

/// A `/dev/shm` file with its owner's name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PosixRow {
    pub name: String,
    pub size: u64,
    pub allocated: u64,
    pub owner: String,
    pub perms: String,
}

/// POSIX shared memory: the listing, or why there is none.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PosixShm {
    /// `listed`, `not_captured` (a capture, which does not copy dev/shm) or `missing`.
    pub status: &'static str,
    pub files: Vec<PosixRow>,
    pub size: u64,
    pub allocated: u64,
}

/// `kernel.shm*`, `kernel.msg*` and `kernel.sem`, parsed; `None` when absent.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct IpcLimits {
    /// Largest segment, bytes.
    pub shmmax: Option<u64>,
    /// All segments together, in pages.
    pub shmall_pages: Option<u64>,
    /// The same in bytes (saturating).
    pub shmall: Option<u64>,
    /// Most segments.
    pub shmmni: Option<u64>,
    /// Largest message, bytes.
    pub msgmax: Option<u64>,
    /// Default queue capacity, bytes.
    pub msgmnb: Option<u64>,
    /// Most queues.
    pub msgmni: Option<u64>,
    /// `kernel.sem`: semaphores per set, semaphores in all, operations per semop call, sets.
    pub semmsl: Option<u64>,
    pub semmns: Option<u64>,
    pub semopm: Option<u64>,
    pub semmni: Option<u64>,
}

pub fn limits(k: &Sysctls, page_size: u64) -> IpcLimits {
    let n = |name: &str| k.get(name).and_then(|v| v.trim().parse::<u64>().ok());
    let sem: Vec<Option<u64>> = match k.get("sem") {
        Some(v) => v.split_whitespace().map(|x| x.parse().ok()).collect(),
        None => Vec::new(),
    };
    let s = |i: usize| sem.get(i).copied().flatten();
    let shmall_pages = n("shmall");
    IpcLimits {
        shmmax: n("shmmax"),
        shmall_pages,
        shmall: shmall_pages.map(|p| p.saturating_mul(page_size)),
        shmmni: n("shmmni"),
        msgmax: n("msgmax"),
        msgmnb: n("msgmnb"),
        msgmni: n("msgmni"),
        semmsl: s(0),
        semmns: s(1),
        semopm: s(2),
        semmni: s(3),
    }
}

/// Everything `memlens ipc` shows.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IpcReport {
    /// `None` when `/proc/sysvipc/shm` is missing (no `CONFIG_SYSVIPC`, or not captured).
    pub segments: Option<Vec<ShmRow>>,
    pub segments_total: ShmTotals,
    pub semaphore_sets: Option<usize>,
    /// Semaphores in all sets (`Σ nsems`).
    pub semaphores: Option<u64>,
    pub message_queues: Option<usize>,
    /// Messages queued in all queues (`Σ qnum`).
    pub messages: Option<u64>,
    /// Bytes queued (`Σ cbytes`).
    pub message_bytes: Option<u64>,
    pub posix_shm: PosixShm,
    pub limits: IpcLimits,
    /// meminfo `Shmem`, which holds all of the above's pages (and other tmpfs).
    pub meminfo_shmem: Option<u64>,
}

/// What the report is built from.
pub struct Inputs<'a> {
    pub shm: Option<&'a [ShmSegment]>,
    pub sem: Option<&'a [SemSet]>,
    pub msg: Option<&'a [MsgQueue]>,
    /// `None` when `dev/shm` does not exist.
    pub posix: Option<&'a [PosixShmFile]>,
    /// Whether the root is a capture (a missing dev/shm was then not captured).
    pub capture: bool,
    pub sysctls: &'a Sysctls,
    pub page_size: u64,
    pub meminfo_shmem: Option<u64>,
}

pub fn report(i: &Inputs<'_>, user_name: impl Fn(u32) -> String) -> IpcReport {
    let segments: Option<Vec<ShmRow>> = i.shm.map(|s| {
        let mut v: Vec<ShmRow> = s.iter().map(|s| shm_row(s, user_name(s.uid))).collect();
        v.sort_by_key(|r| r.shmid);
        v
    });
    let all = i.shm.unwrap_or(&[]);
    let opt_sum = |f: fn(&ShmSegment) -> Option<u64>| {
        all.iter()
            .try_fold(0u64, |a, s| f(s).map(|v| a.saturating_add(v)))
            .filter(|_| !all.is_empty() || i.shm.is_some())
    };
    let segments_total = ShmTotals {
        segments: all.len(),
        size: all.iter().map(|s| s.size).fold(0, u64::saturating_add),
        rss: opt_sum(|s| s.rss),
        swap: opt_sum(|s| s.swap),
    };
    let posix_shm = match i.posix {
        Some(files) => PosixShm {
            status: "listed",
            files: files
                .iter()
                .map(|f| PosixRow {
                    name: f.name.clone(),
                    size: f.size,
                    allocated: f.allocated,
                    owner: user_name(f.uid),
                    perms: format!("{:o}", f.mode & 0o777),
                })
                .collect(),
            size: files.iter().map(|f| f.size).fold(0, u64::saturating_add),
            allocated: files
                .iter()
                .map(|f| f.allocated)
                .fold(0, u64::saturating_add),
        },
        None => PosixShm {
            status: if i.capture { "not_captured" } else { "missing" },
            files: Vec::new(),
            size: 0,
            allocated: 0,
        },
    };
    IpcReport {
        segments,
        segments_total,
        semaphore_sets: i.sem.map(<[SemSet]>::len),
        semaphores: i.sem.map(|s| s.iter().map(|s| s.nsems).sum()),
        message_queues: i.msg.map(<[MsgQueue]>::len),
        messages: i.msg.map(|m| m.iter().map(|m| m.qnum).sum()),
        message_bytes: i.msg.map(|m| m.iter().map(|m| m.cbytes).sum()),
        posix_shm,
        limits: limits(i.sysctls, i.page_size),
        meminfo_shmem: i.meminfo_shmem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keys_and_limits() {
        let seg = ShmSegment {
            key: -559038737,
            shmid: 7,
            mode: 0o1640,
            size: 4096,
            uid: 1000,
            rss: Some(4096),
            swap: Some(0),
            ..Default::default()
        };
        let r = shm_row(&seg, "alice".into());
        assert_eq!(r.key_hex, "0xdeadbeef");
        assert_eq!(r.perms, "640");
        assert!(r.dest && !r.locked);
        assert_eq!(key_hex(0), "0x00000000");
        let k = Sysctls(vec![
            ("sem".into(), "32000 1024000000 500 32000".into()),
            ("shmall".into(), "18446744073692774399".into()),
            ("shmmni".into(), "4096".into()),
        ]);
        let l = limits(&k, 4096);
        assert_eq!(l.semopm, Some(500));
        assert_eq!(l.semmni, Some(32000));
        assert_eq!(l.shmall, Some(u64::MAX));
        assert_eq!(l.shmmni, Some(4096));
        assert_eq!(l.msgmax, None);
        let segs = [
            seg.clone(),
            ShmSegment {
                shmid: 3,
                size: 10,
                rss: Some(0),
                swap: Some(0),
                ..seg
            },
        ];
        let rep = report(
            &Inputs {
                shm: Some(&segs),
                sem: Some(&[]),
                msg: None,
                posix: None,
                capture: true,
                sysctls: &k,
                page_size: 4096,
                meminfo_shmem: None,
            },
            |u| u.to_string(),
        );
        assert_eq!(rep.segments.as_ref().unwrap()[0].shmid, 3);
        assert_eq!(rep.segments_total.size, 4106);
        assert_eq!(rep.segments_total.rss, Some(4096));
        assert_eq!(rep.semaphore_sets, Some(0));
        assert_eq!(rep.message_queues, None);
        assert_eq!(rep.posix_shm.status, "not_captured");
    }
}
