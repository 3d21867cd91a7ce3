//! The API's routes, the envelope, authentication and fault interception shared by handlers.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State as Extract};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::faults::{Endpoint, Reaction};
use super::jwt::Refusal;
use super::state::{Project, State};
use super::{ACCOUNT, API_TOKEN, assets, deployments, sites, workers};

/// The emulator's state, shared by the handlers.
pub type Shared = Arc<Mutex<State>>;

/// The largest request body accepted (an upload bucket of 40 MiB is about 54 MiB of JSON).
const MAX_BODY: usize = 128 * 1024 * 1024;
/// Prefix of every project path.
const PROJECT: &str = "/client/v4/accounts/{account}/pages/projects/{project}";

/// Every route of the emulator.
pub fn router(shared: Shared) -> Router {
    workers::routes(Router::new())
        .route(PROJECT, get(project))
        .route(&format!("{PROJECT}/upload-token"), get(upload_token))
        .route(
            &format!("{PROJECT}/deployments"),
            get(deployments::list).post(deployments::create),
        )
        .route(
            &format!("{PROJECT}/deployments/{{id}}"),
            get(deployments::one).delete(deployments::delete),
        )
        .route(
            &format!("{PROJECT}/deployments/{{id}}/rollback"),
            post(deployments::rollback),
        )
        .route(
            &format!("{PROJECT}/deployments/{{id}}/history/logs"),
            get(deployments::logs),
        )
        .route(
            "/client/v4/pages/assets/check-missing",
            post(assets::check_missing),
        )
        .route("/client/v4/pages/assets/upload", post(assets::upload))
        .route(
            "/client/v4/pages/assets/upsert-hashes",
            post(assets::upsert_hashes),
        )
        .fallback(sites::fallback)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}

/// Locks the state (a panicked handler does not poison it for the others).
pub fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A successful answer carrying `result`.
pub fn ok(result: Value) -> Response {
    axum::Json(json!({ "success": true, "errors": [], "messages": [], "result": result }))
        .into_response()
}

/// A successful answer carrying the list `results`, all on one page.
pub fn ok_list(results: Vec<Value>) -> Response {
    let count = results.len();
    axum::Json(json!({
        "success": true,
        "errors": [],
        "messages": [],
        "result": results,
        "result_info": { "page": 1, "per_page": count.max(1), "count": count, "total_count": count },
    }))
    .into_response()
}

/// An answer other than success: the API's failure envelope, or what a fault puts in its place.
#[derive(Debug)]
pub enum Answer {
    /// `{"success": false, "errors": [{code, message}], ...}` with HTTP `status`.
    Failure {
        status: u16,
        code: u64,
        message: String,
    },
    /// HTTP 524 with an HTML page, as Cloudflare's edge answers when the origin times out.
    GatewayTimeout,
    /// A 307 redirect to the location.
    Redirect(String),
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self {
            Answer::Failure {
                status,
                code,
                message,
            } => {
                let body = json!({
                    "success": false,
                    "errors": [{ "code": code, "message": message }],
                    "messages": [],
                    "result": null,
                });
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                (status, axum::Json(body)).into_response()
            }
            Answer::GatewayTimeout => (
                StatusCode::from_u16(524).unwrap_or(StatusCode::GATEWAY_TIMEOUT),
                Html(
                    "<!DOCTYPE html><html><head><title>A timeout occurred</title></head>\
                     <body><h1>Error 524: A timeout occurred</h1></body></html>",
                ),
            )
                .into_response(),
            Answer::Redirect(location) => (
                StatusCode::TEMPORARY_REDIRECT,
                [(header::LOCATION, location)],
            )
                .into_response(),
        }
    }
}

/// What a handler answers: success, or another [`Answer`].
pub type Handled = Result<Response, Answer>;

/// A failed answer: HTTP `status`, error `code` and `message`.
pub fn fail(status: u16, code: u64, message: impl Into<String>) -> Answer {
    Answer::Failure {
        status,
        code,
        message: message.into(),
    }
}

/// Counts a request to `endpoint` and applies the faults in force: a delay, revoked tokens,
/// or an answer instead of the real one.
pub async fn intercept(shared: &Shared, endpoint: Endpoint) -> Result<(), Answer> {
    let decision = {
        let mut state = lock(shared);
        state.count(endpoint);
        let decision = state.faults.decide(endpoint);
        if decision.revoke_tokens {
            state.tokens.revoke_all();
        }
        decision
    };
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    match decision.reaction {
        None => Ok(()),
        Some(Reaction::GatewayTimeout) => Err(Answer::GatewayTimeout),
        Some(Reaction::ServerError) => Err(fail(500, 8_000_000, "An unknown error occurred")),
        Some(Reaction::Redirect(location)) => Err(Answer::Redirect(location)),
    }
}

/// The bearer token of a request, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Checks the API token and the account of an account path.
pub fn authorized_account(headers: &HeaderMap, account: &str) -> Result<(), Answer> {
    if bearer(headers) != Some(API_TOKEN) {
        return Err(fail(403, 10_000, "Authentication error"));
    }
    if account != ACCOUNT {
        return Err(fail(
            404,
            7003,
            format!(
                "Could not route to /accounts/{account}, perhaps your object identifier is invalid?"
            ),
        ));
    }
    Ok(())
}

/// Checks the API token and the account of a project path; the project, or the answer.
pub fn authorized_project<'s>(
    state: &'s State,
    headers: &HeaderMap,
    account: &str,
    project: &str,
) -> Result<&'s Project, Answer> {
    authorized_account(headers, account)?;
    state.projects.get(project).ok_or_else(|| {
        fail(
            404,
            8_000_007,
            "Project not found. The specified project name does not match any of your existing projects.",
        )
    })
}

/// Checks the upload token of an assets request; the project it is for, or the 8000013 answer.
pub fn authorized_upload(state: &mut State, headers: &HeaderMap) -> Result<String, Answer> {
    let refusal = match bearer(headers).map(|jwt| state.tokens.check(jwt)) {
        Some(Ok(claims)) => {
            return Ok(claims["project_name"]
                .as_str()
                .unwrap_or_default()
                .to_owned());
        }
        Some(Err(refusal)) => refusal,
        None => Refusal::Malformed,
    };
    state.counters.rejected_tokens += 1;
    let why = match refusal {
        Refusal::Malformed => "the upload token is missing or malformed",
        Refusal::BadSignature => "the upload token's signature is invalid",
        Refusal::Expired => "the upload token has expired",
        Refusal::Revoked => "the upload token was revoked",
    };
    Err(fail(401, 8_000_013, format!("Authorization failed: {why}")))
}

async fn project(
    Extract(shared): Extract<Shared>,
    Path((account, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Handled {
    intercept(&shared, Endpoint::Project).await?;
    let state = lock(&shared);
    let project = authorized_project(&state, &headers, &account, &name)?;
    Ok(ok(state.project_json(project)))
}

async fn upload_token(
    Extract(shared): Extract<Shared>,
    Path((account, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Handled {
    intercept(&shared, Endpoint::UploadToken).await?;
    let mut state = lock(&shared);
    authorized_project(&state, &headers, &account, &name)?;
    let (max_files, lifetime) = (state.max_files, state.token_lifetime);
    let jwt = state.tokens.issue(&account, &name, max_files, lifetime);
    state.counters.upload_tokens += 1;
    Ok(ok(json!({ "jwt": jwt })))
}
