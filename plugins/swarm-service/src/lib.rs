//! `swarm-service`: runs one Docker Swarm service through the host's `services` capability, and
//! deploys a new version in place with Swarm's rolling update (`start-first` by default: each new
//! task runs, and is healthy when its image has a HEALTHCHECK, before the old one stops, while
//! the routing mesh keeps serving on the published port).
//!
//! - `stage` creates the service, or updates it to the new image, and waits until every task
//!   runs it (Swarm's update status completed, no old task running); Swarm pausing or rolling
//!   the update back fails it at once. The new version then serves: the gates probe the
//!   published port.
//! - `shift` does nothing (Swarm moves the traffic task by task).
//! - `finalize` records the new release.
//! - `rollback` uses Swarm's own rollback (`docker service update --rollback`) when this
//!   deployment wrote the service's spec, so the previous spec comes back as Swarm keeps it;
//!   otherwise (or when the previous spec was not the one to restore) it updates the service to
//!   the recorded image. A service this deployment created is removed.

mod config;
mod converge;
mod state;
mod swarm;

use config::Config;
use converge::Direction;
use sluice_sdk::{
    Change, ChangeAction, Context, Error, Feature, PluginInfo, Staged, Strategy, parse_state,
    restore_target, to_state,
};
use state::{Current, Release, Snapshot, StagedState};
use swarm::Swarm;

/// The label the host puts on a service naming the deployment that wrote its spec.
const DEPLOYMENT_LABEL: &str = "sluice.deployment";

struct SwarmService;

impl Strategy for SwarmService {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "swarm-service".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Runs a Docker Swarm service and updates it with Swarm's rolling \
                          update (start-first through the routing mesh); a failed gate rolls it \
                          back with Swarm's own rollback."
                .into(),
            config_schema: config::SCHEMA.into(),
            features: vec![Feature::Rollback, Feature::Plan],
        }
    }

    fn plan(ctx: &Context, config: &Config, _current: Option<&str>) -> Result<Vec<Change>, Error> {
        let swarm = Swarm::choose(config)?;
        let change = match swarm.inspect(&config.name)? {
            None => Change::new(
                ChangeAction::Create,
                &config.name,
                format!(
                    "running {} on {} task(s), published on {}",
                    config.image, config.replicas, config.published_port
                ),
            ),
            Some(info) if info.image == config.image => Change::new(
                ChangeAction::NoOp,
                &config.name,
                format!("already runs {} ({})", config.image, ctx.version),
            ),
            Some(info) => Change::new(
                ChangeAction::Update,
                &config.name,
                format!(
                    "{} -> {} ({}, {} at a time)",
                    shown(&info.image),
                    config.image,
                    config.update.order.as_str(),
                    config.update.parallelism
                ),
            ),
        };
        Ok(vec![change])
    }

    fn prepare(_ctx: &Context, config: &Config, _current: Option<&str>) -> Result<String, Error> {
        let live = Swarm::choose(config)?
            .inspect(&config.name)?
            .map(|info| Release {
                image: info.image,
                image_id: info.image_id,
            });
        to_state(&Snapshot { live })
    }

    fn stage(ctx: &Context, config: &Config, _current: Option<&str>) -> Result<Staged, Error> {
        let swarm = Swarm::choose(config)?;
        let new = swarm.release(&config.image)?;
        let spec = config.spec(&config.image);
        let previous = match swarm.inspect(&config.name)? {
            None => {
                swarm.create(&spec)?;
                None
            }
            Some(info) => {
                swarm.update(&spec)?;
                Some(Release {
                    image: info.image,
                    image_id: info.image_id,
                })
            }
        };
        let took = swarm.converge(config, &new, Direction::Update)?;
        let origin = config.origin();
        let summary = format!(
            "{} runs {} ({}) on {} task(s), converged in {:.1} s{}",
            config.name,
            config.image,
            ctx.version,
            config.replicas,
            took.as_secs_f64(),
            previous
                .as_ref()
                .map(|old| format!(", replacing {}", shown(&old.image)))
                .unwrap_or_default()
        );
        Ok(Staged {
            state: to_state(&StagedState { new, previous })?,
            endpoints: vec![origin.clone(), format!("{origin}{}", config.health_path)],
            summary,
        })
    }

    fn finalize(ctx: &Context, config: &Config, staged: &str) -> Result<String, Error> {
        let staged: StagedState = parse_state("staged state", staged)?;
        to_state(&Current {
            service: config.name.clone(),
            live: staged.new,
            version: ctx.version.clone(),
        })
    }

    fn rollback(
        ctx: &Context,
        config: &Config,
        _staged: Option<&str>,
        snapshot: Option<&str>,
        current: Option<&str>,
    ) -> Result<(), Error> {
        let target = restore_target(
            current,
            snapshot,
            |current: Current| current.live,
            |snapshot: Snapshot| snapshot.live,
        )?;
        let swarm = Swarm::choose(config)?;
        let info = swarm.inspect(&config.name)?;
        match (target, info) {
            (None, None) => Ok(()),
            (None, Some(_)) => {
                sluice_sdk::info!("removing {}: nothing ran before", config.name);
                swarm.remove(&config.name)
            }
            (Some(target), None) => {
                swarm.create(&config.spec(&target.image))?;
                swarm.converge(config, &target, Direction::Update).map(drop)
            }
            (Some(target), Some(info)) => {
                if info.image_id == target.image_id {
                    return swarm
                        .converge(config, &target, Direction::Rollback)
                        .map(drop);
                }
                let written_here = info
                    .labels
                    .iter()
                    .any(|(key, value)| key == DEPLOYMENT_LABEL && *value == ctx.deployment_id);
                if written_here {
                    swarm.rollback(&config.name)?;
                    let back = swarm.inspect(&config.name)?;
                    if back.is_some_and(|info| info.image_id == target.image_id) {
                        sluice_sdk::info!("Swarm rolled {} back to {}", config.name, target.image);
                        return swarm
                            .converge(config, &target, Direction::Rollback)
                            .map(drop);
                    }
                }
                let target = swarm.release(&target.image)?;
                swarm.update(&config.spec(&target.image))?;
                swarm.converge(config, &target, Direction::Update).map(drop)
            }
        }
    }
}

/// An image reference as people read it; a service sluice did not write has none.
fn shown(image: &str) -> &str {
    if image.is_empty() {
        "an image sluice did not deploy"
    } else {
        image
    }
}

sluice_sdk::export!(SwarmService);
