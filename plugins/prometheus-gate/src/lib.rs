//! `builtin:prometheus-gate`: a gate plugin that evaluates a PromQL instant query through
//! Prometheus's HTTP API (`GET {url}/api/v1/query`, through the `http` capability: grant it
//! Prometheus's origin and nothing else) and passes when its single value is within `min`/`max`;
//! with `compare`, the same query is evaluated for the baseline version too, and a deployed
//! version worse by more than the margin fails (a higher value is worse).
//!
//! What each answer means is explicit, and the evidence quotes the query and the values seen:
//! an empty result or NaN is inconclusive, more than one series fails, an unreachable
//! Prometheus is `unavailable`, a query Prometheus refuses (`bad_data`) is `invalid-config` with
//! its message.

mod config;
mod judge;
mod query;

use sluice_sdk::http::{Method, Request};
use sluice_sdk::{Error, Gate, GateContext, PluginInfo, Verdict};

use config::Config;
use judge::{Seen, judge};

/// The most one query may take, in milliseconds.
const QUERY_TIMEOUT_MS: u32 = 10_000;

struct PrometheusGate;

impl Gate for PrometheusGate {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "prometheus-gate".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Passes a gate when a PromQL query's value is within bounds, and not \
                          worse than the baseline version's by more than a margin"
                .into(),
            config_schema: config::SCHEMA.into(),
            features: Vec::new(),
        }
    }

    fn check(ctx: &GateContext, config: &Config) -> Result<Verdict, Error> {
        let canary = evaluate(config, ctx, &ctx.version)?;
        let baseline = match (&config.compare, &ctx.baseline_version) {
            (Some(_), Some(baseline)) => Some(evaluate(config, ctx, baseline)?),
            _ => None,
        };
        Ok(judge(config, &canary, baseline.as_ref()))
    }
}

/// The query for `version`, sent to Prometheus, and what it returned.
fn evaluate(config: &Config, ctx: &GateContext, version: &str) -> Result<Seen, Error> {
    let query = query::for_version(&config.query, ctx, version);
    let response = Request::new(Method::Get, query::url(&config.url, &query))
        .with_timeout_ms(QUERY_TIMEOUT_MS)
        .send()
        .map_err(|e| e.context(format_args!("querying Prometheus at {}", config.url)))?;
    let sample = query::read(&response, &query)?;
    Ok(Seen {
        version: version.to_owned(),
        query,
        sample,
    })
}

sluice_sdk::export_gate!(PrometheusGate);
