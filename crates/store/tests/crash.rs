//! Crashes, damage and full disks: a store cut anywhere in its last frame loses that frame
//! only, damage in the middle is reported and never overwritten, a kill -9 loses at most
//! the sample being written, and a full disk leaves the store as it was.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;
use memlens_model::Snapshot;
use memlens_store::{Options, Reader, Store, StoreError};

fn quick(key_every: u32) -> Options {
    Options {
        key_every,
        sync: false,
        ..Options::default()
    }
}

/// Samples of a small machine.
fn samples(n: usize, seed: u64) -> Vec<Snapshot> {
    let mut m = Machine::new(&fixture("old-3.10-trimmed"), 6, seed);
    (0..n).map(|_| m.step(0.1).clone()).collect()
}

/// A store of `want` in one segment; returns the segment and where each frame ends.
fn build(db: &Path, want: &[Snapshot], key_every: u32) -> (PathBuf, Vec<u64>) {
    let mut w = Store::open_append(db, quick(key_every)).unwrap();
    let mut ends = Vec::new();
    let mut seg = PathBuf::new();
    for s in want {
        let st = w.append(s).unwrap();
        seg = st.segment;
        ends.push(std::fs::metadata(&seg).unwrap().len());
    }
    assert_eq!(segments(db).len(), 1);
    (seg, ends)
}

/// The store holds exactly `want[..n]`; `full` reads each sample, else the last only.
fn holds(r: &Reader, want: &[Snapshot], n: usize, full: bool) {
    let times: Vec<u64> = want[..n]
        .iter()
        .map(|s| s.meta.taken_at_ns.unwrap())
        .collect();
    assert_eq!(r.times(), times);
    let check = if full { 0..n } else { n.saturating_sub(1)..n };
    for i in check {
        assert_eq!(r.get(i).unwrap().1, want[i], "sample {i}");
    }
}

#[test]
fn a_store_cut_anywhere_in_its_last_frame_loses_that_frame_only() {
    let want = samples(12, 11);
    // The last frame a delta (frame 11; 10 is a key frame), then a key frame (frame 10).
    for n in [12, 11] {
        let dir = Scratch::new("torn");
        let (seg, ends) = build(&dir.db(), &want[..n], 5);
        let whole = std::fs::read(&seg).unwrap();
        let start = ends[n - 2];
        let end = ends[n - 1];
        let name = seg.file_name().unwrap().to_string_lossy().to_string();
        for cut in start..end {
            // Every offset is read; samples are decoded and the writer's repair tried
            // at some (the bytes before the cut are the same at every offset).
            let deep = (cut - start) % 41 == 0 || end - cut < 3 || cut - start < 3;
            std::fs::write(&seg, &whole[..cut as usize]).unwrap();
            let r = Store::open_read(&dir.db()).unwrap();
            let times: Vec<u64> = want[..n - 1]
                .iter()
                .map(|s| s.meta.taken_at_ns.unwrap())
                .collect();
            assert_eq!(r.times(), times);
            if deep {
                assert_eq!(r.get(n - 2).unwrap().1, want[n - 2]);
            }
            if cut > start {
                assert_eq!(r.warnings().len(), 1, "{:?}", r.warnings());
                let w = &r.warnings()[0];
                assert!(w.contains(&name) && w.contains("not a whole frame"), "{w}");
                assert!(w.contains(&format!("last {} bytes", cut - start)), "{w}");
            } else {
                assert!(r.warnings().is_empty(), "{:?}", r.warnings());
            }
            drop(r);
            if !deep {
                continue;
            }
            // The writer cuts the torn frame off, says so, and goes on.
            let mut w = Store::open_append(&dir.db(), quick(5)).unwrap();
            if cut > start {
                let msg = w.notices().join("\n");
                assert!(
                    msg.contains(&format!(
                        "cut off the last {} bytes (from offset {start})",
                        cut - start
                    )),
                    "{msg}"
                );
            } else {
                assert!(w.notices().is_empty());
            }
            assert_eq!(std::fs::metadata(&seg).unwrap().len(), start);
            w.append(&want[n - 1]).unwrap();
            drop(w);
            let r = Store::open_read(&dir.db()).unwrap();
            assert!(r.warnings().is_empty());
            holds(&r, &want, n, (cut - start) % 205 == 0);
        }
        eprintln!("cut at each of the {} bytes of the last frame", end - start);
    }
}

