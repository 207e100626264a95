//! The snapshot file: one [`Snapshot`] as gzip-compressed JSON, written whole or not at
//! all (to a file beside the target, then renamed). `memlens capture --file FILE` writes
//! it; every command's `--root FILE` reads it.

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::Path;

use memlens_model::snapshot::FORMAT;
use memlens_model::Snapshot;

use crate::error::{Error, Result};

/// The most bytes a snapshot file may expand to (a 10,000-process machine is ~15 MiB).
pub const MAX_EXPANDED: u64 = 512 << 20;

fn bad(path: &Path, why: impl Into<String>) -> Error {
    Error::Parse {
        path: path.to_path_buf(),
        line: None,
        message: why.into(),
    }
}

/// Whether a file starts like a snapshot file (the gzip magic).
pub fn looks_like(path: &Path) -> bool {
    let mut head = [0u8; 2];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|_| head == [0x1f, 0x8b])
}

/// Writes `s` to `path`, atomically.
pub fn write(path: &Path, s: &Snapshot) -> Result<u64> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::Escapes(path.to_path_buf()))?
        .to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let done = (|| {
        let f = File::create(&tmp).map_err(|e| Error::from_io(&tmp, e))?;
        let mut gz =
            flate2::write::GzEncoder::new(BufWriter::new(f), flate2::Compression::default());
        serde_json::to_writer(&mut gz, s).map_err(|e| bad(&tmp, e.to_string()))?;
        let w = gz.finish().map_err(|e| Error::from_io(&tmp, e))?;
        let f = w
            .into_inner()
            .map_err(|e| Error::from_io(&tmp, e.into_error()))?;
        f.sync_all().map_err(|e| Error::from_io(&tmp, e))?;
        let len = f.metadata().map_err(|e| Error::from_io(&tmp, e))?.len();
        std::fs::rename(&tmp, path).map_err(|e| Error::from_io(path, e))?;
        Ok(len)
    })();
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done
}

/// Reads a snapshot file: bounded, and refusing a file that is not one, is cut short, or
/// was written by a newer memlens.
pub fn read(path: &Path) -> Result<Snapshot> {
    let f = File::open(path).map_err(|e| Error::from_io(path, e))?;
    if !f.metadata().map_err(|e| Error::from_io(path, e))?.is_file() {
        return Err(Error::NotRegular(path.to_path_buf()));
    }
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(f)
        .take(MAX_EXPANDED + 1)
        .read_to_end(&mut text)
        .map_err(|e| bad(path, format!("not a memlens snapshot file (gzip: {e})")))?;
    if text.len() as u64 > MAX_EXPANDED {
        return Err(Error::TooLarge(path.to_path_buf(), MAX_EXPANDED));
    }
    // The format first, so that a newer file is named as such rather than as garbled.
    #[derive(serde::Deserialize)]
    struct Head {
        meta: Option<HeadMeta>,
    }
    #[derive(serde::Deserialize)]
    struct HeadMeta {
        format: Option<u32>,
    }
    let head: Head = serde_json::from_slice(&text)
        .map_err(|e| bad(path, format!("not a memlens snapshot file ({e})")))?;
    match head.meta.and_then(|m| m.format) {
        Some(v) if v > FORMAT => {
            return Err(bad(
                path,
                format!("a snapshot of format {v}, written by a newer memlens (this one reads up to {FORMAT})"),
            ))
        }
        Some(_) => {}
        None => return Err(bad(path, "not a memlens snapshot file (no meta.format)")),
    }
    serde_json::from_slice(&text).map_err(|e| bad(path, format!("a damaged snapshot file ({e})")))
}
