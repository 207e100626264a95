//! Segment files: a header, then frames. Reading one checks every frame's checksum and
//! tells a torn tail (an append cut short) from damage in the middle.

use std::fs::File;
use std::io::{BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

/// The first bytes of every segment.
pub const MAGIC: &[u8; 12] = b"MEMLENS-HIST";
/// The version of the segment layout this memlens writes and reads up to.
pub const FORMAT_VERSION: u32 = 2;
/// `len u32 | crc32 u32 | flags u8 | taken_at_ns u64`.
pub(crate) const FRAME_HEADER: usize = 17;
pub(crate) const FLAG_KEY: u8 = 1;
/// The largest payload a frame may have.
pub(crate) const MAX_PAYLOAD: u32 = 1 << 30;
const MAX_WRITER: usize = 1024;

/// A segment file's name: `seg-<seconds>.mlh`, or `seg-<seconds>-<n>.mlh` when that is
/// taken; the seconds are those of the first sample's time.
pub(crate) fn parse_name(name: &str) -> Option<(u64, u32)> {
    let stem = name.strip_prefix("seg-")?.strip_suffix(".mlh")?;
    let (secs, n) = match stem.split_once('-') {
        Some((s, n)) => (s, n.parse().ok().filter(|&n| n > 0)?),
        None => (stem, 0),
    };
    if secs.is_empty() || !secs.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((secs.parse().ok()?, n))
}

pub(crate) fn name(secs: u64, n: u32) -> String {
    if n == 0 {
        format!("seg-{secs}.mlh")
    } else {
        format!("seg-{secs}-{n}.mlh")
    }
}

/// The segment files of a directory, oldest first, and whether it holds anything else.
pub(crate) fn list(dir: &Path) -> Result<(Vec<PathBuf>, bool)> {
    let rd = std::fs::read_dir(dir).map_err(|e| StoreError::io(dir, "listing", e))?;
    let mut segs = Vec::new();
    let mut other = false;
    for e in rd {
        let e = e.map_err(|e| StoreError::io(dir, "listing", e))?;
        let n = e.file_name();
        match n.to_str().and_then(parse_name) {
            Some(k) => segs.push((k, e.path())),
            None => {
                let s = n.to_string_lossy();
                if !(s.starts_with(".seg-") && s.ends_with(".tmp")) {
                    other = true;
                }
            }
        }
    }
    segs.sort();
    Ok((segs.into_iter().map(|(_, p)| p).collect(), other))
}

/// The header of a new segment.
pub(crate) fn header(writer: &str) -> Vec<u8> {
    let w = &writer.as_bytes()[..writer.len().min(MAX_WRITER)];
    let mut h = Vec::with_capacity(MAGIC.len() + 10 + w.len());
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    h.extend_from_slice(&(w.len() as u16).to_le_bytes());
    h.extend_from_slice(w);
    let crc = crc32fast::hash(&h);
    h.extend_from_slice(&crc.to_le_bytes());
    h
}

/// The bytes of one frame.
pub(crate) fn frame(key: bool, taken_at_ns: u64, payload: &[u8]) -> Vec<u8> {
    let flags = if key { FLAG_KEY } else { 0 };
    let mut f = Vec::with_capacity(FRAME_HEADER + payload.len());
    f.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    f.extend_from_slice(&frame_crc(flags, taken_at_ns, payload).to_le_bytes());
    f.push(flags);
    f.extend_from_slice(&taken_at_ns.to_le_bytes());
    f.extend_from_slice(payload);
    f
}

/// The checksum of a frame: CRC-32 (IEEE) of flags, time and payload.
pub(crate) fn frame_crc(flags: u8, taken_at_ns: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&[flags]);
    h.update(&taken_at_ns.to_le_bytes());
    h.update(payload);
    h.finalize()
}

/// Where a frame is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FrameRef {
    pub offset: u64,
    pub len: u32,
    pub key: bool,
    pub t: u64,
}

impl FrameRef {
    pub fn end(&self) -> u64 {
        self.offset + FRAME_HEADER as u64 + self.len as u64
    }
}

/// What follows the last good frame.
#[derive(Debug, Clone)]
pub(crate) enum Tail {
    Clean,
    /// Nothing readable follows: an append cut short (or a damaged last frame).
    Torn {
        offset: u64,
        bytes: u64,
        why: String,
    },
    /// Good-looking frames follow the bad one: damage in the middle.
    Corrupt {
        offset: u64,
        why: String,
        /// Bytes from the bad frame to the end.
        bytes: u64,
        /// Frames that pass their checksum after it (skipped all the same).
        frames_after: usize,
        /// The latest time among those.
        last_t_after: Option<u64>,
    },
}

/// A segment, read through.
#[derive(Debug)]
pub(crate) struct Scanned {
    pub writer: String,
    /// The header's format version (1 or 2: how delta frames are written).
    pub version: u32,
    pub frames: Vec<FrameRef>,
    /// End of the header, or of the last good frame.
    pub end: u64,
    pub tail: Tail,
}

