//! The typed lifecycle a plugin implements, and the adapter that exports it as the untyped WIT
//! `strategy` interface.

use std::marker::PhantomData;

use crate::raw::Guest;
use crate::{Change, ChangeAction, Context, Diagnostic, Error, PluginInfo, Staged, UnitConfig};

/// A deployment strategy: one function per lifecycle call of the WIT `strategy` interface.
///
/// The SDK parses the unit's config JSON into [`Strategy::Config`] (and runs its
/// [`UnitConfig::problems`]) before every call that takes a config, so a strategy never sees a
/// config that does not parse; one that does not is `invalid-config` without calling it. The
/// state strings (`current`, `staged`, `snapshot`) stay the strategy's own: read them with
/// [`parse_state`](crate::parse_state), write them with [`to_state`](crate::to_state).
///
/// Every call gets a fresh instance, so the functions take no `self`.
pub trait Strategy {
    /// The unit's `config` table.
    type Config: UnitConfig;

    /// Name, version, description, config schema and features. Must not touch anything.
    fn info() -> PluginInfo;

    /// Checks a unit's config beyond its JSON Schema. Must not touch anything.
    /// By default: every problem of [`UnitConfig::check`].
    fn validate(config: &str) -> Result<(), Vec<Diagnostic>> {
        Self::Config::check(config)
    }

    /// What a deployment would change; `ctx.dry_run` is set and nothing may change.
    /// By default: one `update` line for the unit, saying which version it deploys.
    fn plan(
        ctx: &Context,
        _config: &Self::Config,
        _current: Option<&str>,
    ) -> Result<Vec<Change>, Error> {
        Ok(vec![Change::new(
            ChangeAction::Update,
            ctx.unit.as_str(),
            format!("deploy {}", ctx.version),
        )])
    }

    /// Takes what `rollback` will need; returns the snapshot.
    fn prepare(
        ctx: &Context,
        config: &Self::Config,
        current: Option<&str>,
    ) -> Result<String, Error>;

    /// Puts the new version in place beside the old one (or in place) without sending users to
    /// it yet.
    fn stage(ctx: &Context, config: &Self::Config, current: Option<&str>) -> Result<Staged, Error>;

    /// Sends `percent` of the traffic to the staged version; 100 is the cut-over.
    /// By default nothing: right for in-place strategies, whose `stage` already made it live.
    fn shift(
        _ctx: &Context,
        _config: &Self::Config,
        _staged: &str,
        _percent: u8,
    ) -> Result<(), Error> {
        Ok(())
    }

    /// Retires the old version; returns the new `current` state.
    fn finalize(ctx: &Context, config: &Self::Config, staged: &str) -> Result<String, Error>;

    /// Makes `current` live again and removes what `staged` put in place; `snapshot` is what
    /// `prepare` returned, if it ran. Must be safe to call twice.
    fn rollback(
        ctx: &Context,
        config: &Self::Config,
        staged: Option<&str>,
        snapshot: Option<&str>,
        current: Option<&str>,
    ) -> Result<(), Error>;
}

/// The untyped WIT lifecycle of the strategy `S`: what [`export!`](crate::export) exports.
pub struct Exported<S>(PhantomData<S>);

impl<S: Strategy> Guest for Exported<S> {
    fn info() -> PluginInfo {
        S::info()
    }

    fn validate(config: String) -> Result<(), Vec<Diagnostic>> {
        S::validate(&config)
    }

    fn plan(ctx: Context, config: String, current: Option<String>) -> Result<Vec<Change>, Error> {
        S::plan(&ctx, &S::Config::load(&config)?, current.as_deref())
    }

    fn prepare(ctx: Context, config: String, current: Option<String>) -> Result<String, Error> {
        S::prepare(&ctx, &S::Config::load(&config)?, current.as_deref())
    }

    fn stage(ctx: Context, config: String, current: Option<String>) -> Result<Staged, Error> {
        S::stage(&ctx, &S::Config::load(&config)?, current.as_deref())
    }

    fn shift(ctx: Context, config: String, staged: String, percent: u8) -> Result<(), Error> {
        S::shift(&ctx, &S::Config::load(&config)?, &staged, percent)
    }

