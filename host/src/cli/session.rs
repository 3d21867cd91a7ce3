//! What most commands set up: the plan, the state store, the wasm runtime, the reporter, and
//! who and what is deploying.

use std::sync::Arc;

use anyhow::Context as _;

use super::CliError;
use super::args::{Cli, WhichDeployment};
use super::pull::pull_plugins;
use crate::orchestrate::{Deployer, Inputs, git, read_secrets};
use crate::plan::interpolate::interpolate;
use crate::plan::{self, Plan, StateConfig};
use crate::redact::Redactor;
use crate::report::{self, RecordWriter, Reporter};
use crate::runtime::Runtime;
use crate::state::postgres::PostgresStore;
use crate::state::sqlite::SqliteStore;
use crate::state::{StateError, Store};

/// Loads and validates the plan named on the command line.
pub fn load_plan(cli: &Cli) -> Result<Plan, CliError> {
    plan::load(&cli.plan).map_err(CliError::invalid)
}

/// The id of the deployment `which` names: the one given, or the newest of its environment.
pub fn deployment_id(store: &dyn Store, which: &WhichDeployment) -> Result<String, CliError> {
    if let Some(id) = &which.deployment {
        return Ok(id.clone());
    }
    // Without a deployment, clap requires `--env`.
    let env = which.env.clone().unwrap_or_default();
    Ok(store.latest_deployment(&env)?.ok_or(StateError::NotFound {
        what: "deployment of environment",
        id: env,
    })?)
}

/// Opens the plan's state store (a PostgreSQL url's `${secret.NAME}` resolved).
pub fn open_store(plan: &Plan) -> Result<Arc<dyn Store>, CliError> {
    match &plan.state {
        StateConfig::Sqlite(path) => Ok(Arc::new(SqliteStore::open(path)?)),
        StateConfig::Postgres(url) => {
            let secrets = read_secrets(plan, &Redactor::default())?;
            let resolved = interpolate(url, &|name| {
                name.strip_prefix("secret.")
                    .and_then(|secret| secrets.get(secret).cloned().flatten())
            })
            .map_err(|e| {
                CliError::invalid(anyhow::anyhow!(
                    "[state] url: {e}: the secret it names has no value in this environment"
                ))
            })?;
            Ok(Arc::new(PostgresStore::open(&resolved, &plan.dir)?))
        }
    }
}

/// The wasm runtime with the default component cache.
pub fn runtime() -> Result<Runtime, CliError> {
    Ok(Runtime::new(Runtime::default_cache_dir())?)
}

/// The reporter for the chosen output format, with GitHub Actions output when sluice runs in a
/// GitHub Actions job and the JUnit report when `--junit` asks for it.
pub fn reporter(cli: &Cli, redactor: &Redactor) -> Arc<dyn Reporter> {
    report::reporter(cli.output, redactor.clone(), cli.verbose, &extras(cli))
}

fn extras(cli: &Cli) -> report::Extras {
    report::Extras {
        github: report::github::active(),
        junit: cli.junit.clone(),
        otlp: None,
        record: None,
    }
}

/// A deployer for `environment`: plugins pulled and loaded, secrets read.
pub async fn deployer(
    cli: &Cli,
    redactor: &Redactor,
    environment: &str,
) -> Result<(Deployer, Runtime), CliError> {
    let plan = load_plan(cli)?;
    let store = open_store(&plan)?;
    deployer_with(cli, redactor, environment, plan, store).await
}

/// A deployer for `environment` that reads and writes nothing of the plan's state (`validate`).
pub async fn stateless_deployer(
    cli: &Cli,
    redactor: &Redactor,
    environment: &str,
) -> Result<(Deployer, Runtime), CliError> {
    let plan = load_plan(cli)?;
    let store = Arc::new(SqliteStore::in_memory()?);
    deployer_with(cli, redactor, environment, plan, store).await
}

async fn deployer_with(
    cli: &Cli,
    redactor: &Redactor,
    environment: &str,
    plan: Plan,
    store: Arc<dyn Store>,
) -> Result<(Deployer, Runtime), CliError> {
    let runtime = runtime()?;
    pull_plugins(&plan, runtime.pulled(), &read_secrets(&plan, redactor)?).await?;
    // Deployments also send their traces where the plan or the environment says, and keep
    // their record in state.
    let record = report::keeping().then(|| RecordWriter::start(store.clone()));
    let extras = report::Extras {
        otlp: report::otlp::endpoint(plan.telemetry.otlp.as_ref()),
        record: record.clone(),
        ..extras(cli)
    };
    let reporter = report::reporter(cli.output, redactor.clone(), cli.verbose, &extras);
    let inputs = Inputs {
        environment: environment.to_owned(),
        actor: actor(cli),
        commit: git::output(&plan.dir, &["rev-parse", "HEAD"]),
        record,
    };
    let deployer = Deployer::new(plan, inputs, store, &runtime, reporter, redactor.clone())?;
    Ok((deployer, runtime))
}

/// `--actor`, else `$SLUICE_ACTOR`, `$GITHUB_ACTOR`, `$USER`, else `unknown`.
pub fn actor(cli: &Cli) -> String {
    cli.actor
        .clone()
        .or_else(|| {
            ["SLUICE_ACTOR", "GITHUB_ACTOR", "USER"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The version to deploy: `--version`, else `git describe` of the plan's repository.
pub fn version(given: Option<&str>, plan: &Plan) -> Result<String, CliError> {
    if let Some(version) = given {
        if version.trim().is_empty() {
            return Err(CliError::invalid(anyhow::anyhow!(
                "--version must not be empty"
            )));
        }
        return Ok(version.to_owned());
    }
    git::output(&plan.dir, &["describe", "--tags", "--always", "--dirty"])
        .context("no --version given, and the plan is not in a git repository to derive one from; pass --version")
        .map_err(CliError::invalid)
}
