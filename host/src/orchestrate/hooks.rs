//! Hooks: the plan's `[hooks.NAME]`, each a sandboxed hook plugin told of lifecycle events
//! (`notify`) with its own grants and limits. A hook that fails (an `error`, a trap, a denied
//! call, its deadline) is a `hook-failed` warning and the deployment goes on; a `required` hook's
//! failure is kept, and makes the run's exit code 1 when it ends ([`Deployer::failed_hooks`]).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::setup::Deployer;
use crate::caps::Provision;
use crate::plan::interpolate::{InterpolateError, Reference, interpolate_json};
use crate::plan::{Hook, HookEventKind};
use crate::report::{Event, PluginLogs};
use crate::state::Outcome;
use crate::wit::hook::{EventKind, HookEvent};

/// One lifecycle event, as the orchestrator tells it to hooks.
#[derive(Debug, Clone, Default)]
pub struct Occurrence<'a> {
    /// The deployment it happened in (none: before one began).
    pub deployment_id: Option<&'a str>,
    /// The unit it happened to.
    pub unit: Option<&'a str>,
    /// The version being deployed.
    pub version: Option<&'a str>,
    /// How it ended.
    pub outcome: Option<Outcome>,
    /// Why, when it did not succeed.
    pub reason: Option<&'a str>,
}

/// The hook event a unit that ended as `outcome` gives, if any (an unchanged or skipped unit
/// gives none).
pub fn unit_event(outcome: Outcome) -> Option<HookEventKind> {
    match outcome {
        Outcome::Succeeded => Some(HookEventKind::UnitSucceeded),
        Outcome::Failed => Some(HookEventKind::UnitFailed),
        Outcome::RolledBack => Some(HookEventKind::UnitRolledBack),
        Outcome::Paused => Some(HookEventKind::Paused),
        Outcome::Unchanged | Outcome::Skipped | Outcome::Running => None,
    }
}

impl Deployer {
    /// Tells every hook listening to `kind` of `occurrence`, one after the other. Never fails:
    /// each hook's failure is a `hook-failed` event, and a required hook's is noted.
    pub async fn fire(&self, kind: HookEventKind, occurrence: Occurrence<'_>) {
        let event = self.hook_event(kind, &occurrence);
        for hook in self.plan.hooks.values() {
            if !hook.on.contains(&kind) {
                continue;
            }
            if let Err(reason) = self.notify(hook, &event, occurrence.deployment_id).await {
                let reason = self.redactor.redact(&reason).into_owned();
                if hook.required {
                    self.required_hook_failed.store(true, Ordering::Relaxed);
                }
                self.reporter.event(Event::HookFailed {
                    hook: hook.name.clone(),
                    on: kind,
                    required: hook.required,
                    reason,
                });
            }
        }
    }

    /// Whether a required hook failed in this process.
    pub fn required_hook_failed(&self) -> bool {
        self.required_hook_failed.load(Ordering::Relaxed)
    }

    /// `hook`'s `notify` of `event`, in a fresh instance reaching what its plugin is granted;
    /// why it failed, if it did.
    async fn notify(
        &self,
        hook: &Hook,
        event: &HookEvent,
        deployment_id: Option<&str>,
    ) -> Result<(), String> {
        let plugin = self
            .hook_plugin(&hook.plugin)
            .ok_or_else(|| format!("plugin `{}` is not loaded", hook.plugin))?;
        let config = self
            .hook_config(hook)
            .map_err(|e| format!("its config: {e}"))?;
        let provision = self.hook_provision(hook, deployment_id);
        match plugin.notify(&provision, event, &config.to_string()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(crate::wit::error_text(&error)),
            Err(stopped) => Err(stopped.to_string()),
        }
    }

    /// `hook`'s config with `${secret.NAME}`, `${project}` and `${environment}` resolved (the
    /// plan allows no other reference there).
    pub(super) fn hook_config(&self, hook: &Hook) -> Result<serde_json::Value, InterpolateError> {
        interpolate_json(&hook.config, &|name| match Reference::parse(name)? {
            Reference::Secret(secret) => self.secret(&secret),
            Reference::Project => Some(self.plan.project.name.clone()),
            Reference::Environment => Some(self.environment.clone()),
            _ => None,
        })
    }

    /// What `hook`'s plugin may reach: its own grants (secrets and http; a hook deploys nothing,
    /// so no engine or database), its host calls kept in the deployment's record, if any, under
    /// the name `hooks.NAME`.
    pub(super) fn hook_provision(&self, hook: &Hook, deployment_id: Option<&str>) -> Provision {
        let decl = &self.plan.plugins[&hook.plugin];
        let label = format!("hooks.{}", hook.name);
        Provision {
            grants: decl.grants.clone(),
            secrets: self.granted_secrets(decl),
            calls: deployment_id
                .zip(self.calls.as_ref())
                .map(|(id, book)| book.log(id, &label, &hook.plugin)),
            ..Provision::deny_all(
                &hook.plugin,
                &label,
                Arc::new(PluginLogs(self.reporter.clone())),
            )
        }
    }

    /// `occurrence` as the WIT tells it.
    fn hook_event(&self, kind: HookEventKind, occurrence: &Occurrence<'_>) -> HookEvent {
        let owned = |text: Option<&str>| text.map(str::to_owned);
        HookEvent {
            kind: match kind {
                HookEventKind::DeploymentStarted => EventKind::DeploymentStarted,
                HookEventKind::DeploymentFinished => EventKind::DeploymentFinished,
                HookEventKind::UnitSucceeded => EventKind::UnitSucceeded,
                HookEventKind::UnitFailed => EventKind::UnitFailed,
                HookEventKind::UnitRolledBack => EventKind::UnitRolledBack,
                HookEventKind::AwaitingApproval => EventKind::AwaitingApproval,
                HookEventKind::Paused => EventKind::Paused,
            },
            deployment_id: owned(occurrence.deployment_id),
            project: self.plan.project.name.clone(),
            environment: self.environment.clone(),
            unit: owned(occurrence.unit),
            version: owned(occurrence.version),
            outcome: occurrence.outcome.map(|o| o.as_str().to_owned()),
            reason: occurrence
                .reason
                .map(|r| self.redactor.redact(r).into_owned()),
        }
    }
}
