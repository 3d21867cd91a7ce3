//! `wit-v0-1-1`: the contract fixture of WIT 0.1.1. Built against the frozen copy
//! `wit/since_v0.1.1/`, it calls everything the 0.1.0 fixture calls (the same [`fixture`]
//! source) and what 0.1.1 added: `plan-notes.irreversible` in `plan` and `http.send-all` in
//! `stage`. `tests/frozen_wit.rs` deploys it.

wit_bindgen::generate!({
    path: "../../../wit/since_v0.1.1",
    world: "sluice:deploy/plugin",
    generate_all,
});

#[path = "../../wit-v0-1-0/src/fixture.rs"]
mod fixture;

use fixture::Fixture;
use sluice::deploy::http;
use sluice::deploy::plan_notes;
use sluice::deploy::types::Error;

/// The note `sluice plan` must show.
fn newer_plan() {
    plan_notes::irreversible("contract fixture 0.1.1: plan-notes reached the host");
}

/// Two requests at once through `http.send-all`, each carrying the secret.
fn newer_stage(config: &fixture::Config, token: &str) -> Result<(), Error> {
    let requests = [
        fixture::get(&config.url, token),
        fixture::get(&config.url, token),
    ];
    let statuses = http::send_all(&requests)
        .into_iter()
        .map(|answer| answer.map(|response| response.status))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Failed(format!("http.send-all: {e:?}")))?;
    fixture::say(&format!("http.send-all: {statuses:?}"));
    Ok(())
}

export!(Fixture);
