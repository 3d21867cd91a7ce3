//! Before a plan's plugins load: those from registries that the store of pulled plugins does not
//! hold (or holds damaged) are pulled, verified and stored, each announced on standard error. A
//! plugin the store holds is never asked of the registry again: its digest names the same bytes.

use std::collections::BTreeMap;

use super::CliError;
use crate::oci::registry::{self, Login};
use crate::oci::{OciError, Store};
use crate::plan::model::{OciSource, PluginSource};
use crate::plan::{Plan, PlanError};

/// Pulls every registry plugin of `plan` that `store` lacks. `secrets` are the plan's (registry
/// passwords come from them).
pub async fn pull_plugins(
    plan: &Plan,
    store: &Store,
    secrets: &BTreeMap<String, Option<String>>,
) -> Result<(), CliError> {
    for (name, decl) in &plan.plugins {
        let PluginSource::Oci(source) = &decl.source else {
            continue;
        };
        let at_source = |exit: fn(PlanError) -> CliError, message: String| {
            exit(PlanError::at(
                plan,
                plan.locate(&["plugins", name, "source"]),
                message,
            ))
        };
        let digest = source.digest().ok_or_else(|| {
            at_source(
                CliError::invalid,
                format!(
                    "plugin `{name}`: `{}` is not pinned: add `@sha256:DIGEST` (printed by `sluice \
                     plugins push`), or run `sluice plugins lock` to pin what the tag names now \
                     in {}",
                    source.reference,
                    crate::oci::Lockfile::path_for(&plan.file).display()
                ),
            )
        })?;
        match store.component(digest) {
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(damaged) => eprintln!("plugin `{name}`: pulling again: {damaged}"),
        }
        let pulled = pull(plan, source, digest, secrets).await.map_err(|e| {
            let exit = match e {
                OciError::Registry(_) => CliError::failed,
                _ => CliError::invalid,
            };
            at_source(
                exit,
                format!(
                    "cannot pull plugin `{name}` from {}: {e}",
                    with_digest(source, digest)
                ),
            )
        })?;
        store
            .put(digest, &pulled.manifest, &pulled.component)
            .map_err(CliError::failed)?;
        eprintln!(
            "pulled plugin `{name}` from {} ({} bytes)",
            with_digest(source, digest),
            pulled.component.len()
        );
    }
    Ok(())
}

async fn pull(
    plan: &Plan,
    source: &OciSource,
    digest: &str,
    secrets: &BTreeMap<String, Option<String>>,
) -> Result<registry::Pulled, OciError> {
    let login = login(plan, &source.reference.registry, secrets)?;
    registry::pull(&source.reference, digest, &login).await
}

/// The plan's login for `registry` (`[registries."HOST"]`), or none.
pub fn login(
    plan: &Plan,
    registry: &str,
    secrets: &BTreeMap<String, Option<String>>,
) -> Result<Login, OciError> {
    let Some(entry) = plan.registries.get(registry) else {
        return Ok(Login::default());
    };
    match secrets.get(&entry.password_secret).cloned().flatten() {
        Some(password) => Ok(Login::basic(entry.username.clone(), password)),
        None => Err(OciError::Registry(format!(
            "the password of [registries.\"{registry}\"] is the secret `{}`, which has no value \
             here",
            entry.password_secret
        ))),
    }
}

/// The reference with the digest that pins it.
fn with_digest(source: &OciSource, digest: &str) -> String {
    crate::oci::Reference {
        digest: Some(digest.to_owned()),
        ..source.reference.clone()
    }
    .to_string()
}
