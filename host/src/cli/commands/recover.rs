//! `sluice recover`: bring deployments interrupted by a crash to a consistent end.

use super::super::args::{Cli, RecoverArgs};
use super::super::session;
use super::super::{CliError, Exit};
use super::apply::{locked, recovered};
use crate::redact::Redactor;
use crate::report::Format;

/// Runs `sluice recover`: under the environment's lock, every unfinished deployment is rolled back
/// or completed as its journal allows. Exits as a deployment with the worst recovered outcome
/// would (0 when nothing was interrupted).
pub async fn run(cli: &Cli, redactor: &Redactor, args: &RecoverArgs) -> Result<Exit, CliError> {
    let (deployer, _runtime) = session::deployer(cli, redactor, &args.env).await?;
    let worst = locked(&deployer, args.lock_wait, recovered(&deployer)).await?;
    match worst {
        Some(outcome) => Ok(Exit::for_outcome(outcome)),
        None => {
            let environment = &deployer.environment;
            match cli.output {
                Format::Json => println!(
                    "{}",
                    serde_json::json!({ "event": "nothing-to-recover", "environment": environment })
                ),
                Format::Human => {
                    println!(
                        "nothing to recover: no deployment of `{environment}` was interrupted"
                    );
                }
            }
            Ok(Exit::Success)
        }
    }
}
