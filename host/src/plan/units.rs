//! `[units.NAME]`: plugin, config (TOML → JSON), dependencies, paths, traffic steps, gates.

use serde_json::Value as Json;
use serde_spanned::Spanned;

use super::convert::Converter;
use super::error::PlanError;
use super::gate_spec::gate;
use super::model::{Step, Unit};
use super::plugins::{OriginList, http_grant};
use super::quantity::parse_duration;
use super::raw::{RawStep, RawUnit};

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
        steps: steps(cx, raw)?,
        engines: raw.engines.iter().map(|e| e.get_ref().clone()).collect(),
        max_unavailable: max_unavailable(cx, raw)?,
        endpoints: raw
            .endpoints
            .iter()
            .map(|entry| http_grant(cx, entry, OriginList::Endpoints))
            .collect::<Result<_, _>>()?,
        loopback_gates: raw.loopback_gates,
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

/// `steps`, or `shift` (`shift = [10, 50]` is short for `steps = [{ weight = 10 }, { weight = 50 }]`),
/// not both.
fn steps(cx: &Converter<'_>, raw: &RawUnit) -> Result<Vec<Step>, PlanError> {
    let Some(steps) = &raw.steps else {
        return shift_steps(cx, &raw.shift);
    };
    if let Some(shift) = raw.shift.first() {
        return Err(cx.error_at_span(
            shift.span(),
            "`shift` and `steps` both given: `shift = [10, 50]` is short for \
             `steps = [{ weight = 10 }, { weight = 50 }]`; keep one",
        ));
    }
    let mut converted: Vec<Step> = Vec::with_capacity(steps.len());
    let mut last_weight: Option<u8> = None;
    for spec in steps {
        if last_weight == Some(100) {
            return Err(cx.error_at_span(
                spec.span(),
                "a step after `weight = 100`: the cut-over at 100 is the last step",
            ));
        }
        let step = step(cx, spec)?;
        if let (Step::Pause, Some(at), false) =
            (step, &spec.get_ref().pause, raw.engines.is_empty())
        {
            return Err(cx.error_at_span(
                at.span(),
                "a `pause` step does not go with `engines`: a fleet rolls out member by member; \
                 use `wait` steps",
            ));
        }
        if let (Step::Weight(percent), Some(at)) = (step, &spec.get_ref().weight) {
            increasing(cx, "weight", last_weight, percent, at.span())?;
            last_weight = Some(percent);
        }
        converted.push(step);
    }
    Ok(converted)
}

/// One entry of `steps`: exactly one of `weight = 1..=100`, `wait = "DURATION"` (positive),
/// `pause = true`.
fn step(cx: &Converter<'_>, spec: &Spanned<RawStep>) -> Result<Step, PlanError> {
    match spec.get_ref() {
        RawStep { weight: Some(weight), wait: None, pause: None } => u8::try_from(*weight.get_ref())
            .ok()
            .filter(|percent| (1..=100).contains(percent))
            .map(Step::Weight)
            .ok_or_else(|| {
                cx.error_at_span(
                    weight.span(),
                    format!(
                        "invalid weight {}: expected a percentage from 1 to 100 (100 is the cut-over)",
                        weight.get_ref()
                    ),
                )
            }),
        RawStep { weight: None, wait: Some(wait), pause: None } => parse_duration(wait.get_ref())
            .and_then(|duration| {
                if duration.is_zero() {
                    Err(format!("invalid wait `{}`: expected a positive duration such as 30s or 5m", wait.get_ref()))
                } else {
                    Ok(Step::Wait(duration))
                }
            })
            .map_err(|message| cx.error_at_span(wait.span(), message)),
        RawStep { weight: None, wait: None, pause: Some(pause) } => {
            if *pause.get_ref() {
                Ok(Step::Pause)
            } else {
                Err(cx.error_at_span(
                    pause.span(),
                    "`pause = false` is no step: expected `pause = true` (or remove the step)",
                ))
            }
        }
        _ => Err(cx.error_at_span(
            spec.span(),
            "a step needs exactly one key: expected `{ weight = 10 }`, `{ wait = \"1m\" }` or \
             `{ pause = true }`",
        )),
    }
}

/// `shift`: integers 1..=99, strictly increasing, each a weight step.
fn shift_steps(cx: &Converter<'_>, raw: &[Spanned<i64>]) -> Result<Vec<Step>, PlanError> {
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
        increasing(
            cx,
            "traffic step",
            steps.last().copied(),
            percent,
            step.span(),
        )?;
        steps.push(percent);
    }
    Ok(steps.into_iter().map(Step::Weight).collect())
}

/// Refuses a `what` (weight) of `percent` at `span` that does not come after `previous`.
fn increasing(
    cx: &Converter<'_>,
    what: &str,
    previous: Option<u8>,
    percent: u8,
    span: std::ops::Range<usize>,
) -> Result<(), PlanError> {
    match previous.filter(|&previous| previous >= percent) {
        Some(previous) => Err(cx.error_at_span(
            span,
            format!("{what} {percent} after {previous}: expected strictly increasing percentages"),
        )),
        None => Ok(()),
    }
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

    use std::time::Duration;

    use crate::plan::model::Step;
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
            parse_with(&unit_with("shift = [10, 50]")).unwrap().units["u"].steps,
            vec![Step::Weight(10), Step::Weight(50)]
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
    fn steps_are_weights_waits_and_pauses_and_the_cut_over_follows_them() {
        let plan = parse_with(&unit_with(
            "steps = [{ weight = 10 }, { wait = \"1m\" }, { weight = 50 }, { pause = true }]",
        ))
        .unwrap();
        let unit = &plan.units["u"];
        let given = [
            Step::Weight(10),
            Step::Wait(Duration::from_secs(60)),
            Step::Weight(50),
            Step::Pause,
        ];
        assert_eq!(unit.steps, given);
        assert_eq!(unit.rollout(), [&given[..], &[Step::Weight(100)]].concat());
        let explicit =
            parse_with(&unit_with("steps = [{ pause = true }, { weight = 100 }]")).unwrap();
        assert_eq!(
            explicit.units["u"].rollout(),
            [Step::Pause, Step::Weight(100)]
        );
    }

    #[test]
    fn each_bad_step_is_refused_saying_why() {
        for (steps, why) in [
            (
                "[{ weight = 0 }]",
                "invalid weight 0: expected a percentage from 1 to 100",
            ),
            ("[{ weight = 101 }]", "invalid weight 101"),
            (
                "[{ weight = 50 }, { weight = 10 }]",
                "weight 10 after 50: expected strictly increasing",
            ),
            (
                "[{ wait = \"0s\" }]",
                "invalid wait `0s`: expected a positive duration",
            ),
            ("[{ wait = \"soon\" }]", "invalid duration `soon`"),
            ("[{ pause = false }]", "`pause = false` is no step"),
            (
                "[{ weight = 10, pause = true }]",
                "a step needs exactly one key",
            ),
            ("[{}]", "a step needs exactly one key"),
            (
                "[{ weight = 100 }, { pause = true }]",
                "a step after `weight = 100`",
            ),
            (
                "[{ pause = true }]\nengines = [\"default\"]",
                "a `pause` step does not go with `engines`",
            ),
        ] {
            let error = error_of(&unit_with(&format!("steps = {steps}")));
            assert!(error.message.starts_with(why), "{steps}: {error}");
        }
        let both = error_of(&unit_with("shift = [10]\nsteps = [{ weight = 50 }]"));
        assert!(
            both.message.starts_with("`shift` and `steps` both given"),
            "{both}"
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
