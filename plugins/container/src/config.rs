//! The unit's config: which image, under which name, on which ports, switched how.

use serde::Deserialize;
use sluice_sdk::{Diagnostic, Error, UnitConfig};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The JSON Schema `info()` publishes; the host checks every unit's config against it.
pub const SCHEMA: &str = include_str!("config.schema.json");

/// How a new version replaces the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Start the new version beside the old one, switch the Caddy route, then retire the old.
    #[default]
    BlueGreen,
    /// Stop the old container, then start the new one on the same port.
    Replace,
}

/// When the engine restarts a container (the contract's `restart-policy`, as the config spells it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Restart {
    /// Never.
    No,
    /// Always.
    Always,
    /// Always, unless stopped by hand.
    #[default]
    UnlessStopped,
    /// After a non-zero exit.
    OnFailure,
}

/// What sends traffic to the live color: a Caddy route, or an HAProxy backend's weights.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Router {
    /// A Caddy route, switched all at once.
    Caddy(CaddyRouter),
    /// An HAProxy backend, its servers weighted through the runtime API.
    Haproxy(HaproxyRouter),
}

/// An HAProxy backend whose servers are the colors, weighted per `shift` step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HaproxyRouter {
    /// The runtime API's address, `ADDRESS:PORT` (`stats socket ipv4@ADDRESS:PORT level admin`).
    pub haproxy: String,
    /// The backend the colors are servers of.
    pub backend: String,
}

/// The Caddy route that sends traffic to the live color.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaddyRouter {
    /// Caddy's admin API origin.
    pub caddy: String,
    /// The route's `@id`.
    pub route: String,
    /// The server that holds the route when it has to be created.
    #[serde(default = "default_server")]
    pub server: String,
    /// The address that server listens on when it has to be created.
    #[serde(default = "default_listen")]
    pub listen: String,
}

/// A unit's config for `container`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// blue-green or replace.
    #[serde(default)]
    pub mode: Mode,
    /// The base container name.
    pub name: String,
    /// The image to run.
    pub image: String,
    /// Whether the engine pulls `image` before staging; default: when `image` names a registry.
    pub pull: Option<bool>,
    /// The port inside the container.
    pub port: u16,
    /// The loopback host ports.
    pub host_ports: Vec<u16>,
    /// The service's health path.
    #[serde(default = "default_health_path")]
    pub health_path: String,
    /// Environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Images of this unit to keep, the live one included.
    #[serde(default = "default_keep_images")]
    pub keep_images: u32,
    /// Seconds a container gets to stop.
    #[serde(default = "default_stop_timeout")]
    pub stop_timeout_secs: u32,
    /// Blue-green: milliseconds between the cut-over being proven and the old color being stopped,
    /// so requests Caddy already sent to it (and its pooled connections) can finish.
    #[serde(default = "default_drain_ms")]
    pub drain_ms: u32,
    /// Seconds a new container gets to become ready.
    #[serde(default = "default_ready_timeout")]
    pub ready_timeout_secs: u32,
    /// The restart policy.
    #[serde(default)]
    pub restart: Restart,
    /// The router (blue-green only).
    pub router: Option<Router>,
    /// The engine's name; default the first granted.
    pub engine: Option<String>,
    /// The host address ports are published on, Caddy dials and endpoints name.
    #[serde(default = "default_address")]
    pub address: IpAddr,
}

impl Config {
    /// Whether `image` is pulled before staging: as `pull` says, else when its first component
    /// is a registry host (it has a `.` or a `:`, or is `localhost`), as Docker reads it.
    pub fn pulls(&self) -> bool {
        self.pull.unwrap_or_else(|| {
            self.image
                .split_once('/')
                .is_some_and(|(first, _)| first.contains(['.', ':']) || first == "localhost")
        })
    }
}

fn default_address() -> IpAddr {
    IpAddr::V4(Ipv4Addr::LOCALHOST)
}

fn default_server() -> String {
    "sluice".into()
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}

fn default_health_path() -> String {
    "/health".into()
}

fn default_keep_images() -> u32 {
    3
}

fn default_drain_ms() -> u32 {
    2000
}

fn default_stop_timeout() -> u32 {
    10
}

fn default_ready_timeout() -> u32 {
    30
}

impl Config {
    /// `ADDRESS:PORT` of a published host port: how Caddy dials a container, and the authority of
    /// its endpoint.
    pub fn dial(&self, host_port: u16) -> String {
        SocketAddr::new(self.address, host_port).to_string()
    }

