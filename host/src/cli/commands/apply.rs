//! `sluice apply`: deploy under the environment's lock.

use std::time::Duration;

use super::super::args::{ApplyArgs, Cli};
use super::super::session;
use super::super::{CliError, Exit};
use crate::orchestrate::{self, ApplyOptions, Deployer, OrchestrateError, RunOutcome};
use crate::report::{Event, Redactor};
use crate::state::{LockHolder, Outcome};

/// Runs `sluice apply`.
pub async fn run(cli: &Cli, redactor: &Redactor, args: &ApplyArgs) -> Result<Exit, CliError> {
    let (deployer, _runtime) = session::deployer(cli, redactor, &args.target.env)?;
    let version = session::version(args.target.version.as_deref(), &deployer.plan)?;
    deployer.validate_configs(&version).await?;
    let options = ApplyOptions {
        version,
        units: args.target.units.clone(),
        force: args.force,
        parallel: args.parallel,
    };
    let run = locked(&deployer, args.lock_wait, async {
        recovered(&deployer).await?;
        orchestrate::apply(&deployer, &options).await
    })
    .await?;
    Ok(finish(&deployer, &run))
}

/// Brings the environment's interrupted deployments to a consistent end (see
/// `orchestrate::recover`), announcing each; the worst outcome among them (none when nothing was
/// interrupted). Call it holding the lock.
pub(super) async fn recovered(deployer: &Deployer) -> Result<Option<Outcome>, OrchestrateError> {
    let runs = orchestrate::recover(deployer).await?;
    for run in &runs {
        finish(deployer, run);
    }
    Ok(runs
        .iter()
        .map(RunOutcome::overall)
        .max_by_key(|outcome| outcome.severity()))
}

/// Runs `work` holding the environment's lock (waiting up to `wait` for it).
pub(super) async fn locked<T>(
    deployer: &Deployer,
    wait: Duration,
    work: impl Future<Output = Result<T, OrchestrateError>>,
) -> Result<T, CliError> {
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
