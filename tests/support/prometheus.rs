//! A real Prometheus (Debian's `prometheus`) on loopback, one process per test: a config the test
//! gives (its scrape targets; every job scraped each second), its own TSDB under the test's
//! temporary directory, started on a free port and waited for until ready. Stopped, and its files
//! removed, on drop.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::docker::free_ports;
use super::http::get;

/// How long Prometheus gets to be ready, and a query to have data.
const PATIENCE: Duration = Duration::from_secs(60);

/// A running Prometheus.
pub struct Prometheus {
    /// Where its HTTP API listens.
    pub addr: SocketAddr,
    child: Child,
    dir: tempfile::TempDir,
}

impl Prometheus {
    /// Starts Prometheus scraping `targets` (job name, `host:port` and metrics path) every
    /// second, and waits until it is ready.
    pub fn start(targets: &[(&str, SocketAddr, &str)]) -> Prometheus {
        let [port] = free_ports();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut config = String::from(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n",
        );
        for (job, target, path) in targets {
            config.push_str(&format!(
                "  - job_name: {job}\n    metrics_path: {path}\n    static_configs:\n      - targets: ['{target}']\n"
            ));
        }
        Prometheus::with_config(&config, addr)
    }

    /// Starts Prometheus with `config` (a whole `prometheus.yml`), its API on `addr`, and waits
    /// until it is ready.
    pub fn with_config(config: &str, addr: SocketAddr) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("prometheus.yml");
        std::fs::write(&config_path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run `prometheus` (is it installed?): {e}"));
        let prometheus = Prometheus { addr, child, dir };
        prometheus.wait_for(
            || match get(addr, "/-/ready") {
                (200, _) => Ok(()),
                (status, body) => Err(format!("/-/ready answered {status} {body}")),
            },
            "ready",
        );
        prometheus
    }

    /// `http://127.0.0.1:PORT`: the gate plugin's `url` and the origin to grant.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The HTTP status and body of the instant query `query`.
    pub fn query(&self, query: &str) -> (u16, String) {
        let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
        get(self.addr, &format!("/api/v1/query?query={encoded}"))
    }

    /// The values of the series `query` returns now (none: an empty result or an error).
    pub fn values(&self, query: &str) -> Vec<f64> {
        self.answer(query).unwrap_or_default()
    }

    /// The values of the series `query` returns now, or what Prometheus answered instead.
    fn answer(&self, query: &str) -> Result<Vec<f64>, String> {
        let (status, body) = self.query(query);
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        answer["data"]["result"]
            .as_array()
            .map(|series| {
                series
                    .iter()
                    .filter_map(|s| s["value"][1].as_str()?.parse().ok())
                    .collect()
            })
            .ok_or_else(|| format!("HTTP {status} {body}"))
    }

    /// Waits until the job `job` has been scraped successfully.
    pub fn wait_until_scraped(&self, job: &str) {
        let up = format!("up{{job=\"{job}\"}}");
        self.wait_for(
            || match self.answer(&up)?.as_slice() {
                [1.0] => Ok(()),
                other => Err(format!("`{up}` is {other:?}")),
            },
            &format!("scraping {job}"),
        );
    }

    /// Waits until `query` returns one value that `accept` accepts; returns it.
    pub fn wait_for_value(&self, query: &str, accept: impl Fn(f64) -> bool) -> f64 {
        self.wait_for(
            || match self.answer(query)?.as_slice() {
                [value] if accept(*value) => Ok(*value),
                other => Err(format!("the values are {other:?}")),
            },
            &format!("`{query}` to have an accepted value"),
        )
    }

    /// What Prometheus has logged so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// Polls `found` until it finds something, for at most [`PATIENCE`]; gives up saying what
    /// it saw last.
    fn wait_for<T>(&self, mut found: impl FnMut() -> Result<T, String>, what: &str) -> T {
        let started = Instant::now();
        loop {
            let seen = match found() {
                Ok(value) => return value,
                Err(seen) => seen,
            };
            assert!(
                started.elapsed() < PATIENCE,
                "prometheus at {}: gave up waiting for {what} after {PATIENCE:?}; last: {seen}\n{}",
                self.addr,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value a gate's reason quotes for `query`: the number after `` `QUERY` = `` in `text`.
pub fn quoted_value(text: &str, query: &str) -> f64 {
    let quoted = format!("`{query}` = ");
    let at = text
        .find(&quoted)
        .unwrap_or_else(|| panic!("the reason quotes {quoted}: {text}"))
        + quoted.len();
    let number: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    number
        .parse()
        .unwrap_or_else(|_| panic!("a value after {quoted}: {text}"))
}
