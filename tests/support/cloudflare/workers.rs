//! Cloudflare Workers scripts, versions and gradual deployments, as `wrangler deploy` (4.86.0)
//! and the `cloudflare-workers` plugin speak them (protocols.md, "Cloudflare Workers versions
//! and deployments"):
//!
//! - `PUT .../workers/scripts/NAME` (multipart: a `metadata` part with `main_module`,
//!   `compatibility_date`, `bindings`, ..., and one part per module) creates the script if need
//!   be, a new version of it, and a deployment sending it 100%: what `wrangler deploy` does;
//! - `POST .../workers/scripts/NAME/versions` (the same multipart) adds a version without
//!   deploying it (`wrangler versions upload`); the script must exist (404, code 10007);
//! - `POST .../workers/scripts/NAME/deployments` with `{"strategy": "percentage", "versions":
//!   [{"version_id", "percentage"}, ...], "annotations": {"workers/message": ...}}`: one or two
//!   known versions whose percentages add up to 100 (else 400, code 10021), becoming the one
//!   serving; `GET` lists the deployments newest first (`{"deployments": [...]}`);
//! - `DELETE .../workers/scripts/NAME` deletes the script, its versions and deployments;
//! - `GET .../workers/services/NAME` (404, code 10090, for an unknown script), `GET
//!   .../workers/scripts/NAME/settings`, `GET .../workers/subdomain` and `GET`/`POST
//!   .../workers/scripts/NAME/subdomain`: what wrangler reads and sets around a deploy.
//!
//! Every version keeps its metadata and its modules (name, content type, bytes) for tests to
//! compare what two clients uploaded. The emulator runs no JavaScript: what serves is read from
//! the newest deployment.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Multipart, Path, State as Extract};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::api::{Answer, Handled, Shared, authorized_account, fail, intercept, lock, ok};
use super::faults::Endpoint;
use super::state::{State, now};

/// Prefix of every Workers path.
const WORKERS: &str = "/client/v4/accounts/{account}/workers";
/// The account's `workers.dev` subdomain.
pub const SUBDOMAIN: &str = "sluice-test";

/// One module of a version, as uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One uploaded version of a script.
#[derive(Debug, Clone)]
pub struct Version {
    pub id: String,
    pub number: usize,
    /// The `metadata` part, parsed.
    pub metadata: Value,
    pub modules: Vec<Module>,
}

/// One deployment: which versions serve, with their percentages.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub id: String,
    pub versions: Vec<(String, f64)>,
    pub message: Option<String>,
    pub created_on: String,
}

/// A script: its versions, oldest first, and its deployments, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Script {
    pub versions: Vec<Version>,
    pub deployments: Vec<Deployment>,
    pub subdomain_enabled: bool,
}

/// The Workers routes.
pub fn routes(router: Router<Shared>) -> Router<Shared> {
    router
        .route(&format!("{WORKERS}/services/{{name}}"), get(service))
        .route(
            &format!("{WORKERS}/scripts/{{name}}"),
            axum::routing::put(deploy_script).delete(delete_script),
        )
        .route(
            &format!("{WORKERS}/scripts/{{name}}/versions"),
            post(upload_version),
        )
        .route(
            &format!("{WORKERS}/scripts/{{name}}/deployments"),
            get(list_deployments).post(create_deployment),
        )
        .route(
            &format!("{WORKERS}/scripts/{{name}}/settings"),
            get(settings),
        )
        .route(&format!("{WORKERS}/subdomain"), get(account_subdomain))
        .route(
            &format!("{WORKERS}/scripts/{{name}}/subdomain"),
            get(script_subdomain).post(set_script_subdomain),
        )
}

/// Counts a Workers request, applies the faults in force, and checks its token and account.
async fn admit(shared: &Shared, headers: &HeaderMap, account: &str) -> Result<(), Answer> {
    intercept(shared, Endpoint::Workers).await?;
    authorized_account(headers, account)
}

fn unknown_script(name: &str) -> Answer {
    fail(
        404,
        10_007,
        format!("This Worker ({name}) does not exist on your account."),
    )
}

