//! What WIT 0.1.1 added, as the contract fixtures call it: `plan-notes.irreversible` in `plan`
//! and `http.send-all` in `stage`. `wit-v0-1-1` calls only this; `wit-v0-1-2` includes this file
//! and calls what 0.1.2 added besides.

use crate::fixture;
use crate::sluice::deploy::http;
use crate::sluice::deploy::plan_notes;
use crate::sluice::deploy::types::Error;

/// The note `sluice plan` must show: it names the fixture.
pub fn newer_plan() {
    plan_notes::irreversible(concat!(
        "contract fixture ",
        env!("CARGO_PKG_NAME"),
        ": plan-notes reached the host"
    ));
}

/// Two requests at once through `http.send-all`, each carrying the secret.
pub fn newer_stage(config: &fixture::Config, token: &str) -> Result<(), Error> {
    let requests = [
        fixture::get(&config.url, token),
        fixture::get(&config.url, token),
    ];
    let statuses = http::send_all(&requests)
        .into_iter()
        .map(|answer| answer.map(|response| response.status))
        .collect::<Result<Vec<_>, _>>()
        .map_err(fixture::context("http.send-all"))?;
    fixture::say(&format!("http.send-all: {statuses:?}"));
    Ok(())
}
