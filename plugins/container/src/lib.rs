//! `container`: runs one service as a Docker container, through the host's `containers`
//! capability (bollard on the host side), in one of two modes:
//!
//! - `blue-green` starts the new version on the free color (`<name>-blue` / `<name>-green`, one
//!   loopback host port each) beside the live one, and switches a Caddy route to it through
//!   Caddy's admin API (the `http` capability, granted only that origin), or weights the two
//!   colors as servers of an HAProxy backend through its runtime API (the `haproxy` capability,
//!   granted only that backend): `shift(p)` gives the new one `p` and the old one `100 - p`.
//!   `finalize` retires the old color; `rollback` sends all the traffic back and removes the new
//!   one.
//! - `replace` stops the old container and starts the new one on the same port, measuring the
//!   downtime; `rollback` starts the old one again.
//!
//! Both wait for a new container to run (and to be healthy, when its image has a Docker
//! HEALTHCHECK), fail at once when it exits or crash-loops (quoting its last log lines), and
//! keep the last `keep_images` images the unit deployed so `sluice rollback` needs no registry.

mod blue_green;
mod caddy;
mod config;
mod engine;
mod failure;
mod haproxy;
mod images;
mod live;
mod replace;
mod router;
mod spec;
mod state;

use blue_green::BlueGreen;
use config::{Config, Mode};
use replace::Replace;
use sluice_sdk::{
    Change, Context, Error, Feature, PluginInfo, Staged, Strategy, parse_state, restore_target,
    to_state,
};
use state::{Current, Snapshot, StagedState};

struct Container;

/// The unit, in its configured mode.
enum Unit<'a> {
    BlueGreen(BlueGreen<'a>),
    Replace(Replace<'a>),
}

impl<'a> Unit<'a> {
    fn new(config: &'a Config) -> Result<Self, Error> {
        Ok(match config.mode {
            Mode::BlueGreen => Unit::BlueGreen(BlueGreen::new(config)?),
            Mode::Replace => Unit::Replace(Replace::new(config)?),
        })
    }
}

impl Strategy for Container {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "container".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Runs a service as a Docker container: blue-green beside the old one \
                          with a Caddy route switch or weighted HAProxy servers (a canary per \
                          shift step), or replace in place with measured downtime."
                .into(),
            config_schema: config::SCHEMA.into(),
            // traffic-shift: through an HAProxy router; a Caddy route switches at 100% only.
            features: vec![Feature::Rollback, Feature::TrafficShift, Feature::Plan],
        }
    }

    fn plan(ctx: &Context, config: &Config, current: Option<&str>) -> Result<Vec<Change>, Error> {
        let current = parse_current(current)?;
        match Unit::new(config)? {
            Unit::BlueGreen(unit) => unit.plan(ctx, current.as_ref()),
            Unit::Replace(unit) => unit.plan(ctx, current.as_ref()),
        }
    }

    fn prepare(_ctx: &Context, config: &Config, current: Option<&str>) -> Result<String, Error> {
        let current = parse_current(current)?;
        let snapshot = match Unit::new(config)? {
            Unit::BlueGreen(unit) => unit.prepare(current.as_ref())?,
            Unit::Replace(unit) => unit.prepare(current.as_ref())?,
        };
        to_state(&snapshot)
    }

    fn stage(ctx: &Context, config: &Config, current: Option<&str>) -> Result<Staged, Error> {
        let current = parse_current(current)?;
        match Unit::new(config)? {
            Unit::BlueGreen(unit) => unit.stage(ctx, current.as_ref()),
            Unit::Replace(unit) => unit.stage(ctx, current.as_ref()),
        }
    }

    fn shift(_ctx: &Context, config: &Config, staged: &str, percent: u8) -> Result<(), Error> {
        let staged: StagedState = parse_state("staged state", staged)?;
        match Unit::new(config)? {
            Unit::BlueGreen(unit) => unit.shift(&staged, percent),
            Unit::Replace(_) => Ok(()),
        }
    }

    fn finalize(_ctx: &Context, config: &Config, staged: &str) -> Result<String, Error> {
        let staged: StagedState = parse_state("staged state", staged)?;
        let current = match Unit::new(config)? {
            Unit::BlueGreen(unit) => unit.finalize(staged)?,
            Unit::Replace(unit) => unit.finalize(staged)?,
        };
        to_state(&current)
    }

    fn rollback(
        _ctx: &Context,
        config: &Config,
        _staged: Option<&str>,
        snapshot: Option<&str>,
        current: Option<&str>,
    ) -> Result<(), Error> {
        // The staged container needs no naming: whatever is not the target is removed.
        let target = restore_target(
            current,
            snapshot,
            |current: Current| current.live,
            |snapshot: Snapshot| snapshot.live,
        )?;
        match Unit::new(config)? {
            Unit::BlueGreen(unit) => unit.rollback(target.as_ref()),
            Unit::Replace(unit) => unit.rollback(target.as_ref()),
        }
    }
}

fn parse_current(current: Option<&str>) -> Result<Option<Current>, Error> {
    current
        .map(|current| parse_state("current state", current))
        .transpose()
}

sluice_sdk::export!(Container);
