//! `sluice validate`: the plan and every unit's config, checked without deploying and without
//! touching the state (no database is opened or created).

use super::super::args::Cli;
use super::super::session;
use super::super::{CliError, Exit};
use crate::redact::Redactor;
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
    let (deployer, _runtime) = session::stateless_deployer(cli, redactor, &environment)?;
    deployer.validate_configs(VALIDATION_VERSION).await?;
    let summary = serde_json::json!({
        "event": "valid",
        "plan": deployer.plan.file.display().to_string(),
        "units": deployer.plan.units.len(),
        "plugins": deployer.plan.plugins.len(),
        "environments": deployer.plan.environments.keys().collect::<Vec<_>>(),
    });
    match cli.output {
        Format::Json => println!("{summary}"),
        Format::Human => println!(
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
        ),
    }
    Ok(Exit::Success)
}
