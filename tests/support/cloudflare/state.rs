//! What the emulator holds: projects, deployments, assets by hash, tokens, faults, counters.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::faults::{Endpoint, Faults};
use super::jwt::Tokens;
use super::workers::Script;

/// Files a deployment may hold unless set otherwise.
const DEFAULT_MAX_FILES: usize = 20_000;
/// How long an upload token lives unless set otherwise.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);
/// Characters of a branch alias.
const MAX_ALIAS: usize = 28;

/// A Pages project.
pub struct Project {
    pub id: String,
    pub name: String,
    pub production_branch: String,
    pub created_on: String,
    /// The live production deployment.
    pub canonical: Option<String>,
}

/// One deployment.
#[derive(Clone)]
pub struct Deployment {
    pub id: String,
    pub project: String,
    pub production: bool,
    pub branch: String,
    pub manifest: BTreeMap<String, String>,
    pub commit_message: Option<String>,
    pub commit_hash: Option<String>,
    pub commit_dirty: Option<String>,
    pub headers: Option<String>,
    pub redirects: Option<String>,
    pub created_on: String,
    /// The deploy stage's failure message, when it failed.
    pub failure: Option<String>,
}

impl Deployment {
    /// The first 8 hex digits of the id.
    pub fn short_id(&self) -> &str {
        &self.id[..8]
    }

    /// The branch's alias: lowercase letters and digits, anything else `-`, at most 28.
    pub fn alias(&self) -> String {
        branch_alias(&self.branch)
    }
}

/// `branch` as Pages names its alias host.
pub fn branch_alias(branch: &str) -> String {
    branch
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(MAX_ALIAS)
        .collect()
}

/// An uploaded asset.
pub struct Asset {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

/// What clients did, for tests to assert on.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    /// Requests per endpoint (faulted ones included).
    pub requests: BTreeMap<Endpoint, usize>,
    /// The hash of every file received by `upload`, in order (one entry per file sent).
    pub uploaded: Vec<String>,
    /// Decoded bytes received by `upload`.
    pub bytes_uploaded: u64,
    /// Upload tokens issued.
    pub upload_tokens: usize,
    /// Requests refused for their upload token (8000013).
    pub rejected_tokens: usize,
    /// The most `upload` requests being handled at the same moment.
    pub max_uploads_in_flight: usize,
}

impl Counters {
    /// Requests to `endpoint`.
    pub fn requests_to(&self, endpoint: Endpoint) -> usize {
        self.requests.get(&endpoint).copied().unwrap_or(0)
    }

    /// Files received by `upload`.
    pub fn files_uploaded(&self) -> usize {
        self.uploaded.len()
    }
}

/// A deployment as tests see it.
#[derive(Debug, Clone)]
pub struct DeploymentView {
    pub id: String,
    /// Where it is served on the emulator.
    pub url: String,
    /// `production` or `preview`.
    pub environment: String,
    pub branch: String,
    pub manifest: BTreeMap<String, String>,
    pub commit_message: Option<String>,
    pub headers: Option<String>,
    pub redirects: Option<String>,
    /// Whether it is the project's live production deployment.
    pub live: bool,
}

/// The emulator's whole state.
pub struct State {
    /// `http://127.0.0.1:PORT`, set once the emulator listens.
    pub origin: String,
    pub projects: BTreeMap<String, Project>,
    /// Every deployment, oldest first.
    pub deployments: Vec<Deployment>,
    /// Uploaded assets, by project and hash (an upload token is scoped to one project).
    pub assets: HashMap<String, HashMap<String, Asset>>,
    pub max_files: usize,
    pub token_lifetime: Duration,
    pub tokens: Tokens,
    pub faults: Faults,
    pub counters: Counters,
    pub uploads_in_flight: usize,
    /// Workers scripts, by name.
    pub scripts: BTreeMap<String, Script>,
    next_id: u64,
}

impl Default for State {
    fn default() -> State {
        State {
            origin: String::new(),
            projects: BTreeMap::new(),
            deployments: Vec::new(),
            assets: HashMap::new(),
            max_files: DEFAULT_MAX_FILES,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            tokens: Tokens::new(),
            faults: Faults::default(),
            counters: Counters::default(),
            uploads_in_flight: 0,
            scripts: BTreeMap::new(),
            next_id: 0,
        }
    }
}

impl State {
    /// A new id in the API's UUID shape, unique in this emulator.
    pub fn new_id(&mut self) -> String {
        self.next_id += 1;
        let digest = hex::encode(Sha256::digest(
            format!("{} {}", self.origin, self.next_id).as_bytes(),
        ));
        format!(
            "{}-{}-{}-{}-{}",
            &digest[0..8],
            &digest[8..12],
            &digest[12..16],
            &digest[16..20],
            &digest[20..32]
        )
    }

