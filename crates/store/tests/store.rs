//! The store keeps samples losslessly, in order, across segments and reopenings, finds
//! them by time, and stays bounded.

mod common;

use std::time::Duration;

use common::*;
use memlens_model::{Part, Snapshot};
use memlens_store::{Options, Reader, Store, StoreError};

fn quick() -> Options {
    Options {
        sync: false,
        ..Options::default()
    }
}

/// Every sample of the store is `want`, by index, by time and as a range.
fn assert_holds(r: &Reader, want: &[Snapshot]) {
    let times: Vec<u64> = want.iter().map(|s| s.meta.taken_at_ns.unwrap()).collect();
    assert_eq!(r.times(), times);
    for (i, s) in want.iter().enumerate() {
        let (t, got) = r.get(i).unwrap();
        assert_eq!(t, times[i]);
        assert_eq!(&got, s, "sample {i}");
        assert_eq!(
            serde_json::to_value(&got).unwrap(),
            serde_json::to_value(s).unwrap(),
            "sample {i} as JSON"
        );
    }
    let all: Vec<Snapshot> = r
        .range(0, u64::MAX)
        .map(|x| x.unwrap().1)
        .collect::<Vec<_>>();
    assert_eq!(all, want);
}

#[test]
fn samples_round_trip_exactly_whatever_changes_between_them() {
    let dir = Scratch::new("round-trip");
    let vm = fixture("vm-6.18-hybrid");
    let mut want = Vec::new();
    let mut t = vm.meta.taken_at_ns.unwrap();
    let mut push = |mut s: Snapshot, want: &mut Vec<Snapshot>| {
        t += 5 * SECOND;
        s.meta.taken_at_ns = Some(t);
        want.push(s);
    };
    // Whole different machines one after another, parts read then not read then failed.
    push(vm.clone(), &mut want);
    push(fixture("v2-unified"), &mut want);
    push(fixture("old-3.10-trimmed"), &mut want);
    let mut odd = vm.clone();
    odd.processes = Part::NotRead;
    odd.uptime = Part::Read(-0.0);
    odd.meminfo = fixture("old-3.10-trimmed").zoneinfo.clone().map_none();
    push(odd, &mut want);
    push(Snapshot::default(), &mut want);
    push(vm.clone(), &mut want);
    // And a machine of processes coming and going.
    let mut m = Machine::new(&vm, 60, 7);
    for _ in 0..40 {
        push(m.step(0.1).clone(), &mut want);
    }
    let mut w = Store::open_append(
        &dir.db(),
        Options {
            key_every: 16,
            ..quick()
        },
    )
    .unwrap();
    let mut keys = 0;
    for s in &want {
        keys += w.append(s).unwrap().key as usize;
    }
    assert!(keys >= want.len() / 16, "{keys} key frames");
    drop(w);
    let r = Store::open_read(&dir.db()).unwrap();
    assert!(r.warnings().is_empty(), "{:?}", r.warnings());
    assert_holds(&r, &want);
}

/// Turns a part of one kind into a failed part of another, to vary the JSON's shape.
trait MapNone {
    fn map_none(self) -> Part<memlens_model::MemInfo>;
}
impl<T> MapNone for Part<T> {
    fn map_none(self) -> Part<memlens_model::MemInfo> {
        match self {
            Part::Failed(f) => Part::Failed(f),
            _ => Part::NotRead,
        }
    }
}

