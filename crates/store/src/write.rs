//! Appending samples: one frame per sample, written with one `pwrite` and made durable with
//! `fdatasync` before `append` returns.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

use memlens_model::Snapshot;

use crate::codec;
use crate::error::{Result, StoreError};
use crate::flat::{flatten_against, Flat, Leaves};
use crate::segment::{self, BadHeader, FrameRef, Tail};

const DAY_NS: u64 = 86_400 * 1_000_000_000;

/// How a writer keeps the store.
#[derive(Debug, Clone)]
pub struct Options {
    /// Remove whole segments whose samples are all older than this, counted back from
    /// the newest sample.
    pub max_age: Option<Duration>,
    /// Remove the oldest segments while the store is larger than this.
    pub max_bytes: Option<u64>,
    /// A key frame at least every this many samples (so a read replays at most this
    /// many frames); 0 or 1: every sample is a key frame.
    pub key_every: u32,
    /// A key frame also comes once the deltas since the last one add up to this many
    /// times its size (0: never): where much changes, a read then replays fewer, larger
    /// deltas, for at most 1/4 more bytes (at 4, the default).
    pub deltas_per_key: u64,
    /// Start a new segment once the current one holds this many bytes (besides one
    /// each UTC day).
    pub segment_bytes: u64,
    /// DEFLATE level, 0 to 9.
    pub level: u32,
    /// `fdatasync` after each append (the default). Without it a sample whose append
    /// returned can be lost in a power cut (not in a crash of memlens alone): for bulk
    /// imports and benchmarks only.
    pub sync: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_age: None,
            max_bytes: None,
            key_every: 720,
            deltas_per_key: 4,
            segment_bytes: 64 << 20,
            level: 6,
            sync: true,
        }
    }
}

/// What one append wrote.
#[derive(Debug)]
pub struct AppendStats {
    /// Bytes of the frame (header and payload).
    pub frame_bytes: u64,
    /// Whether it is a key frame.
    pub key: bool,
    /// The segment it went into.
    pub segment: PathBuf,
    /// Whether that segment was started for it.
    pub new_segment: bool,
    /// Segments removed afterwards to keep within `max_age` and `max_bytes`.
    pub removed: Vec<PathBuf>,
    /// Why removing old segments failed, if it did (the sample is stored all the same).
    pub retain_error: Option<StoreError>,
}

struct Seg {
    path: PathBuf,
    /// Time of its first sample (from the name when it has none).
    first_ns: u64,
    bytes: u64,
}

struct Current {
    file: File,
    /// End of the last good frame: where the next one goes.
    end: u64,
    /// Frames since the last key frame, counting it.
    since_key: u32,
    /// Bytes of the last key frame, and of the delta frames since.
    key_bytes: u64,
    delta_bytes: u64,
    frames: u64,
}

/// Appends samples to a history store. Holds an exclusive lock on the directory.
pub struct Writer {
    dir: PathBuf,
    opts: Options,
    _lock: File,
    /// Oldest first; the current segment, if any, is the last.
    segs: Vec<Seg>,
    current: Option<Current>,
    prev: Option<Leaves>,
    last_ns: Option<u64>,
    notices: Vec<String>,
}

fn lock(dir: &Path) -> Result<File> {
    let f = File::open(dir).map_err(|e| StoreError::io(dir, "opening", e))?;
    // SAFETY: flock on a file descriptor we own.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let e = std::io::Error::last_os_error();
        return Err(if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
            StoreError::Busy {
                path: dir.to_path_buf(),
            }
        } else {
            StoreError::io(dir, "locking", e)
        });
    }
    Ok(f)
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, "syncing the directory", e))
}

