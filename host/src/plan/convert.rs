//! Raw plan → [`Plan`]: parses every value (paths, durations, sizes, origins) and reports the
//! first bad one at its location. Cross-references are checked afterwards by `validate`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_spanned::Spanned;

use super::error::PlanError;
use super::location::SourceMap;
use super::model::{DatabaseDecl, Environment, Plan, Project, SecretSource, StateConfig};
use super::quantity::parse_duration;
use super::raw::{RawDatabase, RawPlan, RawSecret, RawState};
use super::{docker, groups, hooks, plugins, registries, telemetry, units};

/// What converting needs: the source to point errors into and the directory paths resolve against.
pub(super) struct Converter<'a> {
    /// The plan's text and key index.
    pub source: &'a SourceMap,
    /// The plan file's directory (absolute).
    pub dir: &'a Path,
    /// The plan's lockfile (empty when it has none).
    pub lock: &'a crate::oci::Lockfile,
}

impl Converter<'_> {
    /// An error at a byte span.
    pub fn error_at_span(&self, span: Range<usize>, message: impl Into<String>) -> PlanError {
        PlanError::in_source(self.source, self.source.location_of(span), message)
    }

    /// An error at the value of a key path.
    pub fn error_at_key(&self, path: &[&str], message: impl Into<String>) -> PlanError {
        PlanError::in_source(self.source, self.source.locate(path), message)
    }

    /// `relative` resolved against the plan's directory.
    pub fn resolve(&self, relative: &str) -> PathBuf {
        self.dir.join(relative)
    }

    /// An optional duration, or `default` when absent.
    pub fn duration(
        &self,
        value: Option<&Spanned<String>>,
        default: Duration,
    ) -> Result<Duration, PlanError> {
        value.map_or(Ok(default), |text| {
            parse_duration(text.get_ref())
                .map_err(|message| self.error_at_span(text.span(), message))
        })
    }

    /// Checks that a table key is a usable name (letters, digits, `-`, `_`).
    pub fn check_name(&self, path: &[&str]) -> Result<(), PlanError> {
        let name = path.last().copied().unwrap_or_default();
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(())
        } else {
            Err(self.error_at_key(
                path,
                format!("invalid name `{name}`: expected letters, digits, `-` and `_`"),
            ))
        }
    }
}

/// The file-level facts about a plan that do not come from its TOML.
pub(super) struct PlanFile {
    /// The plan file, absolute.
    pub file: PathBuf,
    /// Its directory, absolute.
    pub dir: PathBuf,
    /// sha256 hex of its bytes.
    pub hash: String,
    /// Its text and key index.
    pub source: SourceMap,
    /// Its lockfile (empty when it has none).
    pub lock: crate::oci::Lockfile,
}

/// Converts the raw plan; the result still needs `validate`.
pub(super) fn plan(raw: RawPlan, file: PlanFile) -> Result<Plan, PlanError> {
    let cx = Converter {
        source: &file.source,
        dir: &file.dir,
        lock: &file.lock,
    };
    let project = project(&cx, &raw.project.name)?;
    let state = match &raw.state {
        Some(state) => state_config(&cx, state)?,
        None => StateConfig::Sqlite(file.dir.join(".sluice").join("state.db")),
    };
    let environments = environments(&cx, raw.environments)?;
    let secrets = convert_named(&cx, "secrets", &raw.secrets, secret)?;
    let databases = convert_named(&cx, "databases", &raw.databases, database)?;
    let docker = convert_named(&cx, "docker", &raw.docker, docker::engine)?;
    let registries = registries::registries(&cx, &raw.registries)?;
    let plugins = convert_named(&cx, "plugins", &raw.plugins, plugins::plugin)?;
    let units = convert_named(&cx, "units", &raw.units, units::unit)?;
    let hooks = convert_named(&cx, "hooks", &raw.hooks, hooks::hook)?;
    let groups = convert_named(&cx, "groups", &raw.groups, groups::group)?;
    let telemetry = telemetry::telemetry(&cx, raw.telemetry.as_ref())?;
    Ok(Plan {
        file: file.file,
        dir: file.dir,
        project,
        state,
        environments,
        secrets,
        databases,
        docker,
        registries,
        plugins,
        units,
        hooks,
        groups,
        telemetry,
        hash: file.hash,
        source: file.source,
    })
}

