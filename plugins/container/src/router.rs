//! What sends traffic to the live color, as blue-green needs it: a Caddy route (switched all at
//! once) or an HAProxy backend (weighted per `shift` step).

use std::time::Duration;

use crate::caddy::Caddy;
use crate::config::{Config, Router};
use crate::haproxy::{Backend, FULL};
use crate::state::{Deployed, StagedState};
use sluice_sdk::Error;

/// The unit's router.
pub enum Route<'a> {
    /// A Caddy route.
    Caddy(Caddy<'a>),
    /// An HAProxy backend.
    Haproxy(Backend<'a>),
}

impl<'a> Route<'a> {
    /// The router `router` describes.
    pub fn new(router: &'a Router) -> Self {
        match router {
            Router::Caddy(router) => Route::Caddy(Caddy::new(router)),
            Router::Haproxy(router) => Route::Haproxy(Backend::new(router)),
        }
    }

    /// `caddy route api` or `haproxy backend web at 127.0.0.1:9999`.
    pub fn describe(&self) -> String {
        match self {
            Route::Caddy(caddy) => format!("caddy route {}", caddy.route()),
            Route::Haproxy(backend) => backend.describe(),
        }
    }

    /// Where most of the traffic goes (`ADDRESS:PORT`), if anywhere.
    pub fn live(&self) -> Result<Option<String>, Error> {
        match self {
            Route::Caddy(caddy) => caddy.upstream(),
            Route::Haproxy(backend) => backend.heaviest(),
        }
    }

    /// Makes the staged container `new` known to the router without sending it traffic: an
    /// HAProxy server at weight 0; nothing for Caddy.
    pub fn stage(&self, config: &Config, new: &Deployed) -> Result<(), Error> {
        let Route::Haproxy(backend) = self else {
            return Ok(());
        };
        let color = new.color.map_or("", |color| color.as_str());
        let server = backend.add(&config.name, &new.version, color, &config.dial(new.port), 0)?;
        sluice_sdk::info!("added server {server} ({}) at weight 0", new.version);
        Ok(())
    }

    /// Sends `percent` of the traffic to the staged container: HAProxy weights it `percent` and
    /// the previous one `100 - percent` (draining it at 100); Caddy switches at 100 only.
    pub fn shift(&self, config: &Config, staged: &StagedState, percent: u8) -> Result<(), Error> {
        let new_dial = config.dial(staged.new.port);
        let backend = match self {
            Route::Caddy(_) if percent < 100 => {
                sluice_sdk::info!(
                    "the Caddy route switches all at once: {percent}% changes nothing"
                );
                return Ok(());
            }
            Route::Caddy(caddy) => return caddy.route_to(&new_dial),
            Route::Haproxy(backend) => backend,
        };
        let new = backend.server_at(&new_dial)?.ok_or_else(|| {
            Error::Failed(format!(
                "{} has no server at {new_dial} for the staged {}",
                backend.describe(),
                staged.new.container
            ))
        })?;
        let weight = u16::from(percent).min(FULL);
        backend.set_weight(&new, weight)?;
        let old = match &staged.previous {
            Some(previous) => backend.server_at(&config.dial(previous.port))?,
            None => None,
        };
        let Some(old) = old else {
            sluice_sdk::info!("server {} at weight {weight}", new.name);
            return Ok(());
        };
        backend.set_weight(&old, FULL - weight)?;
        if weight == FULL {
            backend.drain(&old)?;
        }
        sluice_sdk::info!(
            "server {} at weight {weight}, {} at {}",
            new.name,
            old.name,
            FULL - weight
        );
        Ok(())
    }

    /// Stops sending traffic to `dial` for good, after giving what it serves `drain` to finish:
    /// Caddy (whose route already points elsewhere) waits `drain`; HAProxy drains and removes the
    /// server there, waiting at most `drain` for its sessions to end.
    pub fn retire(&self, dial: &str, drain: Duration) -> Result<(), Error> {
        match self {
            Route::Caddy(_) => std::thread::sleep(drain),
            Route::Haproxy(backend) => {
                if let Some(server) = backend.server_at(dial)? {
                    backend.retire(&server, drain)?;
                    sluice_sdk::info!("removed server {} ({dial})", server.name);
                }
            }
        }
        Ok(())
    }

    /// Sends all the traffic to `restored` (adding its HAProxy server when it has none).
    pub fn restore(&self, config: &Config, restored: &Deployed) -> Result<(), Error> {
        let dial = config.dial(restored.port);
        match self {
            Route::Caddy(caddy) => caddy.route_to(&dial),
            Route::Haproxy(backend) => match backend.server_at(&dial)? {
                Some(server) => backend.set_weight(&server, FULL),
                None => {
                    let color = restored.color.map_or("", |color| color.as_str());
                    backend
                        .add(&config.name, &restored.version, color, &dial, FULL)
                        .map(drop)
                }
            },
        }
    }

    /// Removes every trace of the unit: the Caddy route, or the HAProxy servers at `dials`.
    pub fn clear(&self, dials: &[String]) -> Result<(), Error> {
        match self {
            Route::Caddy(caddy) => caddy.remove_route(),
            Route::Haproxy(_) => dials
                .iter()
                .try_for_each(|dial| self.retire(dial, Duration::ZERO)),
        }
    }
}
