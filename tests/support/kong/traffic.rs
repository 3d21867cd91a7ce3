//! Traffic for the canary tests: backends that answer with their name, and a gate endpoint that
//! measures where requests through the proxy go each time it is probed.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;

/// A loopback HTTP server answering every request with its name.
pub struct Backend {
    /// Where it listens.
    pub addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

impl Backend {
    /// Starts a backend called `name`.
    pub fn start(name: &'static str) -> Backend {
        let (runtime, listener) = bound();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().fallback(move || async move { name });
        runtime.spawn(async move { axum::serve(listener, app).await });
        Backend {
            addr,
            _runtime: runtime,
        }
    }

    /// `127.0.0.1:PORT`, as a Kong target.
    pub fn target(&self) -> String {
        self.addr.to_string()
    }
}

fn bound() -> (tokio::runtime::Runtime, tokio::net::TcpListener) {
    let runtime = crate::support::http::runtime(1);
    let listener = crate::support::http::listen(&runtime);
    (runtime, listener)
}

/// What one probe of the gate does.
#[derive(Clone)]
struct Measure {
    url: String,
    requests: usize,
    canary: &'static str,
    max_share: f64,
    shares: Arc<Mutex<Vec<f64>>>,
    client: reqwest::Client,
}

/// A gate endpoint: every GET sends `requests` GETs to `url` (through Kong's proxy), records the
/// share that the `canary` backend answered, and answers 200, or 503 when that share is above
/// `max_share` (a stand-in for an error-rate or latency gate that sees the canary misbehave).
pub struct SplitGate {
    /// Where it listens.
    pub addr: SocketAddr,
    shares: Arc<Mutex<Vec<f64>>>,
    _runtime: tokio::runtime::Runtime,
}

impl SplitGate {
    /// Starts a gate measuring `url`.
    pub fn start(url: String, requests: usize, canary: &'static str, max_share: f64) -> SplitGate {
        let (runtime, listener) = bound();
        let addr = listener.local_addr().unwrap();
        let shares = Arc::new(Mutex::new(Vec::new()));
        let measure = Measure {
            url,
            requests,
            canary,
            max_share,
            shares: shares.clone(),
            client: reqwest::Client::new(),
        };
        let app = axum::Router::new().fallback(probe).with_state(measure);
        runtime.spawn(async move { axum::serve(listener, app).await });
        SplitGate {
            addr,
            shares,
            _runtime: runtime,
        }
    }

    /// The URL the plan's gate probes.
    pub fn url(&self) -> String {
        format!("http://{}/split", self.addr)
    }

    /// The canary's share measured at each probe, in order.
    pub fn shares(&self) -> Vec<f64> {
        self.shares
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

async fn probe(State(measure): State<Measure>) -> (StatusCode, String) {
    let mut canary = 0;
    for _ in 0..measure.requests {
        let body = match measure.client.get(&measure.url).send().await {
            Ok(response) => response.text().await.unwrap_or_default(),
            Err(e) => return (StatusCode::BAD_GATEWAY, format!("proxy unreachable: {e}")),
        };
        if body == measure.canary {
            canary += 1;
        }
    }
    let share = canary as f64 / measure.requests as f64;
    measure
        .shares
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(share);
    if share > measure.max_share {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("canary share {share:.2} is over {:.2}", measure.max_share),
        )
    } else {
        (StatusCode::OK, format!("canary share {share:.2}"))
    }
}
