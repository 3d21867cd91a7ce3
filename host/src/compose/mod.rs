//! `sluice init --from-compose`: a plan written from a Compose file. The file is parsed with
//! `docker-compose-types` (the Compose specification's services) over `serde_norway`; each
//! service with an `image` and a published port becomes a `container` unit with its own plugin
//! entry granted only its containers, its image repository and its router; `depends_on`,
//! environment, `env_file` and HTTP/TCP healthchecks carry over; credentials become `[secrets]`;
//! everything the container strategy cannot express is listed, with what to do, in the comment
//! that opens the plan. Errors name the file and `line:col`.

mod env;
mod health;
mod locate;
mod render;
mod service;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_norway::{Mapping, Value};

pub use service::Unit;

/// The keys the Compose specification allows at the top of a file (besides `x-` extensions).
const TOP_LEVEL_KEYS: [&str; 8] = [
    "version", "name", "include", "services", "volumes", "networks", "secrets", "configs",
];

/// The router blue-green units switch with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Router {
    /// Caddy's admin API (default `http://127.0.0.1:2019`): a route per unit.
    Caddy,
    /// HAProxy's runtime API (default `127.0.0.1:9999`): a backend per unit.
    Haproxy,
}

impl Router {
    /// The admin address used when none is given.
    fn default_admin(self) -> &'static str {
        match self {
            Router::Caddy => "http://127.0.0.1:2019",
            Router::Haproxy => "127.0.0.1:9999",
        }
    }
}

/// What to import.
#[derive(Debug)]
pub struct Options<'a> {
    /// The Compose file.
    pub file: &'a Path,
    /// Only these services (all when empty).
    pub services: &'a [String],
    /// The router of blue-green units; without one, every unit is `replace`.
    pub router: Option<Router>,
    /// The router's admin address (default: [`Router`]'s).
    pub router_admin: Option<&'a str>,
    /// The environment the plan declares.
    pub environment: &'a str,
}

/// Why a Compose file could not be imported, or the plan not written.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// The Compose file cannot be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Something wrong at a place in the Compose file (or an `env_file` it names).
    #[error("{}:{line}:{col}: {message}", file.display())]
    At {
        /// The file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong, and what was expected.
        message: String,
    },
    /// The plan file exists.
    #[error(
        "{} already exists: `sluice init` never overwrites a plan (choose another with --out, or remove it)",
        .0.display()
    )]
    Exists(PathBuf),
    /// Writing the plan failed.
    #[error("writing {}", path.display())]
    Write {
        /// The plan file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl ComposeError {
    /// Whether the input was wrong (rather than the machine failing).
    pub fn is_invalid_input(&self) -> bool {
        !matches!(self, ComposeError::Write { .. })
    }
}

/// A Compose file's text, to point into it.
struct Source<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    /// An error at the key `path` (or its nearest ancestor found; else the file's first line).
    fn error_at(&self, path: &[&str], message: String) -> ComposeError {
        let (line, col) = locate::locate(self.text, path).unwrap_or((1, 1));
        ComposeError::At {
            file: self.file.to_owned(),
            line,
            col,
            message,
        }
    }

    /// A `serde_norway` error, at its own location when it has one, else at `path`.
    fn yaml_error(
        &self,
        path: &[&str],
        context: &str,
        error: &serde_norway::Error,
    ) -> ComposeError {
        let message = error.to_string();
        match error.location() {
            Some(at) => ComposeError::At {
                file: self.file.to_owned(),
                line: at.line(),
                col: at.column(),
                message: format!(
                    "{context}{}",
                    message.replace(
                        &format!(" at line {} column {}", at.line(), at.column()),
                        ""
                    )
                ),
            },
            None => self.error_at(path, format!("{context}{message}")),
        }
    }
}

/// What the import found: the units, the secrets they read, and what it could not express.
#[derive(Debug)]
pub struct Import {
    /// The project's name (Compose's `name`, else the file's directory).
    pub project: String,
    /// The environment declared.
    pub environment: String,
    /// The units, in the file's order.
    pub units: Vec<Unit>,
    /// The secrets, by name.
    pub secrets: env::Secrets,
    /// What was not imported, and what to do about each.
    pub not_imported: Vec<String>,
    /// The Compose file, as named.
    pub file: PathBuf,
}

impl Import {
    /// The plan file's text.
    pub fn plan(&self) -> String {
        render::plan(self)
    }
}

