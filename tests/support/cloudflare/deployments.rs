//! `.../deployments`: creating one from a multipart form, reading, listing, deleting, rolling
//! production back, and the log that says why a deploy stage failed.

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, RawQuery, State as Extract};
use axum::http::HeaderMap;
use serde_json::json;

use super::api::{Answer, Handled, Shared, authorized_project, fail, intercept, lock, ok, ok_list};
use super::faults::Endpoint;
use super::state::{Deployment, State, now};

/// The form fields of a new deployment (files by field name too).
type Fields = BTreeMap<String, String>;

async fn read_form(mut form: Multipart) -> Result<Fields, Answer> {
    let mut fields = Fields::new();
    let invalid = |e: axum::extract::multipart::MultipartError| {
        fail(
            400,
            8_000_000,
            format!("The request is not valid multipart/form-data: {e}"),
        )
    };
    while let Some(field) = form.next_field().await.map_err(invalid)? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(invalid)?;
        fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
    }
    Ok(fields)
}

fn manifest_of(
    fields: &Fields,
    state: &State,
    project: &str,
) -> Result<BTreeMap<String, String>, Answer> {
    let text = fields
        .get("manifest")
        .ok_or_else(|| fail(400, 8_000_018, "The form has no `manifest` field"))?;
    let manifest: BTreeMap<String, String> = serde_json::from_str(text).map_err(|e| {
        fail(
            400,
            8_000_018,
            format!("The manifest is not a JSON object of paths to hashes: {e}"),
        )
    })?;
    if manifest.len() > state.max_files {
        return Err(fail(
            400,
            8_000_012,
            format!(
                "A deployment may hold at most {} files, this manifest names {}",
                state.max_files,
                manifest.len()
            ),
        ));
    }
    if let Some(path) = manifest.keys().find(|path| !path.starts_with('/')) {
        return Err(fail(
            400,
            8_000_018,
            format!("Manifest path {path:?} does not start with /"),
        ));
    }
    if let Some((path, hash)) = manifest
        .iter()
        .find(|(_, hash)| state.asset(project, hash).is_none())
    {
        return Err(fail(
            400,
            8_000_014,
            format!("The asset {hash} of {path} was never uploaded"),
        ));
    }
    Ok(manifest)
}

pub async fn create(
    Extract(shared): Extract<Shared>,
    Path((account, name)): Path<(String, String)>,
    headers: HeaderMap,
    form: Multipart,
) -> Handled {
    intercept(&shared, Endpoint::CreateDeployment).await?;
    let fields = read_form(form).await?;
    let mut state = lock(&shared);
    let production_branch = authorized_project(&state, &headers, &account, &name)?
        .production_branch
        .clone();
    let manifest = manifest_of(&fields, &state, &name)?;
    let branch = fields
        .get("branch")
        .cloned()
        .unwrap_or_else(|| production_branch.clone());
    let deployment = Deployment {
        id: state.new_id(),
        project: name.clone(),
        production: branch == production_branch,
        branch,
        manifest,
        commit_message: fields.get("commit_message").cloned(),
        commit_hash: fields.get("commit_hash").cloned(),
        commit_dirty: fields.get("commit_dirty").cloned(),
        headers: fields.get("_headers").cloned(),
        redirects: fields.get("_redirects").cloned(),
        created_on: now(),
        failure: state.faults.deploy_failure(),
    };
    if deployment.production
        && deployment.failure.is_none()
        && let Some(project) = state.projects.get_mut(&name)
    {
        project.canonical = Some(deployment.id.clone());
    }
    let answer = state.deployment_json(&deployment);
    state.deployments.push(deployment);
    Ok(ok(answer))
}

/// The deployment `id` of the authorized project.
fn find<'s>(
    state: &'s State,
    headers: &HeaderMap,
    (account, name, id): (&str, &str, &str),
) -> Result<&'s Deployment, Answer> {
    authorized_project(state, headers, account, name)?;
    state
        .deployment(id)
        .filter(|d| d.project == name)
        .ok_or_else(|| fail(404, 8_000_009, "The deployment could not be found"))
}

pub async fn one(
    Extract(shared): Extract<Shared>,
    Path((account, name, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Handled {
    intercept(&shared, Endpoint::GetDeployment).await?;
    let state = lock(&shared);
    let deployment = find(&state, &headers, (&account, &name, &id))?;
    Ok(ok(state.deployment_json(deployment)))
}

pub async fn list(
    Extract(shared): Extract<Shared>,
    Path((account, name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Handled {
    intercept(&shared, Endpoint::ListDeployments).await?;
    let state = lock(&shared);
    authorized_project(&state, &headers, &account, &name)?;
    let env = query_value(query.as_deref(), "env");
    let found = state
        .deployments
        .iter()
        .rev()
        .filter(|d| d.project == name)
        .filter(|d| match env.as_deref() {
            Some("production") => d.production,
            Some("preview") => !d.production,
            _ => true,
        })
        .map(|d| state.deployment_json(d))
        .collect();
    Ok(ok_list(found))
}

pub async fn delete(
    Extract(shared): Extract<Shared>,
    Path((account, name, id)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Handled {
    intercept(&shared, Endpoint::DeleteDeployment).await?;
    let mut state = lock(&shared);
    let production = find(&state, &headers, (&account, &name, &id))?.production;
    if state.live(&name).as_deref() == Some(id.as_str()) {
        return Err(fail(
            400,
            8_000_016,
            "Cannot delete the live production deployment",
        ));
    }
    let forced = query_value(query.as_deref(), "force").as_deref() == Some("true");
    if !production && !forced {
        return Err(fail(
            400,
            8_000_017,
            "This deployment has aliases; delete it with ?force=true",
        ));
    }
    state.deployments.retain(|d| d.id != id);
    Ok(ok(json!(null)))
}

pub async fn rollback(
    Extract(shared): Extract<Shared>,
    Path((account, name, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Handled {
    intercept(&shared, Endpoint::Rollback).await?;
    let mut state = lock(&shared);
    let target = find(&state, &headers, (&account, &name, &id))?;
    if !target.production || target.failure.is_some() {
        return Err(fail(
            400,
            8_000_015,
            "Only a successful production deployment can be rolled back to",
        ));
    }
    let answer = state.deployment_json(target);
    if let Some(project) = state.projects.get_mut(&name) {
        project.canonical = Some(id);
    }
    Ok(ok(answer))
}

pub async fn logs(
    Extract(shared): Extract<Shared>,
    Path((account, name, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Handled {
    intercept(&shared, Endpoint::Logs).await?;
    let state = lock(&shared);
    let deployment = find(&state, &headers, (&account, &name, &id))?;
    let mut lines = vec![json!({
        "line": "Deploying your site to Cloudflare's global network...",
        "ts": deployment.created_on,
    })];
    if let Some(failure) = &deployment.failure {
        lines.push(json!({ "line": format!("Error: {failure}"), "ts": deployment.created_on }));
    }
    Ok(ok(json!({
        "total": lines.len(),
        "includes_container_logs": false,
        "data": lines,
    })))
}

/// The value of `key` in a query string (no percent-decoding: the values here need none).
fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_owned())
}