impl Writer {
    pub(crate) fn open(dir: &Path, opts: Options) -> Result<Writer> {
        match std::fs::metadata(dir) {
            Ok(m) if !m.is_dir() => {
                return Err(StoreError::NotAStore {
                    path: dir.to_path_buf(),
                    why: "a file, not a directory".into(),
                })
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, "creating", e))?
            }
            Err(e) => return Err(StoreError::io(dir, "opening", e)),
        }
        let lock = lock(dir)?;
        let (paths, other) = segment::list(dir)?;
        if paths.is_empty() && other {
            return Err(StoreError::NotAStore {
                path: dir.to_path_buf(),
                why: "it holds other files and no history segments; refusing to write into it"
                    .into(),
            });
        }
        // Leftovers of a segment creation that did not finish.
        for e in std::fs::read_dir(dir)
            .map_err(|e| StoreError::io(dir, "listing", e))?
            .flatten()
        {
            let n = e.file_name();
            let n = n.to_string_lossy();
            if n.starts_with(".seg-") && n.ends_with(".tmp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let mut w = Writer {
            dir: dir.to_path_buf(),
            opts,
            _lock: lock,
            segs: Vec::new(),
            current: None,
            prev: None,
            last_ns: None,
            notices: Vec::new(),
        };
        let n = paths.len();
        for (i, path) in paths.into_iter().enumerate() {
            let last = i + 1 == n;
            let file = OpenOptions::new()
                .read(true)
                .write(last)
                .open(&path)
                .map_err(|e| StoreError::io(&path, "opening", e))?;
            let name_ns = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(segment::parse_name)
                .map_or(0, |(s, _)| s.saturating_mul(1_000_000_000));
            let scanned = if last {
                segment::scan(&path, &file)?
            } else {
                // Only the header and the first frame's time: older segments are not
                // written to.
                segment::first_time(&path, &file)?
            };
            let bytes = file
                .metadata()
                .map_err(|e| StoreError::io(&path, "reading", e))?
                .len();
            let s = match scanned {
                Err(BadHeader::NotOurs(why)) => {
                    return Err(StoreError::NotAStore { path, why });
                }
                Err(BadHeader::Damaged(why)) => {
                    w.notices.push(format!(
                        "{}: damaged header ({why}); left as it is{}",
                        path.display(),
                        if last {
                            "; recording goes on in a new segment"
                        } else {
                            ""
                        }
                    ));
                    w.segs.push(Seg {
                        path,
                        first_ns: name_ns,
                        bytes,
                    });
                    continue;
                }
                Ok(s) => s,
            };
            let first_ns = s.frames.first().map_or(name_ns, |f| f.t);
            if let Some(f) = s.frames.last() {
                w.last_ns = Some(w.last_ns.map_or(f.t, |l| l.max(f.t)));
            }
            if !last {
                w.segs.push(Seg {
                    path,
                    first_ns,
                    bytes,
                });
                continue;
            }
            if let Some(msg) = s.tail.describe(&path, false) {
                w.notices.push(msg);
            }
            match s.tail {
                Tail::Corrupt { last_t_after, .. } => {
                    if let Some(t) = last_t_after {
                        w.last_ns = Some(w.last_ns.map_or(t, |l| l.max(t)));
                    }
                    w.segs.push(Seg {
                        path,
                        first_ns,
                        bytes,
                    });
                    continue;
                }
                Tail::Torn { .. } => {
                    file.set_len(s.end)
                        .and_then(|_| file.sync_all())
                        .map_err(|e| StoreError::io(&path, "cutting off a torn frame", e))?;
                }
                Tail::Clean => {}
            }
            if s.version < segment::FORMAT_VERSION {
                // Deltas are written as this version writes them: in a segment of its own.
                w.notices.push(format!(
                    "{}: written in format {}; recording goes on in a new segment in format {}",
                    path.display(),
                    s.version,
                    segment::FORMAT_VERSION
                ));
                w.segs.push(Seg {
                    path,
                    first_ns,
                    bytes: s.end,
                });
                continue;
            }
            let (prev, since_key, key_bytes, delta_bytes) = match resume(
                &path, &file, s.version, &s.frames,
            ) {
                Ok(r) => r,
                Err(why) => {
                    w.notices.push(format!(
                        "{}: could not read the last samples back ({why}); the next sample is a key frame",
                        path.display()
                    ));
                    (None, 0, 0, 0)
                }
            };
            w.prev = prev;
            w.current = Some(Current {
                file,
                end: s.end,
                since_key,
                key_bytes,
                delta_bytes,
                frames: s.frames.len() as u64,
            });
            w.segs.push(Seg {
                path,
                first_ns,
                bytes: s.end,
            });
        }
        Ok(w)
    }

    /// What opening found and repaired (a torn last frame cut off, a damaged segment left
    /// alone), one line each.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The time of the newest sample.
    pub fn last_ns(&self) -> Option<u64> {
        self.last_ns
    }

    /// Appends a sample; when it returns `Ok`, the sample is on disk (`fdatasync`).
    /// On any error nothing of it is kept and the store is as it was.
    pub fn append(&mut self, s: &Snapshot) -> Result<AppendStats> {
        let t = s.meta.taken_at_ns.ok_or_else(|| StoreError::NoTime {
            path: self.dir.clone(),
        })?;
        if let Some(last) = self.last_ns {
            if t <= last {
                return Err(StoreError::OutOfOrder {
                    path: self.dir.clone(),
                    last_ns: last,
                    new_ns: t,
                });
            }
        }
        let flat = flatten_against(s, self.prev.as_ref()).map_err(|e| StoreError::Corrupt {
            path: self.dir.clone(),
            offset: 0,
            why: format!("the snapshot does not serialise: {e}"),
        })?;
        let rotate = match (&self.current, self.segs.last()) {
            (Some(c), Some(seg)) => {
                c.frames > 0
                    && (seg.first_ns / DAY_NS != t / DAY_NS || c.end >= self.opts.segment_bytes)
            }
            _ => true,
        };
        let mut key = rotate
            || self.prev.is_none()
            || self.current.as_ref().is_none_or(|c| {
                c.since_key >= self.opts.key_every.max(1)
                    || (self.opts.deltas_per_key > 0
                        && c.delta_bytes >= self.opts.deltas_per_key.saturating_mul(c.key_bytes))
            });
        let mut raw = Vec::new();
        // The sample's leaves: either the ones before with what changed (swapped in now,
        // swapped back out if the frame cannot be written), or a new set.
        let (mut changes, new) = match flat {
            Flat::Same { mut changes, ops } => {
                let prev = self.prev.as_mut().expect("compared with the leaves before");
                prev.swap_values(&mut changes);
                if key {
                    codec::encode_key(prev, &mut raw);
                } else {
                    raw.extend_from_slice(&[0, 0]);
                    raw.extend_from_slice(&ops);
                }
                (Some(changes), None)
            }
            Flat::New(leaves) => {
                if !key {
                    let prev = self.prev.as_ref().expect("not a key frame");
                    if codec::encode_delta(prev, &leaves, &mut raw).is_none() {
                        raw.clear();
                        key = true;
                    }
                }
                if key {
                    codec::encode_key(&leaves, &mut raw);
                }
                (None, Some(leaves))
            }
        };
        let written = self.write_sample(key, rotate, t, &raw);
        drop(raw);
        let (frame_bytes, seg_path) = match written {
            Ok(w) => w,
            Err(e) => {
                if let (Some(c), Some(prev)) = (changes.as_mut(), self.prev.as_mut()) {
                    prev.swap_values(c);
                }
                return Err(e);
            }
        };
        if let Some(leaves) = new {
            self.prev = Some(leaves);
        }
        self.last_ns = Some(t);
        let (removed, retain_error) = match self.retain(self.opts.max_age, self.opts.max_bytes) {
            Ok(r) => (r, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        Ok(AppendStats {
            frame_bytes,
            key,
            segment: seg_path,
            new_segment: rotate,
            removed,
            retain_error,
        })
    }

    /// Writes a frame of the uncompressed payload `raw` (in a new segment when `rotate`),
    /// and says its size and segment; on error the store is as it was.
    fn write_sample(
        &mut self,
        key: bool,
        rotate: bool,
        t: u64,
        raw: &[u8],
    ) -> Result<(u64, PathBuf)> {
        let payload = codec::deflate(raw, self.opts.level.min(9));
        if payload.len() as u64 > segment::MAX_PAYLOAD as u64 {
            return Err(StoreError::Corrupt {
                path: self.dir.clone(),
                offset: 0,
                why: format!(
                    "a sample of {} bytes compressed is too large",
                    payload.len()
                ),
            });
        }
        let frame = segment::frame(key, t, &payload);
        let new_segment = rotate;
        if rotate {
            self.start_segment(t)?;
        }
        let seg_path = self.segs.last().expect("a current segment").path.clone();
        let cur = self.current.as_mut().expect("a current segment");
        if let Err(e) = write_frame(&cur.file, cur.end, &frame, self.opts.sync) {
            // Cut back whatever part of the frame reached the file.
            let _ = cur.file.set_len(cur.end);
            let _ = cur.file.sync_data();
            if new_segment && cur.frames == 0 {
                let _ = std::fs::remove_file(&seg_path);
                let _ = sync_dir(&self.dir);
                self.segs.pop();
                self.current = None;
            }
            return Err(StoreError::io(&seg_path, "appending a sample", e));
        }
        cur.end += frame.len() as u64;
        cur.frames += 1;
        if key {
            cur.since_key = 1;
            cur.key_bytes = frame.len() as u64;
            cur.delta_bytes = 0;
        } else {
            cur.since_key += 1;
            cur.delta_bytes += frame.len() as u64;
        }
        self.segs.last_mut().expect("current").bytes = cur.end;
        Ok((frame.len() as u64, seg_path))
    }

    /// Creates a segment for a first sample at `t`: header written to a temporary file,
    /// synced, renamed into place, and the directory synced.
    fn start_segment(&mut self, t: u64) -> Result<()> {
        let secs = t / 1_000_000_000;
        let mut n = 0;
        let path = loop {
            let p = self.dir.join(segment::name(secs, n));
            if !p.exists() && self.segs.iter().all(|s| s.path != p) {
                break p;
            }
            n += 1;
        };
        let tmp = self.dir.join(format!(
            ".{}.tmp",
            path.file_name().expect("a name").to_string_lossy()
        ));
        let made = (|| {
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            let h = segment::header(crate::WRITER);
            f.write_all_at(&h, 0)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            Ok::<_, std::io::Error>((f, h.len() as u64))
        })();
        let (file, end) = match made {
            Ok(x) => x,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(StoreError::io(&path, "creating a segment", e));
            }
        };
        sync_dir(&self.dir)?;
        self.current = Some(Current {
            file,
            end,
            since_key: 0,
            key_bytes: 0,
            delta_bytes: 0,
            frames: 0,
        });
        self.segs.push(Seg {
            path,
            first_ns: t,
            bytes: end,
        });
        Ok(())
    }

    /// Removes the oldest whole segments, never the one being written, until every
    /// segment left holds a sample within `max_age` of the newest sample and the store
    /// is no larger than `max_bytes` (or only the current segment is left). Returns the
    /// segments removed (on an error, those before it are removed all the same).
    pub fn retain(
        &mut self,
        max_age: Option<Duration>,
        max_bytes: Option<u64>,
    ) -> Result<Vec<PathBuf>> {
        let mut removed = Vec::new();
        let cutoff = match (max_age, self.last_ns) {
            (Some(age), Some(last)) => {
                Some(last.saturating_sub(u64::try_from(age.as_nanos()).unwrap_or(u64::MAX)))
            }
            _ => None,
        };
        let mut total: u64 = self.segs.iter().map(|s| s.bytes).sum();
        let keep_last = usize::from(self.current.is_some());
        while self.segs.len() > keep_last {
            let s = &self.segs[0];
            // Every sample of a segment is before the first of the next one.
            let next_first = self.segs.get(1).map(|n| n.first_ns);
            let too_old = matches!((cutoff, next_first), (Some(c), Some(nf)) if nf <= c);
            let too_big = max_bytes.is_some_and(|m| total > m);
            if !(too_old || too_big) {
                break;
            }
            if let Err(e) = std::fs::remove_file(&s.path) {
                if e.kind() != std::io::ErrorKind::NotFound {
                    return Err(StoreError::io(&s.path, "removing an old segment", e));
                }
            }
            total -= s.bytes;
            removed.push(self.segs.remove(0).path);
        }
        Ok(removed)
    }
}

