//! `sluice plugins audit`: for each plugin of a plan, one row per capability — what the
//! component imports, what the plan grants, its limits and pinned digest — with a warning for
//! every grant the plugin does not import (over-granted) and every wildcard.

use std::path::Path;

use super::super::args::Cli;
use super::super::session;
use super::super::{CliError, Exit};
use crate::plan::model::{FileGrant, Grants, PluginDecl, PluginSource};
use crate::report::Format;
use crate::runtime::ComponentBytes;

/// One plugin × capability.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// The plugin's name in the plan.
    pub plugin: String,
    /// The capability: log, plan-notes, http, secrets, files, containers, sql.
    pub capability: &'static str,
    /// The component's imports that use it.
    pub imports: Vec<String>,
    /// What the plan grants for it.
    pub granted: Vec<String>,
    /// What a reviewer should look at.
    pub warnings: Vec<String>,
}

/// The capabilities, with the import prefix that uses each.
const CAPABILITIES: &[(&str, &str)] = &[
    ("log", "sluice:deploy/log@"),
    ("plan-notes", "sluice:deploy/plan-notes@"),
    ("http", "sluice:deploy/http@"),
    ("secrets", "sluice:deploy/secrets@"),
    ("files", "wasi:filesystem/"),
    ("containers", "sluice:deploy/containers@"),
    ("sql", "sluice:deploy/sql@"),
];

/// The capabilities every plugin has, without a grant.
const ALWAYS_GRANTED: &[&str] = &["log", "plan-notes"];

/// The rows for one plugin whose component imports `imports`.
pub fn rows(plugin: &str, imports: &[String], grants: &Grants) -> Vec<Row> {
    CAPABILITIES
        .iter()
        .map(|(capability, prefix)| {
            let imports: Vec<String> = imports
                .iter()
                .filter(|i| i.starts_with(prefix))
                .cloned()
                .collect();
            let granted = granted(capability, grants);
            let mut warnings = Vec::new();
            if imports.is_empty() && !granted.is_empty() && !ALWAYS_GRANTED.contains(capability) {
                warnings
                    .push("over-granted: the plugin does not import this capability".to_owned());
            }
            for grant in granted.iter().filter(|g| g.contains('*')) {
                warnings.push(format!("wildcard grant `{grant}`"));
            }
            for grant in granted.iter().filter(|g| g.ends_with("(read-write)")) {
                warnings.push(format!(
                    "writable directory {}",
                    grant.trim_end_matches(" (read-write)")
                ));
            }
            Row {
                plugin: plugin.to_owned(),
                capability,
                imports,
                granted,
                warnings,
            }
        })
        .collect()
}

fn granted(capability: &str, grants: &Grants) -> Vec<String> {
    match capability {
        _ if ALWAYS_GRANTED.contains(&capability) => vec!["always".to_owned()],
        "http" => grants.http.clone(),
        "secrets" => grants.secrets.clone(),
        "files" => grants.files.iter().map(describe_dir).collect(),
        "containers" => grants
            .containers
            .iter()
            .map(|c| format!("container {c}"))
            .chain(grants.images.iter().map(|i| format!("image {i}")))
            .chain(grants.docker.iter().map(|e| format!("engine {e}")))
            .collect(),
        "sql" => grants.databases.clone(),
        _ => Vec::new(),
    }
}

fn describe_dir(grant: &FileGrant) -> String {
    let mode = if grant.writable {
        "read-write"
    } else {
        "read-only"
    };
    format!("{} at {} ({mode})", grant.host.display(), grant.guest)
}

