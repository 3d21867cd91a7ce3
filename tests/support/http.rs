//! A static file server for gates to probe, and a plain HTTP GET for assertions.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

/// Waits until every one of `addrs` accepts a TCP connection; panics after `timeout`, with
/// `what` and the server's `log`.
pub fn wait_until_listening(
    what: &str,
    addrs: &[SocketAddr],
    timeout: Duration,
    log: impl Fn() -> String,
) {
    let started = std::time::Instant::now();
    while addrs
        .iter()
        .any(|addr| TcpStream::connect_timeout(addr, Duration::from_millis(200)).is_err())
    {
        assert!(
            started.elapsed() < timeout,
            "{what} did not listen on {addrs:?} within {timeout:?}:\n{}",
            log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Serves a directory over HTTP on 127.0.0.1 (symlinks followed) until dropped.
pub struct StaticServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl StaticServer {
    /// Starts serving `dir` on a free loopback port.
    pub fn start(dir: &Path) -> StaticServer {
        let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(dir));
        let (addr, runtime) = serve(app, 1);
        StaticServer {
            addr,
            _runtime: runtime,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// A runtime for a test server, with `workers` threads.
pub fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap()
}

/// A listener on a free loopback port, on `runtime`.
pub fn listen(runtime: &tokio::runtime::Runtime) -> tokio::net::TcpListener {
    runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap()
}

/// A JSON answer with `status` (what the emulators send).
pub fn json_reply(status: u16, body: &serde_json::Value) -> axum::response::Response {
    use axum::response::IntoResponse;
    let status = axum::http::StatusCode::from_u16(status)
        .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Serves `app` on a free loopback port from a runtime of its own with `workers` threads, which
/// stops it when dropped.
pub fn serve(app: axum::Router, workers: usize) -> (SocketAddr, tokio::runtime::Runtime) {
    let runtime = runtime(workers);
    let listener = listen(&runtime);
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, app).await });
    (addr, runtime)
}

/// How long a request may take before it counts as failed: generous, because a slow answer on a
/// loaded 2-core machine is not a failed request (a refused or reset connection is).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// GETs `path` from `addr`: the status and the body (status 0 when nothing answers).
pub fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let (status, body) = get_bytes(addr, path);
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// GETs `path` from `addr`: the status and the body's bytes (status 0 when nothing answers).
pub fn get_bytes(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, CLIENT_TIMEOUT) else {
        return (0, Vec::new());
    };
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let sent = stream
        .set_read_timeout(Some(CLIENT_TIMEOUT))
        .and_then(|()| stream.write_all(request.as_bytes()));
    if sent.is_err() {
        return (0, Vec::new());
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let Some(split) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return (0, Vec::new());
    };
    let head = String::from_utf8_lossy(&response[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response[split + 4..].to_vec())
}
