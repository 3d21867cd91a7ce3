//! `sluice promote --from staging --to production`: deploys to one environment exactly the version
//! another runs (or `--version`), under the same checks as `apply` (promotion, approval).

use super::super::args::{Cli, PromoteArgs};
use super::super::session;
use super::super::{CliError, Exit};
use super::apply::{How, deploy};
use crate::orchestrate::changes;
use crate::orchestrate::promotion;
use crate::redact::Redactor;

/// Runs `sluice promote`.
pub async fn run(cli: &Cli, redactor: &Redactor, args: &PromoteArgs) -> Result<Exit, CliError> {
    let (deployer, _runtime) = session::deployer(cli, redactor, &args.to).await?;
    let declared = deployer
        .plan
        .environments
        .get(&args.to)
        .and_then(|e| e.promote_from.as_deref());
    if let Some(declared) = declared.filter(|declared| *declared != args.from) {
        return Err(CliError::invalid(anyhow::anyhow!(
            "`{}` promotes from `{declared}` (promote_from), not from `{}`",
            args.to,
            args.from
        )));
    }
    if !deployer.plan.environments.contains_key(&args.from) {
        return Err(CliError::invalid(anyhow::anyhow!(
            "the plan has no environment `{}`",
            args.from
        )));
    }
    let version = match &args.version {
        Some(version) => version.clone(),
        None => {
            let selection = changes::select(&deployer, args.selector.ask())?;
            promotion::live_version(&deployer, &args.from, &selection.units)?
        }
    };
    let how = How {
        force: false,
        parallel: args.parallel,
        lock_wait: args.lock_wait,
        allow_irreversible: args.allow_irreversible,
    };
    deploy(&deployer, &version, args.selector.ask(), None, &how).await
}
