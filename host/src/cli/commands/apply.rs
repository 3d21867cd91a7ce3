//! `sluice apply`: deploy under the environment's lock.

use std::time::Duration;

use super::super::args::{ApplyArgs, Cli};
use super::super::session;
use super::super::{CliError, Exit};
use crate::orchestrate::{self, ApplyOptions, Deployer, OrchestrateError, RunOutcome};
use crate::report::{Event, Redactor};
use crate::state::LockHolder;

/// Runs `sluice apply`.
pub async fn run(cli: &Cli, redactor: &Redactor, args: &ApplyArgs) -> Result<Exit, CliError> {
    let (deployer, _runtime) = session::deployer(cli, redactor, &args.target.env)?;
    let version = session::version(args.target.version.as_deref(), &deployer.plan)?;
    deployer.validate_configs(&version).await?;
    let options = ApplyOptions {
        version,
        units: args.target.units.clone(),
        force: args.force,
        allow_irreversible: args.allow_irreversible,
    };
    let run = locked(
        &deployer,
        args.lock_wait,
        orchestrate::apply(&deployer, &options),
    )
    .await?;
    Ok(finish(&deployer, &run))
}

/// Runs `work` holding the environment's lock (waiting up to `wait` for it).
pub(super) async fn locked(
    deployer: &Deployer,
    wait: Duration,
    work: impl Future<Output = Result<RunOutcome, OrchestrateError>>,
) -> Result<RunOutcome, CliError> {
    let holder = LockHolder {
        token: uuid::Uuid::now_v7().to_string(),
        actor: deployer.actor.clone(),
        host: crate::state::this_host(),
        pid: std::process::id(),
        since_ms: crate::report::time::now_ms(),
    };
    let store = deployer.store.clone();
    let environment = deployer.environment.clone();
    let wanted = holder.clone();
    tokio::task::spawn_blocking(move || store.lock(&environment, &wanted, wait))
        .await
        .map_err(CliError::failed)??;
    let result = work.await;
    if let Err(e) = deployer.store.unlock(&deployer.environment, &holder) {
        tracing::warn!(
            "could not release the lock on `{}`: {e}",
            deployer.environment
        );
    }
    Ok(result?)
}

/// Announces the end of a run and returns its exit code.
pub(super) fn finish(deployer: &Deployer, run: &RunOutcome) -> Exit {
    let outcome = run.overall();
    let exit = Exit::for_outcome(outcome);
    deployer.reporter.event(Event::DeploymentFinished {
        id: run.deployment_id.clone(),
        outcome,
        exit_code: exit.code(),
    });
    exit
}
