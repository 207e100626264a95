//! POSIX shared memory: the files of the tmpfs at `/dev/shm` (`shm_open` names,
//! `sem.NAME` named semaphores), with their size and the pages they really hold.
//!
//! A capture does not copy `dev/shm` (it would copy the contents), so under `--root` the
//! directory is usually missing: [`read`] gives `None` and the view says so.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;

use memlens_model::PosixShmFile;

use crate::error::Result;
use crate::root::Root;

const DIR: &str = "dev/shm";

/// Lists every regular file under `dev/shm` (subdirectories included, symlinks not
/// followed), sorted by name; `None` when the directory does not exist.
pub fn read(root: &Root) -> Result<Option<Vec<PosixShmFile>>> {
    match root.symlink_metadata(DIR) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Ok(None),
        Err(e) if e.is_missing() => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut out = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        let dir = if rel.is_empty() {
            DIR.to_string()
        } else {
            format!("{DIR}/{rel}")
        };
        for entry in root.entries(&dir)? {
            let name = crate::text::escaped(entry.name.as_bytes());
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            // A file removed meanwhile is skipped.
            let Ok(m) = root.symlink_metadata(&format!("{DIR}/{child}")) else {
                continue;
            };
            if m.is_dir() {
                stack.push(child);
            } else if m.is_file() {
                out.push(PosixShmFile {
                    name: child,
                    size: m.len(),
                    allocated: m.blocks().saturating_mul(512),
                    uid: m.uid(),
                    mode: m.mode() & 0o7777,
                });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::TempRoot;

    #[test]
    fn lists_files_sizes_and_missing() {
        let t = TempRoot::new("posix-shm");
        assert_eq!(read(&t.root()).unwrap(), None);
        t.write("dev/shm/b", &vec![1u8; 10000]);
        t.write("dev/shm/sub/a", b"");
        t.write_mode("dev/shm/sem.x", b"1234", 0o640);
        let f = read(&t.root()).unwrap().unwrap();
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["b", "sem.x", "sub/a"]);
        assert_eq!(f[0].size, 10000);
        assert!(
            f[0].allocated >= 10000 || f[0].allocated == 0,
            "sparse-aware"
        );
        assert_eq!(f[1].mode, 0o640);
        assert_eq!(f[2].size, 0);
    }
}
