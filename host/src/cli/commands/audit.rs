//! `sluice audit verify` and `sluice audit export`: the tamper-evident audit log; `sluice audit
//! calls`: what a deployment's plugins did.

use super::super::args::{AuditCallsArgs, Cli};
use super::super::session;
use super::super::{CliError, Exit};
use crate::clock::format_ms;
use crate::report::Format;
use crate::state::audit::verify as verify_chain;
use crate::state::{CallVerdict, CapabilityCall};

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

/// `sluice audit calls`: the host calls of a deployment (the newest of `--env` by default), a
/// table for people or one JSON object per call.
pub fn calls(cli: &Cli, args: &AuditCallsArgs) -> Result<Exit, CliError> {
    let plan = session::load_plan(cli)?;
    let store = session::open_store(&plan)?;
    let id = session::deployment_id(store.as_ref(), &args.which)?;
    let calls = store.calls_of(&id)?;
    match cli.output {
        Format::Json => {
            for call in &calls {
                println!("{}", serde_json::to_string(call).map_err(CliError::failed)?);
            }
        }
        Format::Human => {
            println!("deployment {id}: {} host call(s)", calls.len());
            print_table(&calls);
        }
    }
    Ok(Exit::Success)
}

/// The calls as a table, each column as wide as its widest cell; a denial's or the marker's
/// reason on the line after its call.
fn print_table(calls: &[CapabilityCall]) {
    let header = [
        "TIME",
        "UNIT",
        "CALL",
        "FUNCTION",
        "TARGET",
        "VERDICT",
        "BYTES OUT/IN",
        "MS",
    ]
    .map(str::to_owned);
    let rows: Vec<[String; 8]> = calls.iter().map(cells).collect();
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |row: &[String; 8]| {
        let padded: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(&header);
    for (call, row) in calls.iter().zip(&rows) {
        line(row);
        if let Some(reason) = &call.reason {
            println!("    {reason}");
        }
    }
}

/// One call's cells: time, unit, lifecycle call, `interface.function`, target, verdict,
/// `sent/received` bytes, milliseconds.
fn cells(c: &CapabilityCall) -> [String; 8] {
    let bytes = match (c.bytes_sent, c.bytes_received) {
        (None, None) => String::new(),
        (sent, received) => format!("{}/{}", sent.unwrap_or(0), received.unwrap_or(0)),
    };
    let function = match c.verdict {
        CallVerdict::Cut => String::new(),
        _ => format!("{}.{}", c.interface, c.function),
    };
    [
        format_ms(c.at_ms),
        c.unit.clone(),
        c.call.clone(),
        function,
        c.target.clone(),
        c.verdict.as_str().to_owned(),
        bytes,
        c.duration_ms.to_string(),
    ]
}
