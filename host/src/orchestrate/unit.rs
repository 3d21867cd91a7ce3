//! One unit through the lifecycle, rolling back on any failure from `prepare` on.

use std::time::Instant;

use sha2::{Digest, Sha256};

use super::gating::{self, Target};
use super::outcome::UnitResult;
use super::setup::{Deployer, resolve_config};
use crate::caps::Provision;
use crate::plan::model::{GatePhase, Unit};
use crate::report::Event;
use crate::runtime::{LoadedPlugin, Planned, RuntimeError};
use crate::state::{JournalEntry, NewUnitDeployment, Outcome, UnitCurrent};
use crate::wit::types::{Change, ChangeAction, Context, Error};

/// What a unit's deployment will do, decided before the deployment starts.
#[derive(Debug, Clone)]
pub(super) enum UnitPlan {
    /// The same version and inputs are live already: nothing to do.
    Live,
    /// What the plugin's `plan` said, or why it could not plan.
    Planned(Result<Planned, String>),
}

impl UnitPlan {
    /// Why the planned deployment would be irreversible (empty when it would not).
    pub(super) fn irreversible(&self) -> &[String] {
        match self {
            UnitPlan::Planned(Ok(planned)) => &planned.irreversible,
            _ => &[],
        }
    }
}

/// Asks `unit`'s plugin what deploying `version` would change (with its databases read-only),
/// unless the same version and inputs are live and `force` is off.
pub(super) async fn preflight(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    version: &str,
    force: bool,
) -> UnitPlan {
    let run = match UnitRun::new(d, deployment_id, unit, version) {
        Ok(run) => run,
        Err(reason) => return UnitPlan::Planned(Err(reason)),
    };
    if !force && run.is_live() {
        return UnitPlan::Live;
    }
    let provision = d.provision(unit, version, deployment_id);
    let current = run.current.as_ref().map(|c| c.state.as_str());
    let planned = run
        .plugin
        .plan(&provision, &run.ctx(version, true), &run.config, current)
        .await;
    UnitPlan::Planned(reason_of("plan", planned))
}

/// Deploys `unit` at `version` as part of deployment `deployment_id`, as `plan` (from
/// [`preflight`]) says. Never fails: every problem becomes the unit's outcome and reason.
pub(super) async fn deploy(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    version: &str,
    plan: UnitPlan,
) -> UnitResult {
    reported(d, deployment_id, unit, version, |run| run.execute(plan)).await
}