    fn finalize(ctx: Context, config: String, staged: String) -> Result<String, Error> {
        S::finalize(&ctx, &S::Config::load(&config)?, &staged)
    }

    fn rollback(
        ctx: Context,
        config: String,
        staged: Option<String>,
        snapshot: Option<String>,
        current: Option<String>,
    ) -> Result<(), Error> {
        S::rollback(
            &ctx,
            &S::Config::load(&config)?,
            staged.as_deref(),
            snapshot.as_deref(),
            current.as_deref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// Needs `keep`, at least 1.
    #[derive(Deserialize)]
    struct Keep {
        keep: u32,
    }

    impl UnitConfig for Keep {
        fn problems(&self) -> Vec<Diagnostic> {
            if self.keep == 0 {
                vec![Diagnostic::new("keep", "must be at least 1")]
            } else {
                Vec::new()
            }
        }
    }

    /// Stages the configured `keep`; everything else is a default or trivial.
    struct Keeper;

    impl Strategy for Keeper {
        type Config = Keep;

        fn info() -> PluginInfo {
            PluginInfo {
                name: "keeper".into(),
                version: "0.1.0".into(),
                description: "test".into(),
                config_schema: "{}".into(),
                features: Vec::new(),
            }
        }

        fn prepare(_: &Context, _: &Keep, current: Option<&str>) -> Result<String, Error> {
            Ok(current.unwrap_or("none").to_owned())
        }

        fn stage(ctx: &Context, config: &Keep, _: Option<&str>) -> Result<Staged, Error> {
            Ok(Staged {
                state: format!("keep {}", config.keep),
                endpoints: Vec::new(),
                summary: format!("staged {}", ctx.version),
            })
        }

        fn finalize(_: &Context, _: &Keep, staged: &str) -> Result<String, Error> {
            Ok(staged.to_owned())
        }

        fn rollback(
            _: &Context,
            _: &Keep,
            _: Option<&str>,
            _: Option<&str>,
            _: Option<&str>,
        ) -> Result<(), Error> {
            Ok(())
        }
    }

    type Plugin = Exported<Keeper>;

    fn ctx() -> Context {
        Context {
            deployment_id: "d1".into(),
            environment: "staging".into(),
            unit: "web".into(),
            version: "v2".into(),
            dry_run: false,
        }
    }

    #[test]
    fn a_call_gets_the_config_parsed_into_the_strategys_type() {
        let staged = Plugin::stage(ctx(), r#"{"keep": 3}"#.into(), None).unwrap();
        assert_eq!(staged.state, "keep 3");
    }

    #[test]
    fn a_config_that_does_not_parse_or_has_a_problem_is_invalid_before_the_strategy_runs() {
        let unparsable = Plugin::stage(ctx(), r#"{"keep": "three"}"#.into(), None);
        assert!(matches!(unparsable, Err(Error::InvalidConfig(_))));
        let Err(Error::InvalidConfig(message)) =
            Plugin::finalize(ctx(), r#"{"keep": 0}"#.into(), "s".into())
        else {
            panic!("a config with a problem was accepted");
        };
        assert_eq!(message, "keep: must be at least 1");
    }

    #[test]
    fn validate_reports_every_problem_by_default() {
        let problems = Plugin::validate(r#"{"keep": 0}"#.into()).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "keep");
        assert!(Plugin::validate(r#"{"keep": 1}"#.into()).is_ok());
    }

    #[test]
    fn plan_defaults_to_one_update_line_for_the_unit_and_shift_to_nothing() {
        let changes = Plugin::plan(ctx(), r#"{"keep": 1}"#.into(), Some("old".into())).unwrap();
        assert_eq!(changes.len(), 1);
        assert!(matches!(changes[0].action, ChangeAction::Update));
        assert_eq!(changes[0].resource, "web");
        assert_eq!(changes[0].detail, "deploy v2");
        assert!(Plugin::shift(ctx(), r#"{"keep": 1}"#.into(), "s".into(), 50).is_ok());
    }
}
