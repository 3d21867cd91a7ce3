//! `wit-v0-1-3-hook`: the contract fixture of the `hook-plugin` world WIT 0.1.3 added. Built
//! against the frozen copy `wit/since_v0.1.3/`, it imports every interface that world allows and
//! calls each in `notify`: `log` writes a line naming the event, `secrets` gives the token it
//! sends to the loopback server as a bearer token through `http`, with the event's kind and unit
//! in the query. `tests/all/wit_versions.rs` runs it as a hook.

wit_bindgen::generate!({
    path: "../../../wit/since_v0.1.3",
    world: "sluice:deploy/hook-plugin",
    generate_all,
});

use serde::Deserialize;

use exports::sluice::deploy::hook::{EventKind, Guest, HookEvent};
use sluice::deploy::http::{self, Method, Request};
use sluice::deploy::types::{Diagnostic, Error, PluginInfo};
use sluice::deploy::{log, secrets};

/// The hook's config: what the test grants.
#[derive(Deserialize)]
struct Config {
    /// A URL on the test's loopback server (its origin granted).
    url: String,
    /// A granted secret.
    secret: String,
}

fn parse(config: &str) -> Result<Config, Error> {
    serde_json::from_str(config).map_err(|e| Error::InvalidConfig(e.to_string()))
}

struct HookFixture;

impl Guest for HookFixture {
    fn info() -> PluginInfo {
        PluginInfo {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Contract fixture: a hook calling every import of its frozen WIT.".into(),
            config_schema: r#"{"type": "object"}"#.into(),
            features: Vec::new(),
        }
    }

    fn validate(config: String) -> Result<(), Vec<Diagnostic>> {
        parse(&config).map(drop).map_err(|e| {
            vec![Diagnostic {
                path: String::new(),
                message: format!("{e:?}"),
            }]
        })
    }

    fn notify(event: HookEvent, config: String) -> Result<(), Error> {
        let config = parse(&config)?;
        let kind = match event.kind {
            EventKind::DeploymentStarted => "deployment-started",
            EventKind::DeploymentFinished => "deployment-finished",
            EventKind::UnitSucceeded => "unit-succeeded",
            EventKind::UnitFailed => "unit-failed",
            EventKind::UnitRolledBack => "unit-rolled-back",
            EventKind::AwaitingApproval => "awaiting-approval",
            EventKind::Paused => "paused",
        };
        let unit = event.unit.unwrap_or_default();
        log::write(
            log::Level::Info,
            &format!(
                "hook fixture: log answered for {kind} of {unit} in {}",
                event.environment
            ),
        );
        let token = secrets::get(&config.secret)
            .map_err(|e| Error::Failed(format!("secrets.get: {e:?}")))?;
        let answer = http::send(&Request {
            method: Method::Get,
            url: format!("{}?event={kind}&unit={unit}", config.url),
            headers: vec![("authorization".to_owned(), format!("Bearer {token}"))],
            body: None,
            timeout_ms: Some(10_000),
            follow_redirects: false,
        })
        .map_err(|e| Error::Failed(format!("http.send: {e:?}")))?;
        if (200..300).contains(&answer.status) {
            Ok(())
        } else {
            Err(Error::Unavailable(format!("HTTP {}", answer.status)))
        }
    }
}

export!(HookFixture);
