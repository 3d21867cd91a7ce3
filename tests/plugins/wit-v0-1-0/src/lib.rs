//! `wit-v0-1-0`: the contract fixture of WIT 0.1.0. Built against the frozen copy
//! `wit/since_v0.1.0/` with wit-bindgen, it imports every interface of that release (`log`,
//! `secrets`, `http`, `containers`, `sql`) and calls each in `stage` (see [`fixture`]).
//! `tests/all/wit_versions.rs` deploys it, so a host change that breaks a 0.1.0 plugin fails.

wit_bindgen::generate!({
    path: "../../../wit/since_v0.1.0",
    world: "sluice:deploy/plugin",
    generate_all,
});

mod fixture;

use fixture::Fixture;
use sluice::deploy::types::Error;

/// 0.1.0 needs no more config.
#[derive(serde::Deserialize)]
pub struct NewerConfig {}

/// 0.1.0 has nothing to note in `plan`.
fn newer_plan() {}

/// 0.1.0 has nothing more to call in `stage`.
fn newer_stage(_config: &fixture::Config, _newer: &NewerConfig, _token: &str) -> Result<(), Error> {
    Ok(())
}

export!(Fixture);
