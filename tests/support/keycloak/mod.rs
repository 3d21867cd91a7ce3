//! A Keycloak emulator for the `keycloak-realm` tests: the Admin REST API and the token endpoint
//! on one loopback port, the management health endpoints on another (as Keycloak serves them on
//! port 9000), following shared/reference/protocols.md §2 and Keycloak's own
//! `PartialImportManager` / `AbstractPartialImport` / `*PartialImport` classes.
//!
//! What it does as Keycloak does:
//! - `POST /realms/{r}/protocol/openid-connect/token` (form): the password grant for the master
//!   admin (client `admin-cli`), the client-credentials grant for the master service client and
//!   for confidential clients of any realm with `serviceAccountsEnabled`, the client's secret in
//!   the form (`client_secret_post`) or in `Authorization: Basic` (`client_secret_basic`, how the
//!   official admin client sends it). 200 `{access_token, expires_in, refresh_expires_in,
//!   token_type}`; 401 `invalid_grant` / `unauthorized_client`.
//! - Every `/admin/...` request needs a live admin bearer token, else 401
//!   `{"error":"HTTP 401 Unauthorized"}`.
//! - Realms: `master` from the start; list, get (404), create (201 + `Location`, 409 "Conflict detected. See logs for
//!   details"), update (204), delete (204).
//! - `partialImport` with FAIL/SKIP/OVERWRITE: order clients, roles, identity providers, groups,
//!   users; existing + FAIL is a 409 with Keycloak's `existsMessage`; OVERWRITE deletes and
//!   creates anew with a new id; all or nothing; 200 `{overwritten, added, skipped, results}`.
//! - Deleting a client deletes its roles and every mapping to them; deleting a role removes its
//!   mappings; deleting a group removes its memberships (as the JPA model does).
//! - Lookups and deletes: `clients?clientId=`, `clients/{id}`, `clients/{id}/roles[/{name}]`,
//!   `roles[/{name}]`, `groups`, `group-by-path/{path}`, `groups/{id}`, `users?username=`
//!   (a substring unless `exact=true`), `users/{id}`, `users/count`, `users/{id}/role-mappings`,
//!   `users/{id}/groups`, `identity-provider/instances[/{alias}]`. Lists take `first` and `max`
//!   (users: 100 at most without `max`, as `UsersResource` says).
//!   A user's GET hides its mappings and credentials; a group's shows its `path` and
//!   `subGroupCount`. Anything below an unknown realm is 404 "Realm not found.".
//!
//! Checked against Keycloak's own clients, `@keycloak/keycloak-admin-client` and python-keycloak
//! (`vendor.rs`, `tests/all/keycloak_vendor_client.rs`): sign-in, realms, partialImport, the
//! lookups, deletes and lists above.
//! - Health: `/health/ready`, `/health/live` → 200 `{"status":"UP","checks":[]}` or 503 DOWN.
//!
//! Choices where the sources were not conclusive ("unconfirmed"):
//! - Tokens are JWTs whose claims (`exp`, `iat`, `jti`, `iss`, `typ`, `azp`) are real and whose
//!   signature is not: the admin client decodes the claims to know when to sign in again; nothing
//!   checks the signature.
//! - PUT on a realm sets each attribute given and keeps the others.
//! - `group-by-path` returns the group with its `subGroups` (as Keycloak before 23 did).
//! - A new realm holds only what it was created with: Keycloak's built-in clients (`account`,
//!   `admin-cli`, `broker`, `realm-management`, ...) and roles (`default-roles-{realm}`,
//!   `offline_access`, `uma_authorization`) are not made, so a client reading a realm back sees
//!   only the file's resources.
//! - Role and group references of imported users and groups are stored, not checked.
//!
//! Test controls: [`Keycloak::set_ready`], [`Options::token_uses`] (a token stops working after
//! that many admin requests, so "expired mid-run" is deterministic), and counters of requests,
//! writes, tokens issued and 401s.

mod admin;
pub mod project;
pub mod realm;
pub mod vendor;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use realm::Realm;

/// How the emulator is set up.
#[derive(Debug, Clone)]
pub struct Options {
    /// The master realm's admin user.
    pub admin_user: String,
    /// Its password.
    pub admin_password: String,
    /// A master-realm service client (`client_credentials`): id and secret.
    pub service_client: (String, String),
    /// `expires_in` of every token, in seconds.
    pub token_lifetime: u64,
    /// A token stops working after this many admin requests.
    pub token_uses: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            admin_user: "admin".into(),
            admin_password: "admin-password".into(),
            service_client: ("sluice-ci".into(), "ci-secret".into()),
            token_lifetime: 60,
            token_uses: None,
        }
    }
}