    /// The router of a blue-green unit (checked by `load`, so only a bug makes this fail).
    pub fn router(&self) -> Result<&Router, Error> {
        self.router
            .as_ref()
            .ok_or_else(|| Error::InvalidConfig("router: blue-green needs a router".into()))
    }

    fn blue_green_problems(&self, problems: &mut Vec<Diagnostic>) {
        match self.host_ports.as_slice() {
            [a, b] if a != b => {}
            _ => problems.push(Diagnostic::new(
                "host_ports",
                "blue-green needs two different host ports, one per color, e.g. [18080, 18081]",
            )),
        }
        match &self.router {
            None => problems.push(Diagnostic::new(
                "router",
                "blue-green needs a router, e.g. { caddy = \"http://127.0.0.1:2019\", route = \"api\" } \
                 or { haproxy = \"127.0.0.1:9999\", backend = \"web\" }",
            )),
            Some(Router::Caddy(router)) => router.problems(problems),
            Some(Router::Haproxy(router)) => router.problems(problems),
        }
    }
}

impl HaproxyRouter {
    fn problems(&self, problems: &mut Vec<Diagnostic>) {
        if self.haproxy.parse::<SocketAddr>().is_err() {
            problems.push(Diagnostic::new(
                "router.haproxy",
                format!(
                    "must be the runtime API's IP address and port, e.g. 127.0.0.1:9999, got {:?}",
                    self.haproxy
                ),
            ));
        }
        if !is_haproxy_name(&self.backend) {
            problems.push(Diagnostic::new(
                "router.backend",
                format!(
                    "must be letters, digits, `_`, `.`, `-` or `:`, got {:?}",
                    self.backend
                ),
            ));
        }
    }
}

impl CaddyRouter {
    fn problems(&self, problems: &mut Vec<Diagnostic>) {
        if !(self.caddy.starts_with("http://") || self.caddy.starts_with("https://")) {
            problems.push(Diagnostic::new(
                "self.caddy",
                format!(
                    "must be Caddy's admin origin, e.g. http://127.0.0.1:2019, got {:?}",
                    self.caddy
                ),
            ));
        }
        for (path, value) in [
            ("router.route", &self.route),
            ("router.server", &self.server),
        ] {
            if !is_caddy_id(value) {
                problems.push(Diagnostic::new(
                    path,
                    format!("must be letters, digits, `_`, `.` or `-`, got {value:?}"),
                ));
            }
        }
        let listen_port = self
            .listen
            .rsplit_once(':')
            .map(|(_, port)| port.parse::<u16>());
        if !matches!(listen_port, Some(Ok(port)) if port != 0) {
            problems.push(Diagnostic::new(
                "router.listen",
                format!(
                    "must be HOST:PORT, e.g. 127.0.0.1:8080, got {:?}",
                    self.listen
                ),
            ));
        }
    }
}

fn is_container_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Whether `c` may appear in an HAProxy proxy or server name.
pub fn is_haproxy_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':')
}

fn is_haproxy_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_haproxy_char)
}

fn is_caddy_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

