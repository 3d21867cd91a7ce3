//! `sluice rollback`: return one unit to an earlier successful version.

use super::super::args::{Cli, RollbackArgs};
use super::super::session;
use super::super::{CliError, Exit};
use super::apply::{finish, locked, recovered};
use crate::orchestrate::{self, RevertOptions};
use crate::redact::Redactor;

/// Runs `sluice rollback`.
pub async fn run(cli: &Cli, redactor: &Redactor, args: &RollbackArgs) -> Result<Exit, CliError> {
    let (deployer, _runtime) = session::deployer(cli, redactor, &args.env).await?;
    let options = RevertOptions {
        unit: args.unit.clone(),
        to: args.to.clone(),
    };
    let run = locked(&deployer, args.lock_wait, async {
        recovered(&deployer).await?;
        orchestrate::revert(&deployer, &options).await
    })
    .await?;
    Ok(finish(&deployer, &run).await)
}