#[test]
fn a_store_cut_at_random_keeps_every_whole_frame_before_the_cut() {
    let want = samples(30, 12);
    let dir = Scratch::new("cut");
    let (seg, ends) = build(&dir.db(), &want, 8);
    let whole = std::fs::read(&seg).unwrap();
    let header = header_len();
    let mut rng = Rng::new(5);
    let mut cuts: Vec<u64> = (0..80).map(|_| rng.below(whole.len() as u64)).collect();
    cuts.extend([0, 1, 12, header - 1, header, header + 1]);
    for cut in cuts {
        std::fs::write(&seg, &whole[..cut as usize]).unwrap();
        let n = ends.iter().take_while(|&&e| e <= cut).count();
        match Store::open_read(&dir.db()) {
            Ok(r) => holds(&r, &want, n, cut % 5 == 0),
            Err(e) => {
                assert_eq!(n, 0, "{e}");
                assert!(
                    matches!(
                        e,
                        StoreError::NoSamples { .. } | StoreError::NotAStore { .. }
                    ),
                    "{e}"
                );
            }
        }
        // Appending after the cut keeps what is there and adds the next sample.
        if cut >= header {
            let mut w = Store::open_append(&dir.db(), quick(8)).unwrap();
            w.append(&want[n]).unwrap();
            drop(w);
            holds(
                &Store::open_read(&dir.db()).unwrap(),
                &want,
                n + 1,
                cut % 3 == 0,
            );
        }
    }
}

#[test]
fn flipped_bytes_are_found_and_nothing_wrong_is_ever_read() {
    let want = samples(16, 13);
    let dir = Scratch::new("flip");
    let (seg, ends) = build(&dir.db(), &want, 6);
    let whole = std::fs::read(&seg).unwrap();
    let name = seg.file_name().unwrap().to_string_lossy().to_string();
    let starts: Vec<u64> = std::iter::once(header_len())
        .chain(ends[..15].iter().copied())
        .collect();
    let mut rng = Rng::new(9);
    let mut checked = 0;
    for at in 0..whole.len() as u64 {
        // Every byte of the header and of each frame header, one payload byte in 9.
        let frame = ends.iter().take_while(|&&e| e <= at).count();
        let in_header = frame < 16 && at < starts[frame] + 17 || at < starts[0];
        if !in_header && at % 9 != 0 {
            continue;
        }
        checked += 1;
        let mut bytes = whole.clone();
        bytes[at as usize] ^= 1 << rng.below(8);
        std::fs::write(&seg, &bytes).unwrap();
        let r = match Store::open_read(&dir.db()) {
            Ok(r) => r,
            Err(e) => {
                // A damaged header, or damage in the first frame: nothing to read.
                assert!(at < starts[1], "a flip at {at} (frame {frame}): {e}");
                if at >= starts[0] {
                    assert!(matches!(e, StoreError::NoSamples { .. }), "{e}");
                    assert!(e.to_string().contains("corrupt at offset"), "{e}");
                }
                continue;
            }
        };
        assert!(
            at >= starts[0],
            "a flip in the header at {at} went unnoticed"
        );
        // Every sample before the damaged frame is there, and only right samples.
        if at % 10 == 0 || in_header {
            holds(&r, &want, frame, at % 40 == 0);
        } else {
            let times: Vec<u64> = want[..frame]
                .iter()
                .map(|s| s.meta.taken_at_ns.unwrap())
                .collect();
            assert_eq!(r.times(), times);
        }
        if frame < 15 {
            let w = r.warnings().join("\n");
            assert!(
                w.contains(&format!("{name}: corrupt at offset {}", starts[frame])),
                "flip at {at}: {w}"
            );
            assert!(
                w.contains(&format!(
                    "{} bytes from there to the end ({} more whole frames) are skipped",
                    whole.len() as u64 - starts[frame],
                    15 - frame
                )),
                "flip at {at}: {w}"
            );
        }
        if frame < 15 && at % 23 == 0 {
            // The writer leaves a damaged segment alone and starts another.
            let mut wr = Store::open_append(&dir.db(), quick(6)).unwrap();
            assert!(
                wr.notices()
                    .join("\n")
                    .contains("recording goes on in a new one"),
                "{:?}",
                wr.notices()
            );
            let mut next = want[15].clone();
            *next.meta.taken_at_ns.as_mut().unwrap() += 5 * SECOND;
            let st = wr.append(&next).unwrap();
            assert!(st.new_segment && st.key);
            drop(wr);
            assert_eq!(
                std::fs::read(&seg).unwrap(),
                bytes,
                "the damaged segment is untouched"
            );
            let r = Store::open_read(&dir.db()).unwrap();
            let mut expect = want[..frame].to_vec();
            expect.push(next);
            holds(&r, &expect, frame + 1, true);
            std::fs::remove_file(st.segment).unwrap();
        }
    }
    eprintln!("flipped {checked} bytes of {}", whole.len());
}

