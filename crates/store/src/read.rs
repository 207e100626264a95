//! Reading a store: every segment is checked once on opening (each frame's checksum), and
//! an index of frame offsets and times answers queries; a sample is rebuilt from the key
//! frame before it and the deltas after that.

use std::cell::RefCell;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use memlens_model::Snapshot;

use crate::codec;
use crate::error::{Result, StoreError};
use crate::flat::{find, Leaves, Scalar};
use crate::segment::{self, BadHeader, FrameRef, FRAME_HEADER};
use crate::unflatten::from_leaves;

struct SegRead {
    path: PathBuf,
    file: File,
    writer: String,
    version: u32,
    frames: Vec<FrameRef>,
    /// Indexes of its key frames.
    keys: Vec<usize>,
    bytes: u64,
    damage: Option<String>,
}

#[derive(Clone, Copy)]
struct Entry {
    t: u64,
    seg: u32,
    frame: u32,
}

/// The leaves of one frame.
struct State {
    seg: usize,
    frame: usize,
    leaves: Leaves,
}

/// One segment, as [`Reader::segments`] tells it.
#[derive(Debug, Clone)]
pub struct SegmentInfo {
    pub path: PathBuf,
    /// The memlens that created it.
    pub writer: String,
    /// Samples that can be read.
    pub samples: usize,
    pub first_ns: Option<u64>,
    pub last_ns: Option<u64>,
    /// Size of the file when it was opened.
    pub bytes: u64,
    /// What is wrong with it, if anything (a damaged frame and what follows is skipped).
    pub damage: Option<String>,
}

/// A history store opened for reading. It sees the samples stored when it was opened.
pub struct Reader {
    dir: PathBuf,
    segs: Vec<SegRead>,
    index: Vec<Entry>,
    warnings: Vec<String>,
    cache: RefCell<Option<State>>,
}

impl Reader {
    pub(crate) fn open(dir: &Path) -> Result<Reader> {
        let paths = Self::segment_paths(dir)?;
        Self::open_paths(dir, paths)
    }

    /// A reader of only the segments that can hold the latest sample at or before `t_ns`
    /// and the sample before that: the last segment whose first frame is at or before
    /// `t_ns`, and the one before it (when the first segment starts after `t_ns`, the
    /// first segment alone, which tells the first sample). Only their frames are read
    /// through and checked, so that a query at one moment of a long history reads a day
    /// or two of it, not all.
    pub(crate) fn open_around(dir: &Path, t_ns: u64) -> Result<Reader> {
        let paths = Self::segment_paths(dir)?;
        let mut firsts = Vec::with_capacity(paths.len());
        for p in &paths {
            firsts.push(match File::open(p) {
                Ok(f) => match segment::first_time(p, &f)? {
                    Ok(s) => s.frames.first().map(|f| f.t),
                    Err(_) => None,
                },
                Err(_) => None,
            });
        }
        // Segments are named by their first sample's time, in time order; one whose first
        // frame cannot be read counts as starting where its name says.
        let start = |i: usize| {
            firsts[i].or_else(|| {
                paths[i]
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(segment::parse_name)
                    .map(|(s, _)| s.saturating_mul(1_000_000_000))
            })
        };
        let s = (0..paths.len())
            .rev()
            .find(|&i| start(i).is_some_and(|f| f <= t_ns));
        let keep = match s {
            Some(s) => s.saturating_sub(1)..s + 1,
            None => 0..1,
        };
        let r = Self::open_paths(dir, paths[keep].to_vec());
        match r {
            // Both unreadable: the whole store then, as it is.
            Err(StoreError::NoSamples { .. }) if s.is_some_and(|s| s > 1) => Self::open(dir),
            r => r,
        }
    }

    fn segment_paths(dir: &Path) -> Result<Vec<PathBuf>> {
        let m = std::fs::metadata(dir).map_err(|e| StoreError::io(dir, "opening", e))?;
        if !m.is_dir() {
            let mut f = File::open(dir).map_err(|e| StoreError::io(dir, "opening", e))?;
            let why = match segment::read_header(dir, &mut f)? {
                Ok(_) | Err(BadHeader::Damaged(_)) => {
                    "a segment file; name the directory that holds it".to_string()
                }
                Err(BadHeader::NotOurs(_)) => String::new(),
            };
            return Err(StoreError::NotAStore {
                path: dir.to_path_buf(),
                why,
            });
        }
        let (paths, _) = segment::list(dir)?;
        if paths.is_empty() {
            return Err(StoreError::NoSamples {
                path: dir.to_path_buf(),
                why: "no segment files".into(),
            });
        }
        Ok(paths)
    }

