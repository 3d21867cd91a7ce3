//! `sluice approve HASH`: records who approved a plan written by `sluice plan --out`.

use super::super::args::{ApproveArgs, Cli};
use super::super::session;
use super::super::{CliError, Exit};
use crate::orchestrate::ResolvedPlan;
use crate::report::Format;
use crate::state::audit::AuditEntry;

/// Runs `sluice approve`.
pub fn run(cli: &Cli, args: &ApproveArgs) -> Result<Exit, CliError> {
    let plan = session::load_plan(cli)?;
    let store = session::open_store(&plan)?;
    let hash = args.hash.trim();
    let saved = store.saved_plan(hash)?.ok_or_else(|| {
        CliError::invalid(anyhow::anyhow!(
            "no plan {hash} in this state: write one with `sluice plan --env ENV --out FILE`, \
             which prints its hash"
        ))
    })?;
    let resolved: ResolvedPlan = serde_json::from_str(&saved.body).map_err(CliError::failed)?;
    let actor = session::actor(cli);
    let units: Vec<&str> = resolved.units.iter().map(|u| u.unit.as_str()).collect();
    if let Some(by) = &saved.approved_by {
        println!("plan {hash} was already approved by {by}");
        return Ok(Exit::Success);
    }
    store.approve_plan(hash, &actor)?;
    store.audit_append(&AuditEntry {
        at_ms: crate::clock::now_ms(),
        actor: actor.clone(),
        environment: saved.environment.clone(),
        deployment_id: String::new(),
        event: "plan-approved".to_owned(),
        detail: serde_json::json!({
            "plan_hash": hash, "version": resolved.version, "units": units,
        })
        .to_string(),
    })?;
    match cli.output {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "event": "plan-approved", "hash": hash, "environment": saved.environment,
                "version": resolved.version, "units": units, "approved_by": actor,
            })
        ),
        Format::Human => println!(
            "approved plan {hash} by {actor}: {} {} ({})",
            saved.environment,
            resolved.version,
            units.join(", ")
        ),
    }
    Ok(Exit::Success)
}