impl UnitConfig for Config {
    fn problems(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        if !is_container_name(&self.name) {
            problems.push(Diagnostic::new(
                "name",
                format!(
                    "must be a Docker container name (letters, digits, `_`, `.`, `-`, not starting with a symbol), got {:?}",
                    self.name
                ),
            ));
        }
        if self.image.trim().is_empty() {
            problems.push(Diagnostic::new(
                "image",
                "must name an image, e.g. `repo:v1`",
            ));
        }
        if self.port == 0 || self.host_ports.contains(&0) {
            let path = if self.port == 0 { "port" } else { "host_ports" };
            problems.push(Diagnostic::new(path, "ports must be 1..=65535"));
        }
        if !self.health_path.starts_with('/') {
            problems.push(Diagnostic::new("health_path", "must start with `/`"));
        }
        if self.keep_images == 0 {
            problems.push(Diagnostic::new(
                "keep_images",
                "must be at least 1: the live image is always kept",
            ));
        }
        match self.mode {
            Mode::BlueGreen => self.blue_green_problems(&mut problems),
            Mode::Replace => {
                if self.host_ports.is_empty() {
                    problems.push(Diagnostic::new("host_ports", "replace needs one host port"));
                }
                if self.router.is_some() {
                    problems.push(Diagnostic::new(
                        "router",
                        "only blue-green switches a route; replace keeps the same host port",
                    ));
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLUE_GREEN: &str = r#"{"name": "shop-api", "image": "shop-api:v2", "port": 8080,
        "host_ports": [18080, 18081], "router": {"caddy": "http://127.0.0.1:2019", "route": "api"}}"#;

    fn paths_of(config: &str) -> Vec<String> {
        Config::diagnose(config)
            .into_iter()
            .map(|d| d.path)
            .collect()
    }

    #[test]
    fn a_minimal_blue_green_config_gets_the_defaults() {
        let config = Config::load(BLUE_GREEN).unwrap();
        assert_eq!(config.mode, Mode::BlueGreen);
        assert_eq!(config.health_path, "/health");
        assert_eq!(config.keep_images, 3);
        assert_eq!(config.restart, Restart::UnlessStopped);
        assert_eq!(config.dial(18080), "127.0.0.1:18080");
        let Router::Caddy(router) = config.router().unwrap() else {
            panic!("a router with `caddy` is a Caddy router");
        };
        assert_eq!(
            (router.server.as_str(), router.listen.as_str()),
            ("sluice", "127.0.0.1:8080")
        );
    }

    #[test]
    fn an_haproxy_router_names_a_runtime_api_address_and_a_backend() {
        let config = BLUE_GREEN.replace(
            r#"{"caddy": "http://127.0.0.1:2019", "route": "api"}"#,
            r#"{"haproxy": "127.0.0.1:9999", "backend": "web"}"#,
        );
        let loaded = Config::load(&config).unwrap();
        assert!(matches!(loaded.router().unwrap(), Router::Haproxy(r) if r.backend == "web"));
        let bad = config
            .replace("127.0.0.1:9999", "haproxy:9999")
            .replace(r#""web""#, r#""web 1""#);
        assert_eq!(paths_of(&bad), ["router.haproxy", "router.backend"]);
    }

    #[test]
    fn blue_green_without_a_router_is_reported_at_router() {
        let config = r#"{"name": "a", "image": "a:1", "port": 80, "host_ports": [1, 2]}"#;
        assert_eq!(paths_of(config), ["router"]);
    }

    #[test]
    fn blue_green_with_one_port_or_twice_the_same_is_reported_at_host_ports() {
        for ports in ["[18080]", "[18080, 18080]"] {
            let config = BLUE_GREEN.replace("[18080, 18081]", ports);
            assert_eq!(paths_of(&config), ["host_ports"], "{ports}");
        }
    }

    #[test]
    fn replace_needs_no_router_and_refuses_one() {
        let config =
            r#"{"mode": "replace", "name": "a", "image": "a:1", "port": 80, "host_ports": [1]}"#;
        assert!(paths_of(config).is_empty());
        let config = BLUE_GREEN.replace(r#""name""#, r#""mode": "replace", "name""#);
        assert_eq!(paths_of(&config), ["router"]);
    }

    #[test]
    fn bad_names_and_router_fields_are_reported_at_their_paths() {
        let config = BLUE_GREEN
            .replace(r#""shop-api""#, r#""-shop""#)
            .replace(r#""api""#, r#""a/b""#);
        assert_eq!(paths_of(&config), ["name", "router.route"]);
    }

    #[test]
    fn an_address_must_be_an_ip_address_and_an_ipv6_one_is_bracketed() {
        let config = BLUE_GREEN.replace(r#""port""#, r#""address": "::1", "port""#);
        assert_eq!(Config::load(&config).unwrap().dial(80), "[::1]:80");
        let config = BLUE_GREEN.replace(r#""port""#, r#""address": "edge-1", "port""#);
        assert!(
            Config::diagnose(&config)[0]
                .message
                .contains("invalid IP address"),
            "{:?}",
            Config::diagnose(&config)
        );
    }

    #[test]
    fn an_unknown_key_is_a_problem() {
        let config = BLUE_GREEN.replace(r#""port""#, r#""prot": 1, "port""#);
        let problems = Config::diagnose(&config);
        assert!(
            problems[0].message.contains("unknown field `prot`"),
            "{problems:?}"
        );
    }

    #[test]
    fn the_schema_is_json_that_forbids_unknown_keys() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        assert_eq!(schema["additionalProperties"], false);
        for router in schema["properties"]["router"]["oneOf"].as_array().unwrap() {
            assert_eq!(router["additionalProperties"], false, "{router}");
        }
    }
}
