//! `sluice report --html FILE`: a deployment's record as one self-contained HTML page.

use anyhow::Context as _;

use super::super::args::{Cli, ReportArgs};
use super::super::session;
use super::super::{CliError, Exit};
use crate::report::html::{Record, render};
use crate::state::StateError;

/// Writes the page of the deployment `args` names to `args.html`.
pub fn run(cli: &Cli, args: &ReportArgs) -> Result<Exit, CliError> {
    let plan = session::load_plan(cli)?;
    let store = session::open_store(&plan)?;
    let id = session::deployment_id(store.as_ref(), &args.which)?;
    let events = store.events_of(&id)?;
    if events.is_empty() {
        return Err(StateError::NotFound {
            what: "record of deployment",
            id,
        }
        .into());
    }
    let html = render(&Record {
        id: &id,
        events: &events,
        calls: &store.calls_of(&id)?,
        audit: &store.audit_records()?,
    })
    .map_err(CliError::failed)?;
    std::fs::write(&args.html, html)
        .with_context(|| format!("cannot write the report to {}", args.html.display()))
        .map_err(CliError::failed)?;
    eprintln!(
        "wrote the report of deployment {id} to {}",
        args.html.display()
    );
    Ok(Exit::Success)
}
