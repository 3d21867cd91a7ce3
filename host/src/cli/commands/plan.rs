//! `sluice plan`: what `apply` would do, unit by unit, with every gate setting shown; with
//! `--out FILE`, the resolved plan is written (and kept in the state) for `sluice approve` and
//! `sluice apply FILE`.

use std::path::Path;

use anyhow::Context as _;

use super::super::args::{Cli, PlanArgs};
use super::super::session;
use super::super::{CliError, Exit};
use crate::orchestrate::changes;
use crate::orchestrate::{self, PlannedUnit, ResolvedPlan};
use crate::redact::Redactor;
use crate::report::Format;
use crate::state::SavedPlan;

/// Runs `sluice plan`.
pub async fn run(cli: &Cli, redactor: &Redactor, args: &PlanArgs) -> Result<Exit, CliError> {
    let (deployer, _runtime) = session::deployer(cli, redactor, &args.target.env).await?;
    let version = session::version(args.target.version.as_deref(), &deployer.plan)?;
    deployer.validate_configs(&version).await?;
    let selection = changes::select(&deployer, args.target.selector.ask())?;
    for (unit, (selected, reason)) in &selection.reasons {
        match cli.output {
            Format::Json => println!(
                "{}",
                serde_json::json!({
                    "event": "selected", "unit": unit, "selected": selected, "reason": reason,
                })
            ),
            Format::Human => println!(
                "{} {unit}: {reason}",
                if *selected {
                    "selected    "
                } else {
                    "not selected"
                }
            ),
        }
    }
    let resolved = orchestrate::resolve(&deployer, &version, &selection.units).await?;
    for unit in &resolved.units {
        let text = match cli.output {
            Format::Json => serde_json::json!({
                "event": "plan", "unit": unit.unit, "plugin": unit.plugin, "version": version,
                "live": unit.live, "depends_on": unit.depends_on, "steps": unit.steps,
                "changes": unit.changes, "irreversible": unit.irreversible, "gates": unit.gates,
                "group": unit.group,
            })
            .to_string(),
            Format::Human => human(unit, &version),
        };
        println!("{}", redactor.redact(&text));
    }
    if let Some(out) = &args.out {
        save(cli, &deployer, &resolved, out)?;
    }
    Ok(Exit::Success)
}

/// Writes the plan document to `out`, keeps the plan in the state, and says how to go on.
fn save(
    cli: &Cli,
    deployer: &orchestrate::Deployer,
    resolved: &ResolvedPlan,
    out: &Path,
) -> Result<(), CliError> {
    let document = resolved.document();
    let body = serde_json::to_string_pretty(&document).map_err(CliError::failed)?;
    std::fs::write(out, format!("{body}\n"))
        .with_context(|| format!("cannot write the plan to {}", out.display()))
        .map_err(CliError::failed)?;
    deployer.store.save_plan(&SavedPlan {
        hash: document.hash.clone(),
        environment: resolved.environment.clone(),
        body: serde_json::to_string(&resolved).map_err(CliError::failed)?,
        created_by: deployer.actor.clone(),
        created_at_ms: crate::clock::now_ms(),
        approved_by: None,
        approved_at_ms: None,
    })?;
    let needs_approval = deployer
        .plan
        .environments
        .get(&resolved.environment)
        .is_some_and(|environment| environment.approval);
    match cli.output {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "event": "plan-saved", "file": out, "hash": document.hash,
                "needs_approval": needs_approval,
            })
        ),
        Format::Human => {
            println!("plan {} written to {}", document.hash, out.display());
            if needs_approval {
                println!(
                    "`{}` needs an approval: sluice approve {}",
                    resolved.environment, document.hash
                );
            }
            println!("then: sluice apply {}", out.display());
        }
    }
    Ok(())
}

fn human(unit: &PlannedUnit, version: &str) -> String {
    let mut out = format!(
        "unit {} ({}): {} -> {version}\n",
        unit.unit,
        unit.plugin,
        unit.live.as_deref().unwrap_or("nothing live")
    );
    if unit.changes.is_empty() {
        out.push_str("  no changes\n");
    }
    for change in &unit.changes {
        out.push_str(&format!("  {change}\n"));
    }
    for reason in &unit.irreversible {
        out.push_str(&format!(
            "  irreversible: {reason} (apply needs --allow-irreversible or an approval)\n"
        ));
    }
    for gate in &unit.gates {
        out.push_str(&format!("  gate {gate}\n"));
    }
    let steps: Vec<String> = (1..)
        .zip(&unit.steps)
        .map(|(n, step)| format!("{n}. {step}"))
        .collect();
    out.push_str(&format!("  steps: {}\n", steps.join(", ")));
    if let Some(group) = &unit.group {
        out.push_str(&format!(
            "  atomic group {group}: undone if another unit of the group does not deploy\n"
        ));
    }
    out
}