#[test]
fn queries_by_time_find_the_nearest_sample() {
    let dir = Scratch::new("by-time");
    let mut m = Machine::new(&fixture("vm-6.18-hybrid"), 20, 1);
    let want: Vec<Snapshot> = (0..30).map(|_| m.step(0.05).clone()).collect();
    let mut w = Store::open_append(
        &dir.db(),
        Options {
            key_every: 7,
            ..quick()
        },
    )
    .unwrap();
    for s in &want {
        w.append(s).unwrap();
    }
    let r = Store::open_read(&dir.db()).unwrap();
    let t = |i: usize| want[i].meta.taken_at_ns.unwrap();
    assert!(r.at_or_before(t(0) - 1).unwrap().is_none());
    assert!(r.before(t(0)).unwrap().is_none());
    for i in [0, 1, 6, 7, 8, 20, 29, 13, 3, 29, 0] {
        assert_eq!(
            r.at_or_before(t(i)).unwrap().unwrap(),
            (t(i), want[i].clone())
        );
        assert_eq!(r.at_or_before(t(i) + 1).unwrap().unwrap().1, want[i]);
        if i > 0 {
            assert_eq!(
                r.before(t(i)).unwrap().unwrap(),
                (t(i - 1), want[i - 1].clone())
            );
            assert_eq!(r.at_or_before(t(i) - 1).unwrap().unwrap().1, want[i - 1]);
        }
    }
    assert_eq!(r.at_or_before(u64::MAX).unwrap().unwrap().1, want[29]);
    let mid: Vec<Snapshot> = r
        .range(t(5), t(17))
        .map(|x| x.unwrap().1)
        .collect::<Vec<_>>();
    assert_eq!(mid, want[5..=17]);
    let mid: Vec<u64> = r.range(t(5) + 1, t(17) - 1).map(|x| x.unwrap().0).collect();
    assert_eq!(mid, (6..17).map(t).collect::<Vec<_>>());
    assert_eq!(r.range(t(29) + 1, u64::MAX).count(), 0);
    assert_eq!(r.range(t(9), t(3)).count(), 0);
    // Thinned: at most so many samples, spread evenly, the first and last included, each
    // the sample it is (the ones between replayed, across key frames every 7).
    let thin = r.range(t(2), t(29)).thinned(4);
    assert_eq!(thin.samples(), 28);
    let got: Vec<(u64, Snapshot)> = thin.map(|x| x.unwrap()).collect();
    let at = [2, 11, 20, 29];
    assert_eq!(
        got,
        at.iter()
            .map(|&i| (t(i), want[i].clone()))
            .collect::<Vec<_>>()
    );
    let all = r.range(t(2), t(5)).thinned(10);
    assert_eq!(
        all.map(|x| x.unwrap().0).collect::<Vec<_>>(),
        (2..=5).map(t).collect::<Vec<_>>()
    );
    let two: Vec<u64> = r
        .range(0, u64::MAX)
        .thinned(0)
        .map(|x| x.unwrap().0)
        .collect();
    assert_eq!(two, vec![t(0), t(29)]);
}

#[test]
fn reopening_goes_on_with_deltas() {
    let dir = Scratch::new("reopen");
    let mut m = Machine::new(&fixture("vm-6.18-hybrid"), 30, 2);
    let want: Vec<Snapshot> = (0..25).map(|_| m.step(0.02).clone()).collect();
    let opts = Options {
        key_every: 10,
        ..quick()
    };
    let mut keys = Vec::new();
    for chunk in want.chunks(6) {
        let mut w = Store::open_append(&dir.db(), opts.clone()).unwrap();
        assert!(w.notices().is_empty(), "{:?}", w.notices());
        for s in chunk {
            keys.push(w.append(s).unwrap().key);
        }
    }
    let expect: Vec<bool> = (0..25).map(|i| i % 10 == 0).collect();
    assert_eq!(
        keys, expect,
        "a key frame every 10 samples, reopening or not"
    );
    assert_eq!(segments(&dir.db()).len(), 1);
    assert_holds(&Store::open_read(&dir.db()).unwrap(), &want);
}

