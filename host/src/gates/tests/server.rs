//! A tiny HTTP server whose answers the test scripts.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Response, header};

/// One answer: a status and a body.
#[derive(Clone, Copy)]
pub struct Reply {
    pub status: u16,
    pub body: &'static str,
}

/// `status` with `body`.
pub fn reply(status: u16, body: &'static str) -> Reply {
    Reply { status, body }
}

/// The answers, in order; once they run out, `then` forever.
struct Script {
    first: VecDeque<Reply>,
    then: Reply,
    requests: u32,
}

/// A running server.
pub struct TestServer {
    pub addr: SocketAddr,
    script: Arc<Mutex<Script>>,
}

impl TestServer {
    /// Starts a server answering `first` in order, then `then` forever.
    pub async fn start(first: impl IntoIterator<Item = Reply>, then: Reply) -> TestServer {
        let script = Arc::new(Mutex::new(Script {
            first: first.into_iter().collect(),
            then,
            requests: 0,
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&script));
        tokio::spawn(async move { axum::serve(listener, app).await });
        TestServer { addr, script }
    }

    /// Starts a server that always answers `always`.
    pub async fn always(always: Reply) -> TestServer {
        TestServer::start([], always).await
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// How many requests it has answered.
    pub fn requests(&self) -> u32 {
        self.script.lock().unwrap().requests
    }
}

async fn answer(State(script): State<Arc<Mutex<Script>>>) -> Response<Body> {
    let reply = {
        let mut script = script.lock().unwrap();
        script.requests += 1;
        let then = script.then;
        script.first.pop_front().unwrap_or(then)
    };
    Response::builder()
        .status(reply.status)
        .header(header::LOCATION, "/elsewhere")
        .body(Body::from(reply.body))
        .unwrap()
}

/// An address on which nothing listens: bound, then released.
pub async fn closed_address() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// A port that accepts connections (into its backlog) but never answers.
pub async fn silent_listener() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()
}
