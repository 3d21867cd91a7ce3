//! `sluice apply`: deploy under the environment's lock.

use std::path::Path;
use std::time::Duration;

use super::super::args::{ApplyArgs, Cli};
use super::super::session;
use super::super::{CliError, Exit};
use crate::orchestrate::changes::{self, Ask};
use crate::orchestrate::{
    self, ApplyOptions, Deployer, Occurrence, OrchestrateError, PLAN_FORMAT, PlanDocument,
    RunOutcome,
};
use crate::plan::HookEventKind;
use crate::redact::Redactor;
use crate::report::Event;
use crate::state::{LockHolder, Outcome};

/// Runs `sluice apply`: `--env` (and `--version`, `--unit`), or a plan file written by
/// `sluice plan --out`.
pub async fn run(cli: &Cli, redactor: &Redactor, args: &ApplyArgs) -> Result<Exit, CliError> {
    let document = args.plan_file.as_deref().map(read_plan).transpose()?;
    let environment = match (&document, &args.env) {
        (Some(document), Some(env)) if *env != document.plan.environment => {
            return Err(CliError::invalid(anyhow::anyhow!(
                "--env {env} does not match the plan file, which deploys `{}`",
                document.plan.environment
            )));
        }
        (Some(document), _) => document.plan.environment.clone(),
        (None, Some(env)) => env.clone(),
        (None, None) => return Err(CliError::invalid(anyhow::anyhow!("--env is required"))),
    };
    if document.is_some() && args.selector.is_given() {
        return Err(CliError::invalid(anyhow::anyhow!(
            "--unit and --all do not go with a plan file, which names its units"
        )));
    }
    let (deployer, _runtime) = session::deployer(cli, redactor, &environment).await?;
    let (version, ask) = match &document {
        Some(document) => (
            document.plan.version.clone(),
            Ask::Named(&document.plan.selected),
        ),
        None => (
            session::version(args.version.as_deref(), &deployer.plan)?,
            args.selector.ask(),
        ),
    };
    let how = How {
        force: args.force,
        parallel: args.parallel,
        lock_wait: args.lock_wait,
        allow_irreversible: args.allow_irreversible,
    };
    deploy(&deployer, &version, ask, document.as_ref(), &how).await
}

/// How a deployment runs, besides what it deploys.
pub(super) struct How {
    /// Deploy even units already live at the version.
    pub force: bool,
    /// At most this many units at once (0: no limit).
    pub parallel: usize,
    /// How long to wait for the environment's lock.
    pub lock_wait: Duration,
    /// Start even when a plugin says the deployment would be irreversible.
    pub allow_irreversible: bool,
}

/// Deploys `version` of the units `ask` selects under the environment's lock, after recovering
/// interrupted runs and checking promotion and approval (`document`: the plan file carried out).
pub(super) async fn deploy(
    deployer: &Deployer,
    version: &str,
    ask: Ask<'_>,
    document: Option<&PlanDocument>,
    how: &How,
) -> Result<Exit, CliError> {
    deployer.validate_configs(version).await?;
    let run = locked(deployer, how.lock_wait, async {
        recovered(deployer).await?;
        let selection = changes::select(deployer, ask)?;
        orchestrate::promotion::check(deployer, version, &selection.units)?;
        let approved = awaiting_told(
            deployer,
            orchestrate::authorize(deployer, document, version, &selection.units).await,
        )
        .await?;
        let options = ApplyOptions {
            version: version.to_owned(),
            selection,
            force: how.force,
            parallel: how.parallel,
            approved,
            allow_irreversible: how.allow_irreversible,
        };
        orchestrate::apply(deployer, &options).await
    })
    .await?;
    Ok(finish(deployer, &run).await)
}

/// `authorized`, having told the hooks when it says the environment awaits approval.
async fn awaiting_told<T>(
    deployer: &Deployer,
    authorized: Result<T, OrchestrateError>,
) -> Result<T, OrchestrateError> {
    if let Err(OrchestrateError::AwaitingApproval(why)) = &authorized {
        let occurrence = Occurrence {
            reason: Some(why),
            ..Occurrence::default()
        };
        deployer
            .fire(HookEventKind::AwaitingApproval, occurrence)
            .await;
    }
    authorized
}

/// Reads a plan file `sluice plan --out` wrote, refusing one edited since.
fn read_plan(path: &Path) -> Result<PlanDocument, CliError> {
    let invalid = |why: String| CliError::invalid(anyhow::anyhow!("{}: {why}", path.display()));
    let text =
        std::fs::read_to_string(path).map_err(|e| invalid(format!("cannot read it: {e}")))?;
    let document: PlanDocument = serde_json::from_str(&text)
        .map_err(|e| invalid(format!("not a plan written by `sluice plan --out` ({e})")))?;
    if document.format != PLAN_FORMAT {
        return Err(invalid(format!(
            "format `{}` is not `{PLAN_FORMAT}`",
            document.format
        )));
    }
    if document.plan.hash() != document.hash {
        return Err(invalid(
            "its content does not match its hash: it was edited after `sluice plan` wrote it"
                .to_owned(),
        ));
    }
    Ok(document)
}

/// Brings the environment's interrupted deployments to a consistent end (see
/// `orchestrate::recover`), announcing each; the worst outcome among them (none when nothing was
/// interrupted). Call it holding the lock.
pub(super) async fn recovered(deployer: &Deployer) -> Result<Option<Outcome>, OrchestrateError> {
    let runs = orchestrate::recover(deployer).await?;
    for run in &runs {
        finish(deployer, run).await;
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
        since_ms: crate::clock::now_ms(),
    };
    let store = deployer.store.clone();
    let environment = deployer.environment.clone();
    let wanted = holder.clone();
    let asked = std::time::Instant::now();
    tokio::task::spawn_blocking(move || store.lock(&environment, &wanted, wait))
        .await
        .map_err(CliError::failed)??;
    tracing::info!(
        "took the lock on `{}` after {} ms",
        deployer.environment,
        asked.elapsed().as_millis()
    );
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
pub(super) async fn finish(deployer: &Deployer, run: &RunOutcome) -> Exit {
    announce(deployer, run, Exit::for_outcome(run.overall())).await
}

/// Tells the hooks a run ended, announces its end with the exit code `exit` (1 instead when a
/// required hook failed in this process) and returns that code.
pub(super) async fn announce(deployer: &Deployer, run: &RunOutcome, exit: Exit) -> Exit {
    let occurrence = Occurrence {
        deployment_id: Some(&run.deployment_id),
        outcome: Some(run.overall()),
        ..Occurrence::default()
    };
    deployer
        .fire(HookEventKind::DeploymentFinished, occurrence)
        .await;
    let exit = if deployer.required_hook_failed() {
        Exit::Failed
    } else {
        exit
    };
    deployer.reporter.event(Event::DeploymentFinished {
        id: run.deployment_id.clone(),
        outcome: run.overall(),
        exit_code: exit.code(),
    });
    exit
}