#[test]
fn a_format_1_segment_is_read_and_recording_goes_on_in_a_new_one() {
    let dir = Scratch::new("format1");
    let mut m = Machine::new(&fixture("vm-6.18-hybrid"), 30, 4);
    let want: Vec<Snapshot> = (0..8).map(|_| m.step(0.02).clone()).collect();
    // Key frames only: they are the same in both formats.
    let opts = Options {
        key_every: 1,
        ..quick()
    };
    let mut w = Store::open_append(&dir.db(), opts.clone()).unwrap();
    for s in &want[..5] {
        assert!(w.append(s).unwrap().key);
    }
    drop(w);
    // Make the segment a format 1 one: the version, and the header's checksum.
    let seg = &segments(&dir.db())[0];
    let mut bytes = std::fs::read(seg).unwrap();
    bytes[12..16].copy_from_slice(&1u32.to_le_bytes());
    let wlen = u16::from_le_bytes([bytes[16], bytes[17]]) as usize;
    let crc = crc32fast::hash(&bytes[..18 + wlen]);
    bytes[18 + wlen..22 + wlen].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(seg, &bytes).unwrap();
    assert_holds(&Store::open_read(&dir.db()).unwrap(), &want[..5]);
    let mut w = Store::open_append(&dir.db(), quick()).unwrap();
    assert!(
        w.notices().len() == 1 && w.notices()[0].contains("written in format 1"),
        "{:?}",
        w.notices()
    );
    for s in &want[5..] {
        w.append(s).unwrap();
    }
    drop(w);
    assert_eq!(segments(&dir.db()).len(), 2);
    assert_eq!(
        std::fs::read(seg).unwrap(),
        bytes,
        "the old segment is left as it was"
    );
    assert_holds(&Store::open_read(&dir.db()).unwrap(), &want);
}

#[test]
fn a_segment_a_day_and_at_most_segment_bytes() {
    let dir = Scratch::new("rotate");
    let mut m = Machine::new(&fixture("vm-6.18-hybrid"), 10, 3);
    // Start an hour before midnight UTC, a sample every half hour for 3 days.
    let day = 86_400 * SECOND;
    let t0 = (m.s.meta.taken_at_ns.unwrap() / day + 1) * day - 3600 * SECOND;
    let want: Vec<Snapshot> = (0..3 * 48)
        .map(|i| {
            let mut s = m.step(0.0).clone();
            s.meta.taken_at_ns = Some(t0 + i * 1800 * SECOND);
            s
        })
        .collect();
    let mut w = Store::open_append(&dir.db(), quick()).unwrap();
    let mut new = Vec::new();
    for s in &want {
        let st = w.append(s).unwrap();
        if st.new_segment {
            assert!(st.key);
            new.push(s.meta.taken_at_ns.unwrap());
        }
    }
    assert_eq!(
        new,
        [
            t0,
            t0 + 3600 * SECOND,
            t0 + 3600 * SECOND + day,
            t0 + 3600 * SECOND + 2 * day
        ]
    );
    let segs = segments(&dir.db());
    assert_eq!(segs.len(), 4);
    assert_eq!(
        segs[1].file_name().unwrap().to_str().unwrap(),
        format!("seg-{}.mlh", (t0 + 3600 * SECOND) / SECOND)
    );
    let r = Store::open_read(&dir.db()).unwrap();
    assert_holds(&r, &want);
    let info = r.segments();
    assert_eq!(info[1].samples, 48);
    assert_eq!(info[0].writer, memlens_store::WRITER);

    // Around a moment: only the segments that can hold the answer, and the same answer.
    let times = r.times();
    let mut moments = vec![0, t0 - 1, u64::MAX];
    // Each segment's first and last samples and a few between.
    for (i, &t) in times.iter().enumerate() {
        if i % 12 == 0
            || i + 1 == times.len()
            || times.get(i + 1).is_some_and(|n| n / day != t / day)
        {
            moments.extend([t - 1, t, t + 1]);
        }
    }
    for at in moments {
        let around = Store::open_read_around(&dir.db(), at).unwrap();
        assert!(around.segments().len() <= 2);
        let want_at = r.at_or_before(at).unwrap();
        let got_at = around.at_or_before(at).unwrap();
        assert_eq!(got_at, want_at, "at {at}");
        if let Some((taken, _)) = want_at {
            assert_eq!(
                around.before(taken).unwrap(),
                r.before(taken).unwrap(),
                "before {taken}"
            );
        } else {
            assert_eq!(
                around.times().first(),
                times.first(),
                "the first sample is told"
            );
        }
    }

    // By size.
    let dir = Scratch::new("rotate-size");
    let mut w = Store::open_append(
        &dir.db(),
        Options {
            segment_bytes: 40_000,
            key_every: 1,
            ..quick()
        },
    )
    .unwrap();
    for s in &want[..40] {
        w.append(s).unwrap();
    }
    let segs = segments(&dir.db());
    assert!(segs.len() > 2, "{segs:?}");
    for s in &segs {
        let len = std::fs::metadata(s).unwrap().len();
        // A segment is closed by the first frame past the size (or by midnight).
        assert!(len < 80_000, "{}: {len}", s.display());
    }
    assert_holds(&Store::open_read(&dir.db()).unwrap(), &want[..40]);
}

