//! `wit-v0-1-1`: the contract fixture of WIT 0.1.1. Built against the frozen copy
//! `wit/since_v0.1.1/`, it calls everything the 0.1.0 fixture calls (the same [`fixture`]
//! source) and what 0.1.1 added ([`added`]): `plan-notes.irreversible` in `plan` and
//! `http.send-all` in `stage`. `tests/all/wit_versions.rs` deploys it.

wit_bindgen::generate!({
    path: "../../../wit/since_v0.1.1",
    world: "sluice:deploy/plugin",
    generate_all,
});

mod added;
#[path = "../../wit-v0-1-0/src/fixture.rs"]
mod fixture;

use added::newer_plan;
use fixture::Fixture;
use sluice::deploy::types::Error;

/// 0.1.1 added nothing that needs more config.
#[derive(serde::Deserialize)]
pub struct NewerConfig {}

/// What 0.1.1 added to `stage`.
fn newer_stage(config: &fixture::Config, _newer: &NewerConfig, token: &str) -> Result<(), Error> {
    added::newer_stage(config, token)
}

export!(Fixture);
