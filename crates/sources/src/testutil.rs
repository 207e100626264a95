//! Test helpers: temporary root directories and a small deterministic fuzzer.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::ParseError;
use crate::root::Root;

/// A temporary root directory (with the `proc/meminfo` that [`Root::open`] wants),
/// removed on drop.
pub struct TempRoot {
    dir: PathBuf,
}

impl TempRoot {
    pub fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "memlens-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let t = TempRoot { dir };
        t.write("proc/meminfo", b"MemTotal: 1024 kB\n");
        t
    }

    pub fn root(&self) -> Root {
        Root::open(&self.dir).unwrap()
    }

    pub fn write(&self, rel: &str, content: &[u8]) {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    pub fn write_mode(&self, rel: &str, content: &[u8], mode: u32) {
        self.write(rel, content);
        let p = self.dir.join(rel);
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    pub fn mkdir(&self, rel: &str) {
        std::fs::create_dir_all(self.dir.join(rel)).unwrap();
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that matter to the kernel formats, to make mutations reach deep into parsers.
const INTERESTING: &[u8] = b" \t\n:,()[]=>.-0123456789abcNz#\xff\x00";

/// Feeds `parse` every prefix of `sample` (a truncation at every byte), random mutations
/// of it and plain garbage. Nothing may panic; a non-empty prefix that does not end in a
/// newline must be refused (the file was cut short).
pub fn fuzz<T>(sample: &[u8], parse: impl Fn(&[u8]) -> Result<T, ParseError>) {
    for i in 0..=sample.len() {
        let r = parse(&sample[..i]);
        if i > 0 && sample[i - 1] != b'\n' {
            let e = r
                .err()
                .unwrap_or_else(|| panic!("prefix of {i} bytes was accepted"));
            assert!(e.line.is_some(), "truncation error without a line: {e:?}");
        }
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ sample.len() as u64);
    let mut buf = Vec::with_capacity(sample.len() + 16);
    for _ in 0..2000 {
        buf.clear();
        buf.extend_from_slice(sample);
        for _ in 0..1 + rng.below(4) {
            let pos = rng.below(buf.len() + 1);
            let b = INTERESTING[rng.below(INTERESTING.len())];
            match rng.below(5) {
                0 if pos < buf.len() => buf[pos] = b,
                1 if pos < buf.len() => {
                    buf.remove(pos);
                }
                2 => buf.insert(pos, b),
                3 => {
                    // Duplicate a random stretch (repeated lines and sections).
                    let a = rng.below(buf.len() + 1);
                    let len = rng.below(200).min(buf.len() - a);
                    let piece = buf[a..a + len].to_vec();
                    buf.splice(pos..pos, piece);
                }
                _ => buf.truncate(pos),
            }
        }
        let _ = parse(&buf);
    }
    for len in [1usize, 2, 3, 8, 64, 512, 4096] {
        buf.clear();
        for _ in 0..len {
            buf.push(if rng.below(2) == 0 {
                INTERESTING[rng.below(INTERESTING.len())]
            } else {
                rng.next() as u8
            });
        }
        let _ = parse(&buf);
        buf.push(b'\n');
        let _ = parse(&buf);
    }
    for g in [
        &b""[..],
        b"\n",
        b"\n\n\n",
        b" \n",
        b"Node\n",
        b"Node 0,\n",
        b"Node 0, zone\n",
        b"Node x, zone DMA 1 2\n",
        b"Node 0, zone Normal, type\n",
        b"18446744073709551616\n",
        b"a 18446744073709551616\n",
        b"some avg10=\n",
        b"[\n",
        b"[]\n",
        b"protection: (\n",
        b"protection: ()\n",
        b"\xff\xfe\xfd\n",
        b":\n",
    ] {
        let _ = parse(g);
    }
}
