//! One entry of a unit's `gates`: what it probes, when, and its timing (with defaults).

use serde_spanned::Spanned;

use super::convert::Converter;
use super::error::PlanError;
use super::interpolate::{self, Reference};
use super::model::{GateCheck, GatePhase, GateSpec, GateTiming, Inconclusive};
use super::raw::{RawGate, RawInconclusive, RawPhase};
use super::units::table_to_json;

impl GateCheck {
    /// Whether the host probes a target holding what a plugin produced: an `http` URL or a `tcp`
    /// address that refers to a staged endpoint (a reference that does not parse counts too).
    pub fn targets_staged(&self) -> bool {
        let probed = match self {
            GateCheck::Http { url, .. } => url,
            GateCheck::Tcp { address } => address,
            GateCheck::Plugin { .. } => return false,
        };
        match interpolate::references(probed) {
            Ok(names) => names
                .iter()
                .any(|name| matches!(Reference::parse(name), Some(Reference::StagedEndpoint(_)))),
            Err(_) => true,
        }
    }
}

impl GateSpec {
    /// The gate with every setting, defaults included, as `sluice plan` shows it.
    pub fn describe(&self) -> String {
        let t = &self.timing;
        let what = match &self.check {
            GateCheck::Http { url, status, body } => {
                let body = body
                    .as_ref()
                    .map(|b| format!(" body~{b:?}"))
                    .unwrap_or_default();
                format!("http {url} status={status}{body}")
            }
            GateCheck::Tcp { address } => format!("tcp {address}"),
            GateCheck::Plugin {
                plugin,
                config,
                inconclusive,
            } => {
                let inconclusive = match inconclusive {
                    Inconclusive::Fail => "fail",
                    Inconclusive::Pass => "pass",
                };
                format!("plugin {plugin} config={config} inconclusive={inconclusive}")
            }
        };
        let phase = match self.phase {
            GatePhase::Staged => "staged",
            GatePhase::Live => "live",
        };
        let d = |d: std::time::Duration| humantime::format_duration(d).to_string();
        format!(
            "{what} phase={phase} interval={} timeout={} initial_delay={} start_period={} success_threshold={} failure_threshold={} deadline={} soak={}",
            d(t.interval),
            d(t.timeout),
            d(t.initial_delay),
            d(t.start_period),
            t.success_threshold,
            t.failure_threshold,
            d(t.deadline),
            d(t.soak)
        )
    }
}

/// Converts the gate at `position` of unit `unit`'s `gates`.
pub(super) fn gate(
    cx: &Converter<'_>,
    unit: &str,
    position: usize,
    raw: &Spanned<RawGate>,
) -> Result<GateSpec, PlanError> {
    let spec = raw.get_ref();
    let check = check(cx, unit, position, raw)?;
    let probed = match &check {
        GateCheck::Http { url, .. } => url.clone(),
        GateCheck::Tcp { address } => address.clone(),
        GateCheck::Plugin { config, .. } => config.to_string(),
    };
    let phase = match spec.phase {
        Some(RawPhase::Staged) => GatePhase::Staged,
        Some(RawPhase::Live) => GatePhase::Live,
        None if probed.contains("${staged.") => GatePhase::Staged,
        None => GatePhase::Live,
    };
    Ok(GateSpec {
        check,
        phase,
        timing: timing(cx, spec, phase)?,
    })
}

fn check(
    cx: &Converter<'_>,
    unit: &str,
    position: usize,
    raw: &Spanned<RawGate>,
) -> Result<GateCheck, PlanError> {
    let spec = raw.get_ref();
    if spec.plugin.is_none() && (spec.config.is_some() || spec.inconclusive.is_some()) {
        let position = position.to_string();
        let key = if spec.config.is_some() {
            "config"
        } else {
            "inconclusive"
        };
        return Err(cx.error_at_key(
            &["units", unit, "gates", &position, key],
            format!("`{key}` applies to plugin gates only: add `plugin = \"NAME\"` or remove it"),
        ));
    }
    match (&spec.http, &spec.tcp, &spec.plugin) {
        (None, None, Some(plugin)) => plugin_check(cx, unit, position, spec, plugin),
        (Some(url), None, None) => {
            let status = match &spec.status {
                Some(status) if !(100..=599).contains(status.get_ref()) => {
                    return Err(cx.error_at_span(
                        status.span(),
                        format!(
                            "invalid status {}: expected an HTTP status from 100 to 599",
                            status.get_ref()
                        ),
                    ));
                }
                Some(status) => *status.get_ref(),
                None => 200,
            };
            Ok(GateCheck::Http {
                url: url.get_ref().clone(),
                status,
                body: spec.body.as_ref().map(|body| body.get_ref().clone()),
            })
        }
        (None, Some(address), None) => {
            let http_only = spec
                .status
                .as_ref()
                .map(Spanned::span)
                .or_else(|| spec.body.as_ref().map(Spanned::span));
            if let Some(span) = http_only {
                return Err(cx.error_at_span(
                    span,
                    "`status` and `body` apply to http gates only: remove it from this tcp gate",
                ));
            }
            Ok(GateCheck::Tcp {
                address: address.get_ref().clone(),
            })
        }
        _ => Err(cx.error_at_span(
            raw.span(),
            "a gate needs exactly one probe: expected `http = \"URL\"`, `tcp = \"HOST:PORT\"` or \
             `plugin = \"NAME\"`",
        )),
    }
}

