//! What is live: the container the host's `current` state names, checked against the engine,
//! or the one the engine and the router say is serving.

use crate::engine::Engine;
use crate::state::{Color, Deployed};
use sluice_sdk::Error;
use sluice_sdk::containers::{ContainerInfo, ContainerStatus};

/// The label the host puts on every container it creates with the version it deploys.
const VERSION_LABEL: &str = "sluice.version";

/// `deployed`, if its container still runs its image; a warning says why not otherwise.
pub fn verified(engine: &Engine, deployed: &Deployed) -> Result<Option<Deployed>, Error> {
    let Some(info) = engine.inspect(&deployed.container)? else {
        sluice_sdk::warn!(
            "{} (the live container on record) is gone",
            deployed.container
        );
        return Ok(None);
    };
    if info.status != ContainerStatus::Running {
        sluice_sdk::warn!(
            "{} (the live container on record) is not running",
            deployed.container
        );
        return Ok(None);
    }
    if info.image_id != deployed.image_id {
        sluice_sdk::warn!(
            "{} runs {} now, not {} as on record",
            deployed.container,
            info.image,
            deployed.image
        );
        return Ok(None);
    }
    Ok(Some(deployed.clone()))
}

/// The running container `name`, published on `port`, as a [`Deployed`]; its version comes
/// from the host's label, else from `known` when that is the same container and image.
pub fn running(
    engine: &Engine,
    name: &str,
    port: u16,
    color: Option<Color>,
    known: Option<&Deployed>,
) -> Result<Option<Deployed>, Error> {
    let Some(info) = engine.inspect(name)? else {
        return Ok(None);
    };
    if info.status != ContainerStatus::Running {
        return Ok(None);
    }
    let version = version_of(&info, known);
    Ok(Some(Deployed {
        container: info.name,
        image: info.image,
        image_id: info.image_id,
        port,
        version,
        color,
    }))
}

fn version_of(info: &ContainerInfo, known: Option<&Deployed>) -> String {
    if let Some((_, version)) = info.labels.iter().find(|(key, _)| key == VERSION_LABEL) {
        return version.clone();
    }
    match known {
        Some(known) if known.container == info.name && known.image_id == info.image_id => {
            known.version.clone()
        }
        _ => info
            .image
            .rsplit_once(':')
            .map_or("unknown", |(_, tag)| tag)
            .to_owned(),
    }
}
