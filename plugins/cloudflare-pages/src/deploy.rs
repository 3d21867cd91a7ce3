//! Deployments: reading the project, creating a deployment from a manifest (multipart, as
//! wrangler sends it) and waiting for its deploy stage, rolling production back, deleting one.

use crate::api::{Api, ApiError, Auth, Call};
use crate::model::{Deployment, Project};
use crate::multipart::Form;
use crate::retry::{self, Retries};
use crate::state::Release;
use serde::Deserialize;
use sluice_sdk::Error;

/// Polls of a new deployment's stage before the plugin stops waiting (the first at once, then
/// after 1, 2, 4, 8 and 16 retry delays, as wrangler waits).
const STAGE_POLLS: u32 = 6;

/// The form wrangler sends to create a deployment of `release` on `branch`: `manifest`,
/// `branch`, `commit_message`, `commit_hash`, then the `_headers` and `_redirects` files.
fn form(release: &Release, branch: &str) -> Form {
    let mut form = Form::default();
    form.text(
        "manifest",
        &serde_json::to_string(&release.manifest).unwrap_or_default(),
    );
    form.text("branch", branch);
    form.text("commit_message", &release.commit_message);
    if let Some(hash) = &release.commit_hash {
        form.text("commit_hash", hash);
    }
    if let Some(headers) = &release.headers {
        form.file("_headers", headers.as_bytes());
    }
    if let Some(redirects) = &release.redirects {
        form.file("_redirects", redirects.as_bytes());
    }
    form
}

/// The project, with its production branch and live deployment.
pub fn project(api: &Api) -> Result<Project, Error> {
    api.send(Call::get(api.project_path(""), Auth::ApiToken))
        .map_err(|e| e.into_error(format!("reading Pages project `{}`", api.project_name())))
}

/// Creates a deployment of `release` on `branch` (retrying the unknown error, as wrangler does)
/// and waits for its deploy stage; a failed stage is an error quoting the deployment's last log
/// line.
pub fn create(api: &Api, release: &Release, branch: &str) -> Result<Deployment, Error> {
    let (content_type, body) = form(release, branch).encode();
    let mut retries = Retries::new(retry::Call::CreateDeployment);
    let created: Deployment = loop {
        let call = Call::post(api.project_path("/deployments"), Auth::ApiToken)
            .with_body(&content_type, body.clone());
        match api.send(call) {
            Ok(deployment) => break deployment,
            Err(error) => match retries.after(error.failure(), false) {
                Some(retry) => {
                    sluice_sdk::debug!("{error}; retrying");
                    api.wait(retry.wait_units);
                }
                None => {
                    return Err(
                        error.into_error(format!("creating a deployment of branch `{branch}`"))
                    );
                }
            },
        }
    };
    wait_until_deployed(api, created)
}

fn wait_until_deployed(api: &Api, created: Deployment) -> Result<Deployment, Error> {
    let mut latest = created;
    for poll in 0..STAGE_POLLS {
        if poll > 0 {
            api.wait(1 << (poll - 1));
        }
        let path = api.project_path(&format!("/deployments/{}", latest.id));
        match api.send::<Deployment>(Call::get(path, Auth::ApiToken)) {
            Ok(deployment) => latest = deployment,
            Err(error) => {
                sluice_sdk::debug!("{error}; asking again");
                continue;
            }
        }
        match latest.deployed() {
            Some(true) => return Ok(latest),
            Some(false) => {
                return Err(Error::Failed(format!(
                    "deployment {} failed its deploy stage: {}",
                    latest.id,
                    last_log_line(api, &latest.id)
                )));
            }
            None => {}
        }
    }
    sluice_sdk::warn!(
        "deployment {} had not finished its deploy stage after {STAGE_POLLS} polls; the gates will tell",
        latest.id
    );
    Ok(latest)
}

#[derive(Deserialize)]
struct Logs {
    #[serde(default)]
    data: Vec<LogLine>,
}

#[derive(Deserialize)]
struct LogLine {
    #[serde(default)]
    line: String,
}

/// The last line of a deployment's log (where Pages says why a direct upload failed).
fn last_log_line(api: &Api, id: &str) -> String {
    let path = api.project_path(&format!("/deployments/{id}/history/logs?size=10000000"));
    match api.send::<Logs>(Call::get(path, Auth::ApiToken)) {
        Ok(logs) => logs
            .data
            .last()
            .map(|l| l.line.replace("Error:", "").trim().to_owned())
            .unwrap_or_else(|| "its log is empty".to_owned()),
        Err(error) => format!("its log could not be read: {error}"),
    }
}

/// Makes the production deployment `id` live again (Pages' rollback).
pub fn roll_back_to(api: &Api, id: &str) -> Result<(), Error> {
    let path = api.project_path(&format!("/deployments/{id}/rollback"));
    api.send::<serde_json::Value>(Call::post(path, Auth::ApiToken))
        .map(drop)
        .map_err(|e| e.into_error(format!("rolling production back to deployment {id}")))
}

/// Deletes the (preview) deployment `id` with its aliases; says whether it was there.
pub fn delete(api: &Api, id: &str) -> Result<bool, Error> {
    let path = api.project_path(&format!("/deployments/{id}?force=true"));
    match api.send::<serde_json::Value>(Call::delete(path, Auth::ApiToken)) {
        Ok(_) => Ok(true),
        Err(error) if error.is_not_found() => Ok(false),
        Err(error) => Err(ApiError::into_error(
            error,
            format!("deleting deployment {id}"),
        )),
    }
}
