//! A Cloudflare Pages emulator for the tests and benchmarks: the Direct Upload API that
//! `wrangler pages deploy` and the `cloudflare-pages` plugin speak (docs/cloudflare-pages.md
//! describes the protocol), on 127.0.0.1 with a free port, faithful enough that wrangler 4.86.0 works against it
//! unmodified. It stores uploaded assets by hash, serves every deployment's files, counts what
//! clients do, and injects faults on request, deterministically.
//!
//! What it implements, as the protocol notes say:
//! - the envelope `{success, errors: [{code, message}], messages, result}` on every API answer;
//! - `GET /accounts/A/pages/projects/P` (8000007 and HTTP 404 for an unknown project), with
//!   `production_branch` and `deployment_configs.{production,preview}`;
//! - `GET .../upload-token`: a JWT (HS256, three base64url parts) whose payload carries
//!   `max_file_count_allowed` and `exp`; the `/pages/assets/*` endpoints check its signature,
//!   expiry and revocation and answer 8000013 otherwise;
//! - `POST /pages/assets/check-missing`, `upload` (JSON array of `{key, value, metadata, base64}`),
//!   `upsert-hashes`, all for the project the upload token names (assets are stored per
//!   project);
//! - `POST .../deployments` (multipart: `manifest`, `branch`, `commit_message`, `commit_hash`,
//!   `commit_dirty`, files `_headers` and `_redirects`), `GET`/`DELETE .../deployments/ID`,
//!   `GET .../deployments` (newest first), `POST .../deployments/ID/rollback`,
//!   `GET .../deployments/ID/history/logs`;
//! - `env = branch == production_branch ? production : preview`; a production deployment becomes
//!   the project's live one.
//!
//! What the notes leave open, and what this emulator chose:
//! - **URLs.** A real deployment lives at `https://<short_id>.<project>.pages.dev`, a branch at
//!   `https://<branch alias>.<project>.pages.dev`, production at `https://<project>.pages.dev`.
//!   Here each host name becomes the first path segment on the emulator:
//!   `http://127.0.0.1:PORT/<short_id>.<project>.pages.dev/index.html`, so gates and tests fetch
//!   real content. Ids are UUID-shaped; `short_id` is their first 8 hex digits; a branch alias is
//!   the branch in lowercase with every other character `-`, cut to 28 characters. A preview
//!   deployment's `aliases` holds its branch URL, a production one's is empty.
//! - **Serving.** A path is looked up in the deployment's manifest as is, then with `.html`,
//!   then `/index.html` (Pages' pretty URLs, without its redirects). A miss serves the nearest
//!   `404.html` with 404, else (Pages' single-page-app rule) `/index.html` with 200, else 404.
//!   Content types are the ones the client uploaded. `_headers` and `_redirects` are stored
//!   with the deployment (tests read them back) but not applied.
//! - **Projects** carry `canonical_deployment` (the live production deployment, or null) and
//!   `latest_deployment`, as the real API's project object does; `deployment_configs` hold a
//!   `compatibility_date` and empty flags.
//! - **Authentication.** The API token must be the emulator's ([`API_TOKEN`]): else HTTP 403,
//!   code 10000 "Authentication error". Another account id: HTTP 404, code 7003. Unknown project:
//!   HTTP 404, code 8000007. An upload token that is missing, malformed, badly signed, expired
//!   or revoked: HTTP 401, code 8000013. Upload tokens carry `account_id`, `project_name`,
//!   `max_file_count_allowed`, `iat`, `exp` and `jti`, live 5 minutes unless
//!   [`Emulator::set_token_lifetime`] says otherwise, and allow 20,000 files unless
//!   [`Emulator::set_max_files`] says otherwise.
//! - **Assets** are stored per project (the one the upload token names). `check-missing`
//!   answers the missing hashes in the order asked; `upload` answers
//!   `{"successful_key_count", "unsuccessful_keys": []}`, all or nothing; `upsert-hashes`
//!   answers `true` without checking the hashes.
//! - **Limits** (the notes' documented client limits, enforced so a client that breaks them
//!   fails visibly; the codes are this emulator's choice): an upload of more than 2000 files or
//!   40 MiB of decoded bytes, or with a file over 25 MiB: HTTP 413, code 8000010; a key that is
//!   not 32 lowercase hex digits or a value that is not base64: HTTP 400, code 8000011; a
//!   manifest over the file limit: HTTP 400, code 8000012; a manifest naming a hash the project
//!   never received: HTTP 400, code 8000014; a form without a JSON `manifest` of `/`-rooted
//!   paths: HTTP 400, code 8000018. A body that is not JSON or multipart: HTTP 400, 8000000.
//! - **Deployments.** `branch` defaults to the production branch. `commit_message`,
//!   `commit_hash` and `commit_dirty` end up in `deployment_trigger.metadata`. Other form fields
//!   (`_worker.bundle`, `_routes.json`, ...) are accepted and ignored. Lists are newest first on
//!   one page, filtered by `?env=production|preview`.
//! - **Stages.** A new deployment's `latest_stage` is `deploy`/`success` at once (or
//!   `deploy`/`failure` under [`faults::Fault::FailingDeployStage`]; then the last line of its log is
//!   `Error: <message>`, which is where wrangler reads the reason). Only a successful production
//!   deployment becomes live.
//! - **Rollback** answers the deployment (the notes assume so) and makes it live; only a
//!   successful production deployment can be rolled back to (else HTTP 400, code 8000015).
//!   **Delete** refuses the live production deployment (HTTP 400, code 8000016) and a preview
//!   (which has an alias) unless `?force=true` (HTTP 400, code 8000017); an unknown deployment
//!   is HTTP 404, code 8000009.
//! - **Faults** ([`faults::Fault`]) apply in the order added, counted per request: 524 answers carry
//!   an HTML page (as Cloudflare's edge sends), 500 answers the envelope with code 8000000.
//! - Unknown API paths answer HTTP 404, code 7000 "No route for that URI".
//!
//! It also serves the Workers scripts API (scripts, versions, gradual deployments): see
//! [`workers`].

