//! A tiny HTTP deploy API on 127.0.0.1, for the `release-api-js` example: releases uploaded by
//! version, one of them live, the live one served at `/site`.
//!
//! - `GET /live` → `{"version": "v1"}` (`null` when nothing is live)
//! - `PUT /live` with `{"version": "v1"}` makes an uploaded release live (404 if unknown);
//!   `DELETE /live` takes the site down
//! - `PUT /releases/{version}` uploads a release's page; `DELETE /releases/{version}` removes it
//!   (409 while it is live)
//! - `GET /site` → the live release's page (404 when nothing is live)

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde_json::json;

use super::http::{json_reply, serve};

#[derive(Default)]
struct Releases {
    pages: BTreeMap<String, String>,
    live: Option<String>,
}

type Shared = Arc<Mutex<Releases>>;

/// The running API (stops when dropped).
pub struct ReleaseApi {
    /// The address it listens on.
    pub addr: SocketAddr,
    releases: Shared,
    _runtime: tokio::runtime::Runtime,
}

impl ReleaseApi {
    /// Starts the API with nothing uploaded.
    pub fn start() -> ReleaseApi {
        let releases = Shared::default();
        let app = axum::Router::new()
            .route("/live", get(live).put(make_live).delete(take_down))
            .route("/releases/{version}", put(upload).delete(remove))
            .route("/site", get(site))
            .with_state(releases.clone());
        let (addr, runtime) = serve(app, 1);
        ReleaseApi {
            addr,
            releases,
            _runtime: runtime,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The live version, if any.
    pub fn live(&self) -> Option<String> {
        self.releases.lock().unwrap().live.clone()
    }

    /// The versions uploaded, in order.
    pub fn uploaded(&self) -> Vec<String> {
        self.releases
            .lock()
            .unwrap()
            .pages
            .keys()
            .cloned()
            .collect()
    }
}

async fn live(State(releases): State<Shared>) -> Response {
    json_reply(200, &json!({ "version": releases.lock().unwrap().live }))
}

async fn make_live(State(releases): State<Shared>, body: String) -> Response {
    let wanted = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["version"].as_str().map(str::to_owned));
    let mut releases = releases.lock().unwrap();
    match wanted {
        Some(version) if releases.pages.contains_key(&version) => {
            releases.live = Some(version.clone());
            json_reply(200, &json!({ "version": version }))
        }
        _ => json_reply(404, &json!({ "error": "no such release" })),
    }
}

async fn take_down(State(releases): State<Shared>) -> Response {
    releases.lock().unwrap().live = None;
    json_reply(200, &json!({ "version": null }))
}

async fn upload(
    State(releases): State<Shared>,
    Path(version): Path<String>,
    page: String,
) -> Response {
    releases.lock().unwrap().pages.insert(version.clone(), page);
    json_reply(201, &json!({ "version": version }))
}

async fn remove(State(releases): State<Shared>, Path(version): Path<String>) -> Response {
    let mut releases = releases.lock().unwrap();
    if releases.live.as_ref() == Some(&version) {
        return json_reply(409, &json!({ "error": "the release is live" }));
    }
    releases.pages.remove(&version);
    json_reply(200, &json!({ "removed": version }))
}

async fn site(State(releases): State<Shared>) -> Response {
    let releases = releases.lock().unwrap();
    match releases.live.as_ref().and_then(|v| releases.pages.get(v)) {
        Some(page) => page.clone().into_response(),
        None => json_reply(404, &json!({ "error": "nothing is live" })),
    }
}
