//! One unit through the lifecycle, rolling back on any failure from `prepare` on.

use sha2::{Digest, Sha256};

use super::failure::UnitFailure;
use super::gating::{self, Target};
use super::hooks::{Occurrence, unit_event};
use super::outcome::UnitResult;
use super::paused::{Decision, carry_on};
use super::resolved::PlannedUnit;
use super::setup::Deployer;
use super::variables::resolve_config;
use crate::caps::Provision;
use crate::plan::model::{GatePhase, Step, Unit};
use crate::report::Event;
use crate::runtime::{Call, LoadedPlugin};
use crate::state::{JournalStep, NewUnitDeployment, Outcome, PausedUnit, StateError, UnitCurrent};
use crate::wit::types::{Change, ChangeAction, Context};

/// Deploys `unit` at `version` as part of deployment `deployment_id`, as `planned` (what its
/// plugin planned before the deployment began) says. Never fails: every problem becomes the
/// unit's outcome and reason.
pub(super) async fn deploy(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    version: &str,
    force: bool,
    planned: Option<&PlannedUnit>,
) -> UnitResult {
    reported(d, deployment_id, unit, version, |run| {
        run.execute(force, planned)
    })
    .await
}

/// Announces `unit`, runs `body` on it and reports how it ended (reason redacted).
pub(super) async fn reported<'a, F, Fut>(
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
    d.reporter.event(Event::UnitStarted {
        unit: unit.name.clone(),
        version: version.to_owned(),
    });
    let (outcome, reason) = match UnitRun::new(d, deployment_id, unit, version) {
        Ok(run) => body(run).await,
        Err(failure) => (Outcome::Failed, Some(failure.to_string())),
    };
    let reason = reason.map(|r| d.redactor.redact(&r).into_owned());
    d.reporter.event(Event::UnitFinished {
        unit: unit.name.clone(),
        version: version.to_owned(),
        outcome,
        reason: reason.clone(),
    });
    if let Some(kind) = unit_event(outcome) {
        let occurrence = Occurrence {
            deployment_id: Some(deployment_id),
            unit: Some(&unit.name),
            version: Some(version),
            outcome: Some(outcome),
            reason: reason.as_deref(),
        };
        d.fire(kind, occurrence).await;
    }
    UnitResult {
        unit: unit.name.clone(),
        version: version.to_owned(),
        outcome,
        reason,
    }
}

/// sha256 of the plugin digest and the resolved config: what "the same inputs" means.
pub(crate) fn config_hash(plugin_sha256: &str, config: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(plugin_sha256.as_bytes());
    hasher.update([0]);
    hasher.update(config.as_bytes());
    hex::encode(hasher.finalize())
}

/// What had been done when something failed: rollback needs it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Progress {
    pub(super) snapshot: Option<String>,
    pub(super) staged: Option<String>,
    /// The share of traffic last shifted to the new version, in percent (0: none yet).
    pub(super) weight: u8,
}

/// How a unit's steps ended when nothing failed.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Rollout {
    /// Cut over and finalized: the new `current` state.
    Done(String),
    /// Stopped at the pause step numbered `step` (from 1).
    Paused {
        /// The pause step's number.
        step: usize,
    },
}

/// One unit's deployment in progress.
pub(super) struct UnitRun<'a> {
    pub(super) d: &'a Deployer,
    deployment_id: &'a str,
    pub(super) unit: &'a Unit,
    pub(super) version: &'a str,
    plugin: &'a LoadedPlugin,
    provision: Provision,
    config: String,
    pub(super) config_hash: String,
    current: Option<UnitCurrent>,
}

