//! The emulator's Admin API (`/`, `/status`, `/config`, entity lists) and Status API.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::schema::{self, COLLECTIONS, md5_hex};
use super::{EMPTY_HASH, Shared, Store, reply};

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Store> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn status_body(store: &Store) -> Value {
    json!({
        "database": { "reachable": true },
        "memory": { "workers_lua_vms": [], "lua_shared_dicts": {} },
        "server": { "connections_accepted": 0, "connections_active": 1, "total_requests": 0 },
        "configuration_hash": store.hash,
    })
}

/// The Admin API.
pub async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    let query = uri.query().unwrap_or_default();
    let flag = |name: &str| query.split('&').any(|pair| pair == format!("{name}=1"));
    let path = uri.path().trim_end_matches('/');
    let mut store = lock(&shared);
    match (method.as_str(), path) {
        ("GET", "") => reply(
            200,
            &json!({ "version": "3.9.0", "configuration": { "database": "off" } }),
        ),
        ("GET", "/status") => reply(200, &status_body(&store)),
        ("GET", "/config") => reply(200, &json!({ "config": export(&store) })),
        ("POST", "/config") => post_config(
            &mut store,
            &body,
            flag("check_hash"),
            flag("flatten_errors"),
        ),
        ("GET", collection) if COLLECTIONS.contains(&collection.trim_start_matches('/')) => reply(
            200,
            &json!({ "data": store.list(collection.trim_start_matches('/')), "next": null }),
        ),
        (verb, collection)
            if COLLECTIONS
                .iter()
                .any(|c| collection.trim_start_matches('/').starts_with(c)) =>
        {
            let action = match verb {
                "POST" => "create",
                "DELETE" => "delete",
                _ => "update",
            };
            let name = collection
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default();
            reply(
                405,
                &json!({ "message": format!("cannot {action} '{name}' entities when not using a database") }),
            )
        }
        _ => reply(404, &json!({ "message": "Not found" })),
    }
}

/// The Status API.
pub async fn status_api(State(shared): State<Shared>, uri: Uri) -> Response {
    let store = lock(&shared);
    match uri.path() {
        "/status/ready" if !store.ready => reply(503, &json!({ "message": "Kong is not ready" })),
        "/status/ready" if store.hash == EMPTY_HASH => reply(
            503,
            &json!({ "message": "no configuration available (empty configuration present)" }),
        ),
        "/status/ready" => reply(200, &json!({ "message": "ready" })),
        "/status" => reply(200, &status_body(&store)),
        _ => reply(404, &json!({ "message": "Not found" })),
    }
}

fn post_config(store: &mut Store, body: &[u8], check_hash: bool, flatten: bool) -> Response {
    let (config, hash) = match serde_json::from_slice::<Value>(body) {
        Ok(table) if table.get("_format_version").is_some() => {
            let hash = md5_hex(table.to_string().as_bytes());
            (table, hash)
        }
        Ok(Value::Object(params)) => match params.get("config").and_then(Value::as_str) {
            Some(text) => match parse_text(text) {
                Ok(config) => (config, md5_hex(text.as_bytes())),
                Err(body) => return reply(400, &body),
            },
            None => {
                return reply(
                    400,
                    &json!({ "message": "expected a declarative configuration" }),
                );
            }
        },
        _ => match parse_text(&String::from_utf8_lossy(body)) {
            Ok(config) => (config, md5_hex(body)),
            Err(body) => return reply(400, &body),
        },
    };
    if check_hash && hash == store.hash {
        return axum::http::StatusCode::NOT_MODIFIED.into_response();
    }
    match schema::load(&config) {
        Ok(entities) => {
            let answer: Map<String, Value> = entities
                .iter()
                .filter(|(_, list)| !list.is_empty())
                .map(|(collection, list)| {
                    let by_id = list
                        .iter()
                        .map(|e| (e["id"].as_str().unwrap_or_default().to_owned(), e.clone()));
                    (collection.clone(), Value::Object(by_id.collect()))
                })
                .collect();
            store.entities = entities;
            store.hash = hash;
            store.loads += 1;
            store.balancers.clear();
            reply(201, &Value::Object(answer))
        }
        Err((tree, flattened)) => reply(400, &schema::rejection(tree, flattened, flatten)),
    }
}

/// JSON first, then YAML, as `parse_string` tries them; the error is Kong's 400 body.
fn parse_text(text: &str) -> Result<Value, Value> {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Ok(value);
    }
    serde_norway::from_str::<Value>(text).map_err(|e| {
        let error = format!("failed parsing declarative configuration: {e}");
        json!({
            "code": 14, "name": "invalid declarative configuration",
            "message": format!("declarative config is invalid: {{error={error:?}}}"),
            "fields": { "error": error },
        })
    })
}

/// The loaded config as `GET /config` exports it: flat, ids, references as ids.
fn export(store: &Store) -> String {
    let mut config = Map::new();
    config.insert("_format_version".into(), json!("3.0"));
    config.insert("_transform".into(), json!(false));
    for (collection, list) in store.entities.iter().filter(|(_, l)| !l.is_empty()) {
        let flat: Vec<Value> = list
            .iter()
            .map(|entity| {
                let mut entity = entity.clone();
                for reference in ["service", "route", "upstream", "consumer"] {
                    if let Some(id) = entity.get(reference).and_then(|r| r.get("id")).cloned() {
                        entity[reference] = id;
                    }
                }
                entity
            })
            .collect();
        config.insert(collection.clone(), Value::Array(flat));
    }
    serde_norway::to_string(&Value::Object(config)).unwrap_or_default()
}
