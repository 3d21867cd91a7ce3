//! `sluice history`: past unit deployments, newest first.

use super::super::args::{Cli, HistoryArgs};
use super::super::session;
use super::super::{CliError, Exit};
use crate::clock::format_ms;
use crate::report::Format;
use crate::state::HistoryFilter;

/// Runs `sluice history`.
pub fn run(cli: &Cli, args: &HistoryArgs) -> Result<Exit, CliError> {
    let plan = session::load_plan(cli)?;
    let store = session::open_store(&plan)?;
    let records = store.history(&HistoryFilter {
        environment: args.env.clone(),
        unit: args.unit.clone(),
        outcomes: Vec::new(),
        limit: args.limit,
    })?;
    match cli.output {
        Format::Json => {
            for record in &records {
                println!(
                    "{}",
                    serde_json::to_string(record).map_err(CliError::failed)?
                );
            }
        }
        Format::Human => {
            println!(
                "{:20}  {:12}  {:12}  {:14}  {:8}  {:11}  {:10}  REASON",
                "STARTED", "ENVIRONMENT", "UNIT", "VERSION", "KIND", "OUTCOME", "ACTOR"
            );
            for r in &records {
                println!(
                    "{:20}  {:12}  {:12}  {:14}  {:8}  {:11}  {:10}  {}",
                    format_ms(r.started_at_ms),
                    r.environment,
                    r.unit,
                    r.version,
                    r.kind,
                    r.outcome.as_str(),
                    r.actor,
                    r.reason.as_deref().unwrap_or("")
                );
            }
        }
    }
    Ok(Exit::Success)
}