/// Why a segment's header is not usable.
pub(crate) enum BadHeader {
    NotOurs(String),
    Damaged(String),
}

/// Reads and checks a header: `Ok(Err(..))` for a header that is not usable, `Err` for a
/// newer format or an I/O error.
pub(crate) fn read_header(
    path: &Path,
    f: &mut impl Read,
) -> Result<std::result::Result<(String, u64, u32), BadHeader>> {
    let io = |e| StoreError::io(path, "reading the segment header", e);
    let mut fixed = [0u8; 18];
    let got = read_full(f, &mut fixed).map_err(io)?;
    if got < MAGIC.len() || &fixed[..MAGIC.len()] != MAGIC {
        return Ok(Err(BadHeader::NotOurs(if got < MAGIC.len() {
            "too short to hold the header".into()
        } else {
            "its first bytes are not MEMLENS-HIST".into()
        })));
    }
    if got < fixed.len() {
        return Ok(Err(BadHeader::Damaged("the header is cut short".into())));
    }
    let version = u32::from_le_bytes(fixed[12..16].try_into().expect("4 bytes"));
    let wlen = u16::from_le_bytes(fixed[16..18].try_into().expect("2 bytes")) as usize;
    let mut rest = vec![0u8; wlen + 4];
    let got_rest = read_full(f, &mut rest).map_err(io)?;
    let writer = (got_rest == rest.len())
        .then(|| String::from_utf8_lossy(&rest[..wlen]).into_owned())
        .filter(|w| w.len() <= MAX_WRITER);
    if version > FORMAT_VERSION {
        return Err(StoreError::NewerFormat {
            path: path.to_path_buf(),
            what: "history format",
            found: version,
            supported: FORMAT_VERSION,
            writer,
        });
    }
    if got_rest < rest.len() {
        return Ok(Err(BadHeader::Damaged("the header is cut short".into())));
    }
    let mut h = crc32fast::Hasher::new();
    h.update(&fixed);
    h.update(&rest[..wlen]);
    if h.finalize().to_le_bytes() != rest[wlen..] {
        return Ok(Err(BadHeader::Damaged(
            "the header fails its checksum".into(),
        )));
    }
    if version == 0 {
        return Ok(Err(BadHeader::Damaged("format version 0".into())));
    }
    Ok(Ok((
        writer.unwrap_or_default(),
        (fixed.len() + rest.len()) as u64,
        version,
    )))
}

