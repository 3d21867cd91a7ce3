//! `wit-v0-1-2-gate`: the contract fixture of the `gate-plugin` world WIT 0.1.2 added. Built
//! against the frozen copy `wit/since_v0.1.2/`, it imports every interface that world allows and
//! calls each in `check`: `log` writes a line the test reads, `secrets` gives the token it sends
//! to the loopback server as a bearer token through `http`. It passes when the server answers
//! 2xx, its evidence quoting the answer. `tests/all/wit_versions.rs` runs it as a unit's gate.

wit_bindgen::generate!({
    path: "../../../wit/since_v0.1.2",
    world: "sluice:deploy/gate-plugin",
    generate_all,
});

use serde::Deserialize;

use exports::sluice::deploy::gate::{GateContext, GateOutcome, Guest, Verdict};
use sluice::deploy::http::{self, Method, Request};
use sluice::deploy::types::{Diagnostic, Error, PluginInfo};
use sluice::deploy::{log, secrets};

/// The gate's config: what the test grants.
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

struct GateFixture;

impl Guest for GateFixture {
    fn info() -> PluginInfo {
        PluginInfo {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Contract fixture: a gate calling every import of its frozen WIT.".into(),
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

    fn check(ctx: GateContext, config: String) -> Result<Verdict, Error> {
        let config = parse(&config)?;
        log::write(
            log::Level::Info,
            &format!("gate fixture: log answered for {}", ctx.version),
        );
        let token = secrets::get(&config.secret)
            .map_err(|e| Error::Failed(format!("secrets.get: {e:?}")))?;
        let answer = http::send(&Request {
            method: Method::Get,
            url: config.url,
            headers: vec![("authorization".to_owned(), format!("Bearer {token}"))],
            body: None,
            timeout_ms: Some(10_000),
            follow_redirects: false,
        })
        .map_err(|e| Error::Failed(format!("http.send: {e:?}")))?;
        Ok(Verdict {
            outcome: if (200..300).contains(&answer.status) {
                GateOutcome::Pass
            } else {
                GateOutcome::Fail
            },
            evidence: format!(
                "{} attempt {}: http.send with the secret: {} {}",
                ctx.version,
                ctx.attempt,
                answer.status,
                String::from_utf8_lossy(&answer.body)
            ),
        })
    }
}

export!(GateFixture);
