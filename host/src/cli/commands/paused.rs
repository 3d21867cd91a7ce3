//! `sluice resume` and `sluice abort`: carry on a unit paused at a `pause` step, under the
//! environment's lock, from a process other than the one that paused it.

use super::super::args::{Cli, PausedArgs};
use super::super::session;
use super::super::{CliError, Exit};
use super::apply::{announce, locked, recovered};
use crate::orchestrate::{self, Decision};
use crate::redact::Redactor;
use crate::state::Outcome;

/// Runs `sluice resume` or `sluice abort` (`decision`). An abort that rolled the unit back did
/// what it was asked: exit 0.
pub async fn run(
    cli: &Cli,
    redactor: &Redactor,
    args: &PausedArgs,
    decision: Decision,
) -> Result<Exit, CliError> {
    let (deployer, _runtime) = session::deployer(cli, redactor, &args.env).await?;
    let run = locked(&deployer, args.lock_wait, async {
        recovered(&deployer).await?;
        orchestrate::decide(&deployer, &args.unit, decision).await
    })
    .await?;
    let exit = match (decision, run.overall()) {
        (Decision::Abort, Outcome::RolledBack) => Exit::Success,
        (_, outcome) => Exit::for_outcome(outcome),
    };
    Ok(announce(&deployer, &run, exit).await)
}