/// The script `name`, or the API's answer that it does not exist.
fn script_mut<'s>(state: &'s mut State, name: &str) -> Result<&'s mut Script, Answer> {
    state
        .scripts
        .get_mut(name)
        .ok_or_else(|| unknown_script(name))
}

/// The metadata and modules of a version's multipart form.
async fn read_version(mut form: Multipart) -> Result<(Value, Vec<Module>), Answer> {
    let invalid = |e: axum::extract::multipart::MultipartError| {
        fail(
            400,
            10_021,
            format!("The request is not valid multipart/form-data: {e}"),
        )
    };
    let (mut metadata, mut modules) = (None, Vec::new());
    while let Some(field) = form.next_field().await.map_err(invalid)? {
        let name = field.name().unwrap_or_default().to_owned();
        let content_type = field.content_type().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(invalid)?.to_vec();
        if name == "metadata" {
            metadata =
                Some(serde_json::from_slice::<Value>(&bytes).map_err(|e| {
                    fail(400, 10_021, format!("The metadata part is not JSON: {e}"))
                })?);
        } else {
            modules.push(Module {
                name,
                content_type,
                bytes,
            });
        }
    }
    let metadata = metadata.ok_or_else(|| fail(400, 10_021, "The form has no `metadata` part"))?;
    let main = metadata["main_module"].as_str().unwrap_or_default();
    if !modules.iter().any(|m| m.name == main) {
        return Err(fail(
            400,
            10_021,
            format!("main_module {main:?} is not one of the uploaded modules"),
        ));
    }
    Ok((metadata, modules))
}

/// Adds a version to `script`; its JSON.
fn add_version(script: &mut Script, id: String, metadata: Value, modules: Vec<Module>) -> Value {
    let version = Version {
        id,
        number: script.versions.len() + 1,
        metadata,
        modules,
    };
    let answer = json!({
        "id": version.id,
        "number": version.number,
        "metadata": { "source": "api" },
        "resources": { "script": { "etag": version.id }, "bindings": version.metadata["bindings"] },
    });
    script.versions.push(version);
    answer
}

fn deployment_json(deployment: &Deployment) -> Value {
    json!({
        "id": deployment.id,
        "source": "api",
        "strategy": "percentage",
        "created_on": deployment.created_on,
        "annotations": { "workers/message": deployment.message },
        "versions": deployment.versions.iter()
            .map(|(id, percentage)| json!({ "version_id": id, "percentage": percentage }))
            .collect::<Vec<_>>(),
    })
}

