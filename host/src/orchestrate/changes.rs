//! Change detection: which units a run deploys when none are named. A unit is selected when it
//! was never deployed to the environment, when it declares no `paths`, when a file matching its
//! `paths` changed since the commit of its last successful deployment there (committed, changed
//! in the work tree, or new), when that commit cannot be compared, or when a unit it depends on
//! is selected. `--all` selects every unit and `--unit` exactly the named ones; each choice comes
//! with the reason `sluice plan` shows.

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::error::OrchestrateError;
use super::git::Checkout;
use super::setup::Deployer;
use crate::plan::graph;
use crate::plan::model::Unit;
use crate::report::{Event, Reporter};
use crate::state::{HistoryFilter, Outcome, UnitDeploymentRecord};

/// How many changed files a reason names.
const FILES_SHOWN: usize = 3;

/// Which units to deploy and why each is in or out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The selected units, in plan order.
    pub units: Vec<String>,
    /// For every unit of the plan, whether it is selected and why.
    pub reasons: BTreeMap<String, (bool, String)>,
}

/// What the caller asked for.
#[derive(Debug, Clone, Copy)]
pub enum Ask<'a> {
    /// Exactly these units.
    Named(&'a [String]),
    /// Every unit.
    All,
    /// The units that changed, and their dependents.
    Changed,
}

/// The units `ask` selects in the deployer's environment.
pub fn select(d: &Deployer, ask: Ask<'_>) -> Result<Selection, OrchestrateError> {
    let names: Vec<&String> = d.plan.units.keys().collect();
    let mut reasons: BTreeMap<String, (bool, String)> = BTreeMap::new();
    match ask {
        Ask::Named(wanted) => {
            if let Some(unknown) = wanted.iter().find(|name| !d.plan.units.contains_key(*name)) {
                return Err(OrchestrateError::Invalid(format!(
                    "the plan has no unit `{unknown}` (it has: {})",
                    d.plan.units.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
            for name in names {
                let chosen = wanted.contains(name);
                let why = if chosen {
                    "named with --unit"
                } else {
                    "not named with --unit"
                };
                reasons.insert(name.clone(), (chosen, why.to_owned()));
            }
        }
        Ask::All => {
            for name in names {
                reasons.insert(name.clone(), (true, "--all".to_owned()));
            }
        }
        Ask::Changed => {
            let checkout = Checkout::at(&d.plan.dir);
            let succeeded = d.store.history(&HistoryFilter {
                environment: Some(d.environment.clone()),
                outcomes: vec![Outcome::Succeeded],
                ..HistoryFilter::default()
            })?;
            let mut diffs: BTreeMap<String, Result<Vec<String>, String>> = BTreeMap::new();
            for unit in d.plan.units.values() {
                let since = last_success(unit, &succeeded);
                let reason = own_reason(d, unit, since, checkout.as_ref(), &mut diffs)?;
                reasons.insert(unit.name.clone(), reason);
            }
            let changed: Vec<String> = reasons
                .iter()
                .filter(|(_, (chosen, _))| *chosen)
                .map(|(name, _)| name.clone())
                .collect();
            for name in &changed {
                for dependent in graph::dependents(&d.plan, name) {
                    if let Some(entry) = reasons.get_mut(&dependent).filter(|(chosen, _)| !chosen) {
                        *entry = (true, format!("depends on {name}, which is selected"));
                    }
                }
            }
        }
    }
    let units = reasons
        .iter()
        .filter(|(_, (chosen, _))| *chosen)
        .map(|(name, _)| name.clone())
        .collect();
    Ok(Selection { units, reasons })
}

/// Whether `unit` itself changed, and why; `diffs` caches the changed files per commit.
fn own_reason(
    d: &Deployer,
    unit: &Unit,
    since: Option<Option<String>>,
    checkout: Option<&Checkout>,
    diffs: &mut BTreeMap<String, Result<Vec<String>, String>>,
) -> Result<(bool, String), OrchestrateError> {
    let environment = &d.environment;
    if unit.paths.is_empty() {
        return Ok((true, "it declares no `paths`".to_owned()));
    }
    let Some(since) = since else {
        return Ok((true, format!("never deployed to `{environment}`")));
    };
    let Some(commit) = since else {
        return Ok((
            true,
            format!("its last deployment to `{environment}` recorded no git commit"),
        ));
    };
    let Some(checkout) = checkout else {
        return Ok((
            true,
            "the plan is not in a git work tree: cannot tell what changed".to_owned(),
        ));
    };
    let short = &commit[..commit.len().min(10)];
    let files = diffs
        .entry(commit.clone())
        .or_insert_with(|| checkout.changed_since(&commit));
    let files = match files {
        Ok(files) => files,
        Err(why) => return Ok((true, format!("{why} (a shallow clone? fetch its history)"))),
    };
    let globs = globs(unit)?;
    let matching: Vec<&String> = files
        .iter()
        .filter(|f| globs.is_match(f.as_str()))
        .collect();
    if matching.is_empty() {
        return Ok((
            false,
            format!(
                "nothing under {} changed since {short}",
                unit.paths.join(", ")
            ),
        ));
    }
    let mut shown: Vec<&str> = matching
        .iter()
        .take(FILES_SHOWN)
        .map(|f| f.as_str())
        .collect();
    if matching.len() > FILES_SHOWN {
        shown.push("...");
    }
    Ok((
        true,
        format!(
            "{} file(s) changed since {short}: {}",
            matching.len(),
            shown.join(", ")
        ),
    ))
}

/// The commit of `unit`'s last successful deployment, from `succeeded` (the environment's
/// successful unit deployments, newest first): none if it never succeeded there (for a fleet: if
/// a member never did), `Some(None)` if that run recorded no commit. For a fleet, the oldest of
/// its members' last successes.
fn last_success(unit: &Unit, succeeded: &[UnitDeploymentRecord]) -> Option<Option<String>> {
    let mut oldest: Option<&UnitDeploymentRecord> = None;
    for member in unit.members() {
        let newest = succeeded.iter().find(|row| row.unit == member.name)?;
        if oldest.is_none_or(|found| newest.started_at_ms < found.started_at_ms) {
            oldest = Some(newest);
        }
    }
    oldest.map(|row| row.commit.clone())
}

/// `unit`'s `paths` as one matcher (each glob was checked when the plan loaded).
fn globs(unit: &Unit) -> Result<GlobSet, OrchestrateError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in &unit.paths {
        builder.add(
            Glob::new(pattern).map_err(|e| {
                OrchestrateError::Invalid(format!("unit `{}`: paths: {e}", unit.name))
            })?,
        );
    }
    builder
        .build()
        .map_err(|e| OrchestrateError::Invalid(format!("unit `{}`: paths: {e}", unit.name)))
}

impl Selection {
    /// Reports every unit's choice as a [`Event::Selected`].
    pub fn report(&self, reporter: &dyn Reporter) {
        for (unit, (selected, reason)) in &self.reasons {
            reporter.event(Event::Selected {
                unit: unit.clone(),
                selected: *selected,
                reason: reason.clone(),
            });
        }
    }
}
