//! `keycloak-realm`: makes a Keycloak realm match the unit's realm files, through the Admin REST
//! API (the `http` capability, granted Keycloak's origin) signed in with a granted secret.
//!
//! A missing realm is created from the files. An existing one whose checksum attribute
//! (keycloak-config-cli's `de.adorsys.keycloak.config.import-checksum-<key>`) equals the files'
//! sha256 is left alone, so `plan` says "no change" and nothing is written. Otherwise the
//! resources that changed since the last import (see [`selection`]) go through `partialImport`
//! with the configured `ifResourceExists` policy, then the realm's settings and checksum are
//! updated. `prepare` snapshots the realm and every resource the import sends; `rollback`
//! deletes what the import added and imports the rest back as it was.

mod admin;
mod config;
mod import;
mod plan;
mod realm_file;
mod resource;
mod rollback;
mod selection;
mod session;
mod state;

use admin::Admin;
use config::Config;
use import::Import;
use session::Session;
use sluice_sdk::{
    Change, Context, Error, Feature, PluginInfo, Staged, Strategy, parse_state, to_state,
};
use state::{Imported, Snapshot, StagedImport};

struct KeycloakRealm;

impl Strategy for KeycloakRealm {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "keycloak-realm".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Imports a Keycloak realm from realm files through the Admin API: \
                          created when missing, skipped when its checksum is unchanged, \
                          restored from a snapshot on rollback."
                .into(),
            config_schema: config::SCHEMA.into(),
            features: vec![Feature::Rollback, Feature::Plan],
        }
    }

    fn plan(_ctx: &Context, config: &Config, current: Option<&str>) -> Result<Vec<Change>, Error> {
        let session = Session::open(config)?;
        let admin = Admin::new(&session);
        Import::new(&admin, config, parse_current(current)?)?.plan()
    }

    fn prepare(_ctx: &Context, config: &Config, current: Option<&str>) -> Result<String, Error> {
        let session = Session::open(config)?;
        let admin = Admin::new(&session);
        let import = Import::new(&admin, config, parse_current(current)?)?;
        to_state(&import.snapshot()?)
    }

    fn stage(_ctx: &Context, config: &Config, current: Option<&str>) -> Result<Staged, Error> {
        let session = Session::open(config)?;
        let admin = Admin::new(&session);
        Import::new(&admin, config, parse_current(current)?)?.apply()
    }

    // `shift`: the SDK's no-op; in place, the realm changed at stage.

    fn finalize(_ctx: &Context, _config: &Config, staged: &str) -> Result<String, Error> {
        let staged: StagedImport = parse_state("staged state", staged)?;
        to_state(&staged.imported)
    }

    fn rollback(
        _ctx: &Context,
        config: &Config,
        _staged: Option<&str>,
        snapshot: Option<&str>,
        current: Option<&str>,
    ) -> Result<(), Error> {
        let session = Session::open(config)?;
        let admin = Admin::new(&session);
        match snapshot {
            Some(snapshot) => {
                let snapshot: Snapshot = parse_state("snapshot", snapshot)?;
                rollback::restore(&admin, config, &snapshot)
            }
            None => rollback::without_snapshot(&admin, config, parse_current(current)?.as_ref()),
        }
    }
}

fn parse_current(current: Option<&str>) -> Result<Option<Imported>, Error> {
    current.map(|c| parse_state("current state", c)).transpose()
}

sluice_sdk::export!(KeycloakRealm);