/// `plugin = "NAME"` with its `config` table and `inconclusive`.
fn plugin_check(
    cx: &Converter<'_>,
    unit: &str,
    position: usize,
    spec: &RawGate,
    plugin: &Spanned<String>,
) -> Result<GateCheck, PlanError> {
    if let Some(span) = spec
        .status
        .as_ref()
        .map(Spanned::span)
        .or_else(|| spec.body.as_ref().map(Spanned::span))
    {
        return Err(cx.error_at_span(
            span,
            "`status` and `body` apply to http gates only: remove it from this plugin gate",
        ));
    }
    let mut path = ["units", unit, "gates", &position.to_string(), "config"]
        .map(str::to_owned)
        .to_vec();
    let config = table_to_json(cx, &spec.config.clone().unwrap_or_default(), &mut path)?;
    Ok(GateCheck::Plugin {
        plugin: plugin.get_ref().clone(),
        config,
        inconclusive: match spec.inconclusive {
            Some(RawInconclusive::Pass) => Inconclusive::Pass,
            Some(RawInconclusive::Fail) | None => Inconclusive::Fail,
        },
    })
}

/// The gate's timing; an unset `start_period` is the whole deadline for a staged gate (a new
/// version may take its time to start) and zero for a live one (it already served).
fn timing(cx: &Converter<'_>, spec: &RawGate, phase: GatePhase) -> Result<GateTiming, PlanError> {
    let defaults = GateTiming::default();
    let deadline = cx.duration(spec.deadline.as_ref(), defaults.deadline)?;
    let start_period = match phase {
        GatePhase::Staged => deadline,
        GatePhase::Live => defaults.start_period,
    };
    Ok(GateTiming {
        interval: cx.duration(spec.interval.as_ref(), defaults.interval)?,
        timeout: cx.duration(spec.timeout.as_ref(), defaults.timeout)?,
        initial_delay: cx.duration(spec.initial_delay.as_ref(), defaults.initial_delay)?,
        success_threshold: threshold(
            cx,
            spec.success_threshold.as_ref(),
            defaults.success_threshold,
        )?,
        failure_threshold: threshold(
            cx,
            spec.failure_threshold.as_ref(),
            defaults.failure_threshold,
        )?,
        deadline,
        soak: cx.duration(spec.soak.as_ref(), defaults.soak)?,
        start_period: cx.duration(spec.start_period.as_ref(), start_period)?,
    })
}

