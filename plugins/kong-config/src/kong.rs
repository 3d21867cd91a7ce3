//! Kong's Admin API in DB-less mode: the loaded config's hash (`GET /status`), the config as Kong
//! exports it (`GET /config`), and loading a new one (`POST /config?check_hash=1&flatten_errors=1`).

use serde::Deserialize;
use sluice_sdk::Error;
use sluice_sdk::http::{Method, Request, Response};

use crate::config::Config;
use crate::document::Rendered;
use crate::rejection;

/// Time one Admin API request may take.
const REQUEST_TIMEOUT_MS: u32 = 30_000;

/// The hash Kong reports when no config is loaded.
pub const EMPTY_HASH: &str = "00000000000000000000000000000000";

#[derive(Deserialize)]
struct Status {
    configuration_hash: Option<String>,
}

#[derive(Deserialize)]
struct Export {
    config: String,
}

/// What loading a config did.
#[derive(Debug, PartialEq, Eq)]
pub enum Loaded {
    /// Kong loaded it.
    Applied,
    /// Kong already had it (`check_hash`): nothing changed.
    Unchanged,
}

/// The unit's Kong.
pub struct Kong<'a> {
    config: &'a Config,
}

impl<'a> Kong<'a> {
    /// The Admin API the unit names.
    pub fn new(config: &'a Config) -> Self {
        Self { config }
    }

    fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, Error> {
        let mut request = Request::new(method, format!("{}{path}", self.config.base()))
            .with_timeout_ms(REQUEST_TIMEOUT_MS);
        for (name, value) in &self.config.headers {
            request = request.with_header(name.clone(), value.clone());
        }
        if let Some(body) = body {
            request = request.with_json(body)?;
        }
        request.send()
    }

    /// The hash of the loaded config (`EMPTY_HASH` when none is).
    pub fn hash(&self) -> Result<String, Error> {
        let response = self.send(Method::Get, "/status", None)?;
        expect(&response, "GET /status")?;
        let status: Status = response.json("Kong's /status answer")?;
        Ok(status
            .configuration_hash
            .unwrap_or_else(|| EMPTY_HASH.into()))
    }

    /// The loaded config as Kong exports it (YAML text).
    pub fn export(&self) -> Result<String, Error> {
        let response = self.send(Method::Get, "/config", None)?;
        expect(&response, "GET /config")?;
        Ok(response.json::<Export>("Kong's /config answer")?.config)
    }

    /// Loads `rendered` unless Kong already has it, then checks Kong reports its hash.
    pub fn load(&self, rendered: &Rendered) -> Result<Loaded, Error> {
        let body = serde_json::json!({ "config": rendered.text });
        let response = self.send(
            Method::Post,
            "/config?check_hash=1&flatten_errors=1",
            Some(&body),
        )?;
        let loaded = match response.status {
            201 => Loaded::Applied,
            304 => Loaded::Unchanged,
            400 => {
                return Err(Error::InvalidConfig(format!(
                    "Kong rejected the config: {}",
                    rejection::describe(&response.body)
                )));
            }
            429 => {
                return Err(Error::Unavailable(format!(
                    "Kong is still loading an earlier config (retry after {}s): {}",
                    response.header("retry-after").unwrap_or("?"),
                    response.excerpt()
                )));
            }
            _ => {
                expect(&response, "POST /config")?;
                Loaded::Applied
            }
        };
        let hash = self.hash()?;
        if hash != rendered.hash {
            return Err(Error::Failed(format!(
                "Kong reports configuration_hash {hash} after loading the config, expected {} \
                 (did something else load a config at the same time?)",
                rendered.hash
            )));
        }
        Ok(loaded)
    }
}

fn expect(response: &Response, what: &str) -> Result<(), Error> {
    if response.is_success() {
        return Ok(());
    }
    Err(Error::Failed(format!(
        "Kong refused {what}: HTTP {}: {}",
        response.status,
        response.excerpt()
    )))
}
