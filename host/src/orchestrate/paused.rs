//! A unit stopped at a `pause` step (see `unit::Rollout::Paused`), taken up in a later process:
//! `sluice resume` carries its steps on from the one after the pause, `sluice abort` rolls it
//! back. Each is a deployment of its own (kind `resume` or `abort`) under the environment's lock;
//! meanwhile another `apply` (or `rollback`) of the unit is refused before anything changes.

use super::deployment::{begin, finish};
use super::error::OrchestrateError;
use super::outcome::RunOutcome;
use super::revert::members_named;
use super::setup::Deployer;
use super::unit::{self, config_hash};
use super::variables::resolve_config;
use crate::plan::model::Unit;
use crate::state::PausedUnit;

/// What is done with a paused unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// `sluice resume`: on from the step after the pause, through the cut-over.
    Resume,
    /// `sluice abort`: roll back; the old version serves everything.
    Abort,
}

impl Decision {
    /// The deployment's kind and the command's name.
    fn name(self) -> &'static str {
        match self {
            Decision::Resume => "resume",
            Decision::Abort => "abort",
        }
    }
}

/// The commands that carry a paused unit on: resume it, abort it.
pub fn commands(environment: &str, unit: &str) -> [String; 2] {
    [Decision::Resume, Decision::Abort].map(|decision| {
        format!(
            "sluice {} --env {environment} --unit {unit}",
            decision.name()
        )
    })
}

/// How to carry a paused unit on, as reasons and refusals say it.
pub fn carry_on(environment: &str, unit: &str) -> String {
    let [resume, abort] = commands(environment, unit);
    format!("continue with `{resume}` or roll back with `{abort}`")
}

/// Resumes or aborts (`decision`) the paused unit `unit`; refuses a unit that is not paused, and
/// a resume whose plugin or resolved config changed since the pause.
pub async fn decide(
    d: &Deployer,
    unit: &str,
    decision: Decision,
) -> Result<RunOutcome, OrchestrateError> {
    let paused = d.store.paused(&d.environment)?;
    let (member, paused) = members_named(d, unit)?
        .into_iter()
        .find_map(|member| {
            let found = paused.iter().find(|p| p.unit == member.name)?.clone();
            Some((member, found))
        })
        .ok_or_else(|| {
            OrchestrateError::Invalid(format!(
                "unit `{unit}` is not paused in `{}`: nothing to {}",
                d.environment,
                decision.name()
            ))
        })?;
    if decision == Decision::Resume {
        unchanged_since(d, &member, &paused)?;
    }
    let deployment_id = begin(d, decision.name(), vec![member.name.clone()], None).await?;
    d.audit(
        &deployment_id,
        &format!("unit-{}", decision.name()),
        serde_json::json!({
            "unit": member.name, "version": paused.version, "paused_by": paused.deployment_id,
            "step": paused.step, "weight": paused.weight,
        }),
    )?;
    let result = unit::take_up(d, &deployment_id, &member, &paused, decision).await;
    let run = RunOutcome {
        deployment_id,
        units: vec![result],
    };
    finish(d, &run)?;
    Ok(run)
}

/// Refuses to resume `paused` with another plugin or another resolved config than it paused
/// with: the rest of its steps would run different code or settings than the first.
fn unchanged_since(
    d: &Deployer,
    member: &Unit,
    paused: &PausedUnit,
) -> Result<(), OrchestrateError> {
    let plugin = d.plugin(member)?;
    let config = resolve_config(d, member, &paused.version)?.to_string();
    let changed = if plugin.sha256 != paused.plugin_sha256 {
        format!(
            "its plugin `{}` changed since it paused (sha256 {} then, {} now)",
            member.plugin, paused.plugin_sha256, plugin.sha256
        )
    } else if config_hash(&plugin.sha256, &config) != paused.config_hash {
        "its resolved config changed since it paused (the plan's `config`, a secret or a \
         variable it uses)"
            .to_owned()
    } else {
        return Ok(());
    };
    Err(OrchestrateError::Invalid(format!(
        "cannot resume `{}` in `{}`: {changed}; put the plan back as it was to resume, or roll \
         the unit back with `sluice abort --env {} --unit {}`",
        member.name, d.environment, d.environment, member.name
    )))
}

/// Refuses a deployment that would touch a paused unit among `units` (plan unit names; every
/// member of a fleet), naming each paused deployment and how to carry it on.
pub(super) fn refuse_if_paused(d: &Deployer, units: &[String]) -> Result<(), OrchestrateError> {
    let paused = d.store.paused(&d.environment)?;
    let members: Vec<Unit> = units
        .iter()
        .filter_map(|name| d.plan.units.get(name))
        .flat_map(Unit::members)
        .collect();
    let blocking: Vec<(&PausedUnit, usize)> = paused
        .iter()
        .filter_map(|p| {
            let member = members.iter().find(|member| member.name == p.unit)?;
            Some((p, member.rollout().len()))
        })
        .collect();
    if blocking.is_empty() {
        return Ok(());
    }
    let mut text = format!(
        "nothing was started: {} paused in `{}`:",
        if blocking.len() == 1 {
            "a unit it would deploy is"
        } else {
            "units it would deploy are"
        },
        d.environment
    );
    for (p, of) in blocking {
        text.push_str(&format!(
            "\n  `{}` at {} is paused at step {} of {of} with {}% of traffic (deployment {}, since {}): {}",
            p.unit,
            p.version,
            p.step,
            p.weight,
            p.deployment_id,
            crate::clock::format_ms(p.since_ms),
            carry_on(&d.environment, &p.unit)
        ));
    }
    Err(OrchestrateError::Paused(text))
}