    fn open_paths(dir: &Path, paths: Vec<PathBuf>) -> Result<Reader> {
        let mut r = Reader {
            dir: dir.to_path_buf(),
            segs: Vec::new(),
            index: Vec::new(),
            warnings: Vec::new(),
            cache: RefCell::new(None),
        };
        for path in paths {
            let file = match File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    r.warnings.push(format!(
                        "{}: removed while the store was being opened",
                        path.display()
                    ));
                    continue;
                }
                Err(e) => return Err(StoreError::io(&path, "opening", e)),
            };
            let bytes = file
                .metadata()
                .map_err(|e| StoreError::io(&path, "reading", e))?
                .len();
            let s = match segment::scan(&path, &file)? {
                Ok(s) => s,
                Err(BadHeader::NotOurs(why)) => {
                    return Err(StoreError::NotAStore { path, why });
                }
                Err(BadHeader::Damaged(why)) => {
                    r.warnings.push(format!(
                        "{}: damaged header ({why}); segment skipped",
                        path.display()
                    ));
                    continue;
                }
            };
            let damage = s.tail.describe(&path, true);
            if let Some(d) = &damage {
                r.warnings.push(d.clone());
            }
            let seg = r.segs.len() as u32;
            let mut frames = s.frames;
            // Segments are in time order; a frame not after the previous segment's last
            // (possible only if files were moved about) is left out.
            let last = r.index.last().map(|e| e.t);
            let skip = frames
                .iter()
                .take_while(|f| last.is_some_and(|l| f.t <= l))
                .count();
            if skip > 0 {
                r.warnings.push(format!(
                    "{}: {skip} samples not after those of the segment before; skipped",
                    path.display()
                ));
            }
            for (i, f) in frames.iter().enumerate().skip(skip) {
                r.index.push(Entry {
                    t: f.t,
                    seg,
                    frame: i as u32,
                });
            }
            frames.shrink_to_fit();
            let keys = frames
                .iter()
                .enumerate()
                .filter(|(_, f)| f.key)
                .map(|(i, _)| i)
                .collect();
            r.segs.push(SegRead {
                path,
                file,
                writer: s.writer,
                version: s.version,
                frames,
                keys,
                bytes,
                damage,
            });
        }
        if r.index.is_empty() {
            return Err(StoreError::NoSamples {
                path: dir.to_path_buf(),
                why: if r.warnings.is_empty() {
                    String::new()
                } else {
                    r.warnings.join("; ")
                },
            });
        }
        Ok(r)
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What was found wrong on opening (damaged frames and what was skipped, a torn last
    /// frame), one line each naming the segment.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The segments, oldest first.
    pub fn segments(&self) -> Vec<SegmentInfo> {
        self.segs
            .iter()
            .map(|s| SegmentInfo {
                path: s.path.clone(),
                writer: s.writer.clone(),
                samples: s.frames.len(),
                first_ns: s.frames.first().map(|f| f.t),
                last_ns: s.frames.last().map(|f| f.t),
                bytes: s.bytes,
                damage: s.damage.clone(),
            })
            .collect()
    }

    /// How many samples there are.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Never true: opening an empty store fails.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Every sample's time (`taken_at_ns`), ascending.
    pub fn times(&self) -> Vec<u64> {
        self.index.iter().map(|e| e.t).collect()
    }

    /// The sample at `i` (0 is the oldest), with its time.
    pub fn get(&self, i: usize) -> Result<(u64, Snapshot)> {
        let e = *self.index.get(i).ok_or_else(|| StoreError::NoSamples {
            path: self.dir.clone(),
            why: format!("no sample number {i}; there are {}", self.index.len()),
        })?;
        let mut cache = self.cache.borrow_mut();
        let state = self.advance(cache.take(), e.seg as usize, e.frame as usize)?;
        let s = self.build::<Snapshot>(&state);
        *cache = Some(state);
        Ok((e.t, s?))
    }

    /// The latest sample taken at or before `t_ns`; `None` if all are later.
    pub fn at_or_before(&self, t_ns: u64) -> Result<Option<(u64, Snapshot)>> {
        match self.index.partition_point(|e| e.t <= t_ns) {
            0 => Ok(None),
            n => self.get(n - 1).map(Some),
        }
    }

    /// The latest sample taken before `t_ns` (the one before a sample, for rates).
    pub fn before(&self, t_ns: u64) -> Result<Option<(u64, Snapshot)>> {
        match self.index.partition_point(|e| e.t < t_ns) {
            0 => Ok(None),
            n => self.get(n - 1).map(Some),
        }
    }

    /// The samples taken from `since_ns` to `until_ns`, both included, oldest first, each
    /// rebuilt from the one before it.
    pub fn range(&self, since_ns: u64, until_ns: u64) -> Range<'_> {
        let start = self.index.partition_point(|e| e.t < since_ns);
        let end = self.index.partition_point(|e| e.t <= until_ns).max(start);
        Range {
            r: self,
            next: start,
            end,
            state: None,
            thin: None,
        }
    }

    /// The leaves of frame `i` of segment `seg`, going on from `state` when it is an
    /// earlier frame of the same run of deltas.
    fn advance(&self, state: Option<State>, seg: usize, i: usize) -> Result<State> {
        let s = &self.segs[seg];
        let k = s.keys[s.keys.partition_point(|&k| k <= i) - 1];
        let (from, leaves) = match state {
            Some(st) if st.seg == seg && st.frame >= k && st.frame <= i => {
                (st.frame + 1, Some(st.leaves))
            }
            _ => (k, None),
        };
        let leaves = match leaves {
            Some(l) if from > i => l,
            l => replay(&s.path, &s.file, s.version, &s.frames[from..=i], l)?,
        };
        Ok(State {
            seg,
            frame: i,
            leaves,
        })
    }

    /// The sample of `st` as `T`: a [`Snapshot`], or a struct of some of its parts (the
    /// others are walked over, not built).
    fn build<T: serde::de::DeserializeOwned + HasFormat>(&self, st: &State) -> Result<T> {
        let s = &self.segs[st.seg];
        let offset = s.frames[st.frame].offset;
        let bad = |why: String| StoreError::Corrupt {
            path: s.path.clone(),
            offset,
            why,
        };
        let newer = |found: u32| StoreError::NewerFormat {
            path: s.path.clone(),
            what: "snapshot format",
            found,
            supported: memlens_model::snapshot::FORMAT,
            writer: Some(s.writer.clone()),
        };
        match from_leaves::<T>(&st.leaves) {
            Ok(snap) if snap.format() > memlens_model::snapshot::FORMAT => {
                Err(newer(snap.format()))
            }
            Ok(snap) => Ok(snap),
            // A newer writer's snapshot may not be one this reader can build: say so, rather
            // than call it corrupt (looking its format up costs a walk of the leaves, so
            // only here).
            Err(e) => match find(&st.leaves, &["meta", "format"]).and_then(Scalar::as_i128) {
                Some(f) if f > memlens_model::snapshot::FORMAT as i128 => {
                    Err(newer(u32::try_from(f).unwrap_or(u32::MAX)))
                }
                _ => Err(bad(format!("not a snapshot: {e}"))),
            },
        }
    }
}

