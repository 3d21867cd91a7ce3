//! `wit-v0-1-2`: the contract fixture of WIT 0.1.2 (the `plugin` world). Built against the
//! frozen copy `wit/since_v0.1.2/`, it calls everything the 0.1.1 fixture calls (the same
//! [`fixture`] and [`added_in_0_1_1`] sources) and what 0.1.2 added to the world
//! ([`added_in_0_1_2`]): every function of `haproxy` in `stage`, on the backend its config
//! names. `tests/all/wit_versions.rs` deploys it. (0.1.2's other addition, the `gate-plugin`
//! world, has its own fixture, `wit-v0-1-2-gate`.)

wit_bindgen::generate!({
    path: "../../../wit/since_v0.1.2",
    world: "sluice:deploy/plugin",
    generate_all,
});

#[path = "../../wit-v0-1-1/src/added.rs"]
mod added_in_0_1_1;
#[path = "added.rs"]
mod added_in_0_1_2;
#[path = "../../wit-v0-1-0/src/fixture.rs"]
mod fixture;

use serde::Deserialize;

use added_in_0_1_1::newer_plan;
use fixture::Fixture;
use sluice::deploy::types::Error;

/// What `haproxy` reaches: its config.
#[derive(Deserialize)]
pub struct NewerConfig {
    /// The HAProxy the test granted.
    pub haproxy: added_in_0_1_2::Backend,
}

/// What 0.1.1 added, then what 0.1.2 added.
fn newer_stage(config: &fixture::Config, newer: &NewerConfig, token: &str) -> Result<(), Error> {
    added_in_0_1_1::newer_stage(config, token)?;
    added_in_0_1_2::newer_stage(&newer.haproxy)
}

export!(Fixture);
