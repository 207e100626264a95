//! The accept loop, one connection's bounds, and the three routes.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use memlens_present::exposition::Format;

use crate::auth::{BasicAuth, Verdict};
use crate::tls::Tls;
use crate::{Error, Latest, Limits};

pub struct State {
    pub latest: Arc<Latest>,
    pub tls: Option<Tls>,
    pub auth: Option<Arc<BasicAuth>>,
    pub headers: Vec<(String, String)>,
    pub limits: Limits,
}

pub async fn serve(listener: std::net::TcpListener, state: Arc<State>) -> Result<(), Error> {
    let listener =
        TcpListener::from_std(listener).map_err(|e| Error(format!("the listening socket: {e}")))?;
    let slots = Arc::new(Semaphore::new(state.limits.connections));
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Error(format!("cannot wait for SIGTERM: {e}")))?;
    let (mut full_said, mut accept_said) = (false, false);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = terminate.recv() => return Ok(()),
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, or a connection reset before it was taken:
                // wait a little rather than spin, and say it once.
                if !accept_said {
                    eprintln!("memlens serve: accept: {e} (said once)");
                    accept_said = true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            if !full_said {
                eprintln!(
                    "memlens serve: {} connections at once; closing the ones over that (said once)",
                    state.limits.connections
                );
                full_said = true;
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        tokio::spawn(async move {
            let _slot = slot;
            match &state.tls {
                None => connection(stream, &state).await,
                Some(tls) => {
                    let acceptor = tokio_rustls::TlsAcceptor::from(tls.config());
                    let handshake =
                        tokio::time::timeout(state.limits.header_time, acceptor.accept(stream));
                    if let Ok(Ok(stream)) = handshake.await {
                        connection(stream, &state).await;
                    }
                }
            }
        });
    }
}

/// Serves one connection's requests within its lifetime.
async fn connection<S>(stream: S, state: &Arc<State>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = state.limits;
    let service_state = state.clone();
    let service = hyper::service::service_fn(move |req| {
        let state = service_state.clone();
        async move { Ok::<_, Infallible>(respond(req, &state).await) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_time)
        .max_buf_size(limits.header_bytes.max(8192))
        .max_header_size(limits.header_bytes)
        .max_headers(limits.headers)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = tokio::time::sleep(limits.lifetime) => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(limits.header_time, conn).await;
        }
    }
}

fn reply(status: StatusCode, content_type: &str, body: Bytes) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("text/plain")),
    );
    r
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    reply(
        status,
        "text/plain; charset=utf-8",
        Bytes::from(body.to_string()),
    )
}

async fn respond(req: Request<Incoming>, state: &State) -> Response<Full<Bytes>> {
    let mut r = route(&req, state).await;
    for (name, value) in &state.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            r.headers_mut().insert(n, v);
        }
    }
    r
}

async fn route(req: &Request<Incoming>, state: &State) -> Response<Full<Bytes>> {
    if let Some(auth) = &state.auth {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(|v| v.as_bytes());
        if auth.check(given).await == Verdict::Refused {
            let mut r = text(StatusCode::UNAUTHORIZED, "Unauthorized\n");
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"memlens\", charset=\"UTF-8\""),
            );
            return r;
        }
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = text(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD only\n");
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    // Nothing here reads a body: one announced is refused, and the connection closed.
    let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() != "0");
    if chunked || length {
        let mut r = text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "no request body is read here\n",
        );
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return r;
    }
    match req.uri().path() {
        "/metrics" => {
            let Some(page) = state.latest.get() else {
                return text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "no snapshot collected yet\n",
                );
            };
            let accept = req
                .headers()
                .get_all(header::ACCEPT)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect::<Vec<_>>()
                .join(",");
            if wants_openmetrics(&accept) {
                reply(
                    StatusCode::OK,
                    Format::OpenMetrics.content_type(),
                    page.openmetrics.clone(),
                )
            } else {
                reply(
                    StatusCode::OK,
                    Format::Prometheus.content_type(),
                    page.prometheus.clone(),
                )
            }
        }
        "/healthz" => match state.latest.get() {
            None => text(
                StatusCode::SERVICE_UNAVAILABLE,
                "no snapshot collected yet\n",
            ),
            Some(p) if p.made.elapsed() > state.latest.stale_after => text(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!(
                    "stale: the last snapshot was collected {:.0} s ago\n",
                    p.made.elapsed().as_secs_f64()
                ),
            ),
            Some(p) => text(
                StatusCode::OK,
                &format!(
                    "ok: snapshot of {}\n",
                    p.at.duration_since(SystemTime::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0)
                ),
            ),
        },
        "/" => reply(
            StatusCode::OK,
            "text/html; charset=utf-8",
            Bytes::from_static(INDEX.as_bytes()),
        ),
        _ => text(StatusCode::NOT_FOUND, "not found: try /metrics\n"),
    }
}

const INDEX: &str = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>memlens</title></head>\n<body><h1>memlens</h1>\n<p>Where this machine's memory goes, for Prometheus.</p>\n<ul><li><a href=\"metrics\">metrics</a></li><li><a href=\"healthz\">healthz</a></li></ul>\n</body></html>\n";

/// Whether an `Accept` header prefers OpenMetrics: it names
/// `application/openmetrics-text` with a weight above 0 that no other type it names
/// beats (Prometheus asks for OpenMetrics first, the text format at q=0.5).
pub fn wants_openmetrics(accept: &str) -> bool {
    let mut best_om = 0.0f64;
    let mut best_text = 0.0f64;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f64>().ok())
            .next()
            .unwrap_or(1.0);
        match media.as_str() {
            "application/openmetrics-text" => best_om = best_om.max(q),
            "text/plain" => best_text = best_text.max(q),
            _ => {}
        }
    }
    best_om > 0.0 && best_om >= best_text
}

#[cfg(test)]
mod tests {
    use super::wants_openmetrics;

    #[test]
    fn accept_headers_choose_the_format() {
        // What Prometheus 2.42 sends.
        assert!(wants_openmetrics("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
        assert!(!wants_openmetrics(""));
        assert!(!wants_openmetrics("*/*"));
        assert!(!wants_openmetrics("text/plain"));
        assert!(!wants_openmetrics(
            "text/plain;q=1, application/openmetrics-text;q=0.5"
        ));
        assert!(!wants_openmetrics("application/openmetrics-text;q=0"));
        assert!(wants_openmetrics(
            "Application/OpenMetrics-Text; version=1.0.0"
        ));
    }
}
