//! The gate's config and what it must hold beyond its JSON Schema.

use serde::Deserialize;
use sluice_sdk::{Diagnostic, UnitConfig};

/// The JSON Schema of the config (`info().config-schema`).
pub const SCHEMA: &str = include_str!("config.schema.json");

/// The gate's `config` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Prometheus's base URL.
    pub url: String,
    /// The PromQL instant query, with `${version}`, `${unit}`, `${environment}` still in it.
    pub query: String,
    /// The lowest value that passes.
    pub min: Option<f64>,
    /// The highest value that passes.
    pub max: Option<f64>,
    /// The comparison with the baseline version.
    pub compare: Option<Compare>,
}

/// How much worse than the baseline the deployed version may be (a higher value is worse).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compare {
    /// The most the value may rise above the baseline's.
    pub max_increase: Option<f64>,
    /// The most the value may be as a multiple of the baseline's.
    pub max_ratio: Option<f64>,
}

impl UnitConfig for Config {
    fn problems(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            problems.push(Diagnostic::new(
                "url",
                "expected an http:// or https:// URL",
            ));
        }
        if self.query.trim().is_empty() {
            problems.push(Diagnostic::new("query", "expected a PromQL query"));
        }
        if self.min.is_none() && self.max.is_none() && self.compare.is_none() {
            problems.push(Diagnostic::new(
                "",
                "nothing to judge by: set `min`, `max` or `compare`",
            ));
        }
        if let (Some(min), Some(max)) = (self.min, self.max)
            && min > max
        {
            problems.push(Diagnostic::new(
                "min",
                format!("min {min} is above max {max}: no value could pass"),
            ));
        }
        if let Some(compare) = &self.compare {
            if compare.max_increase.is_none() && compare.max_ratio.is_none() {
                problems.push(Diagnostic::new(
                    "compare",
                    "expected `max_increase`, `max_ratio` or both",
                ));
            }
            if compare.max_increase.is_some_and(|m| m < 0.0) {
                problems.push(Diagnostic::new(
                    "compare.max_increase",
                    "must not be negative",
                ));
            }
            if compare.max_ratio.is_some_and(|r| r < 1.0) {
                problems.push(Diagnostic::new("compare.max_ratio", "must be at least 1"));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(json: &str) -> Vec<String> {
        Config::diagnose(json)
            .into_iter()
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect()
    }

    #[test]
    fn a_config_needs_something_to_judge_by() {
        assert_eq!(
            problems(r#"{"url": "http://p:9090", "query": "up"}"#),
            [": nothing to judge by: set `min`, `max` or `compare`"]
        );
        assert!(problems(r#"{"url": "http://p:9090", "query": "up", "min": 1}"#).is_empty());
    }

    #[test]
    fn bounds_that_no_value_could_pass_and_empty_comparisons_are_refused() {
        assert_eq!(
            problems(r#"{"url": "http://p:9090", "query": "up", "min": 2, "max": 1}"#),
            ["min: min 2 is above max 1: no value could pass"]
        );
        assert_eq!(
            problems(r#"{"url": "http://p:9090", "query": "up", "compare": {}}"#),
            ["compare: expected `max_increase`, `max_ratio` or both"]
        );
        assert_eq!(
            problems(r#"{"url": "ftp://p", "query": "up", "compare": {"max_ratio": 0.5}}"#),
            [
                "url: expected an http:// or https:// URL",
                "compare.max_ratio: must be at least 1"
            ]
        );
    }
}
