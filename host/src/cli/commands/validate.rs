//! `sluice validate`: the plan and every unit's config, checked without deploying and without
//! touching the state (no database is opened or created). It warns about what is valid but
//! unwise: secret values too short to be redacted, and gates on what a plugin staged that the plan
//! lets probe nothing.

use super::super::args::Cli;
use super::super::session;
use super::super::{CliError, Exit};
use crate::gates::TargetPolicy;
use crate::plan::Plan;
use crate::redact::{MIN_REDACTED_CHARS, Redactor};
use crate::report::Format;

/// The version `${version}` stands for while validating.
const VALIDATION_VERSION: &str = "0.0.0-validate";

/// Runs `sluice validate`.
pub async fn run(cli: &Cli, redactor: &Redactor) -> Result<Exit, CliError> {
    let plan = session::load_plan(cli)?;
    let Some(environment) = plan.environments.keys().next().cloned() else {
        return Err(CliError::invalid(anyhow::anyhow!(
            "the plan declares no environment"
        )));
    };
    let (deployer, _runtime) = session::stateless_deployer(cli, redactor, &environment).await?;
    deployer.validate_configs(VALIDATION_VERSION).await?;
    let warnings: Vec<String> = deployer
        .short_secrets()
        .into_iter()
        .map(|(name, length)| {
            format!(
                "secret `{name}` is {length} characters long: values shorter than \
                 {MIN_REDACTED_CHARS} are not redacted from sluice's output"
            )
        })
        .chain(unreachable_gate_targets(&deployer.plan))
        .collect();
    let summary = serde_json::json!({
        "event": "valid",
        "plan": deployer.plan.file.display().to_string(),
        "units": deployer.plan.units.len(),
        "plugins": deployer.plan.plugins.len(),
        "environments": deployer.plan.environments.keys().collect::<Vec<_>>(),
        "warnings": warnings,
    });
    match cli.output {
        Format::Json => println!("{summary}"),
        Format::Human => {
            for warning in &warnings {
                eprintln!("warning: {warning}");
            }
            println!(
                "{}: valid ({} unit(s), {} plugin(s), environments: {})",
                deployer.plan.file.display(),
                deployer.plan.units.len(),
                deployer.plan.plugins.len(),
                deployer
                    .plan
                    .environments
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }
    Ok(Exit::Success)
}

/// A warning per unit whose gates probe what its plugin staged where the plan allows no target at
/// all (see [`TargetPolicy`]): every such gate would be refused.
fn unreachable_gate_targets(plan: &Plan) -> Vec<String> {
    plan.units
        .values()
        .filter(|unit| unit.gates.iter().any(|gate| gate.check.targets_staged()))
        .filter(|unit| TargetPolicy::of_unit(plan, unit).allows_nothing())
        .map(|unit| {
            format!(
                "unit `{}` has gates on what its plugin staged, but the plan lets them probe \
                 nothing (plugin `{}` has no http grant, the unit no `endpoints` nor \
                 `loopback_gates = true`): each such gate will be refused",
                unit.name, unit.plugin
            )
        })
        .collect()
}
