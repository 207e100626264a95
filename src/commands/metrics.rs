//! `memlens metrics`: collect, the metrics view, the exposition once (to stdout, or to a
//! file written atomically for node_exporter's textfile collector).

use std::io::Write;

use memlens_present::exposition::Format;
use memlens_sources::Root;

use crate::cli::MetricsArgs;
use crate::export;
use crate::failure::{Failure, Outcome};
use crate::output::print_raw;

pub fn run(root: &Root, args: &MetricsArgs) -> Outcome {
    if args.list {
        print_raw(&crate::metrics::list());
        return Ok(0);
    }
    let select = export::select(&args.export)?;
    let (snap, took) = export::snapshot(root, &args.export);
    let format = if args.openmetrics {
        Format::OpenMetrics
    } else {
        Format::Prometheus
    };
    let text = export::render(&snap, took, &select, None, &[format])?.concat();
    match &args.out {
        None => print_raw(&text),
        Some(path) => write_atomically(path, text.as_bytes())?,
    }
    Ok(0)
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`, so that a
/// reader sees the old file or the new one, never a part.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    let name = path
        .file_name()
        .ok_or_else(|| Failure::usage(format!("--out {}: not a file name", path.display())))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let fail = |e: std::io::Error| Failure::read(format!("--out {}: {e}", path.display()));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}