/// Runs `sluice plugins audit`.
pub async fn run(cli: &Cli, plan: Option<&Path>) -> Result<Exit, CliError> {
    let plan = crate::plan::load(plan.unwrap_or(&cli.plan)).map_err(CliError::invalid)?;
    let runtime = session::runtime()?;
    for (name, decl) in &plan.plugins {
        let bytes = component(name, decl).map_err(CliError::invalid)?;
        let plugin = runtime
            .load(name, &bytes, None, decl.limits)
            .map_err(CliError::invalid)?;
        let table = rows(name, &plugin.imports, &decl.grants);
        let source = match &decl.source {
            PluginSource::Builtin(b) => format!("builtin:{b}"),
            PluginSource::Path(p) => p.display().to_string(),
        };
        let limits = format!(
            "deadline {}, memory {} MiB",
            humantime::format_duration(decl.limits.deadline),
            decl.limits.memory / (1024 * 1024)
        );
        let pinned = decl
            .sha256
            .clone()
            .unwrap_or_else(|| "(not pinned: builtin of this sluice)".to_owned());
        match cli.output {
            Format::Json => {
                for row in &table {
                    let mut value = serde_json::to_value(row).map_err(CliError::failed)?;
                    value["source"] = source.clone().into();
                    value["sha256"] = plugin.sha256.clone().into();
                    value["pinned_sha256"] = decl.sha256.clone().into();
                    value["deadline_ms"] = u64::try_from(decl.limits.deadline.as_millis())
                        .unwrap_or(u64::MAX)
                        .into();
                    value["memory_bytes"] = decl.limits.memory.into();
                    println!("{value}");
                }
            }
            Format::Human => {
                println!(
                    "plugin {name}  ({source})\n  sha256 {}  pinned {pinned}\n  limits {limits}",
                    plugin.sha256
                );
                println!("  {:11} {:8} GRANTED", "CAPABILITY", "IMPORTS");
                for row in &table {
                    let imported = if row.imports.is_empty() { "no" } else { "yes" };
                    let granted = if row.granted.is_empty() {
                        "-".to_owned()
                    } else {
                        row.granted.join(", ")
                    };
                    println!("  {:11} {:8} {granted}", row.capability, imported);
                    for warning in &row.warnings {
                        println!("  {:11} {:8} warning: {warning}", "", "");
                    }
                }
                println!();
            }
        }
    }
    Ok(Exit::Success)
}

fn component(
    name: &str,
    decl: &PluginDecl,
) -> Result<ComponentBytes, crate::runtime::RuntimeError> {
    match &decl.source {
        PluginSource::Builtin(builtin) => ComponentBytes::builtin(builtin),
        PluginSource::Path(path) => ComponentBytes::file(name, path, decl.sha256.as_deref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imports(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_grant_the_plugin_does_not_import_is_flagged_as_over_granted() {
        let grants = Grants {
            http: vec!["https://api.example.com".into()],
            ..Grants::default()
        };
        let table = rows("p", &imports(&["sluice:deploy/log@0.1.0"]), &grants);
        let http = table.iter().find(|r| r.capability == "http").unwrap();
        assert_eq!(
            http.warnings,
            vec!["over-granted: the plugin does not import this capability"]
        );
    }

    #[test]
    fn wildcards_and_writable_directories_are_flagged() {
        let grants = Grants {
            containers: vec!["api-*".into()],
            files: vec![FileGrant {
                host: "/srv/www".into(),
                guest: "/www".into(),
                writable: true,
            }],
            ..Grants::default()
        };
        let table = rows(
            "p",
            &imports(&[
                "sluice:deploy/containers@0.1.0",
                "wasi:filesystem/types@0.2.6",
            ]),
            &grants,
        );
        let containers = table.iter().find(|r| r.capability == "containers").unwrap();
        assert_eq!(
            containers.warnings,
            vec!["wildcard grant `container api-*`"]
        );
        let files = table.iter().find(|r| r.capability == "files").unwrap();
        assert_eq!(files.granted, vec!["/srv/www at /www (read-write)"]);
        assert_eq!(files.warnings, vec!["writable directory /srv/www at /www"]);
    }

    #[test]
    fn an_imported_and_granted_capability_has_no_warning() {
        let grants = Grants {
            secrets: vec!["token".into()],
            ..Grants::default()
        };
        let table = rows("p", &imports(&["sluice:deploy/secrets@0.1.0"]), &grants);
        let secrets = table.iter().find(|r| r.capability == "secrets").unwrap();
        assert!(secrets.warnings.is_empty());
        assert_eq!(secrets.imports, vec!["sluice:deploy/secrets@0.1.0"]);
    }

    #[test]
    fn databases_show_under_sql_and_plan_notes_is_always_granted() {
        let grants = Grants {
            databases: vec!["main".into()],
            ..Grants::default()
        };
        let table = rows(
            "migrate",
            &imports(&["sluice:deploy/sql@0.1.1", "sluice:deploy/plan-notes@0.1.1"]),
            &grants,
        );
        let sql = table.iter().find(|r| r.capability == "sql").unwrap();
        assert_eq!(sql.granted, vec!["main"]);
        assert!(sql.warnings.is_empty());
        let notes = table.iter().find(|r| r.capability == "plan-notes").unwrap();
        assert_eq!(notes.granted, vec!["always"]);
        assert!(notes.warnings.is_empty());
    }
}