async fn service(
    Extract(shared): Extract<Shared>,
    Path((account, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Handled {
    admit(&shared, &headers, &account).await?;
    let state = lock(&shared);
    let script = state
        .scripts
        .get(&name)
        .ok_or_else(|| fail(404, 10_090, "workers.api.error.service_not_found"))?;
    let etag = script.versions.last().map(|v| v.id.clone());
    Ok(ok(json!({
        "id": name,
        "default_environment": { "environment": "production", "script": { "id": name, "etag": etag } },
    })))
}

async fn deploy_script(
    Extract(shared): Extract<Shared>,
    Path((account, name)): Path<(String, String)>,
    headers: HeaderMap,
    form: Multipart,
) -> Handled {
    admit(&shared, &headers, &account).await?;
    let (metadata, modules) = read_version(form).await?;
    let mut state = lock(&shared);
    let (version_id, deployment_id) = (state.new_id(), state.new_id());
    let script = state.scripts.entry(name.clone()).or_default();
    add_version(script, version_id.clone(), metadata, modules);
    script.deployments.push(Deployment {
        id: deployment_id.clone(),
        versions: vec![(version_id.clone(), 100.0)],
        message: None,
        created_on: now(),
    });
    Ok(ok(json!({
        "id": name,
        "etag": version_id,
        "deployment_id": deployment_id,
        "startup_time_ms": 0,
    })))
}

async fn delete_script(
    Extract(shared): Extract<Shared>,
    Path((account, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Handled {
    admit(&shared, &headers, &account).await?;
    let mut state = lock(&shared);
    state
        .scripts
        .remove(&name)
        .ok_or_else(|| unknown_script(&name))?;
    Ok(ok(json!({ "id": name })))
}

async fn upload_version(
    Extract(shared): Extract<Shared>,
    Path((account, name)): Path<(String, String)>,
    headers: HeaderMap,
    form: Multipart,
) -> Handled {
    admit(&shared, &headers, &account).await?;
    let (metadata, modules) = read_version(form).await?;
    let mut state = lock(&shared);
    let id = state.new_id();
    let script = script_mut(&mut state, &name)?;
    Ok(ok(add_version(script, id, metadata, modules)))
}

async fn list_deployments(
    Extract(shared): Extract<Shared>,
    Path((account, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Handled {
    admit(&shared, &headers, &account).await?;
    let state = lock(&shared);
    let deployments: Vec<Value> = state
        .scripts
        .get(&name)
        .map(|script| {
            script
                .deployments
                .iter()
                .rev()
                .map(deployment_json)
                .collect()
        })
        .unwrap_or_default();
    Ok(ok(json!({ "deployments": deployments })))
}

async fn create_deployment(
    Extract(shared): Extract<Shared>,
    Path((account, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Handled {
    admit(&shared, &headers, &account).await?;
    let invalid = |message: String| fail(400, 10_021, message);
    let request: Value =
        serde_json::from_slice(&body).map_err(|e| invalid(format!("The body is not JSON: {e}")))?;
    if request["strategy"] != "percentage" {
        return Err(invalid("strategy must be \"percentage\"".to_owned()));
    }
    let mut state = lock(&shared);
    let id = state.new_id();
    let script = script_mut(&mut state, &name)?;
    let mut versions = Vec::new();
    for entry in request["versions"].as_array().into_iter().flatten() {
        let (Some(version), Some(percentage)) =
            (entry["version_id"].as_str(), entry["percentage"].as_f64())
        else {
            return Err(invalid(format!(
                "a version needs version_id and percentage: {entry}"
            )));
        };
        if !script.versions.iter().any(|v| v.id == version) {
            return Err(invalid(format!(
                "version {version} is not a version of {name}"
            )));
        }
        versions.push((version.to_owned(), percentage));
    }
    let total: f64 = versions.iter().map(|(_, p)| p).sum();
    if versions.is_empty() || versions.len() > 2 || (total - 100.0).abs() > 1e-9 {
        return Err(invalid(format!(
            "a deployment names one or two versions whose percentages add up to 100, not {versions:?}"
        )));
    }
    let deployment = Deployment {
        id,
        versions,
        message: request["annotations"]["workers/message"]
            .as_str()
            .map(str::to_owned),
        created_on: now(),
    };
    let answer = deployment_json(&deployment);
    script.deployments.push(deployment);
    Ok(ok(answer))
}

async fn settings(
    Extract(shared): Extract<Shared>,
    Path((account, _name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Handled {
    admit(&shared, &headers, &account).await?;
    Ok(ok(
        json!({ "bindings": [], "logpush": false, "tags": [], "tail_consumers": [] }),
    ))
}

async fn account_subdomain(
    Extract(shared): Extract<Shared>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Handled {
    admit(&shared, &headers, &account).await?;
    Ok(ok(json!({ "subdomain": SUBDOMAIN })))
}

async fn script_subdomain(
    Extract(shared): Extract<Shared>,
    Path((account, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Handled {
    admit(&shared, &headers, &account).await?;
    let mut state = lock(&shared);
    let script = script_mut(&mut state, &name)?;
    Ok(ok(
        json!({ "enabled": script.subdomain_enabled, "previews_enabled": true }),
    ))
}

async fn set_script_subdomain(
    Extract(shared): Extract<Shared>,
    Path((account, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Handled {
    admit(&shared, &headers, &account).await?;
    let enabled = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["enabled"].as_bool())
        .unwrap_or(true);
    let mut state = lock(&shared);
    let script = script_mut(&mut state, &name)?;
    script.subdomain_enabled = enabled;
    Ok(ok(json!({ "enabled": enabled, "previews_enabled": true })))
}

/// What serves a script: the newest deployment's versions with their percentages.
pub fn serving(script: &Script) -> BTreeMap<String, f64> {
    script
        .deployments
        .last()
        .map(|d| d.versions.iter().cloned().collect())
        .unwrap_or_default()
}
