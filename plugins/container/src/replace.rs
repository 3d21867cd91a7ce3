//! replace: the old container stops, the new one starts on the same host port under the same
//! name. The old one waits, stopped and renamed `<name>-previous`, until `finalize` removes it
//! or `rollback` starts it again. The time between stopping the old and the new one running is
//! downtime: it is measured and reported in the staged summary.

use crate::config::Config;
use crate::engine::Engine;
use crate::images;
use crate::live;
use crate::spec::container_spec;
use crate::state::{Current, Deployed, Snapshot, StagedState};
use sluice_sdk::{Change, ChangeAction, Context, Error, Staged, to_state};
use std::time::{Duration, Instant};

/// One replace-mode unit: its config and engine.
pub struct Replace<'a> {
    config: &'a Config,
    engine: Engine,
}

impl<'a> Replace<'a> {
    /// The unit `config` describes.
    pub fn new(config: &'a Config) -> Result<Self, Error> {
        Ok(Self {
            config,
            engine: Engine::choose(config)?,
        })
    }

    /// What deploying `ctx.version` would change; reads only.
    pub fn plan(&self, ctx: &Context, current: Option<&Current>) -> Result<Vec<Change>, Error> {
        let live = self.live(current)?;
        let image_id = self.engine.planned_image_id(self.config)?;
        let name = &self.config.name;
        let port = self.config.dial(self.port());
        Ok(vec![match live {
            Some(live)
                if image_id.as_ref() == Some(&live.image_id) && live.version == ctx.version =>
            {
                Change::new(
                    ChangeAction::NoOp,
                    name.clone(),
                    format!("already runs {} ({})", live.image, live.version),
                )
            }
            Some(live) => Change::new(
                ChangeAction::Replace,
                name.clone(),
                format!(
                    "{} -> {} on {port}: stopped first, so the port is closed until the new one runs",
                    live.image, self.config.image
                ),
            ),
            None => Change::new(
                ChangeAction::Create,
                name.clone(),
                format!("{} on {port}", self.config.image),
            ),
        }])
    }

    /// Notes what is live.
    pub fn prepare(&self, current: Option<&Current>) -> Result<Snapshot, Error> {
        Ok(Snapshot {
            live: self.live(current)?,
        })
    }

    /// Stops the old container, keeps it as `<name>-previous`, starts the new one.
    pub fn stage(&self, ctx: &Context, current: Option<&Current>) -> Result<Staged, Error> {
        let name = &self.config.name;
        let previous_name = self.previous_name();
        let (image_id, image) = self.engine.stage_image(self.config)?;
        if self.engine.discard(&previous_name)? {
            sluice_sdk::info!("removed {previous_name}, left over by an earlier deployment");
        }
        let previous = self.live(current)?;
        let stopping = Instant::now();
        if self.engine.inspect(name)?.is_some() {
            self.engine.stop(name, self.config.stop_timeout_secs)?;
            self.engine.rename(name, &previous_name)?;
        }
        let spec = container_spec(self.config, name, &image, self.port(), None);
        self.engine.run(spec)?;
        let waiting = Instant::now();
        let running_after = self.engine.wait_ready(name, self.ready_timeout())?;
        let downtime = waiting.duration_since(stopping) + running_after;
        let summary = match &previous {
            Some(previous) => format!(
                "replaced {name} ({} -> {}) on {}: {} ms from stopping the old container to the new one running",
                previous.version,
                ctx.version,
                self.config.dial(self.port()),
                downtime.as_millis()
            ),
            None => format!(
                "started {name} ({image}) on {}",
                self.config.dial(self.port())
            ),
        };
        sluice_sdk::info!("{summary}");
        let state = StagedState {
            new: Deployed {
                container: name.clone(),
                image,
                image_id,
                port: self.port(),
                version: ctx.version.clone(),
                color: None,
            },
            downtime_ms: previous
                .is_some()
                .then_some(u64::try_from(downtime.as_millis()).unwrap_or(u64::MAX)),
            previous,
            history: current
                .map(|current| current.images.clone())
                .unwrap_or_default(),
        };
        let base = format!("http://{}", self.config.dial(self.port()));
        Ok(Staged {
            endpoints: vec![base.clone(), format!("{base}{}", self.config.health_path)],
            state: to_state(&state)?,
            summary,
        })
    }

    /// Removes `<name>-previous` and the images beyond `keep_images`; returns the new `current`.
    pub fn finalize(&self, staged: StagedState) -> Result<Current, Error> {
        let previous_name = self.previous_name();
        if self.engine.discard(&previous_name)? {
            sluice_sdk::info!("removed {previous_name}");
        }
        images::finalized(&self.engine, staged, self.config.keep_images)
    }

    /// Makes `target` run as `<name>` again: `<name>-previous` renamed back when it holds
    /// target's image, else a new container of it; with no target, removes both.
    pub fn rollback(&self, target: Option<&Deployed>) -> Result<(), Error> {
        let name = &self.config.name;
        let previous_name = self.previous_name();
        let Some(target) = target else {
            self.engine.discard(name)?;
            self.engine.discard(&previous_name)?;
            sluice_sdk::info!("nothing was live before: removed {name}");
            return Ok(());
        };
        let restored = Deployed {
            container: name.clone(),
            ..target.clone()
        };
        if live::verified(&self.engine, &restored)?.is_some() {
            self.engine.discard(&previous_name)?;
            sluice_sdk::info!("{name} runs {} ({}) already", target.image, target.version);
            return Ok(());
        }
        self.engine.discard(name)?;
        let kept = self
            .engine
            .inspect(&previous_name)?
            .is_some_and(|info| info.image_id == target.image_id);
        if kept {
            self.engine.rename(&previous_name, name)?;
            self.engine.start(name)?;
        } else {
            self.engine.discard(&previous_name)?;
            self.engine.restore_image(&target.image)?;
            let spec = container_spec(self.config, name, &target.image, self.port(), None);
            self.engine.run(spec)?;
        }
        self.engine.wait_ready(name, self.ready_timeout())?;
        sluice_sdk::info!(
            "{name} runs {} ({}) again on {}",
            target.image,
            target.version,
            self.config.dial(self.port())
        );
        Ok(())
    }

    /// The running `<name>`, if any.
    fn live(&self, current: Option<&Current>) -> Result<Option<Deployed>, Error> {
        let known = current.map(|current| &current.live);
        live::running(&self.engine, &self.config.name, self.port(), None, known)
    }

    fn previous_name(&self) -> String {
        format!("{}-previous", self.config.name)
    }

    fn port(&self) -> u16 {
        self.config.host_ports[0]
    }

    fn ready_timeout(&self) -> Duration {
        Duration::from_secs(self.config.ready_timeout_secs.into())
    }
}
