//! blue-green: the new version starts on the free color beside the live one, the router sends it
//! traffic (a Caddy route at `shift(100)`; an HAProxy backend's weights at every step), and
//! `finalize` retires the old color. The router is the truth about what is live; the host's
//! `current` state fills in what the router cannot say.

use crate::config::Config;
use crate::engine::Engine;
use crate::images;
use crate::live;
use crate::router::Route;
use crate::spec::container_spec;
use crate::state::{Color, Current, Deployed, Snapshot, StagedState};
use sluice_sdk::{Change, ChangeAction, Context, Error, Staged, to_state};
use std::time::Duration;

/// One blue-green unit: its config, engine and router.
pub struct BlueGreen<'a> {
    config: &'a Config,
    engine: Engine,
    route: Route<'a>,
}

impl<'a> BlueGreen<'a> {
    /// The unit `config` describes (a blue-green config, checked by `Config::load`).
    pub fn new(config: &'a Config) -> Result<Self, Error> {
        Ok(Self {
            config,
            engine: Engine::choose(config)?,
            route: Route::new(config.router()?),
        })
    }

    /// What deploying `ctx.version` would change; reads only.
    pub fn plan(&self, ctx: &Context, current: Option<&Current>) -> Result<Vec<Change>, Error> {
        let live = self.live(current)?;
        let image_id = self.engine.planned_image_id(self.config)?;
        if let Some(live) = &live
            && image_id.as_ref() == Some(&live.image_id)
            && live.version == ctx.version
        {
            return Ok(vec![Change::new(
                ChangeAction::NoOp,
                live.container.clone(),
                format!("already runs {} ({})", live.image, live.version),
            )]);
        }
        let color = next_color(live.as_ref());
        let name = self.container(color);
        let port = self.port(color);
        let action = if self.engine.inspect(&name)?.is_some() {
            ChangeAction::Replace
        } else {
            ChangeAction::Create
        };
        let mut changes = vec![
            Change::new(
                action,
                name.clone(),
                format!("{} on {}", self.config.image, self.config.dial(port)),
            ),
            Change::new(
                ChangeAction::Update,
                self.route.describe(),
                format!(
                    "{} -> {}",
                    self.route.live()?.unwrap_or_else(|| "none".into()),
                    self.config.dial(port)
                ),
            ),
        ];
        if let Some(live) = live {
            changes.push(Change::new(
                ChangeAction::Delete,
                live.container,
                format!("{} ({}), after the cut-over", live.image, live.version),
            ));
        }
        Ok(changes)
    }

    /// Notes what is live.
    pub fn prepare(&self, current: Option<&Current>) -> Result<Snapshot, Error> {
        Ok(Snapshot {
            live: self.live(current)?,
        })
    }

    /// Starts the new version on the free color and waits until it is ready.
    pub fn stage(&self, ctx: &Context, current: Option<&Current>) -> Result<Staged, Error> {
        let previous = self.live(current)?;
        let color = next_color(previous.as_ref());
        let (name, port) = (self.container(color), self.port(color));
        let (image_id, image) = self.engine.stage_image(self.config)?;
        if self.engine.discard(&name)? {
            sluice_sdk::info!("removed {name}, left over by an interrupted deployment");
        }
        let spec = container_spec(self.config, &name, &image, port, Some(color));
        self.engine.run(spec)?;
        if let Err(e) = self.engine.wait_ready(&name, self.ready_timeout()) {
            self.engine.discard(&name)?;
            return Err(e);
        }
        let summary = format!(
            "started {name} ({image}) on {}{}",
            self.config.dial(port),
            previous
                .as_ref()
                .map(|live| format!(" beside {} ({})", live.container, live.version))
                .unwrap_or_default()
        );
        sluice_sdk::info!("{summary}");
        let new = Deployed {
            container: name.clone(),
            image,
            image_id,
            port,
            version: ctx.version.clone(),
            color: Some(color),
        };
        if let Err(e) = self.route.stage(self.config, &new) {
            self.engine.discard(&name)?;
            return Err(e);
        }
        let state = StagedState {
            new,
            previous,
            history: current
                .map(|current| current.images.clone())
                .unwrap_or_default(),
            downtime_ms: None,
        };
        let base = format!("http://{}", self.config.dial(port));
        Ok(Staged {
            endpoints: vec![base.clone(), format!("{base}{}", self.config.health_path)],
            state: to_state(&state)?,
            summary,
        })
    }

    /// Sends `percent` of the traffic to the staged color (Caddy 2.6 cannot split by weight, so
    /// its route switches at 100 only).
    pub fn shift(&self, staged: &StagedState, percent: u8) -> Result<(), Error> {
        self.route.shift(self.config, staged, percent)?;
        sluice_sdk::info!(
            "{} -> {} ({}) at {percent}%",
            self.route.describe(),
            staged.new.container,
            self.config.dial(staged.new.port)
        );
        Ok(())
    }

