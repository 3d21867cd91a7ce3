//! `sluice audit verify` and `sluice audit export`: the tamper-evident audit log.

use super::super::args::Cli;
use super::super::session;
use super::super::{CliError, Exit};
use crate::report::Format;
use crate::state::audit::verify as verify_chain;

/// `sluice audit verify`: exit 0 when the chain holds, 1 naming the first bad record.
pub fn verify(cli: &Cli) -> Result<Exit, CliError> {
    let plan = session::load_plan(cli)?;
    let records = session::open_store(&plan)?.audit_records()?;
    let (exit, text) = match verify_chain(&records) {
        Ok(count) => {
            let head = records.last().map(|r| r.hash.as_str()).unwrap_or("(empty)");
            (
                Exit::Success,
                serde_json::json!({ "event": "audit-verified", "intact": true, "records": count, "head": head }),
            )
        }
        Err(broken) => (
            Exit::Failed,
            serde_json::json!({ "event": "audit-verified", "intact": false, "record": broken.seq, "problem": broken.problem, "message": broken.to_string() }),
        ),
    };
    match cli.output {
        Format::Json => println!("{text}"),
        Format::Human if exit == Exit::Success => {
            println!(
                "audit log intact: {} record(s), head {}",
                text["records"],
                text["head"].as_str().unwrap_or("")
            )
        }
        Format::Human => eprintln!("{}", text["message"].as_str().unwrap_or("audit log broken")),
    }
    Ok(exit)
}

/// `sluice audit export`: every record as one JSON line, in order.
pub fn export(cli: &Cli) -> Result<Exit, CliError> {
    let plan = session::load_plan(cli)?;
    for record in session::open_store(&plan)?.audit_records()? {
        println!(
            "{}",
            serde_json::to_string(&record).map_err(CliError::failed)?
        );
    }
    Ok(Exit::Success)
}
