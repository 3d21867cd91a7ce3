//! A loopback HTTP server that answers every request the same scripted way and counts them:
//! the granted service, or the internal one a hostile plugin must never reach.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::State;
use axum::http::Response;

use super::http::serve;

/// One scripted answer.
#[derive(Clone)]
struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
    requests: Arc<AtomicUsize>,
}

/// A running server on 127.0.0.1 (stops when dropped).
pub struct ScriptedServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    _runtime: tokio::runtime::Runtime,
}

impl ScriptedServer {
    /// Answers every request `200` with `body`.
    pub fn ok(body: &str) -> ScriptedServer {
        ScriptedServer::start(200, None, body)
    }

    /// Answers every request `302` to `location`.
    pub fn redirecting_to(location: &str) -> ScriptedServer {
        ScriptedServer::start(302, Some(location.to_owned()), "")
    }

    fn start(status: u16, location: Option<String>, body: &str) -> ScriptedServer {
        let requests = Arc::new(AtomicUsize::new(0));
        let answer = Answer {
            status,
            location,
            body: body.to_owned(),
            requests: Arc::clone(&requests),
        };
        let (addr, runtime) = serve(
            axum::Router::new().fallback(answer_with).with_state(answer),
            1,
        );
        ScriptedServer {
            addr,
            requests,
            _runtime: runtime,
        }
    }

    /// `http://127.0.0.1:PORT`, as a plan grants it.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests it has answered.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn answer_with(State(answer): State<Answer>) -> Response<Body> {
    answer.requests.fetch_add(1, Ordering::SeqCst);
    let mut response = Response::builder().status(answer.status);
    if let Some(location) = &answer.location {
        response = response.header("location", location);
    }
    response.body(Body::from(answer.body.clone())).unwrap()
}