/// Converts each entry of a `[table.NAME]` map after checking its name.
fn convert_named<Raw, Out>(
    cx: &Converter<'_>,
    table: &str,
    entries: &BTreeMap<String, Raw>,
    convert: impl Fn(&Converter<'_>, &str, &Raw) -> Result<Out, PlanError>,
) -> Result<BTreeMap<String, Out>, PlanError> {
    entries
        .iter()
        .map(|(name, raw)| {
            cx.check_name(&[table, name])?;
            Ok((name.clone(), convert(cx, name, raw)?))
        })
        .collect()
}

fn project(cx: &Converter<'_>, name: &Spanned<String>) -> Result<Project, PlanError> {
    if name.get_ref().trim().is_empty() {
        return Err(cx.error_at_span(name.span(), "empty project name: expected e.g. \"shop\""));
    }
    Ok(Project {
        name: name.get_ref().clone(),
    })
}

fn state_config(cx: &Converter<'_>, state: &RawState) -> Result<StateConfig, PlanError> {
    let url = state.url.get_ref();
    if let Some(path) = url.strip_prefix("sqlite:").filter(|p| !p.is_empty()) {
        return Ok(StateConfig::Sqlite(cx.resolve(path)));
    }
    if is_postgres_url(url) || url.trim_start().starts_with("${") {
        return Ok(StateConfig::Postgres(url.clone()));
    }
    Err(cx.error_at_span(
        state.url.span(),
        format!(
            "invalid state url `{url}`: expected sqlite:PATH, postgres://USER@HOST/DATABASE, \
             or \"${{secret.NAME}}\" naming a secret that holds such a URL"
        ),
    ))
}

fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn environments(
    cx: &Converter<'_>,
    raw: Spanned<BTreeMap<String, super::raw::RawEnvironment>>,
) -> Result<BTreeMap<String, Environment>, PlanError> {
    if raw.get_ref().is_empty() {
        return Err(cx.error_at_span(
            raw.span(),
            "no environments: expected at least one `[environments.NAME]` table",
        ));
    }
    convert_named(cx, "environments", raw.get_ref(), |_, _, env| {
        Ok(Environment {
            promote_from: env.promote_from.clone(),
            approval: env.approval,
        })
    })
}

fn secret(
    cx: &Converter<'_>,
    _name: &str,
    raw: &Spanned<RawSecret>,
) -> Result<SecretSource, PlanError> {
    match (&raw.get_ref().env, &raw.get_ref().file) {
        (Some(var), None) if !var.is_empty() => Ok(SecretSource::Env(var.clone())),
        (None, Some(path)) if !path.is_empty() => Ok(SecretSource::File(cx.resolve(path))),
        _ => Err(cx.error_at_span(
            raw.span(),
            "a secret needs exactly one source: expected `env = \"VAR\"` or `file = \"PATH\"`",
        )),
    }
}

fn database(cx: &Converter<'_>, _name: &str, raw: &RawDatabase) -> Result<DatabaseDecl, PlanError> {
    let url = raw.url.get_ref();
    let sqlite_path = url.strip_prefix("sqlite:").filter(|path| !path.is_empty());
    let url = match sqlite_path {
        _ if url.contains("${") => url.clone(),
        Some(path) => format!("sqlite:{}", cx.resolve(path).display()),
        None if is_postgres_url(url) => url.clone(),
        None => {
            return Err(cx.error_at_span(
                raw.url.span(),
                format!(
                    "invalid database url `{url}`: expected sqlite:PATH, postgres://... or \"${{secret.NAME}}\""
                ),
            ));
        }
    };
    Ok(DatabaseDecl { url })
}