fn threshold(
    cx: &Converter<'_>,
    raw: Option<&Spanned<u32>>,
    default: u32,
) -> Result<u32, PlanError> {
    match raw {
        None => Ok(default),
        Some(count) if *count.get_ref() >= 1 => Ok(*count.get_ref()),
        Some(count) => {
            Err(cx.error_at_span(count.span(), "invalid threshold 0: expected at least 1"))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::plan::model::{GateCheck, GatePhase, GateTiming, Inconclusive};
    use crate::plan::test_support::{error_of, parse_with};

    fn unit_with_gates(gates: &str) -> String {
        format!(
            "[plugins.p]\nsource = \"builtin:x\"\n[units.u]\nplugin = \"p\"\ngates = [{gates}]\n"
        )
    }

    #[test]
    fn gate_timing_falls_back_to_the_defaults() {
        let plan = parse_with(&unit_with_gates(
            "{ tcp = \"127.0.0.1:80\", interval = \"200ms\" }",
        ))
        .unwrap();
        let gate = &plan.units["u"].gates[0];
        assert_eq!(
            gate.check,
            GateCheck::Tcp {
                address: "127.0.0.1:80".to_owned()
            }
        );
        assert_eq!(
            gate.timing,
            GateTiming {
                interval: Duration::from_millis(200),
                ..GateTiming::default()
            }
        );
    }

    #[test]
    fn the_start_period_defaults_to_a_staged_gates_deadline_and_to_zero_for_a_live_gate() {
        let plan = parse_with(&unit_with_gates(
            "{ http = \"${staged.endpoint}\", deadline = \"45s\" }, { http = \"http://127.0.0.1/\" }, { http = \"${staged.endpoint}\", start_period = \"0s\" }, { http = \"http://127.0.0.1/\", start_period = \"5s\" }",
        ))
        .unwrap();
        let periods: Vec<Duration> = plan.units["u"]
            .gates
            .iter()
            .map(|gate| gate.timing.start_period)
            .collect();
        assert_eq!(periods, [45, 0, 0, 5].map(Duration::from_secs).to_vec());
    }

    #[test]
    fn the_phase_defaults_to_staged_only_when_the_probe_mentions_a_staged_endpoint() {
        let plan = parse_with(&unit_with_gates(
            "{ http = \"${staged.endpoint}ok\" }, { http = \"http://127.0.0.1/\" }, { http = \"${staged.endpoint}\", phase = \"live\" }",
        ))
        .unwrap();
        let phases: Vec<GatePhase> = plan.units["u"]
            .gates
            .iter()
            .map(|gate| gate.phase)
            .collect();
        assert_eq!(
            phases,
            vec![GatePhase::Staged, GatePhase::Live, GatePhase::Live]
        );
    }

    #[test]
    fn a_gate_needs_exactly_one_probe() {
        let none = error_of(&unit_with_gates("{ status = 200 }"));
        assert!(
            none.message.starts_with("a gate needs exactly one probe"),
            "{none}"
        );
        let both = error_of(&unit_with_gates("{ http = \"http://a/\", tcp = \"a:1\" }"));
        assert!(
            both.message.starts_with("a gate needs exactly one probe"),
            "{both}"
        );
    }

    #[test]
    fn http_only_keys_on_a_tcp_gate_are_refused() {
        let error = error_of(&unit_with_gates("{ tcp = \"a:1\", body = \"ok\" }"));
        assert!(
            error.message.contains("apply to http gates only"),
            "{error}"
        );
    }

    #[test]
    fn a_plugin_gate_keeps_its_config_as_json_and_says_what_inconclusive_counts_as() {
        let plan = parse_with(&unit_with_gates(
            "{ plugin = \"p\", config = { query = 'up{version=\"${version}\"}', max = 0.05 }, inconclusive = \"pass\" }, { plugin = \"p\", config = { min = 1 } }",
        ))
        .unwrap();
        let gates = &plan.units["u"].gates;
        assert_eq!(
            gates[0].check,
            GateCheck::Plugin {
                plugin: "p".to_owned(),
                config: serde_json::json!({ "query": "up{version=\"${version}\"}", "max": 0.05 }),
                inconclusive: Inconclusive::Pass,
            }
        );
        assert_eq!(gates[0].phase, GatePhase::Live);
        assert!(
            gates[1]
                .describe()
                .starts_with(r#"plugin p config={"min":1} inconclusive=fail phase=live"#),
            "{}",
            gates[1].describe()
        );
    }

    #[test]
    fn plugin_keys_on_a_probe_gate_and_http_keys_on_a_plugin_gate_are_refused_where_they_are() {
        let config = error_of(&unit_with_gates("{ tcp = \"a:1\", config = { max = 1 } }"));
        assert_eq!(
            config.message,
            "`config` applies to plugin gates only: add `plugin = \"NAME\"` or remove it"
        );
        assert_eq!((config.line, config.col), (10, 34), "{config}");
        let status = error_of(&unit_with_gates("{ plugin = \"p\", status = 200 }"));
        assert!(
            status.message.contains("apply to http gates only"),
            "{status}"
        );
    }

    #[test]
    fn a_gate_naming_an_undeclared_plugin_is_refused_at_its_plugin_key() {
        let error = error_of(&unit_with_gates("{ plugin = \"nope\" }"));
        assert_eq!(
            error.message,
            "unknown gate plugin `nope`: expected one of `p` in `[plugins]`"
        );
    }

    #[test]
    fn a_zero_threshold_is_refused() {
        let error = error_of(&unit_with_gates("{ tcp = \"a:1\", success_threshold = 0 }"));
        assert_eq!(error.message, "invalid threshold 0: expected at least 1");
    }
}