mod api;
mod assets;
mod deployments;
pub mod faults;
mod jwt;
mod sites;
mod state;
pub mod workers;
pub mod wrangler;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::http::serve;

pub use state::{Counters, DeploymentView};

/// The account id every test uses.
pub const ACCOUNT: &str = "sluice-test-account";
/// The API token the emulator accepts.
pub const API_TOKEN: &str = "sluice-test-api-token";

/// A running emulator; stops when dropped.
pub struct Emulator {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Arc<Mutex<state::State>>,
    _runtime: tokio::runtime::Runtime,
}

impl Emulator {
    /// Starts an emulator on a free loopback port.
    pub fn start() -> Emulator {
        let shared = Arc::new(Mutex::new(state::State::default()));
        let (addr, runtime) = serve(api::router(shared.clone()), 2);
        let emulator = Emulator {
            addr,
            shared,
            _runtime: runtime,
        };
        emulator.state().origin = emulator.origin();
        emulator
    }

    fn state(&self) -> MutexGuard<'_, state::State> {
        self.shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `http://127.0.0.1:PORT`: the origin to grant.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/client/v4`: the API base (`CLOUDFLARE_API_BASE_URL`).
    pub fn api_base(&self) -> String {
        format!("{}/client/v4", self.origin())
    }

    /// Creates the project `name` whose production branch is `production_branch`.
    pub fn create_project(&self, name: &str, production_branch: &str) {
        self.state().create_project(name, production_branch);
    }

    /// Where the project's production deployment is served (its `<project>.pages.dev`).
    pub fn production_url(&self, project: &str) -> String {
        format!("{}/{project}.pages.dev", self.origin())
    }

    /// Upload tokens issued from now on allow at most `max` files.
    pub fn set_max_files(&self, max: usize) {
        self.state().max_files = max;
    }

    /// Upload tokens issued from now on expire after `lifetime`.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state().token_lifetime = lifetime;
    }

    /// Adds a fault; faults apply in the order they were added.
    pub fn inject(&self, fault: faults::Fault) {
        self.state().faults.add(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.state().faults = faults::Faults::default();
    }

    /// What clients did so far.
    pub fn counters(&self) -> Counters {
        self.state().counters.clone()
    }

    /// Starts counting from zero.
    pub fn reset_counters(&self) {
        self.state().counters = Counters::default();
    }

    /// The project's deployments, oldest first.
    pub fn deployments(&self, project: &str) -> Vec<DeploymentView> {
        self.state().deployment_views(project)
    }

    /// The id of the project's live production deployment.
    pub fn live(&self, project: &str) -> Option<String> {
        self.state().live(project)
    }

    /// The deployment `id` (panics when there is none).
    pub fn deployment(&self, id: &str) -> DeploymentView {
        self.state()
            .deployment_view(id)
            .unwrap_or_else(|| panic!("the emulator has no deployment {id}"))
    }

    /// The Workers script `name` as stored (its versions and deployments), if it exists.
    pub fn script(&self, name: &str) -> Option<workers::Script> {
        self.state().scripts.get(name).cloned()
    }

    /// The stored bytes of the asset `hash` of `project`.
    pub fn asset(&self, project: &str, hash: &str) -> Option<Vec<u8>> {
        self.state().asset(project, hash).map(|a| a.bytes.clone())
    }
}
