//! `sluice status`: what is live in an environment, unit by unit.

use super::super::args::{Cli, StatusArgs};
use super::super::session;
use super::super::{CliError, Exit};
use crate::report::Format;
use crate::report::time::format_ms;

/// Runs `sluice status`.
pub fn run(cli: &Cli, args: &StatusArgs) -> Result<Exit, CliError> {
    let plan = session::load_plan(cli)?;
    if !plan.environments.contains_key(&args.env) {
        return Err(CliError::invalid(anyhow::anyhow!(
            "the plan has no environment `{}`",
            args.env
        )));
    }
    let store = session::open_store(&plan)?;
    if cli.output == Format::Human {
        println!(
            "{:14}  {:16}  {:20}  DEPLOYMENT",
            "UNIT", "VERSION", "SINCE"
        );
    }
    for unit in plan.units.keys() {
        let current = store.current(&args.env, unit)?;
        match cli.output {
            Format::Json => println!(
                "{}",
                serde_json::json!({ "environment": args.env, "unit": unit, "live": current })
            ),
            Format::Human => match &current {
                Some(c) => println!(
                    "{unit:14}  {:16}  {:20}  {}",
                    c.version,
                    format_ms(c.since_ms),
                    c.deployment_id
                ),
                None => println!("{unit:14}  {:16}  {:20}  -", "(not deployed)", "-"),
            },
        }
    }
    Ok(Exit::Success)
}