/// A token handed out.
struct Issued {
    expires: Instant,
    uses_left: Option<u32>,
    admin: bool,
}

/// Everything the emulator holds.
#[derive(Default)]
pub struct Store {
    pub realms: Vec<(String, Realm)>,
    tokens: HashMap<String, Issued>,
    pub ready: bool,
    /// Requests on the main port.
    pub requests: usize,
    /// Admin requests that change something (not GET).
    pub writes: usize,
    /// Tokens issued.
    pub tokens_issued: usize,
    /// Admin requests refused with 401.
    pub unauthorized: usize,
}

impl Store {
    pub fn realm(&self, name: &str) -> Option<&Realm> {
        self.realms.iter().find(|(n, _)| n == name).map(|(_, r)| r)
    }

    fn realm_mut(&mut self, name: &str) -> Option<&mut Realm> {
        self.realms
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r)
    }
}

struct Shared {
    options: Options,
    store: Mutex<Store>,
}

/// A running emulator.
pub struct Keycloak {
    /// Admin API and token endpoint.
    pub addr: SocketAddr,
    /// Health endpoints.
    pub health_addr: SocketAddr,
    shared: Arc<Shared>,
    _runtime: tokio::runtime::Runtime,
}

impl Keycloak {
    /// Starts an emulator on two free loopback ports.
    pub fn start(options: Options) -> Keycloak {
        let runtime = super::http::runtime(1);
        let shared = Arc::new(Shared {
            options,
            store: Mutex::new(Store {
                realms: vec![("master".into(), master_realm())],
                ready: true,
                ..Store::default()
            }),
        });
        let bind = || super::http::listen(&runtime);
        let (main, health) = (bind(), bind());
        let (addr, health_addr) = (main.local_addr().unwrap(), health.local_addr().unwrap());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        runtime.spawn(async move { axum::serve(main, app).await });
        let app = axum::Router::new()
            .fallback(health_check)
            .with_state(shared.clone());
        runtime.spawn(async move { axum::serve(health, app).await });
        Keycloak {
            addr,
            health_addr,
            shared,
            _runtime: runtime,
        }
    }

    /// `http://127.0.0.1:PORT`: the plugin's `url` and `http` grant.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/health/ready` on the management port.
    pub fn ready_url(&self) -> String {
        format!("http://{}/health/ready", self.health_addr)
    }

    /// How it was set up: its admin user and service client, to sign in as.
    pub fn options(&self) -> &Options {
        &self.shared.options
    }

    /// Makes `/health/ready` answer 200 UP or 503 DOWN.
    pub fn set_ready(&self, ready: bool) {
        self.store().ready = ready;
    }

    /// Everything it holds, to inspect.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.shared
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The user `username` of `realm`, with its hidden mappings, if any.
    pub fn user(&self, realm: &str, username: &str) -> Option<Value> {
        self.store()
            .realm(realm)?
            .find(realm::Kind::User, "", username)
            .cloned()
    }

    /// The client `client_id` of `realm`, if any.
    pub fn client(&self, realm: &str, client_id: &str) -> Option<Value> {
        self.store()
            .realm(realm)?
            .find(realm::Kind::Client, "", client_id)
            .cloned()
    }

    /// The attribute `name` of `realm`.
    pub fn attribute(&self, realm: &str, name: &str) -> Option<String> {
        let store = self.store();
        let value = store
            .realm(realm)?
            .settings
            .get("attributes")?
            .get(name)?
            .clone();
        value.as_str().map(str::to_owned)
    }
}

/// The `master` realm every Keycloak has (its admin user and service client live in [`Options`]).
fn master_realm() -> Realm {
    let rep = json!({ "realm": "master", "enabled": true, "displayName": "Keycloak" });
    Realm::create(rep.as_object().expect("an object")).expect("an empty realm imports")
}

fn reply(status: u16, body: Value) -> Response {
    super::http::json_reply(status, &body)
}

