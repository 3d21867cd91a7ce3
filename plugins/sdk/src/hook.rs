//! The typed hook a hook plugin implements, and the adapter that exports it as the untyped WIT
//! `hook` interface.

use std::marker::PhantomData;

use crate::raw_hook::Guest;
use crate::{Diagnostic, Error, EventKind, HookEvent, PluginInfo, UnitConfig};

/// A hook: told of each lifecycle event the plan's `[hooks.NAME]` listens to, it may act on it
/// with the capabilities its plugin is granted.
///
/// The SDK parses the hook's config JSON into [`Hook::Config`] (and runs its
/// [`UnitConfig::problems`]) before every `notify`, so a hook never sees a config that does not
/// parse; one that does not is `invalid-config` without calling it. Every call gets a fresh
/// instance, so the functions take no `self`.
pub trait Hook {
    /// The hook's `config` table.
    type Config: UnitConfig;

    /// Name, version, description, config schema and features. Must not touch anything.
    fn info() -> PluginInfo;

    /// Checks a hook's config beyond its JSON Schema. Must not touch anything.
    /// By default: every problem of [`UnitConfig::check`].
    fn validate(config: &str) -> Result<(), Vec<Diagnostic>> {
        Self::Config::check(config)
    }

    /// Acts on `event`. An error is a warning the host shows (the run's failure for a hook the
    /// plan marks `required`).
    fn notify(event: &HookEvent, config: &Self::Config) -> Result<(), Error>;
}

/// The untyped WIT hook of `H`: what [`export_hook!`](crate::export_hook) exports.
pub struct ExportedHook<H>(PhantomData<H>);

impl<H: Hook> Guest for ExportedHook<H> {
    fn info() -> PluginInfo {
        H::info()
    }

    fn validate(config: String) -> Result<(), Vec<Diagnostic>> {
        H::validate(&config)
    }

    fn notify(event: HookEvent, config: String) -> Result<(), Error> {
        H::notify(&event, &H::Config::load(&config)?)
    }
}

impl EventKind {
    /// The name the plan's `on` and sluice's events use, e.g. `unit-rolled-back`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::DeploymentStarted => "deployment-started",
            EventKind::DeploymentFinished => "deployment-finished",
            EventKind::UnitSucceeded => "unit-succeeded",
            EventKind::UnitFailed => "unit-failed",
            EventKind::UnitRolledBack => "unit-rolled-back",
            EventKind::AwaitingApproval => "awaiting-approval",
            EventKind::Paused => "paused",
        }
    }
}