/// Reads and converts the Compose file `options` names.
pub fn import(options: &Options<'_>) -> Result<Import, ComposeError> {
    let text = std::fs::read_to_string(options.file).map_err(|source| ComposeError::Read {
        path: options.file.to_owned(),
        source,
    })?;
    let source = Source {
        file: options.file,
        text: &text,
    };
    let mut root: Value =
        serde_norway::from_str(&text).map_err(|e| source.yaml_error(&[], "invalid YAML: ", &e))?;
    // Compose applies YAML merge keys (`<<: *defaults`) before reading services.
    root.apply_merge()
        .map_err(|e| source.yaml_error(&[], "invalid merge key (`<<`): ", &e))?;
    let Value::Mapping(root) = root else {
        return Err(source.error_at(&[], "expected a mapping with `services:`".into()));
    };
    for key in root.keys() {
        let key = key.as_str().unwrap_or_default();
        if !(TOP_LEVEL_KEYS.contains(&key) || key.starts_with("x-")) {
            return Err(source.error_at(
                &[key],
                format!(
                    "unknown top-level key `{key}`: expected one of {}, or an `x-` extension",
                    TOP_LEVEL_KEYS.map(|k| format!("`{k}`")).join(", ")
                ),
            ));
        }
    }
    let services = match root.get("services") {
        Some(Value::Mapping(services)) => services.clone(),
        _ => {
            return Err(source.error_at(
                &["services"],
                "expected `services:`, a mapping of service names to services".into(),
            ));
        }
    };
    let mut parsed = Vec::new();
    for (name, value) in &services {
        let name = name.as_str().unwrap_or_default().to_owned();
        let service: docker_compose_types::Service = serde_norway::from_value(value.clone())
            .map_err(|e| {
                source.yaml_error(&["services", &name], &format!("service `{name}`: "), &e)
            })?;
        let keys: Vec<String> = match value {
            Value::Mapping(map) => map
                .keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        parsed.push(service::Parsed {
            name,
            service,
            keys,
        });
    }
    check_dependencies(&source, &parsed)?;
    for wanted in options.services {
        if !parsed.iter().any(|p| &p.name == wanted) {
            return Err(source.error_at(
                &["services"],
                format!(
                    "no service `{wanted}` (from --service): expected one of {}",
                    parsed
                        .iter()
                        .map(|p| format!("`{}`", p.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    let project = project_name(&root, options.file);
    let mut not_imported = Vec::new();
    let mut secrets = env::Secrets::new();
    let router = options.router.map(|router| {
        (
            router,
            options
                .router_admin
                .unwrap_or(router.default_admin())
                .to_owned(),
        )
    });
    let context = service::Context {
        source: &source,
        project: &project,
        router: router.as_ref().map(|(r, admin)| (*r, admin.as_str())),
    };
    let mut units = Vec::new();
    for parsed in parsed
        .iter()
        .filter(|p| options.services.is_empty() || options.services.contains(&p.name))
    {
        match service::convert(&context, parsed, &mut secrets, &mut not_imported)? {
            Some(unit) => units.push(unit),
            None => continue,
        }
    }
    service::link_dependencies(&mut units, &mut not_imported);
    for (kind, advice) in [
        (
            "volumes",
            "sluice creates and mounts no volumes (the containers capability refuses mounts): \
             keep the services that use it under Compose, or move their data to a managed service",
        ),
        (
            "networks",
            "sluice's containers join Docker's default bridge only: services reach each other \
             through their published ports on the host's address, not by service name",
        ),
        (
            "secrets",
            "Compose file secrets are not mounted: pass the value as an environment variable \
             read from a `[secrets]` entry",
        ),
        (
            "configs",
            "Compose configs are not mounted: bake the file into the image",
        ),
    ] {
        if let Some(Value::Mapping(entries)) = root.get(kind) {
            for name in entries.keys().filter_map(Value::as_str) {
                not_imported.push(format!("{} `{name}`: {advice}", &kind[..kind.len() - 1]));
            }
        }
    }
    if root.get("include").is_some() {
        not_imported.push(
            "`include`: included files are not read: import each of them with its own \
             `sluice init --from-compose`"
                .into(),
        );
    }
    Ok(Import {
        project,
        environment: options.environment.to_owned(),
        units,
        secrets,
        not_imported,
        file: options.file.to_owned(),
    })
}

/// Writes `text` to `out`, which must not exist.
pub fn write(out: &Path, text: &str) -> Result<(), ComposeError> {
    let failed = |source| ComposeError::Write {
        path: out.to_owned(),
        source,
    };
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
    {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(ComposeError::Exists(out.to_owned()));
        }
        other => other.map_err(failed)?,
    };
    file.write_all(text.as_bytes()).map_err(failed)
}

/// Compose's `name`, else the Compose file's directory, as a plan name.
fn project_name(root: &Mapping, file: &Path) -> String {
    let named = root.get("name").and_then(Value::as_str).map(str::to_owned);
    let directory = || {
        std::path::absolute(file)
            .ok()
            .and_then(|path| path.parent()?.file_name()?.to_str().map(str::to_owned))
    };
    let name = plan_name(&named.or_else(directory).unwrap_or_default());
    if name.is_empty() {
        "compose".into()
    } else {
        name
    }
}

/// `text` as a plan name: letters, digits, `-` and `_` (anything else becomes `_`).
fn plan_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Every `depends_on` names a service of the file, and they form no cycle.
fn check_dependencies(
    source: &Source<'_>,
    services: &[service::Parsed],
) -> Result<(), ComposeError> {
    let graph: BTreeMap<&str, Vec<String>> = services
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                service::dependencies(&p.service)
                    .into_iter()
                    .map(|(d, _)| d)
                    .collect(),
            )
        })
        .collect();
    for (name, dependencies) in &graph {
        if let Some(unknown) = dependencies
            .iter()
            .find(|d| !graph.contains_key(d.as_str()))
        {
            return Err(source.error_at(
                &["services", name, "depends_on"],
                format!(
                    "service `{name}` depends on `{unknown}`, which is not a service of this file"
                ),
            ));
        }
    }
    // Depth-first from each service; a service met again on the current path closes a cycle.
    fn visit<'a>(
        name: &'a str,
        graph: &'a BTreeMap<&'a str, Vec<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<&'a str>> {
        if let Some(at) = path.iter().position(|n| *n == name) {
            let mut cycle = path[at..].to_vec();
            cycle.push(name);
            return Some(cycle);
        }
        if !done.insert(name) {
            return None;
        }
        path.push(name);
        for dependency in &graph[name] {
            if let Some(cycle) = visit(dependency, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for name in graph.keys() {
        if let Some(cycle) = visit(name, &graph, &mut Vec::new(), &mut done) {
            return Err(source.error_at(
                &["services", cycle[0], "depends_on"],
                format!(
                    "dependency cycle: {}: expected `depends_on` to form no cycle",
                    cycle.join(" -> ")
                ),
            ));
        }
    }
    Ok(())
}