#[test]
fn retention_removes_whole_oldest_segments_never_the_current_one() {
    let dir = Scratch::new("retain");
    let mut m = Machine::new(&fixture("vm-6.18-hybrid"), 10, 4);
    let day = 86_400 * SECOND;
    let t0 = (m.s.meta.taken_at_ns.unwrap() / day + 1) * day;
    let want: Vec<Snapshot> = (0..10 * 4)
        .map(|i| {
            let mut s = m.step(0.0).clone();
            s.meta.taken_at_ns = Some(t0 + i * day / 4);
            s
        })
        .collect();
    // By age: 3 days kept, counted back from the newest sample.
    let mut w = Store::open_append(
        &dir.db(),
        Options {
            max_age: Some(Duration::from_secs(3 * 86_400)),
            ..quick()
        },
    )
    .unwrap();
    let mut removed = 0;
    for s in &want {
        let st = w.append(s).unwrap();
        assert!(st.retain_error.is_none());
        removed += st.removed.len();
    }
    assert_eq!(removed, 6);
    let r = Store::open_read(&dir.db()).unwrap();
    // Days 6..=9 are left: day 6 still holds samples within 3 days of the newest one.
    assert_holds(&r, &want[24..]);

    // By size: never more than the bound, unless only the current segment is left.
    let dir = Scratch::new("retain-bytes");
    let mut w = Store::open_append(
        &dir.db(),
        Options {
            max_bytes: Some(60_000),
            segment_bytes: 20_000,
            ..quick()
        },
    )
    .unwrap();
    for s in &want[..30] {
        w.append(s).unwrap();
        let total = store_bytes(&dir.db());
        assert!(
            total <= 60_000 || segments(&dir.db()).len() == 1,
            "{total} bytes"
        );
    }
    let r = Store::open_read(&dir.db()).unwrap();
    let n = r.len();
    assert!(n < 30 && n > 3, "{n} samples left");
    assert_holds(&r, &want[30 - n..30]);
    // Even a bound below one segment keeps the current one.
    drop(w);
    let mut w = Store::open_append(&dir.db(), quick()).unwrap();
    assert!(w.retain(None, Some(1)).is_ok());
    assert_eq!(segments(&dir.db()).len(), 1);
    let r = Store::open_read(&dir.db()).unwrap();
    assert_eq!(r.times().last(), want[29].meta.taken_at_ns.as_ref());
}

