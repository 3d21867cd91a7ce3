//! Serving deployments: `/<host>/<path>`, where `<host>` is the deployment's real host name
//! (`<project>.pages.dev`, `<short_id>.<project>.pages.dev`, `<branch alias>.<project>.pages.dev`).

use axum::extract::State as Extract;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::api::{Shared, fail, lock};
use super::faults::Endpoint;
use super::state::{Deployment, State};

/// API paths nothing answers get the API's 404; anything else is a site.
pub async fn fallback(Extract(shared): Extract<Shared>, uri: Uri) -> Response {
    let path = uri.path();
    if path == "/client/v4" || path.starts_with("/client/v4/") {
        lock(&shared).count(Endpoint::Unknown);
        return fail(404, 7000, "No route for that URI").into_response();
    }
    let state = lock(&shared);
    let (host, file) = path.trim_start_matches('/').split_once('/').map_or(
        (path.trim_start_matches('/'), "/".to_owned()),
        |(host, rest)| (host, format!("/{}", percent_decode(rest))),
    );
    match deployment_at(&state, host) {
        Some(deployment) => serve(&state, deployment, &file),
        None => (
            StatusCode::NOT_FOUND,
            format!("no deployment is served at {host}\n"),
        )
            .into_response(),
    }
}

/// The deployment served at `host`.
fn deployment_at<'s>(state: &'s State, host: &str) -> Option<&'s Deployment> {
    let name = host.strip_suffix(".pages.dev")?;
    if let Some(project) = state.projects.get(name) {
        return state.deployment(project.canonical.as_deref()?);
    }
    let (sub, project) = name.split_once('.')?;
    let of_project = || {
        state
            .deployments
            .iter()
            .filter(move |d| d.project == project)
    };
    of_project()
        .find(|d| d.short_id() == sub)
        .or_else(|| of_project().rev().find(|d| d.alias() == sub))
}

/// The file at `path` of `deployment`, Pages' way: as is, `.html`, `/index.html`; else the
/// nearest `404.html` (404), else `/index.html` (a single-page app), else 404.
fn serve(state: &State, deployment: &Deployment, path: &str) -> Response {
    let candidates = if path.ends_with('/') {
        vec![format!("{path}index.html")]
    } else {
        vec![
            path.to_owned(),
            format!("{path}.html"),
            format!("{path}/index.html"),
        ]
    };
    if let Some(found) = candidates.iter().find_map(|c| file(state, deployment, c)) {
        return found;
    }
    let mut dir = path;
    while let Some((parent, _)) = dir.rsplit_once('/') {
        if let Some(page) = file(state, deployment, &format!("{parent}/404.html")) {
            return (StatusCode::NOT_FOUND, page).into_response();
        }
        dir = parent;
    }
    file(state, deployment, "/index.html")
        .unwrap_or_else(|| (StatusCode::NOT_FOUND, "Not found\n").into_response())
}

fn file(state: &State, deployment: &Deployment, path: &str) -> Option<Response> {
    let asset = state.asset(&deployment.project, deployment.manifest.get(path)?)?;
    Some(
        (
            [(header::CONTENT_TYPE, asset.content_type.clone())],
            asset.bytes.clone(),
        )
            .into_response(),
    )
}

/// `%XX` sequences decoded (invalid ones kept as they are).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
