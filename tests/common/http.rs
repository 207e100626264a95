//! A plain HTTP client for the endpoint tests, over std's TcpStream (no TLS: Prometheus
//! itself is the TLS client in those tests), and a `memlens serve` started on a port the
//! kernel chose.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A response: status, headers (names lowercased), body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` (whole, as bytes) and reads the response to the end of the
/// connection; `None` when the server closed it without a response.
pub fn exchange(addr: SocketAddr, request: &[u8]) -> Option<Response> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let _ = s.write_all(request);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse(&raw)
}

/// Parses one HTTP/1.x response with a Content-Length or read to the end.
pub fn parse(raw: &[u8]) -> Option<Response> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Response {
        status,
        headers,
        body: body.to_string(),
    })
}

/// `GET path` over HTTP/1.0 (so that no server chunks the answer), with extra headers;
/// `None` when nothing answers.
pub fn try_get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Option<Response> {
    let mut req = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    exchange(addr, req.as_bytes())
}

/// [`try_get`] of a server that must answer.
pub fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    try_get(addr, path, headers).unwrap_or_else(|| panic!("no response to GET {path} from {addr}"))
}

/// `Authorization: Basic ...` for a user and password.
pub fn basic(user: &str, password: &str) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

/// Percent-encodes a query parameter.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A free loopback port (bound, then let go: another process could take it meanwhile,
/// which on a test machine does not happen).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `f` every 200 ms until it gives `Some`, or panics after `secs` with `what`.
pub fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "waited {secs} s for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `memlens serve` on a port of its choosing, stopped with SIGTERM when dropped.
pub struct Serve {
    pub child: Child,
    pub addr: SocketAddr,
    /// What it said on stderr before it listened, and after.
    pub said: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Serve {
    /// Starts `memlens serve --listen 127.0.0.1:0 ARGS` and waits until it listens.
    pub fn start(args: &[&str]) -> Serve {
        let mut child = Command::new(super::bin())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start memlens serve");
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut said = String::new();
        let addr = loop {
            let mut line = String::new();
            if err.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = child.kill();
                let _ = child.wait();
                panic!("memlens serve {args:?} ended before listening: {said}");
            }
            said.push_str(&line);
            if let Some(rest) = line.split("listening on ").nth(1) {
                let hostport = rest
                    .split("://")
                    .nth(1)
                    .and_then(|r| r.split('/').next())
                    .unwrap();
                break hostport.parse().unwrap();
            }
        };
        let said = std::sync::Arc::new(std::sync::Mutex::new(said));
        let more = said.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            while err.read_line(&mut line).unwrap_or(0) > 0 {
                more.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        Serve { child, addr, said }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident set size in bytes, from its status file.
    pub fn rss_bytes(&self) -> i64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        super::kb_field(&status, "VmRSS").unwrap()
    }

    /// Open file descriptors of the server.
    pub fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}
