//! `gate-reach`: a gate plugin (the `gate-plugin` world) that GETs `allowed` and then `forbidden`
//! through the `http` capability. It passes when `allowed` answers 2xx and `forbidden` is
//! refused; its evidence says what each request got, so a test can see the denial. Whatever the
//! plan grants it, it reaches what the grant allows and nothing else.

use serde::Deserialize;
use sluice_sdk::http::{Method, Request};
use sluice_sdk::{Error, Gate, GateContext, PluginInfo, UnitConfig, Verdict};

/// The two URLs it asks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// A URL the plan grants.
    allowed: String,
    /// A URL it should not reach.
    forbidden: String,
}

impl UnitConfig for Config {}

struct GateReach;

impl Gate for GateReach {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "gate-reach".into(),
            version: "0.1.0".into(),
            description: "Test plugin: a gate that asks an allowed URL and a forbidden one.".into(),
            config_schema: "{}".into(),
            features: Vec::new(),
        }
    }

    fn check(ctx: &GateContext, config: &Config) -> Result<Verdict, Error> {
        let allowed = get(&config.allowed);
        let forbidden = get(&config.forbidden);
        let evidence = format!(
            "{} (baseline {}), attempt {}: {} -> {}; {} -> {}",
            ctx.version,
            ctx.baseline_version.as_deref().unwrap_or("none"),
            ctx.attempt,
            config.allowed,
            describe(&allowed),
            config.forbidden,
            describe(&forbidden)
        );
        let reached_allowed = allowed
            .as_ref()
            .is_ok_and(|status| (200..300).contains(status));
        let denied_forbidden = matches!(forbidden, Err(Error::Denied(_)));
        Ok(if reached_allowed && denied_forbidden {
            Verdict::pass(evidence)
        } else {
            Verdict::fail(evidence)
        })
    }
}

/// The status `url` answered, or the capability's error.
fn get(url: &str) -> Result<u16, Error> {
    Request::new(Method::Get, url)
        .with_timeout_ms(2_000)
        .send()
        .map(|response| response.status)
}

fn describe(result: &Result<u16, Error>) -> String {
    match result {
        Ok(status) => format!("HTTP {status}"),
        Err(error) => format!("{error:?}"),
    }
}

sluice_sdk::export_gate!(GateReach);
