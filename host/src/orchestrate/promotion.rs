//! Promotion: `[environments.production] promote_from = "staging"` lets a version reach
//! production only after the same version, deployed by the same plugins (same digests), succeeded
//! on staging — unit by unit (any member of a fleet counts).

use super::error::OrchestrateError;
use super::setup::Deployer;
use crate::plan::model::MEMBER_SEPARATOR;
use crate::state::{HistoryFilter, Outcome};

/// Refuses to deploy `version` of `selected` units unless each succeeded with it in the
/// environment this one promotes from (when it names one).
pub fn check(d: &Deployer, version: &str, selected: &[String]) -> Result<(), OrchestrateError> {
    let Some(source) = d
        .plan
        .environments
        .get(&d.environment)
        .and_then(|e| e.promote_from.as_ref())
    else {
        return Ok(());
    };
    let succeeded = d.store.history(&HistoryFilter {
        environment: Some(source.clone()),
        outcomes: vec![Outcome::Succeeded],
        ..HistoryFilter::default()
    })?;
    let mut missing = Vec::new();
    for name in selected {
        let unit = &d.plan.units[name];
        let digest = &d.plugin(unit)?.sha256;
        let ran = succeeded.iter().any(|row| {
            let row_unit = row.unit.split(MEMBER_SEPARATOR).next().unwrap_or(&row.unit);
            row_unit == name && row.version == version && row.plugin_sha256 == *digest
        });
        if !ran {
            missing.push(name.as_str());
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(OrchestrateError::Invalid(format!(
        "`{}` takes only versions that succeeded on `{source}` first: {version} never succeeded \
         there for {} (with the plugins this plan loads); deploy it to `{source}` first, or \
         promote what runs there with `sluice promote --from {source} --to {}`",
        d.environment,
        missing.join(", "),
        d.environment
    )))
}

/// The version live on `source` for the `selected` units: one version, or an error naming the
/// differences (then `--version` or `--unit` must say which).
pub fn live_version(
    d: &Deployer,
    source: &str,
    selected: &[String],
) -> Result<String, OrchestrateError> {
    let mut versions: Vec<(String, String)> = Vec::new();
    for name in selected {
        for member in d.plan.units[name].members() {
            match d.store.current(source, &member.name)? {
                Some(current) => versions.push((member.name, current.version)),
                None => {
                    return Err(OrchestrateError::Invalid(format!(
                        "unit `{}` is not live on `{source}`: nothing to promote",
                        member.name
                    )));
                }
            }
        }
    }
    let first = versions
        .first()
        .map(|(_, v)| v.clone())
        .ok_or_else(|| OrchestrateError::Invalid("no unit selected to promote".to_owned()))?;
    if versions.iter().any(|(_, v)| *v != first) {
        let listed: Vec<String> = versions.iter().map(|(u, v)| format!("{u} {v}")).collect();
        return Err(OrchestrateError::Invalid(format!(
            "`{source}` runs different versions ({}): say which with --version, or promote \
             units one by one with --unit",
            listed.join(", ")
        )));
    }
    Ok(first)
}
