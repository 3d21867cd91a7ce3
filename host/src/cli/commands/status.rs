//! `sluice status`: what is live in an environment, unit by unit (fleet member by member), which
//! units are paused at a `pause` step (and how to carry them on), and
//! for units deployed as containers, what really runs: every container the engines hold with the
//! unit's and environment's `sluice.*` labels, live or left behind by an interrupted run.

use serde_json::json;

use super::super::args::{Cli, StatusArgs};
use super::super::session;
use super::super::{CliError, Exit};
use crate::caps::containers::{
    ContainersCap, LABEL_DEPLOYMENT, LABEL_ENVIRONMENT, LABEL_UNIT, LABEL_VERSION,
};
use crate::clock::format_ms;
use crate::orchestrate::{self, engines_of};
use crate::plan::Plan;
use crate::plan::model::Unit;
use crate::report::Format;
use crate::state::{PausedUnit, UnitCurrent};
use crate::wit::containers::{ContainerInfo, ContainerStatus, HealthStatus};
use crate::wit::types::Error;

/// One container found for a unit.
struct Found {
    engine: String,
    info: ContainerInfo,
}

impl Found {
    fn label(&self, key: &str) -> &str {
        self.info
            .labels
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, value)| value.as_str())
    }

    /// Running the live version: not something left behind.
    fn is_live(&self, current: Option<&UnitCurrent>) -> bool {
        self.info.status == ContainerStatus::Running
            && current.is_some_and(|c| c.version == self.label(LABEL_VERSION))
    }

    fn json(&self, current: Option<&UnitCurrent>) -> serde_json::Value {
        json!({
            "engine": self.engine, "name": self.info.name, "version": self.label(LABEL_VERSION),
            "deployment": self.label(LABEL_DEPLOYMENT), "status": status_name(self.info.status),
            "health": health_name(self.info.health), "live": self.is_live(current),
        })
    }

    fn human(&self, current: Option<&UnitCurrent>) -> String {
        let health = match self.info.health {
            HealthStatus::None => String::new(),
            other => format!(" {}", health_name(other)),
        };
        format!(
            "  container {} on {}: {} {}{health}{}",
            self.info.name,
            self.engine,
            self.label(LABEL_VERSION),
            status_name(self.info.status),
            if self.is_live(current) {
                ""
            } else {
                " (not live)"
            }
        )
    }
}

/// A unit paused at a `pause` step, as status shows it.
struct Paused<'a> {
    record: &'a PausedUnit,
    /// How many steps the unit's rollout has, the cut-over included.
    of: usize,
    /// The commands that resume and abort it.
    commands: [String; 2],
}

impl<'a> Paused<'a> {
    fn of(record: &'a PausedUnit, member: &Unit) -> Paused<'a> {
        Paused {
            record,
            of: member.rollout().len(),
            commands: orchestrate::commands(&record.environment, &record.unit),
        }
    }

    fn json(&self) -> serde_json::Value {
        let p = self.record;
        let [resume, abort] = &self.commands;
        json!({
            "version": p.version, "step": p.step, "of": self.of, "weight": p.weight,
            "since": format_ms(p.since_ms), "since_ms": p.since_ms, "deployment": p.deployment_id,
            "resume": resume, "abort": abort,
        })
    }

    fn human(&self) -> String {
        let p = self.record;
        let [resume, abort] = &self.commands;
        format!(
            "  paused: {} at step {} of {} with {}% of traffic, since {} (deployment {})\n  \
             continue: {resume}\n  roll back: {abort}",
            p.version,
            p.step,
            self.of,
            p.weight,
            format_ms(p.since_ms),
            p.deployment_id
        )
    }
}

/// Runs `sluice status`.
pub async fn run(cli: &Cli, args: &StatusArgs) -> Result<Exit, CliError> {
    let plan = session::load_plan(cli)?;
    if !plan.environments.contains_key(&args.env) {
        return Err(CliError::invalid(anyhow::anyhow!(
            "the plan has no environment `{}`",
            args.env
        )));
    }
    let store = session::open_store(&plan)?;
    let paused = store.paused(&args.env)?;
    if cli.output == Format::Human {
        println!(
            "{:14}  {:16}  {:20}  DEPLOYMENT",
            "UNIT", "VERSION", "SINCE"
        );
    }
    for member in plan.units.values().flat_map(Unit::members) {
        let current = store.current(&args.env, &member.name)?;
        let (found, unreachable) = containers_of(&plan, &member, &args.env).await;
        let unit = &member.name;
        let paused = paused
            .iter()
            .find(|p| p.unit == *unit)
            .map(|p| Paused::of(p, &member));
        match cli.output {
            Format::Json => println!(
                "{}",
                json!({
                    "environment": args.env, "unit": unit, "live": current,
                    "paused": paused.as_ref().map(Paused::json),
                    "containers": found.iter().map(|f| f.json(current.as_ref())).collect::<Vec<_>>(),
                    "unreachable": unreachable,
                })
            ),
            Format::Human => {
                match &current {
                    Some(c) => println!(
                        "{unit:14}  {:16}  {:20}  {}",
                        c.version,
                        format_ms(c.since_ms),
                        c.deployment_id
                    ),
                    None => println!("{unit:14}  {:16}  {:20}  -", "(not deployed)", "-"),
                }
                if let Some(paused) = &paused {
                    println!("{}", paused.human());
                }
                for container in &found {
                    println!("{}", container.human(current.as_ref()));
                }
                for problem in &unreachable {
                    println!("  {problem}");
                }
            }
        }
    }
    Ok(Exit::Success)
}

/// The containers labelled for `unit` in `environment` on the engines its plugin may use, and
/// what could not be asked (an engine that does not answer is reported, not fatal).
async fn containers_of(plan: &Plan, unit: &Unit, environment: &str) -> (Vec<Found>, Vec<String>) {
    let engines = engines_of(plan, unit);
    let grants = &plan.plugin_for(unit).grants;
    let cap = ContainersCap::new(&unit.plugin, grants, &engines, &[], &[]);
    let labels = [
        (LABEL_UNIT.to_owned(), unit.name.clone()),
        (LABEL_ENVIRONMENT.to_owned(), environment.to_owned()),
    ];
    let (mut found, mut unreachable) = (Vec::new(), Vec::new());
    for engine in &engines {
        match cap.list(&engine.name, &labels).await {
            Ok(infos) => found.extend(infos.into_iter().map(|info| Found {
                engine: engine.name.clone(),
                info,
            })),
            Err(
                Error::Unavailable(m)
                | Error::Failed(m)
                | Error::Denied(m)
                | Error::InvalidConfig(m),
            ) => unreachable.push(m),
        }
    }
    (found, unreachable)
}

fn status_name(status: ContainerStatus) -> &'static str {
    match status {
        ContainerStatus::Created => "created",
        ContainerStatus::Running => "running",
        ContainerStatus::Paused => "paused",
        ContainerStatus::Restarting => "restarting",
        ContainerStatus::Removing => "removing",
        ContainerStatus::Exited => "exited",
        ContainerStatus::Dead => "dead",
    }
}

fn health_name(health: HealthStatus) -> &'static str {
    match health {
        HealthStatus::None => "none",
        HealthStatus::Starting => "starting",
        HealthStatus::Healthy => "healthy",
        HealthStatus::Unhealthy => "unhealthy",
    }
}