/// The samples of a time range, oldest first (see [`Reader::range`]). After an error the
/// rest of that segment is skipped.
pub struct Range<'a> {
    r: &'a Reader,
    next: usize,
    end: usize,
    state: Option<State>,
    thin: Option<Thin>,
}

/// Which samples a thinned range gives: pick `k` of `picks`, spread evenly over the `n`
/// samples from `start`.
#[derive(Debug, Clone, Copy)]
struct Thin {
    start: usize,
    n: usize,
    picks: usize,
    k: usize,
}

impl Thin {
    fn index(&self) -> Option<usize> {
        (self.k < self.picks).then(|| self.start + self.k * (self.n - 1) / (self.picks - 1))
    }
}

impl Range<'_> {
    /// How many samples the range holds (before thinning).
    pub fn samples(&self) -> usize {
        match self.thin {
            Some(t) => t.n,
            None => self.end - self.next,
        }
    }

    /// At most `max` of the range's samples (at least 2), spread evenly over it, its first
    /// and last included. The samples between are replayed, which costs a delta each, but
    /// not rebuilt, which costs a snapshot each: a day of a 1,000-process machine is
    /// 17,280 samples.
    pub fn thinned(mut self, max: usize) -> Self {
        let n = self.end - self.next;
        let picks = max.max(2);
        if n > picks {
            self.thin = Some(Thin {
                start: self.next,
                n,
                picks,
                k: 0,
            });
        }
        self
    }
}