async fn health_check(State(shared): State<Arc<Shared>>) -> Response {
    let ready = shared.store.lock().map(|s| s.ready).unwrap_or(false);
    match ready {
        true => reply(200, json!({ "status": "UP", "checks": [] })),
        false => reply(503, json!({ "status": "DOWN", "checks": [] })),
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut store = shared
        .store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    store.requests += 1;
    let path: Vec<String> = uri
        .path()
        .trim_matches('/')
        .split('/')
        .map(|s| percent_decode(s, false))
        .collect();
    let segments: Vec<&str> = path.iter().map(String::as_str).collect();
    match segments.as_slice() {
        ["realms", realm, "protocol", "openid-connect", "token"] if method == Method::POST => {
            token(&shared.options, &mut store, realm, &headers, &body)
        }
        ["admin", "realms", rest @ ..] => {
            if !authorized(&mut store, &headers) {
                store.unauthorized += 1;
                return reply(401, json!({ "error": "HTTP 401 Unauthorized" }));
            }
            if method != Method::GET {
                store.writes += 1;
            }
            let query = uri.query().unwrap_or_default();
            let (status, body, location) = admin::route(&mut store, &method, rest, query, &body);
            let mut response = match body {
                Some(body) => reply(status, body),
                None => StatusCode::from_u16(status)
                    .unwrap_or(StatusCode::OK)
                    .into_response(),
            };
            if let Some(location) =
                location.and_then(|l| format!("{}/admin/realms/{l}", base(&headers)).parse().ok())
            {
                response.headers_mut().insert("location", location);
            }
            response
        }
        _ => reply(
            404,
            json!({ "error": "Unable to find matching target resource method" }),
        ),
    }
}

fn base(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn authorized(store: &mut Store, headers: &HeaderMap) -> bool {
    let Some(token) = headers
        .get("authorization")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
    else {
        return false;
    };
    let Some(issued) = store.tokens.get_mut(token) else {
        return false;
    };
    if !issued.admin || Instant::now() >= issued.expires || issued.uses_left == Some(0) {
        return false;
    }
    if let Some(uses) = issued.uses_left.as_mut() {
        *uses -= 1;
    }
    true
}

/// The client id and secret of an `Authorization: Basic` header (`client_secret_basic`, RFC 6749
/// §2.3.1: each form-encoded, then joined by `:` and base64-encoded), as the official admin client
/// sends them.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((percent_decode(id, true), percent_decode(secret, true)))
}

fn token(
    options: &Options,
    store: &mut Store,
    realm: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let mut form: HashMap<String, String> = String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (percent_decode(k, true), percent_decode(v, true)))
        .collect();
    if let Some((id, secret)) = basic_credentials(headers) {
        form.insert("client_id".into(), id);
        form.insert("client_secret".into(), secret);
    }
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let admin = match (realm, field("grant_type")) {
        ("master", "password") => {
            if field("client_id") != "admin-cli"
                || field("username") != options.admin_user
                || field("password") != options.admin_password
            {
                return reply(
                    401,
                    json!({ "error": "invalid_grant", "error_description": "Invalid user credentials" }),
                );
            }
            true
        }
        (_, "client_credentials") => {
            let (id, secret) = (field("client_id"), field("client_secret"));
            let master = realm == "master"
                && (id, secret)
                    == (
                        options.service_client.0.as_str(),
                        options.service_client.1.as_str(),
                    );
            let confidential = store
                .realm(realm)
                .and_then(|r| r.find(realm::Kind::Client, "", id))
                .is_some_and(|c| {
                    c.get("enabled") != Some(&json!(false))
                        && c.get("publicClient") != Some(&json!(true))
                        && c.get("serviceAccountsEnabled") == Some(&json!(true))
                        && c.get("secret").and_then(Value::as_str) == Some(secret)
                });
            if !(master || confidential) {
                return reply(
                    401,
                    json!({ "error": "unauthorized_client", "error_description": "Invalid client or Invalid client credentials" }),
                );
            }
            master
        }
        (_, grant) => {
            return reply(
                400,
                json!({ "error": "unsupported_grant_type", "error_description": format!("Unsupported grant_type {grant}") }),
            );
        }
    };
    store.tokens_issued += 1;
    let issued_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let claims = json!({
        "exp": issued_at + options.token_lifetime, "iat": issued_at,
        "jti": format!("{:016x}", store.tokens_issued), "iss": format!("{}/realms/{realm}", base(headers)),
        "typ": "Bearer", "azp": field("client_id"),
    });
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(b"unsigned")
    );
    store.tokens.insert(
        token.clone(),
        Issued {
            expires: Instant::now() + Duration::from_secs(options.token_lifetime),
            uses_left: options.token_uses,
            admin,
        },
    );
    reply(
        200,
        json!({
            "access_token": token, "expires_in": options.token_lifetime, "refresh_expires_in": 1800,
            "token_type": "Bearer", "not-before-policy": 0, "scope": "profile email",
        }),
    )
}

/// Decodes `%XX` escapes (and `+` as a space in form bodies).
pub fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&text[i + 1..i + 3], 16) {
                Ok(byte) => {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