/// Where the first frame starts: the header is 12 + 4 + 2 + writer + 4 bytes.
fn header_len() -> u64 {
    (12 + 4 + 2 + memlens_store::WRITER.len() + 4) as u64
}

const CHILD: &str = "MEMLENS_STORE_TEST_CHILD";

/// Run by the tests below as a child process: appends samples of `samples(_, 21)` to the
/// store named by the environment, from the first one not stored, saying each that is.
#[test]
fn child_appender() {
    let Ok(db) = std::env::var(CHILD) else {
        return;
    };
    let db = PathBuf::from(db);
    let mut w = Store::open_append(&db, Options::default()).unwrap();
    for n in w.notices() {
        println!("notice {n}");
    }
    // The same samples as `samples(_, 21)`, made as they are needed.
    let mut m = Machine::new(&fixture("old-3.10-trimmed"), 6, 21);
    for i in 0..400 {
        let s = m.step(0.1);
        if w.last_ns()
            .is_some_and(|t| s.meta.taken_at_ns.unwrap() <= t)
        {
            continue;
        }
        w.append(s).unwrap();
        println!("appended {i}");
    }
}

fn child(db: &Path, test: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    c
}

#[test]
fn kill_9_loses_at_most_the_sample_being_written() {
    let dir = Scratch::new("kill");
    let want = samples(400, 21);
    let mut acknowledged = 0usize;
    let mut rng = Rng::new(3);
    for round in 0..8 {
        let mut c = child(&dir.db(), "child_appender").spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100 + rng.below(300)));
        c.kill().unwrap();
        let out = c.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        for l in text.lines() {
            if let Some(i) = l.strip_prefix("appended ") {
                acknowledged = acknowledged.max(i.parse::<usize>().unwrap() + 1);
            }
            if l.starts_with("notice ") {
                eprintln!("round {round}: {l}");
            }
        }
        let r = Store::open_read(&dir.db()).unwrap();
        let n = r.len();
        assert!(
            n == acknowledged || n == acknowledged + 1,
            "round {round}: {n} samples stored, {acknowledged} acknowledged"
        );
        holds(&r, &want, n, false);
        eprintln!(
            "round {round}: killed after {n} samples; {:?}",
            r.warnings()
        );
    }
    let r = Store::open_read(&dir.db()).unwrap();
    holds(&r, &want, r.len(), true);
}

