//! memlens's HTTP endpoint (`memlens serve`): `/metrics`, `/` and `/healthz`, served
//! from the last page of metrics the collector put in [`Latest`], so that a scrape never
//! waits on reading `/proc` (a slow `smaps_rollup` stalls the collector, not Prometheus).
//!
//! This crate knows HTTP, TLS and authentication; it neither reads the machine nor
//! renders metrics. Bounds, each a constant in [`Limits`]: connections at once (more are
//! closed at accept), the time to send a request's headers, their size and count, the
//! TLS handshake's time, and a connection's lifetime (then it is closed after the
//! response in flight), so a slow or malformed client holds at most one slot for a
//! bounded time.

mod auth;
mod http;
mod tls;
pub mod webconfig;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

pub use webconfig::WebConfig;

/// One collection's metrics, rendered both ways.
pub struct Page {
    /// The Prometheus text format 0.0.4.
    pub prometheus: Bytes,
    /// OpenMetrics 1.0.0.
    pub openmetrics: Bytes,
    /// When the collection finished.
    pub at: SystemTime,
    pub(crate) made: Instant,
}

impl Page {
    pub fn new(prometheus: String, openmetrics: String, at: SystemTime) -> Page {
        Page {
            prometheus: Bytes::from(prometheus),
            openmetrics: Bytes::from(openmetrics),
            at,
            made: Instant::now(),
        }
    }
}

/// The last page, shared by the collector (which replaces it) and the server.
pub struct Latest {
    page: RwLock<Option<Arc<Page>>>,
    /// A page older than this makes `/healthz` answer 503.
    stale_after: Duration,
}

impl Latest {
    pub fn new(stale_after: Duration) -> Latest {
        Latest {
            page: RwLock::new(None),
            stale_after,
        }
    }

    pub fn set(&self, page: Page) {
        *self.page.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(page));
    }

    pub fn get(&self) -> Option<Arc<Page>> {
        self.page.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The server's bounds.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; more are closed as soon as they are accepted.
    pub connections: usize,
    /// The time a client has to send a request's headers (and, with TLS, to finish the
    /// handshake).
    pub header_time: Duration,
    /// The largest request head (request line and headers), in bytes; larger gets 431.
    pub header_bytes: usize,
    /// The most headers in a request; more gets 431.
    pub headers: usize,
    /// A connection's life: then it is closed once the response in flight is sent, or
    /// after `header_time` more at most.
    pub lifetime: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connections: 64,
            header_time: Duration::from_secs(10),
            header_bytes: 8192,
            headers: 64,
            lifetime: Duration::from_secs(120),
        }
    }
}

/// A failure to start serving, as one line.
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bound listener with its TLS and authentication, ready to serve.
pub struct Server {
    listener: std::net::TcpListener,
    state: Arc<http::State>,
}

impl Server {
    /// Binds `addr` and reads the web config's certificates: every configuration error
    /// shows here, before anything is served.
    pub fn bind(
        addr: SocketAddr,
        web: WebConfig,
        limits: Limits,
        latest: Arc<Latest>,
    ) -> Result<Server, Error> {
        let tls = match web.tls_server_config {
            Some(t) => {
                Some(tls::Tls::new(t, &web.dir).map_err(|e| Error(format!("--web-config: {e}")))?)
            }
            None => None,
        };
        let auth = auth::BasicAuth::new(web.basic_auth_users).map(Arc::new);
        let headers = web
            .http_server_config
            .map(|h| h.headers.into_iter().collect())
            .unwrap_or_default();
        let listener = std::net::TcpListener::bind(addr)
            .map_err(|e| Error(format!("--listen {addr}: {e}")))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error(format!("--listen {addr}: {e}")))?;
        Ok(Server {
            listener,
            state: Arc::new(http::State {
                latest,
                tls,
                auth,
                headers,
                limits,
            }),
        })
    }

    /// The address bound (with the port the kernel chose for port 0).
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        self.listener
            .local_addr()
            .map_err(|e| Error(format!("the listening socket: {e}")))
    }

    /// `https` with TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.state.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Serves on this thread until SIGTERM or SIGINT.
    pub fn run(self) -> Result<(), Error> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .max_blocking_threads(2)
            .build()
            .map_err(|e| Error(format!("cannot start serving: {e}")))?;
        rt.block_on(http::serve(self.listener, self.state))
    }
}