/// One write of the whole frame at `at`; a short write (only on a full disk or a size
/// limit) is finished or fails; then `fdatasync`.
fn write_frame(f: &File, at: u64, frame: &[u8], sync: bool) -> std::io::Result<()> {
    let n = f.write_at(frame, at)?;
    if n < frame.len() {
        f.write_all_at(&frame[n..], at + n as u64)?;
    }
    if sync {
        f.sync_data()?;
    }
    Ok(())
}

/// What a writer needs to go on with deltas after reopening: the leaves of the last
/// frame, frames since the last key frame, its size and the size of the deltas since.
type Resumed = (Option<Leaves>, u32, u64, u64);

fn resume(
    path: &Path,
    file: &File,
    version: u32,
    frames: &[FrameRef],
) -> std::result::Result<Resumed, String> {
    let Some(k) = frames.iter().rposition(|f| f.key) else {
        return Ok((None, 0, 0, 0));
    };
    let leaves =
        crate::read::replay(path, file, version, &frames[k..], None).map_err(|e| e.to_string())?;
    let size = |f: &FrameRef| f.end() - f.offset;
    Ok((
        Some(leaves),
        (frames.len() - k) as u32,
        size(&frames[k]),
        frames[k + 1..].iter().map(size).sum(),
    ))
}