/// What a sample can be read as: its format number is checked against this reader's.
pub trait HasFormat {
    fn format(&self) -> u32;
}

impl HasFormat for Snapshot {
    fn format(&self) -> u32 {
        self.meta.format
    }
}

impl HasFormat for memlens_model::snapshot::SystemParts {
    fn format(&self) -> u32 {
        self.meta.format
    }
}

impl Range<'_> {
    /// The next sample as `T`: like [`Iterator::next`], building only what `T` holds. A
    /// [`SystemParts`](memlens_model::snapshot::SystemParts) of a 1,000-process sample
    /// costs a fraction of its whole snapshot.
    pub fn next_as<T: serde::de::DeserializeOwned + HasFormat>(
        &mut self,
    ) -> Option<Result<(u64, T)>> {
        let i = match &self.thin {
            Some(t) => t.index()?,
            None => self.next,
        };
        if i >= self.end {
            return None;
        }
        let e = self.r.index[i];
        let done = self
            .r
            .advance(self.state.take(), e.seg as usize, e.frame as usize)
            .and_then(|st| {
                let s = self.r.build::<T>(&st);
                self.state = Some(st);
                s
            });
        let result = match done {
            Ok(s) => {
                self.next = i + 1;
                Some(Ok((e.t, s)))
            }
            Err(err) => {
                self.next = i + self.r.index[i..self.end]
                    .iter()
                    .take_while(|x| x.seg == e.seg)
                    .count();
                self.state = None;
                Some(Err(err))
            }
        };
        if let Some(t) = &mut self.thin {
            t.k += 1;
            while t.index().is_some_and(|j| j < self.next) {
                t.k += 1;
            }
        }
        result
    }
}

impl Iterator for Range<'_> {
    type Item = Result<(u64, Snapshot)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_as::<Snapshot>()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.thin {
            Some(t) => (0, Some(t.picks - t.k)),
            None => (0, Some(self.end - self.next)),
        }
    }
}

/// Applies `frames` (consecutive, of one segment) to `start`, or from nothing when the
/// first is a key frame; returns the leaves of the last.
pub(crate) fn replay(
    path: &Path,
    file: &File,
    version: u32,
    frames: &[FrameRef],
    start: Option<Leaves>,
) -> Result<Leaves> {
    let (Some(first), Some(last)) = (frames.first(), frames.last()) else {
        return start.ok_or_else(|| StoreError::Corrupt {
            path: path.to_path_buf(),
            offset: 0,
            why: "nothing to read".into(),
        });
    };
    let base = first.offset;
    let mut buf = vec![0u8; (last.end() - base) as usize];
    file.read_exact_at(&mut buf, base)
        .map_err(|e| StoreError::io(path, "reading", e))?;
    let mut leaves = start;
    for f in frames {
        let bad = |why: String| StoreError::Corrupt {
            path: path.to_path_buf(),
            offset: f.offset,
            why,
        };
        let at = (f.offset - base) as usize;
        let h = &buf[at..at + FRAME_HEADER];
        let payload = &buf[at + FRAME_HEADER..at + FRAME_HEADER + f.len as usize];
        let crc = u32::from_le_bytes(h[4..8].try_into().expect("4 bytes"));
        if segment::frame_crc(h[8], f.t, payload) != crc {
            return Err(bad(
                "a checksum mismatch (the file changed since it was opened)".into(),
            ));
        }
        let raw = codec::inflate(payload).map_err(bad)?;
        leaves = Some(if f.key {
            codec::decode_key(&raw).map_err(bad)?
        } else {
            let prev = leaves.ok_or_else(|| bad("a delta frame with nothing before it".into()))?;
            codec::apply_delta(prev, &raw, version).map_err(bad)?
        });
    }
    Ok(leaves.expect("at least one frame"))
}
