//! Checks a config (a unit's, or a plugin gate's) against the JSON Schema its plugin publishes
//! in `info()`.

use super::error::OrchestrateError;
use super::validation::Checked;
use crate::plan::{Plan, PlanError};

/// Checks `checked.config` (resolved) against `schema`; the first violation becomes a plan error
/// at the offending key.
pub(super) fn check(
    plan: &Plan,
    checked: &Checked<'_>,
    schema: &str,
) -> Result<(), OrchestrateError> {
    let at = |path: &[&str], message: String| -> OrchestrateError {
        let mut full = checked.at.to_vec();
        full.extend_from_slice(path);
        PlanError::at(
            plan,
            plan.locate(&full),
            format!("{}: {message}", checked.owner),
        )
        .into()
    };
    let invalid = |e: &dyn std::fmt::Display| {
        at(
            &[],
            format!(
                "plugin `{}` publishes an invalid config schema: {e}",
                checked.plugin
            ),
        )
    };
    let config = checked.config;
    let schema: serde_json::Value = serde_json::from_str(schema).map_err(|e| invalid(&e))?;
    let validator = jsonschema::validator_for(&schema).map_err(|e| invalid(&e))?;
    if let Some(error) = validator.iter_errors(config).next() {
        let pointer = error.instance_path.to_string();
        let path: Vec<&str> = pointer.split('/').filter(|s| !s.is_empty()).collect();
        let place = if path.is_empty() {
            "config".to_owned()
        } else {
            format!("config.{}", path.join("."))
        };
        return Err(at(&path, format!("{place}: {error}")));
    }
    Ok(())
}