#[test]
fn child_with_a_file_size_limit() {
    let Ok(db) = std::env::var(CHILD) else {
        return;
    };
    let db = PathBuf::from(db);
    let want = samples(40, 22);
    let mut w = Store::open_append(&db, Options::default()).unwrap();
    for s in &want[..10] {
        w.append(s).unwrap();
    }
    let seg = segments(&db).remove(0);
    let len = std::fs::metadata(&seg).unwrap().len();
    // SAFETY: plain libc calls on this process.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        let lim = libc::rlimit {
            rlim_cur: len + 64,
            rlim_max: libc::RLIM_INFINITY,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
    }
    let mut stored = 10;
    let mut full = 0;
    for s in &want[10..30] {
        match w.append(s) {
            Ok(_) => stored += 1,
            Err(e) => {
                assert!(matches!(e, StoreError::DiskFull { .. }), "{e}");
                assert!(e.to_string().contains("store is intact"), "{e}");
                println!("append refused: {e}");
                full += 1;
                break;
            }
        }
    }
    assert_eq!(full, 1, "the limit was reached");
    let before = std::fs::read(&seg).unwrap();
    assert!(before.len() as u64 <= len + 64);
    holds(&Store::open_read(&db).unwrap(), &want, stored, true);
    // Still full: refused again, nothing changed.
    assert!(matches!(
        w.append(&want[stored]),
        Err(StoreError::DiskFull { .. })
    ));
    assert_eq!(std::fs::read(&seg).unwrap(), before);
    // Room again: the next append works.
    unsafe {
        let lim = libc::rlimit {
            rlim_cur: libc::RLIM_INFINITY,
            rlim_max: libc::RLIM_INFINITY,
        };
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &lim), 0);
    }
    for s in &want[stored..40] {
        w.append(s).unwrap();
    }
    drop(w);
    holds(&Store::open_read(&db).unwrap(), &want, 40, true);
    println!("child passed after {stored} samples");
}

#[test]
fn a_file_size_limit_is_a_full_disk_that_leaves_the_store_intact() {
    let dir = Scratch::new("fsize");
    let out = child(&dir.db(), "child_with_a_file_size_limit")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("child passed"), "{text}");
    eprintln!(
        "{}",
        text.lines().find(|l| l.contains("refused")).unwrap_or("")
    );
}

/// A tmpfs mounted for a test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_leaves_the_store_intact_and_the_next_append_after_room_works() {
    let dir = Scratch::new("tmpfs");
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&mnt)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "skipped: cannot mount a tmpfs here (not root?); the file size limit test stands in"
        );
        return;
    }
    let _guard = Tmpfs(mnt.clone());
    let db = mnt.join("db");
    let want = samples(60, 23);
    let mut w = Store::open_append(
        &db,
        Options {
            key_every: 3,
            ..Options::default()
        },
    )
    .unwrap();
    for s in &want[..5] {
        w.append(s).unwrap();
    }
    // Fill the disk.
    let filler = mnt.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0x55u8; 4096];
        loop {
            match f.write(&block) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "{e}");
                    break;
                }
            }
        }
    }
    let mut stored = 5;
    let err = loop {
        assert!(stored < 40, "the disk never filled");
        let seg = segments(&db).pop().unwrap();
        let before = std::fs::read(&seg).unwrap();
        match w.append(&want[stored]) {
            Ok(_) => stored += 1,
            Err(e) => {
                assert_eq!(std::fs::read(&seg).unwrap(), before, "nothing of it kept");
                break e;
            }
        }
    };
    assert!(matches!(err, StoreError::DiskFull { .. }), "{err}");
    eprintln!("{err}");
    holds(&Store::open_read(&db).unwrap(), &want, stored, true);
    std::fs::remove_file(&filler).unwrap();
    for s in &want[stored..60] {
        w.append(s).unwrap();
    }
    drop(w);
    holds(&Store::open_read(&db).unwrap(), &want, 60, true);
}
