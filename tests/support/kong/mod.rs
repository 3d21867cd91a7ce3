//! A Kong Gateway emulator in DB-less mode for the `kong-config` tests: the Admin API, the Status
//! API and a proxy, each on its own loopback port, following shared/reference/protocols.md §3 and
//! Kong's `kong/api/routes/config.lua`, `kong/db/declarative/init.lua` and `kong/db/errors.lua`.
//!
//! What it does as Kong does:
//! - `POST /config` takes JSON with `_format_version` at the top (a table), JSON with a `config`
//!   field holding YAML or JSON text, or a raw YAML body. The hash of text is its md5, so with
//!   `check_hash=1` (exactly `1`) an identical text answers 304. An invalid config is a 400
//!   `{"code":14,"name":"invalid declarative configuration","message":"declarative config is
//!   invalid: ...","fields":{...}}`; with `flatten_errors=1` the entity errors move to
//!   `flattened_errors` (`entity_type`, `entity_name`, `entity_id`, `entity_tags`, `entity`,
//!   `errors: [{type: "field", field, message} | {type: "entity", message}]`) and `fields` keeps
//!   only the errors outside entities. A loaded config answers 201 with the flattened entities.
//! - `GET /config` → `{"config": "<yaml>"}`, every entity flat with its id, defaults filled in,
//!   references as ids. `GET /status` → `{..., "configuration_hash": "<md5>"}`, 32 zeros before
//!   any config. CRUD writes answer 405 (no database).
//! - Status API `GET /status/ready` → 200 `{"message":"ready"}`, or 503 while no config is loaded.
//! - The proxy routes by a route's `paths` (longest prefix), `hosts` and `methods`, strips the
//!   matched path unless `strip_path = false`, and sends the request to the service's host, or,
//!   when that host names an upstream, to one of its targets by weighted round-robin (weight 0
//!   takes nothing; every load rebuilds the balancer). 404 `{"message":"no Route matched with
//!   those values"}`; 503 `{"message":"failure to get a peer from the ring-balancer"}`.
//!
//! - The rules of Kong's `services.lua`, `routes_subschemas.lua`, `upstreams.lua` and
//!   `targets.lua` for the entities `kong-config` loads and moves
//!   (`tests/all/kong_declarative_rules.rs`, one test per rule): ranges, defaults, `one_of`s, the
//!   `protocol` conditionals of a service and of a route, an upstream's name
//!   (a hostname, no IP, no port) and a target's address (`kong/tools/ip.lua`'s `normalize_ip`,
//!   in `address.rs`). No client of Kong's own checks it: Kong publishes none on npm, PyPI or
//!   crates.io (decK is a Go program).
//!
//! Choices where the sources were not conclusive ("unconfirmed"): the schemas cover services,
//! routes, upstreams, targets, consumers and plugins (six plugins enabled) with their common
//! fields (an upstream's `healthchecks` is taken as any record); ids of entities without one are derived from their kind and name; the export lists
//! references as plain ids; a top-level reference to an unknown entity is a flattened field error.
//!
//! Test controls: [`Kong::set_ready`] makes `/status/ready` answer 503; counters of loads and of
//! the requests the proxy sent to each target.

mod address;
mod admin;
pub mod project;
mod proxy;
pub mod schema;
pub mod traffic;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::response::Response;
use serde_json::Value;

/// The hash Kong reports before any config is loaded.
pub const EMPTY_HASH: &str = "00000000000000000000000000000000";

/// Everything the emulator holds.
pub struct Store {
    /// The loaded entities by collection.
    pub entities: schema::Entities,
    /// `configuration_hash`.
    pub hash: String,
    /// Configs loaded (201s).
    pub loads: usize,
    /// Whether `/status/ready` may say ready.
    pub ready: bool,
    /// Requests the proxy sent, per target.
    pub proxied: BTreeMap<String, usize>,
    /// Smooth weighted round-robin state per upstream id: target -> current weight.
    balancers: HashMap<String, Vec<(String, i64)>>,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            entities: Vec::new(),
            hash: EMPTY_HASH.into(),
            loads: 0,
            ready: true,
            proxied: BTreeMap::new(),
            balancers: HashMap::new(),
        }
    }
}

impl Store {
    /// The loaded entities of `collection`.
    pub fn list(&self, collection: &str) -> &[Value] {
        self.entities
            .iter()
            .find(|(c, _)| c == collection)
            .map_or(&[], |(_, l)| l.as_slice())
    }
}

type Shared = Arc<Mutex<Store>>;

/// A running emulator.
pub struct Kong {
    /// The Admin API.
    pub admin: SocketAddr,
    /// The Status API.
    pub status: SocketAddr,
    /// The proxy.
    pub proxy: SocketAddr,
    shared: Shared,
    _runtime: tokio::runtime::Runtime,
}

impl Kong {
    /// Starts an emulator with no config on three free loopback ports.
    pub fn start() -> Kong {
        let runtime = super::http::runtime(2);
        let shared: Shared = Arc::new(Mutex::new(Store::default()));
        let bind = || super::http::listen(&runtime);
        let (admin, status, proxy) = (bind(), bind(), bind());
        let addrs = [
            admin.local_addr().unwrap(),
            status.local_addr().unwrap(),
            proxy.local_addr().unwrap(),
        ];
        let client = reqwest::Client::new();
        let routers = [
            axum::Router::new()
                .fallback(admin::handle)
                .with_state(shared.clone()),
            axum::Router::new()
                .fallback(admin::status_api)
                .with_state(shared.clone()),
            axum::Router::new()
                .fallback(proxy::handle)
                .with_state((shared.clone(), client)),
        ];
        for (listener, app) in [admin, status, proxy].into_iter().zip(routers) {
            runtime.spawn(async move { axum::serve(listener, app).await });
        }
        Kong {
            admin: addrs[0],
            status: addrs[1],
            proxy: addrs[2],
            shared,
            _runtime: runtime,
        }
    }

    /// `http://127.0.0.1:PORT` of the Admin API: the plugin's `admin` and `http` grant.
    pub fn admin_url(&self) -> String {
        format!("http://{}", self.admin)
    }

    /// `http://127.0.0.1:PORT/status/ready` on the Status API.
    pub fn ready_url(&self) -> String {
        format!("http://{}/status/ready", self.status)
    }

    /// `http://127.0.0.1:PORT` of the proxy.
    pub fn proxy_url(&self) -> String {
        format!("http://{}", self.proxy)
    }

    /// Makes `/status/ready` answer 503 (false) or say whether a config is loaded (true).
    pub fn set_ready(&self, ready: bool) {
        self.store().ready = ready;
    }

    /// Everything it holds, to inspect.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The weight of `target` in the loaded config, if it is there.
    pub fn weight(&self, target: &str) -> Option<i64> {
        let store = self.store();
        let found = store
            .list("targets")
            .iter()
            .find(|t| t["target"] == target)?;
        found["weight"].as_i64()
    }
}

fn reply(status: u16, body: &Value) -> Response {
    super::http::json_reply(status, body)
}