fn read_full(f: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The header fields of a frame at the start of `b`, if it is one that can be believed:
/// known flags, a possible length that fits in `room` bytes, a time after `after`.
fn plausible(b: &[u8], room: u64, after: Option<u64>) -> Option<(u32, u32, u8, u64)> {
    let len = u32::from_le_bytes(b.get(0..4)?.try_into().ok()?);
    let crc = u32::from_le_bytes(b.get(4..8)?.try_into().ok()?);
    let flags = *b.get(8)?;
    let t = u64::from_le_bytes(b.get(9..17)?.try_into().ok()?);
    (flags & !FLAG_KEY == 0
        && len > 0
        && len <= MAX_PAYLOAD
        && FRAME_HEADER as u64 + len as u64 <= room
        && after.is_none_or(|a| t > a))
    .then_some((len, crc, flags, t))
}

/// Reads a segment through, checking every frame. Never changes the file.
pub(crate) fn scan(path: &Path, file: &File) -> Result<std::result::Result<Scanned, BadHeader>> {
    let io = |e| StoreError::io(path, "reading", e);
    let file_len = file.metadata().map_err(io)?.len();
    let mut r = BufReader::with_capacity(1 << 20, file.take(file_len));
    let (writer, header_len, version) = match read_header(path, &mut r)? {
        Ok(h) => h,
        Err(bad) => return Ok(Err(bad)),
    };
    let mut frames: Vec<FrameRef> = Vec::new();
    let mut pos = header_len;
    let mut payload = Vec::new();
    let bad: Option<String> = loop {
        if pos == file_len {
            break None;
        }
        let mut h = [0u8; FRAME_HEADER];
        let got = read_full(&mut r, &mut h).map_err(io)?;
        if got < FRAME_HEADER {
            break Some(format!(
                "an incomplete frame header ({got} of {FRAME_HEADER} bytes)"
            ));
        }
        let last_t = frames.last().map(|f| f.t);
        let room = file_len - pos;
        let Some((len, crc, flags, t)) = plausible(&h, room, last_t) else {
            let len = u32::from_le_bytes(h[0..4].try_into().expect("4 bytes"));
            let t = u64::from_le_bytes(h[9..17].try_into().expect("8 bytes"));
            break Some(if h[8] & !FLAG_KEY != 0 {
                format!("unknown frame flags {:#04x}", h[8])
            } else if len == 0 || len > MAX_PAYLOAD {
                format!("an impossible frame length {len}")
            } else if FRAME_HEADER as u64 + len as u64 > room {
                format!(
                    "a frame cut short ({} of {} bytes)",
                    room,
                    FRAME_HEADER as u64 + len as u64
                )
            } else {
                format!("a frame time {t} not after the one before it")
            });
        };
        payload.resize(len as usize, 0);
        r.read_exact(&mut payload).map_err(io)?;
        if frame_crc(flags, t, &payload) != crc {
            break Some("a checksum mismatch".into());
        }
        let key = flags & FLAG_KEY != 0;
        if frames.is_empty() && !key {
            break Some("the first frame is not a key frame".into());
        }
        frames.push(FrameRef {
            offset: pos,
            len,
            key,
            t,
        });
        pos += FRAME_HEADER as u64 + len as u64;
    };
    let tail = match bad {
        None => Tail::Clean,
        Some(why) => {
            // Anything believable after the bad frame? Then it is damage, not a torn append.
            let mut rest = vec![0u8; (file_len - pos) as usize];
            file.read_exact_at(&mut rest, pos).map_err(io)?;
            let after = frames.last().map(|f| f.t);
            let mut found = None;
            for p in 1..rest.len() {
                let b = &rest[p..];
                if let Some((len, crc, flags, t)) = plausible(b, b.len() as u64, after) {
                    if frame_crc(flags, t, &b[FRAME_HEADER..FRAME_HEADER + len as usize]) == crc {
                        found = Some(p);
                        break;
                    }
                }
            }
            match found {
                None => Tail::Torn {
                    offset: pos,
                    bytes: file_len - pos,
                    why,
                },
                Some(mut p) => {
                    let mut n = 0;
                    let mut last = after;
                    while let Some((len, crc, flags, t)) =
                        plausible(&rest[p..], (rest.len() - p) as u64, last)
                    {
                        let body = &rest[p + FRAME_HEADER..p + FRAME_HEADER + len as usize];
                        if frame_crc(flags, t, body) != crc {
                            break;
                        }
                        n += 1;
                        last = Some(t);
                        p += FRAME_HEADER + len as usize;
                    }
                    Tail::Corrupt {
                        offset: pos,
                        why,
                        bytes: file_len - pos,
                        frames_after: n,
                        last_t_after: last,
                    }
                }
            }
        }
    };
    Ok(Ok(Scanned {
        writer,
        version,
        frames,
        end: pos,
        tail,
    }))
}

impl Tail {
    /// One line about it, naming the segment; `None` when clean.
    pub(crate) fn describe(&self, path: &Path, reader: bool) -> Option<String> {
        match self {
            Tail::Clean => None,
            Tail::Torn { offset, bytes, why } => Some(if reader {
                format!(
                    "{}: the last {bytes} bytes (from offset {offset}) are not a whole frame ({why}): an append cut short or under way; ignored",
                    path.display()
                )
            } else {
                format!(
                    "{}: cut off the last {bytes} bytes (from offset {offset}): {why}, left by an append that did not finish",
                    path.display()
                )
            }),
            Tail::Corrupt {
                offset,
                why,
                bytes,
                frames_after,
                ..
            } => Some(format!(
                "{}: corrupt at offset {offset} ({why}); the {bytes} bytes from there to the end ({frames_after} more whole frames) are skipped{}",
                path.display(),
                if reader {
                    ""
                } else {
                    "; the segment is left as it is and recording goes on in a new one"
                }
            )),
        }
    }
}

/// The header and the first frame's time of a segment (its other frames unread).
pub(crate) fn first_time(
    path: &Path,
    file: &File,
) -> Result<std::result::Result<Scanned, BadHeader>> {
    let mut r = std::io::BufReader::new(file);
    let (writer, header_len, version) = match read_header(path, &mut r)? {
        Ok(h) => h,
        Err(bad) => return Ok(Err(bad)),
    };
    let mut h = [0u8; FRAME_HEADER];
    let frames = match file.read_exact_at(&mut h, header_len) {
        Ok(()) => vec![FrameRef {
            offset: header_len,
            len: u32::from_le_bytes(h[0..4].try_into().expect("4 bytes")),
            key: h[8] & FLAG_KEY != 0,
            t: u64::from_le_bytes(h[9..17].try_into().expect("8 bytes")),
        }],
        Err(_) => Vec::new(),
    };
    Ok(Ok(Scanned {
        writer,
        version,
        frames,
        end: header_len,
        tail: Tail::Clean,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(parse_name("seg-1700000000.mlh"), Some((1700000000, 0)));
        assert_eq!(parse_name("seg-1700000000-2.mlh"), Some((1700000000, 2)));
        assert_eq!(name(5, 0), "seg-5.mlh");
        assert_eq!(name(5, 3), "seg-5-3.mlh");
        for bad in [
            "seg-.mlh",
            "seg-1-0.mlh",
            "seg-x.mlh",
            "seg-1.mlh.tmp",
            "seg-+1.mlh",
            "eg-1.mlh",
        ] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
    }
}