    /// Retires the old color and the images beyond `keep_images`; returns the new `current`.
    pub fn finalize(&self, staged: StagedState) -> Result<Current, Error> {
        let routed = self.route.live()?;
        if routed.as_deref() != Some(self.config.dial(staged.new.port).as_str()) {
            return Err(Error::Failed(format!(
                "the {} sends traffic to {}, not to the staged {}: the cut-over did not happen",
                self.route.describe(),
                routed.as_deref().unwrap_or("nothing"),
                staged.new.container
            )));
        }
        let old_color = staged.new.color.unwrap_or(Color::Blue).other();
        let old = self.container(old_color);
        self.route
            .retire(&self.config.dial(self.port(old_color)), self.drain())?;
        if self.engine.retire(&old, self.config.stop_timeout_secs)? {
            sluice_sdk::info!("stopped and removed {old}");
        }
        images::finalized(&self.engine, staged, self.config.keep_images)
    }

    /// Makes `target` live again (starting it on a free color when its container is gone) and
    /// removes the other color; with no target, removes both colors and the route.
    pub fn rollback(&self, target: Option<&Deployed>) -> Result<(), Error> {
        let Some(target) = target else {
            let both = [Color::Blue, Color::Green];
            self.route
                .clear(&both.map(|color| self.config.dial(self.port(color))))?;
            for color in both {
                self.engine.discard(&self.container(color))?;
            }
            sluice_sdk::info!("nothing was live before: removed both colors and the route");
            return Ok(());
        };
        let restored = match live::verified(&self.engine, target)? {
            Some(running) => running,
            None => self.restart(target)?,
        };
        self.route.restore(self.config, &restored)?;
        let other_color = restored.color.unwrap_or(Color::Blue).other();
        let other = self.container(other_color);
        if self.engine.inspect(&other)?.is_some() {
            self.route
                .retire(&self.config.dial(self.port(other_color)), self.drain())?;
        }
        if self.engine.discard(&other)? {
            sluice_sdk::info!("removed {other}");
        }
        sluice_sdk::info!(
            "{} -> {} ({}, {})",
            self.route.describe(),
            restored.container,
            restored.image,
            restored.version
        );
        Ok(())
    }

    /// Starts `target`'s image again, on its own color unless that color is serving something
    /// else, and waits until it is ready.
    fn restart(&self, target: &Deployed) -> Result<Deployed, Error> {
        let recorded = target.color.unwrap_or(Color::Blue);
        let color = if self.routed_color()? == Some(recorded) {
            recorded.other()
        } else {
            recorded
        };
        let (name, port) = (self.container(color), self.port(color));
        let image_id = self.engine.restore_image(&target.image)?;
        self.engine.discard(&name)?;
        self.engine.run(container_spec(
            self.config,
            &name,
            &target.image,
            port,
            Some(color),
        ))?;
        if let Err(e) = self.engine.wait_ready(&name, self.ready_timeout()) {
            self.engine.discard(&name)?;
            return Err(e);
        }
        sluice_sdk::info!(
            "started {name} ({}) again on {}",
            target.image,
            self.config.dial(port)
        );
        Ok(Deployed {
            container: name,
            image: target.image.clone(),
            image_id,
            port,
            version: target.version.clone(),
            color: Some(color),
        })
    }

    /// The live container: the running color the route points at, else the running container
    /// on record.
    fn live(&self, current: Option<&Current>) -> Result<Option<Deployed>, Error> {
        let known = current.map(|current| &current.live);
        if let Some(color) = self.routed_color()? {
            let routed = live::running(
                &self.engine,
                &self.container(color),
                self.port(color),
                Some(color),
                known,
            )?;
            if routed.is_some() {
                return Ok(routed);
            }
        }
        match known {
            Some(known) => live::verified(&self.engine, known),
            None => Ok(None),
        }
    }

    /// The color whose host port the router sends most traffic to, if it sends it to one.
    fn routed_color(&self) -> Result<Option<Color>, Error> {
        let routed = self.route.live()?;
        Ok([Color::Blue, Color::Green]
            .into_iter()
            .find(|&color| routed.as_deref() == Some(self.config.dial(self.port(color)).as_str())))
    }

    fn container(&self, color: Color) -> String {
        format!("{}-{}", self.config.name, color.as_str())
    }

    fn port(&self, color: Color) -> u16 {
        let index = match color {
            Color::Blue => 0,
            Color::Green => 1,
        };
        self.config.host_ports[index]
    }

    /// How long a retired color's requests get to finish.
    fn drain(&self) -> Duration {
        Duration::from_millis(self.config.drain_ms.into())
    }

    fn ready_timeout(&self) -> Duration {
        Duration::from_secs(self.config.ready_timeout_secs.into())
    }
}

/// The color a new version starts on: the one that is not live.
fn next_color(live: Option<&Deployed>) -> Color {
    live.and_then(|live| live.color)
        .map_or(Color::Blue, Color::other)
}
