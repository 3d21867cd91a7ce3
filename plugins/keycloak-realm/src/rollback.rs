//! Putting the realm back: from the snapshot `prepare` took, or, without one, only when Keycloak
//! already holds the import that should be live.

use sluice_sdk::Error;

use crate::admin::Admin;
use crate::config::{Config, Policy};
use crate::import::{set_checksum, stored_checksum};
use crate::resource::import_body;
use crate::state::{Imported, Snapshot};

/// Restores `snapshot`: deletes the realm it did not have, or deletes what the import added,
/// imports (overwrites) what it changed as it was, and puts the realm's settings and checksum
/// back. Safe to run again.
pub fn restore(admin: &Admin<'_>, config: &Config, snapshot: &Snapshot) -> Result<(), Error> {
    let Some(realm) = &snapshot.realm else {
        return admin.delete_realm();
    };
    for key in snapshot.absent.iter().rev() {
        if let Some(rep) = admin.find(key)? {
            admin.delete(key, &rep)?;
        }
    }
    if !snapshot.existing.is_empty() {
        admin.partial_import(&import_body(&snapshot.existing, Policy::Overwrite))?;
    }
    let mut realm = realm.clone();
    let previous = stored_checksum(&realm, config).cloned().unwrap_or_default();
    set_checksum(&mut realm, config, &previous);
    admin.update_realm(&realm)
}

/// Without a snapshot there is nothing to restore from: fine when Keycloak holds `current`
/// (nothing was changed), an error otherwise (an older import cannot be rebuilt from its checksum).
pub fn without_snapshot(
    admin: &Admin<'_>,
    config: &Config,
    current: Option<&Imported>,
) -> Result<(), Error> {
    let Some(current) = current else {
        return Ok(());
    };
    let holds = admin.realm()?;
    let stored = holds
        .as_ref()
        .and_then(|realm| stored_checksum(realm, config));
    if stored == Some(&current.checksum) {
        return Ok(());
    }
    Err(Error::Failed(format!(
        "realm `{}` holds the import with checksum {}, not the one to return to ({}); keycloak-realm \
         can only undo a deployment from its snapshot: apply the older realm file again instead",
        config.realm,
        stored.map(String::as_str).unwrap_or("none"),
        current.checksum
    )))
}
