//! The emulator's proxy: route matching, upstream targets by smooth weighted round-robin, and the
//! request sent on with reqwest.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Shared, Store, reply};

/// Why the proxy answers itself: status and Kong's JSON body.
type Refusal = (u16, Value);

/// Where one request goes: `host:port` and the path to ask there.
struct Destination {
    address: String,
    path: String,
}

/// The proxy port.
pub async fn handle(
    State((shared, client)): State<(Shared, reqwest::Client)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let destination = {
        let mut store = shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        route(&mut store, &method, host, uri.path())
    };
    let destination = match destination {
        Ok(destination) => destination,
        Err((status, body)) => return reply(status, &body),
    };
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let url = format!("http://{}{}{query}", destination.address, destination.path);
    let method =
        reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap_or(reqwest::Method::GET);
    match client.request(method, url).body(body).send().await {
        Ok(answer) => {
            let status = answer.status().as_u16();
            let bytes = answer.bytes().await.unwrap_or_default();
            let status = axum::http::StatusCode::from_u16(status)
                .unwrap_or(axum::http::StatusCode::BAD_GATEWAY);
            (status, bytes).into_response()
        }
        Err(_) => reply(
            502,
            &json!({ "message": "An invalid response was received from the upstream server" }),
        ),
    }
}

fn route(
    store: &mut Store,
    method: &Method,
    host: &str,
    path: &str,
) -> Result<Destination, Refusal> {
    let host = host.split(':').next().unwrap_or_default();
    let mut best: Option<(usize, &Value)> = None;
    for route in store.list("routes") {
        let strings = |field: &str| -> Vec<String> {
            route[field]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let (paths, hosts, methods) = (strings("paths"), strings("hosts"), strings("methods"));
        if !hosts.is_empty() && !hosts.iter().any(|h| h == host) {
            continue;
        }
        if !methods.is_empty() && !methods.iter().any(|m| m == method.as_str()) {
            continue;
        }
        let matched = if paths.is_empty() {
            Some(0)
        } else {
            paths
                .iter()
                .filter(|p| path.starts_with(p.as_str()))
                .map(String::len)
                .max()
        };
        if let Some(length) = matched
            && best.is_none_or(|(l, _)| length > l)
        {
            best = Some((length, route));
        }
    }
    let no_route = || {
        (
            404,
            json!({ "message": "no Route matched with those values" }),
        )
    };
    let (matched, route) = best.ok_or_else(no_route)?;
    let service_id = route["service"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let strip = route["strip_path"].as_bool().unwrap_or(true);
    let service = store
        .list("services")
        .iter()
        .find(|s| s["id"] == service_id.as_str())
        .cloned()
        .ok_or_else(no_route)?;
    let rest = if strip { &path[matched..] } else { path };
    let base = service["path"].as_str().unwrap_or("").trim_end_matches('/');
    let path = format!("{base}/{}", rest.trim_start_matches('/'));
    let service_host = service["host"].as_str().unwrap_or_default();
    let upstream = store
        .list("upstreams")
        .iter()
        .find(|u| u["name"] == service_host)
        .cloned();
    let address = match upstream {
        Some(upstream) => pick_target(store, upstream["id"].as_str().unwrap_or_default())?,
        None => format!("{service_host}:{}", service["port"].as_i64().unwrap_or(80)),
    };
    *store.proxied.entry(address.clone()).or_default() += 1;
    Ok(Destination { address, path })
}

/// The next target of an upstream: nginx's smooth weighted round-robin (exact shares per cycle).
fn pick_target(store: &mut Store, upstream_id: &str) -> Result<String, Refusal> {
    let targets: Vec<(String, i64)> = store
        .list("targets")
        .iter()
        .filter(|t| t["upstream"]["id"] == upstream_id)
        .map(|t| {
            (
                t["target"].as_str().unwrap_or_default().to_owned(),
                t["weight"].as_i64().unwrap_or(100),
            )
        })
        .filter(|(_, weight)| *weight > 0)
        .collect();
    let total: i64 = targets.iter().map(|(_, w)| w).sum();
    if total == 0 {
        return Err((
            503,
            json!({ "message": "failure to get a peer from the ring-balancer" }),
        ));
    }
    let state = store
        .balancers
        .entry(upstream_id.to_owned())
        .or_insert_with(|| targets.iter().map(|(t, _)| (t.clone(), 0)).collect());
    for ((_, current), (_, weight)) in state.iter_mut().zip(&targets) {
        *current += weight;
    }
    let (chosen, _) = state
        .iter_mut()
        .max_by_key(|(_, current)| *current)
        .map(|(target, current)| {
            *current -= total;
            (target.clone(), *current)
        })
        .unwrap_or_default();
    Ok(chosen)
}
