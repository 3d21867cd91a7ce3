//! A real HAProxy (Debian's `haproxy`, 2.6) on loopback, one process per test: a frontend that
//! sends every request to one backend, [`BACKEND`] (round robin, `option redispatch`, `retries`),
//! which starts with no server (the `container` plugin adds its servers through the runtime API);
//! the runtime API in its TCP form (`stats socket ipv4@127.0.0.1:PORT level admin`); and the
//! Prometheus exporter on a frontend of its own. Nothing ever reloads it: a test compares
//! [`HaProxy::pid`] before and after. Stopped, and its files removed, on drop.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::docker::free_ports;
use super::http::{get, wait_until_listening};

/// The backend the frontend sends every request to (the plugin's default `router.backend`).
pub const BACKEND: &str = "web";

/// How long HAProxy gets to open its ports.
const STARTUP: Duration = Duration::from_secs(10);

/// A running HAProxy.
pub struct HaProxy {
    /// The frontend's address (what users, and the load, connect to).
    pub http: SocketAddr,
    /// The runtime API's address (`stats socket ipv4@…`).
    pub api: SocketAddr,
    /// The Prometheus exporter's address (`GET /metrics`).
    pub metrics: SocketAddr,
    child: Child,
    dir: tempfile::TempDir,
}

impl HaProxy {
    /// Starts HAProxy on three free loopback ports and waits until all of them answer.
    pub fn start() -> HaProxy {
        let [http, api, metrics] =
            free_ports().map(|port| SocketAddr::from(([127, 0, 0, 1], port)));
        let config = format!(
            "global
    stats socket ipv4@{api} level admin
    stats timeout 10s

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 1s

frontend sluice
    bind {http}
    default_backend {BACKEND}

backend {BACKEND}
    balance roundrobin
    option redispatch
    retries 3
    retry-on conn-failure empty-response response-timeout

frontend metrics
    bind {metrics}
    http-request use-service prometheus-exporter if {{ path /metrics }}
"
        );
        HaProxy::with_config(&config, http, api, metrics)
    }

    /// Starts HAProxy with `config` (a whole `haproxy.cfg`) whose frontend, runtime API and
    /// exporter listen on `http`, `api` and `metrics`, and waits until all of them answer.
    pub fn with_config(
        config: &str,
        http: SocketAddr,
        api: SocketAddr,
        metrics: SocketAddr,
    ) -> HaProxy {
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("haproxy.cfg");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("haproxy.log")).unwrap();
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `haproxy` (is it installed?): {e}"));
        let haproxy = HaProxy {
            http,
            api,
            metrics,
            child,
            dir,
        };
        wait_until_listening("haproxy", &[http, api, metrics], STARTUP, || haproxy.log());
        haproxy
    }

    /// `127.0.0.1:PORT` of the runtime API: the plugin's `router.haproxy` and the address in its
    /// `haproxy` grant.
    pub fn api_address(&self) -> String {
        self.api.to_string()
    }

    /// `127.0.0.1:PORT` of the frontend.
    pub fn listen(&self) -> String {
        self.http.to_string()
    }

    /// `http://127.0.0.1:PORT/metrics`: the Prometheus exporter (a scrape target).
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.metrics)
    }

    /// The HAProxy process's id (the same for its whole life: nothing reloads it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The pid of the process answering the runtime API (`show info`): the one started here as
    /// long as nothing reloaded or replaced it.
    pub fn answering_pid(&self) -> u32 {
        let info = self.command("show info");
        info.lines()
            .find_map(|line| line.strip_prefix("Pid: "))
            .and_then(|pid| pid.trim().parse().ok())
            .unwrap_or_else(|| panic!("`show info` names no pid: {info}"))
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// GETs `path` through the frontend: status and body (status 0 when nothing answers).
    pub fn get(&self, path: &str) -> (u16, String) {
        get(self.http, path)
    }

    /// Sends one command to the runtime API and returns its whole answer.
    pub fn command(&self, command: &str) -> String {
        let mut stream = TcpStream::connect_timeout(&self.api, Duration::from_secs(2))
            .unwrap_or_else(|e| panic!("cannot reach HAProxy's runtime API at {}: {e}", self.api));
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream.write_all(format!("{command}\n").as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    /// Adds server `name` at `addr` with `weight` to [`BACKEND`] and enables it (for tests that
    /// route to their own servers without the plugin).
    pub fn add_server(&self, name: &str, addr: SocketAddr, weight: u32) {
        let added = self.command(&format!(
            "add server {BACKEND}/{name} {addr} weight {weight}"
        ));
        assert!(
            added.contains("New server registered"),
            "add server: {added}"
        );
        let enabled = self.command(&format!("enable server {BACKEND}/{name}"));
        assert!(enabled.trim().is_empty(), "enable server: {enabled}");
    }

    /// The servers of [`BACKEND`], by name: their user weights (`show servers state`).
    pub fn weights(&self) -> BTreeMap<String, u32> {
        self.servers_state()
            .into_iter()
            .map(|server| (server.name, server.weight))
            .collect()
    }

    /// Runs `during` while polling [`HaProxy::weights`] every 20 ms, each poll timed by `clock`
    /// (a load's clock, to line the polls up with its requests).
    pub fn recording_weights<T: Send>(
        &self,
        clock: impl Fn() -> Duration + Sync,
        during: impl FnOnce() -> T,
    ) -> (T, Polls) {
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let poller = scope.spawn(|| {
                let mut polls = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    polls.push((clock(), self.weights()));
                    std::thread::sleep(Duration::from_millis(20));
                }
                polls
            });
            let result = during();
            stop.store(true, Ordering::Relaxed);
            (result, poller.join().unwrap())
        })
    }

    /// The servers of [`BACKEND`] as `show servers state` lists them.
    pub fn servers_state(&self) -> Vec<ServerState> {
        let answer = self.command(&format!("show servers state {BACKEND}"));
        answer
            .lines()
            .filter(|line| !line.starts_with('#') && line.split(' ').count() > 8)
            .map(|line| {
                let fields: Vec<&str> = line.split(' ').collect();
                ServerState {
                    name: fields[3].to_string(),
                    address: format!("{}:{}", fields[4], fields[18]),
                    admin_state: fields[6].parse().unwrap(),
                    weight: fields[7].parse().unwrap(),
                }
            })
            .collect()
    }

    /// What HAProxy has logged so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("haproxy.log")).unwrap_or_default()
    }
}

/// [`HaProxy::weights`] polled over time: when (on the caller's clock), and what.
pub type Polls = Vec<(Duration, BTreeMap<String, u32>)>;

/// The time spans during which `server` had each weight, in order (a span from the first poll
/// to the last poll that saw it at that weight).
pub fn weight_spans(polls: &Polls, server: &str) -> Vec<(u32, std::ops::Range<Duration>)> {
    let mut spans: Vec<(u32, std::ops::Range<Duration>)> = Vec::new();
    for (at, weights) in polls {
        let Some(&weight) = weights.get(server) else {
            continue;
        };
        match spans.last_mut() {
            Some((last, span)) if *last == weight => span.end = *at,
            _ => spans.push((weight, *at..*at)),
        }
    }
    spans
}

/// One server of a backend, from `show servers state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerState {
    /// The server's name.
    pub name: String,
    /// `ADDR:PORT`.
    pub address: String,
    /// HAProxy's admin-state bits (0: ready; 0x01: maintenance; 0x08: drain).
    pub admin_state: u32,
    /// The user weight.
    pub weight: u32,
}

impl Drop for HaProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
