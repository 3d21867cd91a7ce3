//! `sluice plan`: what `apply` would do, unit by unit, with every gate setting shown.

use super::super::args::{Cli, PlanArgs};
use super::super::session;
use super::super::{CliError, Exit};
use crate::orchestrate::{change_line, reason_of, resolve_config};
use crate::plan::model::{GateCheck, GatePhase, GateSpec};
use crate::report::{Format, Redactor};
use crate::wit::types::ChangeAction;

/// Runs `sluice plan`.
pub async fn run(cli: &Cli, redactor: &Redactor, args: &PlanArgs) -> Result<Exit, CliError> {
    let (deployer, _runtime) = session::deployer(cli, redactor, &args.target.env)?;
    let version = session::version(args.target.version.as_deref(), &deployer.plan)?;
    deployer.validate_configs(&version).await?;
    let plan = &deployer.plan;
    for unit in plan
        .units
        .values()
        .filter(|u| args.target.units.is_empty() || args.target.units.contains(&u.name))
    {
        let current = deployer.store.current(&deployer.environment, &unit.name)?;
        let config = resolve_config(&deployer, unit, &version)?.to_string();
        let plugin = deployer.plugin(unit)?;
        let ctx = deployer.context("plan", unit, &version, true);
        let changes = plugin
            .plan(
                &deployer.provision(unit, &version, "plan"),
                &ctx,
                &config,
                current.as_ref().map(|c| c.state.as_str()),
            )
            .await;
        let (changes, irreversible): (Vec<String>, Vec<String>) = match reason_of("plan", changes) {
            Ok(planned) => (
                planned
                    .changes
                    .iter()
                    .filter(|c| c.action != ChangeAction::NoOp)
                    .map(change_line)
                    .collect(),
                planned.irreversible,
            ),
            Err(reason) => (vec![format!("cannot plan: {reason}")], Vec::new()),
        };
        let gates: Vec<String> = unit.gates.iter().map(describe_gate).collect();
        let live = current.as_ref().map(|c| c.version.clone());
        let text = match cli.output {
            Format::Json => serde_json::json!({
                "event": "plan", "unit": unit.name, "plugin": unit.plugin, "version": version,
                "live": live, "depends_on": unit.depends_on, "shift": unit.shift_steps,
                "changes": changes, "irreversible": irreversible, "gates": gates,
            })
            .to_string(),
            Format::Human => human(
                &unit.name,
                &unit.plugin,
                &version,
                live.as_deref(),
                &changes,
                &irreversible,
                &gates,
            ),
        };
        println!("{}", redactor.redact(&text));
    }
    Ok(Exit::Success)
}

fn human(
    unit: &str,
    plugin: &str,
    version: &str,
    live: Option<&str>,
    changes: &[String],
    irreversible: &[String],
    gates: &[String],
) -> String {
    let mut out = format!(
        "unit {unit} ({plugin}): {} -> {version}\n",
        live.unwrap_or("nothing live")
    );
    if changes.is_empty() {
        out.push_str("  no changes\n");
    }
    for change in changes {
        out.push_str(&format!("  {change}\n"));
    }
    for reason in irreversible {
        out.push_str(&format!(
            "  irreversible: {reason} (apply needs --allow-irreversible)\n"
        ));
    }
    for gate in gates {
        out.push_str(&format!("  gate {gate}\n"));
    }
    out
}

/// A gate with every setting, defaults included.
fn describe_gate(gate: &GateSpec) -> String {
    let t = &gate.timing;
    let what = match &gate.check {
        GateCheck::Http { url, status, body } => {
            let body = body
                .as_ref()
                .map(|b| format!(" body~{b:?}"))
                .unwrap_or_default();
            format!("http {url} status={status}{body}")
        }
        GateCheck::Tcp { address } => format!("tcp {address}"),
    };
    let phase = match gate.phase {
        GatePhase::Staged => "staged",
        GatePhase::Live => "live",
    };
    let d = |d: std::time::Duration| humantime::format_duration(d).to_string();
    format!(
        "{what} phase={phase} interval={} timeout={} initial_delay={} success_threshold={} failure_threshold={} deadline={} soak={}",
        d(t.interval),
        d(t.timeout),
        d(t.initial_delay),
        t.success_threshold,
        t.failure_threshold,
        d(t.deadline),
        d(t.soak)
    )
}