#[test]
fn errors_say_what_is_wrong_with_which_path() {
    let dir = Scratch::new("errors");
    // Empty or missing.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = Store::open_read(&empty).err().unwrap();
    assert!(matches!(e, StoreError::NoSamples { .. }), "{e}");
    assert!(e.to_string().contains("no samples"), "{e}");
    assert!(e.to_string().contains(&*empty.to_string_lossy()), "{e}");
    let e = Store::open_read(&dir.path().join("missing")).err().unwrap();
    assert!(e.to_string().contains("missing"), "{e}");
    // A store whose only segment has no frames yet.
    let mut w = Store::open_append(&dir.db(), quick()).unwrap();
    let e = Store::open_read(&dir.db()).err().unwrap();
    assert!(matches!(e, StoreError::NoSamples { .. }), "{e}");
    // A second writer.
    let e = Store::open_append(&dir.db(), quick()).err().unwrap();
    assert!(matches!(e, StoreError::Busy { .. }), "{e}");
    // Time.
    let mut s = fixture("vm-6.18-hybrid");
    w.append(&s).unwrap();
    let e = w.append(&s).unwrap_err();
    assert!(matches!(e, StoreError::OutOfOrder { .. }), "{e}");
    assert!(e.to_string().contains("not after the last one"), "{e}");
    s.meta.taken_at_ns = None;
    let e = w.append(&s).unwrap_err();
    assert!(matches!(e, StoreError::NoTime { .. }), "{e}");
    drop(w);

    // Not ours.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let e = Store::open_append(&foreign, quick()).err().unwrap();
    assert!(e.to_string().contains("not a memlens history store"), "{e}");
    assert!(matches!(
        Store::open_read(&foreign).err().unwrap(),
        StoreError::NoSamples { .. }
    ));
    std::fs::write(foreign.join("seg-1.mlh"), "PK\x03\x04 a zip file").unwrap();
    for e in [
        Store::open_read(&foreign).err().unwrap(),
        Store::open_append(&foreign, quick()).err().unwrap(),
    ] {
        assert!(matches!(e, StoreError::NotAStore { .. }), "{e}");
        assert!(
            e.to_string()
                .contains("seg-1.mlh: not a memlens history store"),
            "{e}"
        );
    }
    let file = foreign.join("notes.txt");
    let e = Store::open_read(&file).err().unwrap();
    assert_eq!(
        e.to_string(),
        format!("{}: not a memlens history store", file.display())
    );
    let seg = segments(&dir.db()).remove(0);
    let e = Store::open_read(&seg).err().unwrap();
    assert!(e.to_string().contains("name the directory"), "{e}");

    // Newer.
    let mut bytes = std::fs::read(&seg).unwrap();
    bytes[12..16].copy_from_slice(&7u32.to_le_bytes());
    std::fs::write(&seg, &bytes).unwrap();
    for e in [
        Store::open_read(&dir.db()).err().unwrap(),
        Store::open_append(&dir.db(), quick()).err().unwrap(),
    ] {
        assert!(
            matches!(
                e,
                StoreError::NewerFormat {
                    found: 7,
                    supported: memlens_store::FORMAT_VERSION,
                    ..
                }
            ),
            "{e}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains("history format 7")
                && msg.contains(&format!(
                    "up to history format {}",
                    memlens_store::FORMAT_VERSION
                )),
            "{msg}"
        );
        assert!(msg.contains(memlens_store::WRITER), "{msg}");
    }
}

#[test]
fn a_sample_of_a_newer_snapshot_format_is_refused_by_name() {
    let dir = Scratch::new("newer-snapshot");
    let mut m = Machine::new(&fixture("vm-6.18-hybrid"), 5, 4);
    let ok = m.step(0.0).clone();
    let mut newer = m.step(0.0).clone();
    newer.meta.format = memlens_model::snapshot::FORMAT + 1;
    let mut w = Store::open_append(&dir.db(), quick()).unwrap();
    w.append(&ok).unwrap();
    w.append(&newer).unwrap();
    drop(w);
    let r = Store::open_read(&dir.db()).unwrap();
    assert_eq!(r.get(0).unwrap().1, ok);
    let e = r.get(1).err().unwrap();
    assert!(
        matches!(
            e,
            StoreError::NewerFormat {
                what: "snapshot format",
                found,
                supported: memlens_model::snapshot::FORMAT,
                ..
            } if found == memlens_model::snapshot::FORMAT + 1
        ),
        "{e}"
    );
}