    pub fn create_project(&mut self, name: &str, production_branch: &str) {
        let project = Project {
            id: self.new_id(),
            name: name.to_owned(),
            production_branch: production_branch.to_owned(),
            created_on: now(),
            canonical: None,
        };
        self.projects.insert(name.to_owned(), project);
    }

    /// The asset `hash` of `project`, if it was uploaded.
    pub fn asset(&self, project: &str, hash: &str) -> Option<&Asset> {
        self.assets.get(project)?.get(hash)
    }

    pub fn count(&mut self, endpoint: Endpoint) {
        *self.counters.requests.entry(endpoint).or_default() += 1;
    }

    pub fn deployment(&self, id: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.id == id)
    }

    pub fn live(&self, project: &str) -> Option<String> {
        self.projects.get(project)?.canonical.clone()
    }

    /// `http://127.0.0.1:PORT/<host>` for the real host name `host`.
    pub fn site_url(&self, host: &str) -> String {
        format!("{}/{host}", self.origin)
    }

    /// The API's JSON for a deployment.
    pub fn deployment_json(&self, d: &Deployment) -> Value {
        let (status, ended) = match &d.failure {
            Some(_) => ("failure", d.created_on.clone()),
            None => ("success", d.created_on.clone()),
        };
        let stage = |name: &str, status: &str| json!({ "name": name, "started_on": d.created_on, "ended_on": ended, "status": status });
        let aliases: Vec<String> = if d.production {
            Vec::new()
        } else {
            vec![self.site_url(&format!("{}.{}.pages.dev", d.alias(), d.project))]
        };
        let project = &self.projects[&d.project];
        json!({
            "id": d.id,
            "short_id": d.short_id(),
            "project_id": project.id,
            "project_name": d.project,
            "environment": if d.production { "production" } else { "preview" },
            "url": self.site_url(&format!("{}.{}.pages.dev", d.short_id(), d.project)),
            "created_on": d.created_on,
            "modified_on": d.created_on,
            "aliases": aliases,
            "production_branch": project.production_branch,
            "latest_stage": stage("deploy", status),
            "stages": [
                stage("queued", "success"),
                stage("initialize", "success"),
                stage("clone_repo", "success"),
                stage("build", "success"),
                stage("deploy", status),
            ],
            "deployment_trigger": {
                "type": "ad_hoc",
                "metadata": {
                    "branch": d.branch,
                    "commit_hash": d.commit_hash.clone().unwrap_or_default(),
                    "commit_message": d.commit_message.clone().unwrap_or_default(),
                    "commit_dirty": d.commit_dirty.as_deref() == Some("true"),
                },
            },
            "is_skipped": false,
            "source": null,
        })
    }

    /// The API's JSON for a project.
    pub fn project_json(&self, p: &Project) -> Value {
        let config = json!({ "compatibility_date": "2024-01-01", "compatibility_flags": [], "env_vars": {} });
        let latest = self.deployments.iter().rev().find(|d| d.project == p.name);
        let canonical = p.canonical.as_deref().and_then(|id| self.deployment(id));
        json!({
            "id": p.id,
            "name": p.name,
            "subdomain": format!("{}.pages.dev", p.name),
            "domains": [format!("{}.pages.dev", p.name)],
            "production_branch": p.production_branch,
            "created_on": p.created_on,
            "deployment_configs": { "production": config, "preview": config },
            "latest_deployment": latest.map(|d| self.deployment_json(d)),
            "canonical_deployment": canonical.map(|d| self.deployment_json(d)),
            "source": null,
        })
    }

    pub fn deployment_view(&self, id: &str) -> Option<DeploymentView> {
        let d = self.deployment(id)?;
        Some(DeploymentView {
            id: d.id.clone(),
            url: self.site_url(&format!("{}.{}.pages.dev", d.short_id(), d.project)),
            environment: if d.production {
                "production"
            } else {
                "preview"
            }
            .to_owned(),
            branch: d.branch.clone(),
            manifest: d.manifest.clone(),
            commit_message: d.commit_message.clone(),
            headers: d.headers.clone(),
            redirects: d.redirects.clone(),
            live: self.live(&d.project).as_deref() == Some(&d.id),
        })
    }

    pub fn deployment_views(&self, project: &str) -> Vec<DeploymentView> {
        self.deployments
            .iter()
            .filter(|d| d.project == project)
            .filter_map(|d| self.deployment_view(&d.id))
            .collect()
    }
}

/// Now, as the API writes times.
pub fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}
