//! One file per subcommand.

mod apply;
mod approve;
mod audit;
mod help;
mod history;
mod init;
mod inspect;
mod paused;
mod plan;
mod plugins_audit;
mod plugins_lock;
mod plugins_new;
mod plugins_push;
mod plugins_test;
mod promote;
mod recover;
mod report;
mod rollback;
mod status;
mod validate;

use super::args::{AuditCommand, Cli, Command, PluginsCommand};
use super::{CliError, Exit};
use crate::orchestrate::Decision;
use crate::redact::Redactor;

/// Runs the chosen subcommand.
pub async fn run(cli: &Cli, redactor: &Redactor) -> Result<Exit, CliError> {
    match &cli.command {
        Command::Validate => validate::run(cli, redactor).await,
        Command::Plan(args) => plan::run(cli, redactor, args).await,
        Command::Apply(args) => apply::run(cli, redactor, args).await,
        Command::Rollback(args) => rollback::run(cli, redactor, args).await,
        Command::Resume(args) => paused::run(cli, redactor, args, Decision::Resume).await,
        Command::Abort(args) => paused::run(cli, redactor, args, Decision::Abort).await,
        Command::Recover(args) => recover::run(cli, redactor, args).await,
        Command::Approve(args) => approve::run(cli, args),
        Command::Promote(args) => promote::run(cli, redactor, args).await,
        Command::History(args) => history::run(cli, args),
        Command::Status(args) => status::run(cli, args).await,
        Command::Plugins(PluginsCommand::Inspect { file }) => {
            inspect::run(cli, redactor, file).await
        }
        Command::Plugins(PluginsCommand::Audit { plan }) => {
            plugins_audit::run(cli, plan.as_deref()).await
        }
        Command::Plugins(PluginsCommand::New(args)) => plugins_new::run(cli, args),
        Command::Plugins(PluginsCommand::Test(args)) => {
            plugins_test::run(cli, redactor, args).await
        }
        Command::Plugins(PluginsCommand::Push(args)) => plugins_push::run(cli, args).await,
        Command::Plugins(PluginsCommand::Lock) => plugins_lock::run(cli).await,
        Command::Audit(AuditCommand::Verify) => audit::verify(cli),
        Command::Audit(AuditCommand::Export) => audit::export(cli),
        Command::Audit(AuditCommand::Calls(args)) => audit::calls(cli, args),
        Command::Report(args) => report::run(cli, args),
        Command::Init(args) => init::run(cli, args),
        Command::Completions { shell } => help::completions(*shell),
        Command::Man => help::man(),
    }
}
