//! The Caddy route that sends traffic to the live color, through Caddy's admin API (the `http`
//! capability, granted Caddy's admin origin only).
//!
//! The route is `{"@id": ROUTE, "handle": [{"handler": "reverse_proxy", "upstreams": [{"dial":
//! "127.0.0.1:PORT"}]}]}`. Switching PATCHes its upstreams, which Caddy applies with a graceful
//! reload: requests in flight finish on the old upstream, new ones go to the new.

use crate::config::CaddyRouter;
use crate::failure::within;
use serde_json::{Value, json};
use sluice_sdk::Error;
use sluice_sdk::http::{self, Method, Request};

/// Time one admin request may take.
const ADMIN_TIMEOUT_MS: u32 = 10_000;

/// Where a new route's server lives in Caddy's config, below `apps`.
const SERVERS_PATH: [&str; 3] = ["apps", "http", "servers"];

/// One route in one Caddy.
pub struct Caddy<'a> {
    router: &'a CaddyRouter,
}

impl<'a> Caddy<'a> {
    /// The route `router` names.
    pub fn new(router: &'a CaddyRouter) -> Self {
        Self { router }
    }

    /// The route's id.
    pub fn route(&self) -> &str {
        &self.router.route
    }

    /// The address the route sends traffic to (`127.0.0.1:PORT`), or none when there is no route.
    pub fn upstream(&self) -> Result<Option<String>, Error> {
        let path = format!("id/{}/handle/0/upstreams", self.router.route);
        let Some(upstreams) = self.get(&path)? else {
            return Ok(None);
        };
        Ok(upstreams
            .get(0)
            .and_then(|upstream| upstream.get("dial"))
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    /// Points the route at `dial`, creating it (and its server) when it is missing. A route that
    /// already points there is left alone: every change makes Caddy reload its config.
    pub fn route_to(&self, dial: &str) -> Result<(), Error> {
        match self.upstream()? {
            Some(current) if current == dial => Ok(()),
            Some(_) => {
                let path = format!("id/{}/handle/0/upstreams", self.router.route);
                self.send(Method::Patch, &path, Some(json!([{ "dial": dial }])))
            }
            None => self.create_route(dial),
        }
    }

    /// Removes the route, if it is there.
    pub fn remove_route(&self) -> Result<(), Error> {
        if self.upstream()?.is_none() {
            return Ok(());
        }
        self.send(Method::Delete, &format!("id/{}", self.router.route), None)
    }

    fn create_route(&self, dial: &str) -> Result<(), Error> {
        let route = json!({
            "@id": self.router.route,
            "handle": [{ "handler": "reverse_proxy", "upstreams": [{ "dial": dial }] }],
        });
        let config = self.get("config/")?.unwrap_or(Value::Null);
        let server_path: Vec<&str> = SERVERS_PATH
            .iter()
            .copied()
            .chain([self.router.server.as_str()])
            .collect();
        if let Some(server) = lookup(&config, &server_path) {
            let routes = format!("config/{}/routes", server_path.join("/"));
            return if server.get("routes").is_some_and(Value::is_array) {
                self.send(Method::Put, &format!("{routes}/0"), Some(route))
            } else {
                self.send(Method::Post, &routes, Some(json!([route])))
            };
        }
        let server = json!({
            "listen": [self.router.listen],
            "routes": [route],
            "automatic_https": { "disable": true },
        });
        let (path, value) = insertion(&config, &server_path, server);
        self.send(Method::Post, &format!("config/{path}"), Some(value))
    }

    /// GETs an admin path: its JSON, or none when Caddy says 404 (unknown id) or `null`.
    fn get(&self, path: &str) -> Result<Option<Value>, Error> {
        let response = self.request(Method::Get, path, None)?;
        if response.status == 404 {
            return Ok(None);
        }
        check_status(&response, "GET", path)?;
        let value: Value = serde_json::from_slice(&response.body).map_err(|e| {
            Error::Failed(format!("Caddy's answer to GET /{path} is not JSON: {e}"))
        })?;
        Ok((!value.is_null()).then_some(value))
    }

    fn send(&self, method: Method, path: &str, body: Option<Value>) -> Result<(), Error> {
        let verb = format!("{method:?}").to_uppercase();
        let response = self.request(method, path, body)?;
        check_status(&response, &verb, path)
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<http::Response, Error> {
        let url = format!("{}/{path}", self.router.caddy.trim_end_matches('/'));
        let mut headers = Vec::new();
        if body.is_some() {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
        }
        http::send(&Request {
            method,
            url,
            headers,
            body: body.map(|value| value.to_string().into_bytes()),
            timeout_ms: Some(ADMIN_TIMEOUT_MS),
            follow_redirects: false,
        })
        .map_err(within(format!("Caddy admin API at {}", self.router.caddy)))
    }
}

fn check_status(response: &http::Response, verb: &str, path: &str) -> Result<(), Error> {
    if (200..300).contains(&response.status) {
        return Ok(());
    }
    Err(Error::Failed(format!(
        "Caddy refused {verb} /{path} with {}: {}",
        response.status,
        String::from_utf8_lossy(&response.body).trim()
    )))
}

/// The value at `path` in `config`, if it is there and not null.
fn lookup<'v>(config: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter()
        .try_fold(config, |value, key| value.get(key))
        .filter(|value| !value.is_null())
}

/// Where to POST `leaf` so that it ends up at `path` in `config`, and what to POST: Caddy's
/// admin API only sets a key of an object that exists, so the objects missing on the way are
/// nested around `leaf`. An empty config gets a whole new one (POSTed at the root).
fn insertion(config: &Value, path: &[&str], leaf: Value) -> (String, Value) {
    if !config.is_object() {
        return (String::new(), nested(path, leaf));
    }
    let existing = (1..path.len())
        .take_while(|&depth| lookup(config, &path[..depth]).is_some())
        .last()
        .unwrap_or(0);
    (
        path[..=existing].join("/"),
        nested(&path[existing + 1..], leaf),
    )
}

/// `leaf` wrapped in one object per key: `["a", "b"]` gives `{"a": {"b": leaf}}`.
fn nested(keys: &[&str], leaf: Value) -> Value {
    keys.iter()
        .rev()
        .fold(leaf, |inner, key| json!({ *key: inner }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: [&str; 4] = ["apps", "http", "servers", "sluice"];

    #[test]
    fn a_server_goes_below_the_deepest_existing_object() {
        let config = json!({ "admin": {}, "apps": { "http": { "servers": { "other": {} } } } });
        let (path, value) = insertion(&config, &PATH, json!({ "listen": [] }));
        assert_eq!(path, "apps/http/servers/sluice");
        assert_eq!(value, json!({ "listen": [] }));
    }

    #[test]
    fn missing_objects_are_nested_around_the_server() {
        let config = json!({ "admin": { "listen": "127.0.0.1:2019" } });
        let (path, value) = insertion(&config, &PATH, json!(1));
        assert_eq!(path, "apps");
        assert_eq!(value, json!({ "http": { "servers": { "sluice": 1 } } }));
    }

    #[test]
    fn an_empty_config_gets_a_whole_new_one() {
        let (path, value) = insertion(&Value::Null, &PATH, json!(1));
        assert_eq!(path, "");
        assert_eq!(
            value,
            json!({ "apps": { "http": { "servers": { "sluice": 1 } } } })
        );
    }

    #[test]
    fn lookup_treats_null_as_missing() {
        let config = json!({ "apps": { "http": null } });
        assert!(lookup(&config, &["apps"]).is_some());
        assert!(lookup(&config, &["apps", "http"]).is_none());
    }
}
