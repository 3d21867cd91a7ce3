//! `[units.NAME]`: plugin, config (TOML → JSON), dependencies, paths, traffic steps, gates.

use serde_json::Value as Json;
use serde_spanned::Spanned;

use super::convert::Converter;
use super::error::PlanError;
use super::gate_spec::gate;
use super::model::Unit;
use super::raw::RawUnit;

/// Converts one `[units.NAME]` table.
pub(super) fn unit(cx: &Converter<'_>, name: &str, raw: &RawUnit) -> Result<Unit, PlanError> {
    let mut config_path = vec!["units".to_owned(), name.to_owned(), "config".to_owned()];
    let config = table_to_json(cx, &raw.config, &mut config_path)?;
    Ok(Unit {
        name: name.to_owned(),
        plugin: raw.plugin.clone(),
        config,
        gates: raw
            .gates
            .iter()
            .enumerate()
            .map(|(position, spec)| gate(cx, name, position, spec))
            .collect::<Result<_, _>>()?,
        depends_on: raw.depends_on.clone(),
        paths: paths(cx, name, &raw.paths)?,
        shift_steps: shift_steps(cx, &raw.shift)?,
        engines: raw.engines.iter().map(|e| e.get_ref().clone()).collect(),
        max_unavailable: max_unavailable(cx, raw)?,
    })
}

/// `paths`: globs relative to the plan's directory (`services/api/**`), without `..`.
fn paths(cx: &Converter<'_>, unit: &str, raw: &[String]) -> Result<Vec<String>, PlanError> {
    for (position, pattern) in raw.iter().enumerate() {
        let problem = if pattern.starts_with('/') || pattern.split('/').any(|part| part == "..") {
            Some("expected a path relative to the plan's directory, without `..`".to_owned())
        } else {
            globset::Glob::new(pattern)
                .err()
                .map(|e| e.kind().to_string())
        };
        if let Some(why) = problem {
            let position = position.to_string();
            return Err(cx.error_at_key(
                &["units", unit, "paths", &position],
                format!("invalid path glob `{pattern}`: {why}"),
            ));
        }
    }
    Ok(raw.to_vec())
}

/// `max_unavailable`: 1 up to the number of `engines` (default 1); only for a fleet.
fn max_unavailable(cx: &Converter<'_>, raw: &RawUnit) -> Result<usize, PlanError> {
    let Some(given) = &raw.max_unavailable else {
        return Ok(1);
    };
    let fleet = raw.engines.len();
    usize::try_from(*given.get_ref())
        .ok()
        .filter(|n| fleet > 0 && (1..=fleet).contains(n))
        .ok_or_else(|| {
            let why = if fleet == 0 {
                "it only applies to a unit that lists `engines`".to_owned()
            } else {
                format!("expected 1 to {fleet} (the number of engines)")
            };
            cx.error_at_span(
                given.span(),
                format!("invalid max_unavailable {}: {why}", given.get_ref()),
            )
        })
}

/// `shift`: integers 1..=99, strictly increasing.
fn shift_steps(cx: &Converter<'_>, raw: &[Spanned<i64>]) -> Result<Vec<u8>, PlanError> {
    let mut steps: Vec<u8> = Vec::with_capacity(raw.len());
    for step in raw {
        let percent = u8::try_from(*step.get_ref())
            .ok()
            .filter(|percent| (1..=99).contains(percent))
            .ok_or_else(|| {
                cx.error_at_span(
                    step.span(),
                    format!(
                        "invalid traffic step {}: expected a percentage from 1 to 99 (100 is the cut-over)",
                        step.get_ref()
                    ),
                )
            })?;
        if let Some(&previous) = steps.last().filter(|&&previous| previous >= percent) {
            return Err(cx.error_at_span(
                step.span(),
                format!("traffic step {percent} after {previous}: expected strictly increasing percentages"),
            ));
        }
        steps.push(percent);
    }
    Ok(steps)
}

