//! A unit config that checks itself beyond its JSON Schema.

use serde::de::DeserializeOwned;

use crate::{Diagnostic, Error};

/// A plugin's config type ([`Strategy::Config`](crate::Strategy::Config)): parsed from the unit's
/// config JSON, then checked by [`problems`]. Override `problems` for checks serde cannot express
/// (by default there are none); `load` (for lifecycle calls), `check` and `diagnose` (for
/// `validate`) come free.
///
/// [`problems`]: UnitConfig::problems
pub trait UnitConfig: DeserializeOwned {
    /// Every problem serde cannot see, each with the path of the offending field.
    fn problems(&self) -> Vec<Diagnostic> {
        Vec::new()
    }

    /// Parses and checks a config; the first problem is [`Error::InvalidConfig`].
    fn load(config: &str) -> Result<Self, Error> {
        let parsed: Self = crate::parse_config(config)?;
        match parsed.problems().first() {
            None => Ok(parsed),
            Some(problem) => Err(Error::InvalidConfig(format!(
                "{}: {}",
                problem.path, problem.message
            ))),
        }
    }

    /// `validate`'s answer: nothing, or every problem in the config.
    fn check(config: &str) -> Result<(), Vec<Diagnostic>> {
        let problems = Self::diagnose(config);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Every problem in a config, for `validate`.
    fn diagnose(config: &str) -> Vec<Diagnostic> {
        match serde_json::from_str::<Self>(config) {
            Ok(parsed) => parsed.problems(),
            Err(e) => vec![Diagnostic::new("", e.to_string())],
        }
    }
}