/// Announces `unit`, runs `body` on it and reports how it ended (reason redacted).
async fn reported<'a, F, Fut>(
    d: &'a Deployer,
    deployment_id: &'a str,
    unit: &'a Unit,
    version: &'a str,
    body: F,
) -> UnitResult
where
    F: FnOnce(UnitRun<'a>) -> Fut,
    Fut: Future<Output = (Outcome, Option<String>)>,
{
    let started = Instant::now();
    d.reporter.event(Event::UnitStarted {
        unit: unit.name.clone(),
        version: version.to_owned(),
    });
    let (outcome, reason) = match UnitRun::new(d, deployment_id, unit, version) {
        Ok(run) => body(run).await,
        Err(reason) => (Outcome::Failed, Some(reason)),
    };
    let reason = reason.map(|r| d.redactor.redact(&r).into_owned());
    d.reporter.event(Event::UnitFinished {
        unit: unit.name.clone(),
        version: version.to_owned(),
        outcome,
        reason: reason.clone(),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    UnitResult {
        unit: unit.name.clone(),
        version: version.to_owned(),
        outcome,
        reason,
    }
}

/// Flattens a lifecycle call's two layers of failure into one reason.
pub fn reason_of<T>(
    call: &str,
    result: Result<Result<T, Error>, RuntimeError>,
) -> Result<T, String> {
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(match error {
            Error::InvalidConfig(m) => format!("{call}: invalid config: {m}"),
            Error::Denied(m) => format!("{call}: denied: {m}"),
            Error::Unavailable(m) => format!("{call}: unavailable: {m}"),
            Error::Failed(m) => format!("{call}: {m}"),
        }),
        Err(e) => Err(e.to_string()),
    }
}

/// sha256 of the plugin digest and the resolved config: what "the same inputs" means.
pub(super) fn config_hash(plugin_sha256: &str, config: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(plugin_sha256.as_bytes());
    hasher.update([0]);
    hasher.update(config.as_bytes());
    hex::encode(hasher.finalize())
}

/// What had been done when something failed: rollback needs it.
#[derive(Default)]
struct Progress {
    snapshot: Option<String>,
    staged: Option<String>,
}

/// One unit's deployment in progress.
pub(super) struct UnitRun<'a> {
    d: &'a Deployer,
    deployment_id: &'a str,
    unit: &'a Unit,
    version: &'a str,
    plugin: &'a LoadedPlugin,
    provision: Provision,
    config: String,
    config_hash: String,
    current: Option<UnitCurrent>,
}

impl<'a> UnitRun<'a> {
    pub(super) fn new(
        d: &'a Deployer,
        deployment_id: &'a str,
        unit: &'a Unit,
        version: &'a str,
    ) -> Result<Self, String> {
        let plugin = d.plugin(unit).map_err(|e| e.to_string())?;
        let config = resolve_config(d, unit, version)
            .map_err(|e| e.to_string())?
            .to_string();
        let current = d
            .store
            .current(&d.environment, &unit.name)
            .map_err(|e| e.to_string())?;
        Ok(UnitRun {
            d,
            deployment_id,
            unit,
            version,
            config_hash: config_hash(&plugin.sha256, &config),
            plugin,
            provision: d.deploying(unit, version, deployment_id),
            config,
            current,
        })
    }

    fn ctx(&self, version: &str, dry_run: bool) -> Context {
        self.d
            .context(self.deployment_id, self.unit, version, dry_run)
    }

    pub(super) fn journal(&self, step: &str, detail: &str) -> Result<(), String> {
        self.d
            .store
            .journal(&JournalEntry {
                deployment_id: self.deployment_id.to_owned(),
                unit: self.unit.name.clone(),
                step: step.to_owned(),
                detail: self.d.redactor.redact(detail).into_owned(),
            })
            .map_err(|e| e.to_string())
    }

    fn step(&self, step: &str) -> Result<(), String> {
        self.d.reporter.event(Event::Step {
            unit: self.unit.name.clone(),
            step: step.to_owned(),
        });
        self.journal(step, "")
    }

    fn is_live(&self) -> bool {
        self.current.as_ref().is_some_and(|c| {
            c.version == self.version
                && c.config_hash == self.config_hash
                && c.plugin_sha256 == self.plugin.sha256
        })
    }

    fn record_start(&self, version: &str, config_hash: &str) -> Result<(), String> {
        self.d
            .store
            .begin_unit(&NewUnitDeployment {
                deployment_id: self.deployment_id.to_owned(),
                environment: self.d.environment.clone(),
                unit: self.unit.name.clone(),
                version: version.to_owned(),
                plugin_sha256: self.plugin.sha256.clone(),
                config_hash: config_hash.to_owned(),
                started_at_ms: crate::report::time::now_ms(),
            })
            .map_err(|e| e.to_string())
    }

    fn record_end(&self, outcome: Outcome, reason: Option<String>) -> (Outcome, Option<String>) {
        let reason = reason.map(|r| self.d.redactor.redact(&r).into_owned());
        let detail = serde_json::json!({
            "unit": self.unit.name, "version": self.version, "outcome": outcome, "reason": reason,
            "plugin_sha256": self.plugin.sha256, "config_hash": self.config_hash,
        });
        let recorded = self
            .d
            .store
            .finish_unit(
                self.deployment_id,
                &self.unit.name,
                outcome,
                reason.as_deref(),
            )
            .and_then(|()| self.d.audit(self.deployment_id, "unit-finished", detail));
        if let Err(e) = recorded {
            return (
                Outcome::Failed,
                Some(format!(
                    "{}; and recording the outcome failed: {e}",
                    reason.unwrap_or_default()
                )),
            );
        }
        (outcome, reason)
    }

    /// Makes `version`/`state` what is live for this unit, journaling it first.
    pub(super) fn record_current(
        &self,
        version: &str,
        state: &str,
        config_hash: &str,
    ) -> Result<(), String> {
        self.journal("record", state)?;
        let current = UnitCurrent {
            version: version.to_owned(),
            state: self.d.redactor.redact(state).into_owned(),
            deployment_id: self.deployment_id.to_owned(),
            plugin_sha256: self.plugin.sha256.clone(),
            config_hash: config_hash.to_owned(),
            since_ms: crate::report::time::now_ms(),
        };
        self.d
            .store
            .set_current(&self.d.environment, &self.unit.name, &current)
            .map_err(|e| e.to_string())
    }

    async fn execute(self, plan: UnitPlan) -> (Outcome, Option<String>) {
        if let Err(reason) = self.record_start(self.version, &self.config_hash) {
            return (Outcome::Failed, Some(reason));
        }
        let planned = match plan {
            UnitPlan::Live => {
                return self.record_end(
                    Outcome::Unchanged,
                    Some(format!("{} is already live", self.version)),
                );
            }
            UnitPlan::Planned(planned) => planned,
        };
        if let Err(reason) = planned.and_then(|planned| self.report_plan(&planned)) {
            return self.record_end(
                Outcome::Failed,
                Some(format!("{reason}; nothing was changed")),
            );
        }
        let mut progress = Progress::default();
        match self.lifecycle(&mut progress).await {
            Ok(state) => match self.record_current(self.version, &state, &self.config_hash) {
                Ok(()) => self.record_end(Outcome::Succeeded, None),
                Err(reason) => self.record_end(Outcome::Failed, Some(reason)),
            },
            Err(reason) => {
                let (outcome, reason) = self.roll_back(&progress, reason).await;
                self.record_end(outcome, Some(reason))
            }
        }
    }

    /// Journals and shows what the deployment will change.
    fn report_plan(&self, planned: &Planned) -> Result<(), String> {
        let changes: Vec<String> = planned
            .changes
            .iter()
            .filter(|c| c.action != ChangeAction::NoOp)
            .map(change_line)
            .collect();
        let detail =
            serde_json::json!({ "changes": changes, "irreversible": planned.irreversible });
        self.d.reporter.event(Event::Step {
            unit: self.unit.name.clone(),
            step: "plan".into(),
        });
        self.journal("plan", &detail.to_string())?;
        self.d.reporter.event(Event::Planned {
            unit: self.unit.name.clone(),
            changes,
            irreversible: planned.irreversible.clone(),
        });
        Ok(())
    }

    async fn lifecycle(&self, progress: &mut Progress) -> Result<String, String> {
        let current = self.current.as_ref().map(|c| c.state.as_str());
        let ctx = self.ctx(self.version, false);
        self.step("prepare")?;
        let snapshot = reason_of(
            "prepare",
            self.plugin
                .prepare(&self.provision, &ctx, &self.config, current)
                .await,
        )?;
        self.journal("prepared", &snapshot)?;
        progress.snapshot = Some(snapshot);

        self.step("stage")?;
        let staged = reason_of(
            "stage",
            self.plugin
                .stage(&self.provision, &ctx, &self.config, current)
                .await,
        )?;
        self.journal("staged", &staged.state)?;
        progress.staged = Some(staged.state.clone());
        self.d.reporter.event(Event::StepDone {
            unit: self.unit.name.clone(),
            step: "stage".into(),
            summary: staged.summary.clone(),
        });
        let target = Target {
            version: self.version,
            staged: &staged.endpoints,
        };
        gating::run(
            self.d,
            self.deployment_id,
            self.unit,
            GatePhase::Staged,
            &target,
            false,
        )
        .await?;

        for percent in self.unit.shift_steps.iter().copied().chain([100]) {
            self.step(&format!("shift {percent}"))?;
            reason_of(
                "shift",
                self.plugin
                    .shift(&self.provision, &ctx, &self.config, &staged.state, percent)
                    .await,
            )?;
            gating::run(
                self.d,
                self.deployment_id,
                self.unit,
                GatePhase::Live,
                &target,
                percent == 100,
            )
            .await?;
        }

        self.step("finalize")?;
        reason_of(
            "finalize",
            self.plugin
                .finalize(&self.provision, &ctx, &self.config, &staged.state)
                .await,
        )
    }

    /// Puts the previous version back after `reason`; returns the outcome and the full reason.
    async fn roll_back(&self, progress: &Progress, reason: String) -> (Outcome, String) {
        if let Err(e) = self.journal("rollback", &reason) {
            return (
                Outcome::Failed,
                format!("{reason}; cannot journal the rollback: {e}"),
            );
        }
        self.d.reporter.event(Event::Step {
            unit: self.unit.name.clone(),
            step: "rollback".into(),
        });
        let current = self.current.as_ref().map(|c| c.state.as_str());
        let ctx = self.ctx(self.version, false);
        let result = self
            .plugin
            .rollback(
                &self.provision,
                &ctx,
                &self.config,
                progress.staged.as_deref(),
                progress.snapshot.as_deref(),
                current,
            )
            .await;
        if let Err(e) = reason_of("rollback", result) {
            return (Outcome::Failed, format!("{reason}; then {e}"));
        }
        let Some(live) = &self.current else {
            return (Outcome::RolledBack, reason);
        };
        let target = Target {
            version: &live.version,
            staged: &[],
        };
        // The restored version is checked with the live gates. A failure there is reported but does
        // not undo the rollback: the gate may be new in this plan and never have passed for it.
        match gating::run(
            self.d,
            self.deployment_id,
            self.unit,
            GatePhase::Live,
            &target,
            false,
        )
        .await
        {
            Ok(()) => (
                Outcome::RolledBack,
                format!("{reason}; rolled back to {}", live.version),
            ),
            Err(e) => (
                Outcome::RolledBack,
                format!(
                    "{reason}; rolled back to {} (warning: after the rollback, the {e})",
                    live.version
                ),
            ),
        }
    }
}

/// One planned change for people: `update index.html 12 KiB`.
pub fn change_line(change: &Change) -> String {
    format!(
        "{} {} {}",
        action_name(change.action),
        change.resource,
        change.detail
    )
    .trim_end()
    .to_owned()
}

fn action_name(action: ChangeAction) -> &'static str {
    match action {
        ChangeAction::Create => "create",
        ChangeAction::Update => "update",
        ChangeAction::Replace => "replace",
        ChangeAction::Delete => "delete",
        ChangeAction::NoOp => "no-op",
    }
}

