//! `sluice validate`: the plan and every unit's config, checked without deploying and without
//! touching the state (no database is opened or created). It warns about what is valid but
//! unwise: secret values too short to be redacted.

use super::super::args::Cli;
use super::super::session;
use super::super::{CliError, Exit};
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
    let (deployer, _runtime) = session::stateless_deployer(cli, redactor, &environment)?;
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
