//! A real Caddy (`caddy run`) on loopback for the blue-green tests: its admin API on one free
//! port and one HTTP server, named `sluice`, on another, with no routes yet (the container
//! plugin adds its route). Stopped, and its files removed, on drop.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::docker::free_ports;
use super::http::{get, wait_until_listening};

/// The name of the HTTP server in the Caddy config (the plugin's default `router.server`).
pub const SERVER: &str = "sluice";

/// The kernel setting that lets connections queued on a closing SO_REUSEPORT listener move to
/// another listener of the group instead of being reset.
const MIGRATE_REQ: &str = "/proc/sys/net/ipv4/tcp_migrate_req";

/// Panics unless `net.ipv4.tcp_migrate_req` is 1. Caddy applies every config change (a route
/// switch) by opening a new SO_REUSEPORT listener and closing the old one; without the setting,
/// Linux resets the connections still waiting in the old one's accept queue, and a client sees a
/// failed request. `make test` (scripts/ensure-deps.sh) sets it.
pub fn require_reloads_to_keep_queued_connections() {
    let value = std::fs::read_to_string(MIGRATE_REQ).unwrap_or_default();
    assert_eq!(
        value.trim(),
        "1",
        "net.ipv4.tcp_migrate_req must be 1 for route switches through Caddy to drop no \
         connection (run `make services`, or `sysctl -w net.ipv4.tcp_migrate_req=1` as root)"
    );
}

/// How long Caddy gets to open its ports.
const STARTUP: Duration = Duration::from_secs(10);

/// A running Caddy.
pub struct Caddy {
    /// The admin API's address.
    pub admin: SocketAddr,
    /// The HTTP server's address (what users, and the load, connect to).
    pub http: SocketAddr,
    child: Child,
    dir: tempfile::TempDir,
}

impl Caddy {
    /// Starts Caddy on two free loopback ports and waits until both answer.
    pub fn start() -> Caddy {
        let [admin, http] = free_ports().map(|port| SocketAddr::from(([127, 0, 0, 1], port)));
        let dir = tempfile::tempdir().unwrap();
        let config = serde_json::json!({
            "admin": { "listen": admin.to_string() },
            "apps": { "http": { "servers": { SERVER: {
                "listen": [http.to_string()],
                "automatic_https": { "disable": true },
            } } } },
        });
        let config_path = dir.path().join("caddy.json");
        std::fs::write(&config_path, config.to_string()).unwrap();
        let log = std::fs::File::create(dir.path().join("caddy.log")).unwrap();
        let child = Command::new("caddy")
            .arg("run")
            .arg("--config")
            .arg(&config_path)
            .env("XDG_CONFIG_HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `caddy` (is it installed?): {e}"));
        let caddy = Caddy {
            admin,
            http,
            child,
            dir,
        };
        wait_until_listening("caddy", &[admin, http], STARTUP, || caddy.log());
        caddy
    }

    /// `http://127.0.0.1:PORT` of the admin API: the plugin's `router.caddy` and `http` grant.
    pub fn admin_url(&self) -> String {
        format!("http://{}", self.admin)
    }

    /// `127.0.0.1:PORT` of the HTTP server: the plugin's `router.listen`.
    pub fn listen(&self) -> String {
        self.http.to_string()
    }

    /// GETs `path` through Caddy: status and body (status 0 when nothing answers).
    pub fn get(&self, path: &str) -> (u16, String) {
        get(self.http, path)
    }

    /// The whole current config, from the admin API.
    pub fn config(&self) -> serde_json::Value {
        let (status, body) = get(self.admin, "/config/");
        assert_eq!(status, 200, "GET /config/ from Caddy's admin API: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// Where the route `@id` = `route` sends traffic (`127.0.0.1:PORT`), if the route exists.
    pub fn upstream(&self, route: &str) -> Option<String> {
        let (status, body) = get(
            self.admin,
            &format!("/id/{route}/handle/0/upstreams/0/dial"),
        );
        if status != 200 {
            return None;
        }
        serde_json::from_str::<Option<String>>(&body).unwrap()
    }

    /// What Caddy has logged so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("caddy.log")).unwrap_or_default()
    }
}

impl Drop for Caddy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