/// Records and reports `unit` as skipped for `reason` (a dependency failed).
pub(super) async fn skip(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    version: &str,
    reason: &str,
) -> UnitResult {
    reported(d, deployment_id, unit, version, |run| async move {
        match run.record_start(version, &run.config_hash) {
            Ok(()) => run.record_end(Outcome::Skipped, Some(reason.to_owned())),
            Err(e) => (Outcome::Failed, Some(e)),
        }
    })
    .await
}

/// Makes an earlier `state` of `unit` (deployed as `version`) live again (`sluice rollback`):
/// the plugin's `rollback` with that state as `current`, then the live gates. If either fails,
/// what was live before is put back.
pub(super) async fn restore(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    version: &str,
    state: &str,
    config_hash: &str,
) -> UnitResult {
    reported(d, deployment_id, unit, version, |run| {
        run.restore(state, config_hash)
    })
    .await
}

impl UnitRun<'_> {
    async fn restore(self, state: &str, config_hash: &str) -> (Outcome, Option<String>) {
        if let Err(reason) = self.record_start(self.version, config_hash) {
            return (Outcome::Failed, Some(reason));
        }
        match self.bring_back(state).await {
            Ok(()) => match self.record_current(self.version, state, config_hash) {
                Ok(()) => self.record_end(Outcome::Succeeded, None),
                Err(reason) => self.record_end(Outcome::Failed, Some(reason)),
            },
            Err(reason) => {
                let (outcome, reason) = self.roll_back(&Progress::default(), reason).await;
                self.record_end(outcome, Some(reason))
            }
        }
    }

    async fn bring_back(&self, state: &str) -> Result<(), String> {
        self.step("rollback")?;
        let ctx = self.ctx(self.version, false);
        reason_of(
            "rollback",
            self.plugin
                .rollback(&self.provision, &ctx, &self.config, None, None, Some(state))
                .await,
        )?;
        let target = Target {
            version: self.version,
            staged: &[],
        };
        gating::run(
            self.d,
            self.deployment_id,
            self.unit,
            GatePhase::Live,
            &target,
            true,
        )
        .await
    }
}
