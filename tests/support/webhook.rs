//! A loopback webhook receiver: it keeps the path and JSON body of every POST and answers 200,
//! the way a chat's incoming webhook does.

use std::sync::{Arc, Mutex};

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub struct Posted {
    /// Its path, e.g. `/services/T0/B0/TOKEN`.
    pub path: String,
    /// Its body, parsed.
    pub body: serde_json::Value,
}

/// The receiver; it stops when dropped.
pub struct Receiver {
    /// `http://127.0.0.1:PORT`: the origin to grant.
    pub origin: String,
    posted: Arc<Mutex<Vec<Posted>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Receiver {
    /// Starts a receiver on a free loopback port.
    pub fn start() -> Receiver {
        let posted = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&posted);
        let app = axum::Router::new().fallback(axum::routing::post(
            move |uri: axum::http::Uri, body: String| {
                let keep = Arc::clone(&keep);
                async move {
                    let body =
                        serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body));
                    keep.lock().unwrap().push(Posted {
                        path: uri.path().to_owned(),
                        body,
                    });
                    "ok"
                }
            },
        ));
        let (addr, runtime) = super::http::serve(app, 1);
        Receiver {
            origin: format!("http://{addr}"),
            posted,
            _runtime: runtime,
        }
    }

    /// Every POST so far, in order.
    pub fn posted(&self) -> Vec<Posted> {
        self.posted.lock().unwrap().clone()
    }

    /// The bodies POSTed to `path`, in order.
    pub fn bodies_at(&self, path: &str) -> Vec<serde_json::Value> {
        self.posted()
            .into_iter()
            .filter(|posted| posted.path == path)
            .map(|posted| posted.body)
            .collect()
    }
}