impl<'a> UnitRun<'a> {
    pub(super) fn new(
        d: &'a Deployer,
        deployment_id: &'a str,
        unit: &'a Unit,
        version: &'a str,
    ) -> Result<Self, UnitFailure> {
        let plugin = d.plugin(unit)?;
        let config = resolve_config(d, unit, version)?.to_string();
        let current = d.store.current(&d.environment, &unit.name)?;
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

    pub(super) fn journal(&self, step: JournalStep, detail: &str) -> Result<(), StateError> {
        self.d
            .journal(self.deployment_id, &self.unit.name, step, detail)
    }

    /// Shows `step` beginning and journals it.
    fn step(&self, step: JournalStep) -> Result<(), StateError> {
        self.d.reporter.event(Event::Step {
            unit: self.unit.name.clone(),
            step: step.to_string(),
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

    fn record_start(&self, version: &str, config_hash: &str) -> Result<(), StateError> {
        self.d.store.begin_unit(&NewUnitDeployment {
            deployment_id: self.deployment_id.to_owned(),
            environment: self.d.environment.clone(),
            unit: self.unit.name.clone(),
            version: version.to_owned(),
            plugin_sha256: self.plugin.sha256.clone(),
            config_hash: config_hash.to_owned(),
            started_at_ms: crate::clock::now_ms(),
        })
    }

    pub(super) fn record_end(
        &self,
        outcome: Outcome,
        reason: Option<String>,
    ) -> (Outcome, Option<String>) {
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
    ) -> Result<(), StateError> {
        self.journal(JournalStep::Record, state)?;
        let current = UnitCurrent {
            version: version.to_owned(),
            state: self.d.redactor.redact(state).into_owned(),
            deployment_id: self.deployment_id.to_owned(),
            plugin_sha256: self.plugin.sha256.clone(),
            config_hash: config_hash.to_owned(),
            since_ms: crate::clock::now_ms(),
        };
        self.d
            .store
            .set_current(&self.d.environment, &self.unit.name, &current)
    }

    /// Records `state` as live at this run's version. For a unit of an atomic group, what was
    /// live before is journaled first (`replaced`): undoing the group returns to it.
    pub(super) fn record_live(&self, state: &str) -> Result<(), StateError> {
        if self.d.plan.atomic_group_of(self.unit.plan_name()).is_some() {
            let before = serde_json::json!(self.current).to_string();
            self.journal(JournalStep::Replaced, &before)?;
        }
        self.record_current(self.version, state, &self.config_hash)
    }

    async fn execute(
        self,
        force: bool,
        planned: Option<&PlannedUnit>,
    ) -> (Outcome, Option<String>) {
        if let Err(e) = self.record_start(self.version, &self.config_hash) {
            return (Outcome::Failed, Some(e.to_string()));
        }
        if !force && self.is_live() {
            return self.record_end(
                Outcome::Unchanged,
                Some(format!("{} is already live", self.version)),
            );
        }
        if let Err(reason) = self.report_plan(planned) {
            return self.record_end(
                Outcome::Failed,
                Some(format!("{reason}; nothing was changed")),
            );
        }
        let mut progress = Progress::default();
        let rollout = self.lifecycle(&mut progress).await;
        self.settle(rollout, &progress).await
    }

    /// Ends the unit as its steps ended: live (recorded current), paused (kept for `sluice
    /// resume`), or failed and rolled back with `progress`.
    async fn settle(
        &self,
        rollout: Result<Rollout, UnitFailure>,
        progress: &Progress,
    ) -> (Outcome, Option<String>) {
        match rollout {
            Ok(Rollout::Done(state)) => match self.record_live(&state) {
                Ok(()) => self.record_end(Outcome::Succeeded, None),
                Err(e) => self.record_end(Outcome::Failed, Some(e.to_string())),
            },
            Ok(Rollout::Paused { step }) => match self.record_pause(progress, step) {
                Ok(reason) => (Outcome::Paused, Some(reason)),
                Err(e) => {
                    let (outcome, reason) = self
                        .roll_back(progress, format!("cannot record the pause: {e}"))
                        .await;
                    self.record_end(outcome, Some(reason))
                }
            },
            Err(failure) => {
                let (outcome, reason) = self.roll_back(progress, failure.to_string()).await;
                self.record_end(outcome, Some(reason))
            }
        }
    }

    /// Keeps what resuming needs and ends the unit `paused` at step `step` (journaled first,
    /// then audited); the reason says how to carry on.
    fn record_pause(&self, progress: &Progress, step: usize) -> Result<String, StateError> {
        let of = self.unit.rollout().len();
        let weight = progress.weight;
        self.journal(
            JournalStep::Pause,
            &serde_json::json!({ "step": step, "of": of, "weight": weight }).to_string(),
        )?;
        let paused = PausedUnit {
            environment: self.d.environment.clone(),
            unit: self.unit.name.clone(),
            deployment_id: self.deployment_id.to_owned(),
            version: self.version.to_owned(),
            step: u32::try_from(step).unwrap_or(u32::MAX),
            weight,
            staged: self
                .d
                .redactor
                .redact(progress.staged.as_deref().unwrap_or_default())
                .into_owned(),
            snapshot: progress.snapshot.clone(),
            plugin_sha256: self.plugin.sha256.clone(),
            config_hash: self.config_hash.clone(),
            since_ms: crate::clock::now_ms(),
        };
        let reason = format!(
            "paused at step {step} of {of} with {weight}% of traffic on {}; {}",
            self.version,
            carry_on(&self.d.environment, &self.unit.name)
        );
        self.d.store.pause_unit(&paused, &reason)?;
        self.d.audit(
            self.deployment_id,
            "unit-paused",
            serde_json::json!({
                "unit": self.unit.name, "version": self.version, "step": step, "weight": weight,
                "plugin_sha256": self.plugin.sha256, "config_hash": self.config_hash,
            }),
        )?;
        Ok(reason)
    }

    /// Journals and shows what the plugin planned before the deployment began (the plan an
    /// approval covers), with any reason it gave why the deployment would be irreversible; fails
    /// when it could not plan.
    fn report_plan(&self, planned: Option<&PlannedUnit>) -> Result<(), UnitFailure> {
        self.step(JournalStep::Plan)?;
        let planned = planned.ok_or(UnitFailure::NotPlanned)?;
        if let Some(failure) = &planned.failure {
            return Err(UnitFailure::PlanFailed(failure.clone()));
        }
        if !planned.irreversible.is_empty() {
            let detail = serde_json::json!({ "irreversible": planned.irreversible });
            self.journal(JournalStep::Irreversible, &detail.to_string())?;
        }
        self.d.reporter.event(Event::Planned {
            unit: self.unit.name.clone(),
            changes: planned.changes.clone(),
            irreversible: planned.irreversible.clone(),
        });
        Ok(())
    }

    async fn lifecycle(&self, progress: &mut Progress) -> Result<Rollout, UnitFailure> {
        let current = self.current.as_ref().map(|c| c.state.as_str());
        let ctx = self.ctx(self.version, false);
        self.step(JournalStep::Prepare)?;
        let snapshot = UnitFailure::from_call(
            Call::Prepare,
            self.plugin
                .prepare(&self.provision, &ctx, &self.config, current)
                .await,
        )?;
        self.journal(JournalStep::Prepared, &snapshot)?;
        progress.snapshot = Some(snapshot);

        self.step(JournalStep::Stage)?;
        let staged = UnitFailure::from_call(
            Call::Stage,
            self.plugin
                .stage(&self.provision, &ctx, &self.config, current)
                .await,
        )?;
        self.journal(JournalStep::Staged, &staged.state)?;
        progress.staged = Some(staged.state.clone());
        self.d.reporter.event(Event::StepDone {
            unit: self.unit.name.clone(),
            step: JournalStep::Stage.to_string(),
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

        // Nothing is live, so there is no traffic to share: a first deployment skips the steps
        // and goes straight to the cut-over, with the live gates and their soak (as Argo Rollouts
        // does for a rollout's first version).
        let first = match (&self.current, self.unit.steps.is_empty()) {
            (None, false) => {
                self.d.reporter.event(Event::StepDone {
                    unit: self.unit.name.clone(),
                    step: "steps".to_owned(),
                    summary: format!(
                        "skipped: nothing is live yet, so {} takes all the traffic at once",
                        self.version
                    ),
                });
                self.unit.rollout().len() - 1
            }
            _ => 0,
        };
        self.steps_from(first, &staged.state, &target, progress)
            .await
    }

    /// Runs the unit's steps from the one at `first` (0 based) on: a weight `shift`s and runs the
    /// live gates, a wait sleeps, a pause stops the rollout; the last step is the cut-over, then
    /// `finalize`. A failure names its step.
    pub(super) async fn steps_from(
        &self,
        first: usize,
        staged: &str,
        target: &Target<'_>,
        progress: &mut Progress,
    ) -> Result<Rollout, UnitFailure> {
        let steps = self.unit.rollout();
        let of = steps.len();
        // A unit without steps has the cut-over alone: its failures need no step number.
        let canary = !self.unit.steps.is_empty();
        let at = |number: usize, step: Step| {
            move |failure| {
                if canary {
                    UnitFailure::AtStep {
                        number,
                        of,
                        step,
                        failure: Box::new(failure),
                    }
                } else {
                    failure
                }
            }
        };
        for (number, step) in (1..of).zip(steps.iter().copied()).skip(first) {
            match step {
                Step::Weight(percent) => {
                    progress.weight = percent;
                    self.shift(staged, percent, target)
                        .await
                        .map_err(at(number, step))?;
                }
                Step::Wait(duration) => {
                    self.d.reporter.event(Event::Step {
                        unit: self.unit.name.clone(),
                        step: step.to_string(),
                    });
                    self.journal(JournalStep::Wait, &step.to_string())?;
                    tokio::time::sleep(duration).await;
                }
                Step::Pause => return Ok(Rollout::Paused { step: number }),
            }
        }
        progress.weight = 100;
        self.cut_over(staged, target)
            .await
            .map(Rollout::Done)
            .map_err(at(of, Step::Weight(100)))
    }

    /// `shift(percent)`, then the live gates (soaking after the cut-over at 100).
    async fn shift(
        &self,
        staged: &str,
        percent: u8,
        target: &Target<'_>,
    ) -> Result<(), UnitFailure> {
        self.step(JournalStep::Shift(percent))?;
        let ctx = self.ctx(self.version, false);
        UnitFailure::from_call(
            Call::Shift,
            self.plugin
                .shift(&self.provision, &ctx, &self.config, staged, percent)
                .await,
        )?;
        gating::run(
            self.d,
            self.deployment_id,
            self.unit,
            GatePhase::Live,
            target,
            percent == 100,
        )
        .await
    }

    /// The cut-over (`shift(100)` and the live gates with their soak), then `finalize`; returns
    /// the new `current` state.
    pub(super) async fn cut_over(
        &self,
        staged: &str,
        target: &Target<'_>,
    ) -> Result<String, UnitFailure> {
        self.shift(staged, 100, target).await?;
        self.step(JournalStep::Finalize)?;
        let ctx = self.ctx(self.version, false);
        UnitFailure::from_call(
            Call::Finalize,
            self.plugin
                .finalize(&self.provision, &ctx, &self.config, staged)
                .await,
        )
    }

    /// Puts the previous version back after `reason`; returns the outcome and the full reason.
    pub(super) async fn roll_back(&self, progress: &Progress, reason: String) -> (Outcome, String) {
        if let Err(e) = self.journal(JournalStep::Rollback, &reason) {
            return (
                Outcome::Failed,
                format!("{reason}; cannot journal the rollback: {e}"),
            );
        }
        self.d.reporter.event(Event::Step {
            unit: self.unit.name.clone(),
            step: JournalStep::Rollback.to_string(),
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
        if let Err(e) = UnitFailure::from_call(Call::Rollback, result) {
            return (Outcome::Failed, format!("{reason}; then {e}"));
        }
        let reason = match progress.weight {
            weight if weight > 0 && !self.unit.steps.is_empty() => {
                format!("{reason}; weight back to 0% (from {weight}%)")
            }
            _ => reason,
        };
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
            Err(e) => (Outcome::Failed, Some(e.to_string())),
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

/// Returns a unit (or fleet member) that succeeded earlier in this deployment to what ran before
/// (`before`; none: nothing ran, so everything is removed), because another unit of its fleet or
/// atomic group did not deploy (`cause`): the plugin's `rollback` with `progress` (what its
/// `prepare` and `stage` returned, when known) and `before`'s state, then the live gates. Its
/// recorded outcome becomes "rolled back".
pub(super) async fn undo(
    d: &Deployer,
    deployment_id: &str,
    member: &Unit,
    version: &str,
    before: Option<&UnitCurrent>,
    progress: &Progress,
    cause: &str,
) -> UnitResult {
    let config_version = before.map_or(version, |before| before.version.as_str());
    reported(d, deployment_id, member, config_version, |run| async move {
        if let Err(e) = run.journal(JournalStep::Undo, cause) {
            return run.record_end(Outcome::Failed, Some(format!("{cause}; then {e}")));
        }
        let undone = match before {
            Some(before) => run
                .bring_back(&before.state, progress)
                .await
                .and_then(|()| {
                    run.record_current(&before.version, &before.state, &before.config_hash)
                        .map(|()| format!("rolled back to {}", before.version))
                        .map_err(UnitFailure::from)
                }),
            None => run.remove_all(progress).await,
        };
        match undone {
            Ok(what) => run.record_end(Outcome::RolledBack, Some(format!("{cause}; {what}"))),
            Err(e) => run.record_end(
                Outcome::Failed,
                Some(format!(
                    "{cause}; then undoing {} failed: {e}",
                    run.unit.name
                )),
            ),
        }
    })
    .await
}

/// Records `unit`, which ended earlier in this deployment, as failed after all, for `reason`.
pub(super) async fn fail(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    version: &str,
    reason: &str,
) -> UnitResult {
    reported(d, deployment_id, unit, version, |run| async move {
        run.record_end(Outcome::Failed, Some(reason.to_owned()))
    })
    .await
}

impl UnitRun<'_> {
    /// Removes everything the unit runs (nothing ran before it) with `progress` (what was
    /// prepared and staged) and forgets its current state.
    async fn remove_all(&self, progress: &Progress) -> Result<String, UnitFailure> {
        self.step(JournalStep::Rollback)?;
        let ctx = self.ctx(self.version, false);
        UnitFailure::from_call(
            Call::Rollback,
            self.plugin
                .rollback(
                    &self.provision,
                    &ctx,
                    &self.config,
                    progress.staged.as_deref(),
                    progress.snapshot.as_deref(),
                    None,
                )
                .await,
        )?;
        self.journal(JournalStep::Forget, "")?;
        self.d
            .store
            .clear_current(&self.d.environment, &self.unit.name)?;
        Ok("removed: nothing ran there before".to_owned())
    }

    async fn restore(self, state: &str, config_hash: &str) -> (Outcome, Option<String>) {
        if let Err(e) = self.record_start(self.version, config_hash) {
            return (Outcome::Failed, Some(e.to_string()));
        }
        match self.bring_back(state, &Progress::default()).await {
            Ok(()) => match self.record_current(self.version, state, config_hash) {
                Ok(()) => self.record_end(Outcome::Succeeded, None),
                Err(e) => self.record_end(Outcome::Failed, Some(e.to_string())),
            },
            Err(failure) => {
                let (outcome, reason) = self
                    .roll_back(&Progress::default(), failure.to_string())
                    .await;
                self.record_end(outcome, Some(reason))
            }
        }
    }

    /// Makes `state` live again: the plugin's `rollback` with it as `current` (and `progress`,
    /// what was prepared and staged since, if anything), then the live gates.
    async fn bring_back(&self, state: &str, progress: &Progress) -> Result<(), UnitFailure> {
        self.step(JournalStep::Rollback)?;
        let ctx = self.ctx(self.version, false);
        UnitFailure::from_call(
            Call::Rollback,
            self.plugin
                .rollback(
                    &self.provision,
                    &ctx,
                    &self.config,
                    progress.staged.as_deref(),
                    progress.snapshot.as_deref(),
                    Some(state),
                )
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

/// Takes up the paused unit `unit` (`paused`) in deployment `deployment_id` as `decision` says:
/// resume its steps from the one after the pause, with the live gates, through the cut-over and
/// `finalize`; or abort, the plugin's `rollback` with the staged state and snapshot the pause
/// kept, so the old version serves everything again.
pub(super) async fn take_up(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    paused: &PausedUnit,
    decision: Decision,
) -> UnitResult {
    reported(d, deployment_id, unit, &paused.version, |run| async move {
        let mut progress = match run.take_up(paused) {
            Ok(progress) => progress,
            Err(e) => return (Outcome::Failed, Some(e.to_string())),
        };
        match decision {
            Decision::Resume => {
                let target = Target {
                    version: run.version,
                    staged: &[],
                };
                let first = usize::try_from(paused.step).unwrap_or(usize::MAX);
                let rollout = run
                    .steps_from(first, &paused.staged, &target, &mut progress)
                    .await;
                run.settle(rollout, &progress).await
            }
            Decision::Abort => {
                let reason = format!(
                    "aborted by {} at step {} with {}% of traffic on {}",
                    run.d.actor, paused.step, paused.weight, paused.version
                );
                let (outcome, reason) = run.roll_back(&progress, reason).await;
                run.record_end(outcome, Some(reason))
            }
        }
    })
    .await
}

impl UnitRun<'_> {
    /// Starts this deployment's record of the paused unit, journals what the pause kept
    /// (`resume`: crash recovery reads it from there) and forgets the pause; what rollback needs.
    fn take_up(&self, paused: &PausedUnit) -> Result<Progress, StateError> {
        self.record_start(&paused.version, &paused.config_hash)?;
        let kept = serde_json::json!({
            "paused_by": paused.deployment_id, "step": paused.step, "weight": paused.weight,
            "staged": paused.staged, "snapshot": paused.snapshot,
        });
        self.journal(JournalStep::Resume, &kept.to_string())?;
        self.d
            .store
            .unpause(&self.d.environment, &self.unit.name, &paused.deployment_id)?;
        Ok(Progress {
            snapshot: paused.snapshot.clone(),
            staged: Some(paused.staged.clone()),
            weight: paused.weight,
        })
    }
}
