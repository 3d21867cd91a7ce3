//! Runs a unit's gates for one phase, with `${...}` resolved, reporting each probe and verdict.
//! A gate whose URL or address holds a staged endpoint is probed under the unit's
//! [`TargetPolicy`]; one the plan author wrote literally is not.

use super::failure::UnitFailure;
use super::setup::Deployer;
use crate::gates::{self, PluginGate, Probe, TargetPolicy};
use crate::plan::interpolate;
use crate::plan::model::{GateCheck, GatePhase, Inconclusive, PLUGIN_VARIABLES, Unit};
use crate::report::Event;
use crate::state::JournalStep;
use crate::wit::gate::GateContext;

/// Where the gates look: the version they expect and the staged endpoints, if any.
pub(super) struct Target<'a> {
    pub version: &'a str,
    pub staged: &'a [String],
}

/// The phase's name as events and the journal show it.
pub(super) fn phase_name(phase: GatePhase) -> &'static str {
    match phase {
        GatePhase::Staged => "staged",
        GatePhase::Live => "live",
    }
}

/// Evaluates every gate of `unit` in `phase`, in order; the first failure is the error, naming
/// the gate, the phase and the last probe. `soak` applies each gate's soak.
pub(super) async fn run(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    phase: GatePhase,
    target: &Target<'_>,
    soak: bool,
) -> Result<(), UnitFailure> {
    let lookup = |name: &str| d.variable(unit, target.version, target.staged, name);
    let policy = TargetPolicy::of_unit(&d.plan, unit);
    for gate in unit.gates.iter().filter(|g| g.phase == phase) {
        let check = resolve(&gate.check, &lookup).map_err(UnitFailure::GateUnresolved)?;
        let label = check.label();
        let step = match phase {
            GatePhase::Staged => JournalStep::StagedGate,
            GatePhase::Live => JournalStep::LiveGate,
        };
        d.journal(deployment_id, &unit.name, step, &label)?;
        d.reporter.event(Event::GateStarted {
            unit: unit.name.clone(),
            gate: label.clone(),
            phase: phase_name(phase).to_owned(),
        });
        let observe = |probe: &Probe| {
            d.reporter.event(Event::Probe {
                unit: unit.name.clone(),
                gate: label.clone(),
                attempt: probe.attempt,
                ok: probe.ok,
                detail: probe.detail.clone(),
            })
        };
        let verdict = match &check {
            GateCheck::Plugin {
                plugin,
                config,
                inconclusive,
            } => {
                let asked = Asked {
                    plugin,
                    config,
                    inconclusive: *inconclusive,
                };
                let plugin_gate = plugin_gate(d, deployment_id, unit, asked, target)?;
                gates::evaluate_plugin(&plugin_gate, &gate.timing, soak, &observe).await
            }
            GateCheck::Http { .. } | GateCheck::Tcp { .. } => {
                let policy = gate.check.targets_staged().then_some(&policy);
                gates::evaluate(&check, &gate.timing, soak, policy, &observe).await
            }
        };
        d.reporter.event(Event::Gate {
            unit: unit.name.clone(),
            gate: label.clone(),
            phase: phase_name(phase).to_owned(),
            passed: verdict.passed,
            reason: verdict.reason.clone(),
        });
        if !verdict.passed {
            return Err(UnitFailure::Gate {
                phase,
                gate: label,
                reason: verdict.reason,
            });
        }
    }
    Ok(())
}

/// What a resolved `plugin` check asks of its plugin.
struct Asked<'a> {
    plugin: &'a str,
    config: &'a serde_json::Value,
    inconclusive: Inconclusive,
}

/// The gate plugin `asked.plugin`, ready to check `target.version` of `unit` against the version
/// live before this deployment.
fn plugin_gate(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    asked: Asked<'_>,
    target: &Target<'_>,
) -> Result<PluginGate, UnitFailure> {
    let Asked {
        plugin,
        config,
        inconclusive,
    } = asked;
    let baseline = d.store.current(&d.environment, &unit.name)?;
    Ok(PluginGate {
        plugin: d.loaded(unit, plugin)?.clone(),
        provision: d.recorded(plugin, unit, target.version, deployment_id),
        context: GateContext {
            deployment_id: deployment_id.to_owned(),
            environment: d.environment.clone(),
            unit: unit.plan_name().to_owned(),
            version: target.version.to_owned(),
            baseline_version: baseline.map(|current| current.version),
            attempt: 0,
        },
        config: config.to_string(),
        inconclusive,
    })
}

fn resolve(
    check: &GateCheck,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<GateCheck, interpolate::InterpolateError> {
    Ok(match check {
        GateCheck::Http { url, status, body } => GateCheck::Http {
            url: interpolate::interpolate(url, lookup)?,
            status: *status,
            body: body
                .as_deref()
                .map(|b| interpolate::interpolate(b, lookup))
                .transpose()?,
        },
        GateCheck::Tcp { address } => GateCheck::Tcp {
            address: interpolate::interpolate(address, lookup)?,
        },
        GateCheck::Plugin {
            plugin,
            config,
            inconclusive,
        } => GateCheck::Plugin {
            plugin: plugin.clone(),
            config: plugin_config(config, lookup)?,
            inconclusive: *inconclusive,
        },
    })
}

/// A plugin gate's `config` interpolated by `lookup`, but for [`PLUGIN_VARIABLES`], left as
/// written for the plugin.
pub(super) fn plugin_config(
    config: &serde_json::Value,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<serde_json::Value, interpolate::InterpolateError> {
    interpolate::interpolate_json(config, &|name| {
        if PLUGIN_VARIABLES.contains(&name) {
            Some(format!("${{{name}}}"))
        } else {
            lookup(name)
        }
    })
}
