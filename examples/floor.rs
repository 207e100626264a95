//! The floor: what reading the kernel's files costs, without parsing.
//!
//! `floor [FILE ...] [--threads N]` reads `/proc/*/FILE` for every process (default
//! `smaps_rollup`) into one reused buffer and prints the bytes read. The benchmark compares
//! memlens against this.

use std::io::Read;

fn main() {
    let mut files: Vec<String> = Vec::new();
    let mut threads = 1usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--threads" {
            threads = args.next().and_then(|n| n.parse().ok()).unwrap_or(1).max(1);
        } else {
            files.push(a);
        }
    }
    if files.is_empty() {
        files.push("smaps_rollup".into());
    }
    let pids: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    let chunk = pids.len().div_ceil(threads).max(1);
    let total: usize = std::thread::scope(|s| {
        let hs: Vec<_> = pids
            .chunks(chunk)
            .map(|part| {
                let files = &files;
                s.spawn(move || {
                    let mut buf = Vec::with_capacity(1 << 16);
                    let mut n = 0;
                    for pid in part {
                        for f in files {
                            buf.clear();
                            if let Ok(mut fh) = std::fs::File::open(format!("/proc/{pid}/{f}")) {
                                n += fh.read_to_end(&mut buf).unwrap_or(0);
                            }
                        }
                    }
                    n
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).sum()
    });
    println!("{} processes, {} bytes", pids.len(), total);
}
