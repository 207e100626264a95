//! `memlens serve` under load, alone in its test binary so that nothing else runs beside
//! it: 50 scrapers on keep-alive connections, each scraping as fast as answers come, for
//! 30 s against the live machine collected every second. Every scrape is answered whole,
//! the 99th percentile of the latency stays under the goal (README, "memlens serve"), and
//! the server's memory stays flat.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::http::Serve;
use common::*;

const SCRAPERS: usize = 50;
const SECONDS: u64 = 30;
/// The goal for the 99th percentile under this load, on a 2-core machine.
const P99_GOAL: Duration = Duration::from_millis(100);

/// Scrapes over one keep-alive connection until `stop`; each scrape's latency.
fn scraper(addr: SocketAddr, stop: Arc<AtomicBool>) -> Result<Vec<Duration>, String> {
    let s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut w = s.try_clone().map_err(|e| e.to_string())?;
    let mut r = BufReader::new(s);
    let mut times = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let t = Instant::now();
        w.write_all(b"GET /metrics HTTP/1.1\r\nHost: memlens\r\n\r\n")
            .map_err(|e| format!("write: {e}"))?;
        let mut status = String::new();
        r.read_line(&mut status).map_err(|e| format!("read: {e}"))?;
        if !status.starts_with("HTTP/1.1 200") {
            return Err(format!("status line {status:?}"));
        }
        let mut length = None;
        loop {
            let mut line = String::new();
            r.read_line(&mut line).map_err(|e| format!("read: {e}"))?;
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse::<usize>().ok();
            }
        }
        let length = length.ok_or("no content-length")?;
        let mut body = vec![0u8; length];
        r.read_exact(&mut body).map_err(|e| format!("body: {e}"))?;
        if !body.starts_with(b"# HELP memlens_") {
            return Err("not an exposition".into());
        }
        times.push(t.elapsed());
    }
    Ok(times)
}

#[test]
fn fifty_scrapers_for_thirty_seconds_get_every_answer_quickly_and_memory_stays_flat() {
    let s = Serve::start(&["--interval", "1s", "--max-connections", "64"]);
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..SCRAPERS)
        .map(|_| {
            let stop = stop.clone();
            let addr = s.addr;
            std::thread::spawn(move || scraper(addr, stop))
        })
        .collect();
    std::thread::sleep(Duration::from_secs(5));
    let rss_early = s.rss_bytes();
    std::thread::sleep(Duration::from_secs(SECONDS - 5));
    let rss_late = s.rss_bytes();
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in threads {
        all.extend(
            t.join()
                .unwrap()
                .unwrap_or_else(|e| panic!("a scraper failed: {e}")),
        );
    }
    all.sort();
    let at = |q: f64| all[((all.len() - 1) as f64 * q) as usize];
    let (p50, p99) = (at(0.5), at(0.99));
    eprintln!(
        "{} scrapes by {SCRAPERS} scrapers in {SECONDS} s: p50 {p50:?}, p99 {p99:?}, max {:?}; RSS {} KiB after 5 s, {} KiB at the end",
        all.len(),
        all.last().unwrap(),
        rss_early / 1024,
        rss_late / 1024
    );
    assert!(
        all.len() > SCRAPERS * SECONDS as usize,
        "only {} scrapes",
        all.len()
    );
    assert!(p99 <= P99_GOAL, "p99 {p99:?} over the goal {P99_GOAL:?}");
    close("server RSS", rss_late, rss_early, 4 * MIB);
}