/// A TOML table as JSON, its values checked as at `path` (for errors).
pub(super) fn table_to_json(
    cx: &Converter<'_>,
    table: &toml::Table,
    path: &mut Vec<String>,
) -> Result<Json, PlanError> {
    table
        .iter()
        .map(|(key, value)| Ok((key.clone(), child_to_json(cx, key.clone(), value, path)?)))
        .collect::<Result<_, PlanError>>()
        .map(Json::Object)
}

/// Converts the value found under `key` (a table key or an array index) of `path`.
fn child_to_json(
    cx: &Converter<'_>,
    key: String,
    value: &toml::Value,
    path: &mut Vec<String>,
) -> Result<Json, PlanError> {
    path.push(key);
    let converted = value_to_json(cx, value, path);
    path.pop();
    converted
}

/// A config value as JSON; datetimes become their TOML text, non-finite floats are refused.
fn value_to_json(
    cx: &Converter<'_>,
    value: &toml::Value,
    path: &mut Vec<String>,
) -> Result<Json, PlanError> {
    Ok(match value {
        toml::Value::String(text) => Json::String(text.clone()),
        toml::Value::Integer(number) => Json::from(*number),
        toml::Value::Float(number) => {
            let finite = serde_json::Number::from_f64(*number).ok_or_else(|| {
                let keys: Vec<&str> = path.iter().map(String::as_str).collect();
                cx.error_at_key(
                    &keys,
                    format!("invalid number {number}: expected a finite number"),
                )
            })?;
            Json::Number(finite)
        }
        toml::Value::Boolean(flag) => Json::Bool(*flag),
        toml::Value::Datetime(datetime) => Json::String(datetime.to_string()),
        toml::Value::Array(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(position, item)| child_to_json(cx, position.to_string(), item, path))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(table) => table_to_json(cx, table, path)?,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::plan::test_support::{error_of, parse_with};

    fn unit_with(lines: &str) -> String {
        format!("[plugins.p]\nsource = \"builtin:x\"\n[units.u]\nplugin = \"p\"\n{lines}\n")
    }

    #[test]
    fn config_becomes_json_with_datetimes_as_text() {
        let plan = parse_with(&unit_with(
            "config = { port = 8080, ratio = 0.5, on = true, at = 2024-05-01T10:00:00Z, list = [1, \"a\"], nested = { k = \"v\" } }",
        ))
        .unwrap();
        assert_eq!(
            plan.units["u"].config,
            json!({ "port": 8080, "ratio": 0.5, "on": true, "at": "2024-05-01T10:00:00Z", "list": [1, "a"], "nested": { "k": "v" } })
        );
    }

    #[test]
    fn a_unit_without_config_gets_an_empty_object() {
        let plan = parse_with(&unit_with("")).unwrap();
        assert_eq!(plan.units["u"].config, json!({}));
    }

    #[test]
    fn shift_steps_must_be_increasing_percentages_below_100() {
        assert_eq!(
            parse_with(&unit_with("shift = [10, 50]")).unwrap().units["u"].shift_steps,
            vec![10, 50]
        );
        let too_big = error_of(&unit_with("shift = [10, 100]"));
        assert!(
            too_big.message.starts_with("invalid traffic step 100"),
            "{too_big}"
        );
        let backwards = error_of(&unit_with("shift = [50, 10]"));
        assert!(
            backwards.message.starts_with("traffic step 10 after 50"),
            "{backwards}"
        );
    }

    #[test]
    fn a_non_finite_number_in_config_is_refused() {
        let error = error_of(&unit_with("config = { ratio = nan }"));
        assert!(
            error.message.contains("expected a finite number"),
            "{error}"
        );
    }

    #[test]
    fn a_path_glob_that_is_absolute_climbs_out_or_does_not_parse_is_refused_at_it() {
        for (bad, why) in [
            ("/etc/**", "relative to the plan's directory"),
            ("../other/**", "without `..`"),
            ("api/[", "unclosed character class"),
        ] {
            let error = error_of(&unit_with(&format!("paths = [\"ok/**\", \"{bad}\"]")));
            assert!(
                error
                    .message
                    .starts_with(&format!("invalid path glob `{bad}`"))
                    && error.message.contains(why),
                "{error}"
            );
        }
    }
}
