//! `sluice plugins audit`: for each plugin of a plan, one row per capability — what the
//! component imports, what the plan grants, its limits and pinned digest — with a warning for
//! every grant the plugin does not import (over-granted), every wildcard, every writable
//! directory, every HTTP grant that reaches this machine or an internal network, and every
//! import sluice refuses (the plugin will not load); then, per unit whose gates probe what its
//! plugin staged, where they may probe.

use std::path::Path;

use super::super::args::Cli;
use super::super::session;
use super::super::{CliError, Exit};
use crate::caps::capability::{Access, Capability};
use crate::caps::log::DEFAULT_BUDGET_BYTES;
use crate::caps::registry;
use crate::gates::TargetPolicy;
use crate::plan::Plan;
use crate::plan::model::{Grants, PluginDecl, PluginSource};
use crate::report::Format;
use crate::runtime::{
    ComponentBytes, ImportNeed, MAX_HOST_CALL_BYTES, MAX_OPEN_RESOURCES,
    classify as classify_import,
};

/// One plugin × capability.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// The plugin's name in the plan.
    pub plugin: String,
    /// The capability's name (see `caps::registry`); `refused` for imports sluice does not
    /// provide.
    pub capability: &'static str,
    /// The component's imports that use it.
    pub imports: Vec<String>,
    /// What the plan grants for it.
    pub granted: Vec<String>,
    /// What a reviewer should look at.
    pub warnings: Vec<String>,
}

/// What a plugin importing an inert capability gets.
pub const INERT: &str = "linked, every call denied";

/// The rows for one plugin whose component imports `imports`.
pub fn rows(plugin: &str, imports: &[String], grants: &Grants) -> Vec<Row> {
    let mut rows: Vec<Row> = registry::ALL
        .iter()
        .map(|cap| row(plugin, *cap, imports, grants))
        .collect();
    let refused: Vec<(String, &str)> = imports
        .iter()
        .filter_map(|i| match classify_import(i) {
            ImportNeed::Unsupported(why) => Some((i.clone(), why)),
            _ => None,
        })
        .collect();
    if !refused.is_empty() {
        rows.push(Row {
            plugin: plugin.to_owned(),
            capability: "refused",
            warnings: refused
                .iter()
                .map(|(import, why)| {
                    format!("sluice will not load this plugin: it imports `{import}` ({why})")
                })
                .collect(),
            imports: refused.into_iter().map(|(import, _)| import).collect(),
            granted: Vec::new(),
        });
    }
    rows
}

/// The row of capability `cap`.
fn row(plugin: &str, cap: &dyn Capability, imports: &[String], grants: &Grants) -> Row {
    let imports: Vec<String> = imports
        .iter()
        .filter(|i| cap.provides(i.split('@').next().unwrap_or(i)))
        .cloned()
        .collect();
    let (granted, grantable) = match cap.access() {
        Access::Always => (vec!["always".to_owned()], false),
        Access::Inert => (vec![INERT.to_owned()], false),
        Access::Scoped { .. } | Access::Granted { .. } => (cap.describe(grants), true),
    };
    let mut warnings = Vec::new();
    if imports.is_empty() && !granted.is_empty() && grantable {
        warnings.push("over-granted: the plugin does not import this capability".to_owned());
    }
    warnings.extend(cap.warnings(grants));
    Row {
        plugin: plugin.to_owned(),
        capability: cap.name(),
        imports,
        granted,
        warnings,
    }
}

/// The limits every plugin has, whatever its plan says.
fn fixed_limits() -> String {
    format!(
        "{} MiB per host call, {MAX_OPEN_RESOURCES} open files/streams, {} MiB of log per unit \
         per run",
        MAX_HOST_CALL_BYTES >> 20,
        DEFAULT_BUDGET_BYTES >> 20
    )
}

/// Runs `sluice plugins audit`.
pub async fn run(cli: &Cli, plan: Option<&Path>) -> Result<Exit, CliError> {
    let plan = crate::plan::load(plan.unwrap_or(&cli.plan)).map_err(CliError::invalid)?;
    let runtime = session::runtime()?;
    let secrets = crate::orchestrate::read_secrets(&plan, &crate::redact::Redactor::default())?;
    super::super::pull::pull_plugins(&plan, runtime.pulled(), &secrets).await?;
    for (name, decl) in &plan.plugins {
        let bytes = ComponentBytes::declared(name, decl, runtime.pulled())?;
        let interfaces = runtime.interfaces(name, &bytes)?;
        let table = rows(name, &interfaces.imports, &decl.grants);
        let source = match &decl.source {
            PluginSource::Oci(oci) => match oci.digest() {
                Some(digest) if oci.reference.digest.is_none() => {
                    format!("{} (locked: {digest})", oci.reference)
                }
                _ => oci.reference.to_string(),
            },
            other => other.to_string(),
        };
        let limits = format!(
            "deadline {}, memory {} MiB",
            humantime::format_duration(decl.limits.deadline),
            decl.limits.memory / (1024 * 1024)
        );
        match cli.output {
            Format::Json => {
                for row in &table {
                    let mut value = serde_json::to_value(row).map_err(CliError::failed)?;
                    value["source"] = source.clone().into();
                    value["sha256"] = bytes.sha256.clone().into();
                    value["pinned_sha256"] = decl.sha256.clone().into();
                    value["deadline_ms"] = u64::try_from(decl.limits.deadline.as_millis())
                        .unwrap_or(u64::MAX)
                        .into();
                    value["memory_bytes"] = decl.limits.memory.into();
                    value["max_host_call_bytes"] = MAX_HOST_CALL_BYTES.into();
                    value["max_open_resources"] = MAX_OPEN_RESOURCES.into();
                    println!("{value}");
                }
            }
            Format::Human => print_table(name, &source, &bytes.sha256, decl, &limits, &table),
        }
    }
    print_gate_targets(cli.output, &plan);
    Ok(Exit::Success)
}

/// Per unit whose gates probe what its plugin staged, where they may probe (see
/// [`TargetPolicy`]); in JSON one line `{"unit", "plugin", "gate_targets"}` each.
fn print_gate_targets(output: Format, plan: &Plan) {
    let staged = plan
        .units
        .values()
        .filter(|unit| unit.gates.iter().any(|gate| gate.check.targets_staged()));
    for unit in staged {
        let targets = TargetPolicy::of_unit(plan, unit).describe();
        match output {
            Format::Json => println!(
                "{}",
                serde_json::json!({ "unit": unit.name, "plugin": unit.plugin, "gate_targets": targets })
            ),
            Format::Human => {
                println!(
                    "unit {}  (plugin {}): gates probing what it staged may reach",
                    unit.name, unit.plugin
                );
                for target in targets {
                    println!("  {target}");
                }
                println!();
            }
        }
    }
}

fn print_table(
    name: &str,
    source: &str,
    sha256: &str,
    decl: &PluginDecl,
    limits: &str,
    table: &[Row],
) {
    let pinned = match decl.sha256 {
        Some(_) => "pinned by the plan",
        None => "builtin of this sluice binary, not pinned by the plan",
    };
    println!("plugin {name}  ({source})");
    println!("  sha256   {sha256}  ({pinned})");
    println!("  limits   {limits}; fixed: {}", fixed_limits());
    println!("  {:11} {:9} GRANTED", "CAPABILITY", "IMPORTED");
    for row in table {
        let imported = if row.imports.is_empty() { "no" } else { "yes" };
        let mut granted = row.granted.iter();
        println!(
            "  {:11} {imported:9} {}",
            row.capability,
            granted.next().map_or("-", String::as_str)
        );
        for more in granted {
            println!("  {:11} {:9} {more}", "", "");
        }
        for warning in &row.warnings {
            println!("  {:11} {:9} warning: {warning}", "", "");
        }
    }
    println!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::{FileGrant, HttpGrant};

    fn imports(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_grant_the_plugin_does_not_import_is_flagged_as_over_granted() {
        let grants = Grants {
            http: Some(vec![HttpGrant {
                origin: "https://api.example.com".into(),
                internal: false,
            }]),
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
    fn http_grants_reaching_this_machine_or_an_internal_network_are_flagged() {
        let grant = |origin: &str, internal| HttpGrant {
            origin: origin.into(),
            internal,
        };
        let grants = Grants {
            http: Some(vec![
                grant("https://api.example.com", false),
                grant("http://127.0.0.1:2019", false),
                grant("http://localhost:8001", false),
                grant("http://kong.internal:8001", true),
                grant("http://[fd00:ec2::254]", false),
            ]),
            ..Grants::default()
        };
        let table = rows("p", &imports(&["sluice:deploy/http@0.1.0"]), &grants);
        let http = table.iter().find(|r| r.capability == "http").unwrap();
        assert_eq!(
            http.warnings,
            vec![
                "http://127.0.0.1:2019 reaches a loopback address (not the public internet)",
                "http://localhost:8001 reaches a service on this machine (loopback)",
                "http://kong.internal:8001 is marked internal: its name may resolve to this \
                 machine or an internal network (never to a metadata address)",
                "http://[fd00:ec2::254] reaches a cloud metadata address (not the public internet)",
            ]
        );
        assert!(
            http.granted
                .contains(&"http://kong.internal:8001 (internal)".to_owned())
        );
    }

    #[test]
    fn imports_sluice_refuses_get_their_own_row_saying_the_plugin_will_not_load() {
        let table = rows(
            "p",
            &imports(&[
                "sluice:deploy/log@0.1.0",
                "wasi:http/outgoing-handler@0.2.6",
                "wasi:http/incoming-handler@0.2.6",
                "acme:x/y@1.0.0",
            ]),
            &Grants::default(),
        );
        let refused = table.iter().find(|r| r.capability == "refused").unwrap();
        assert_eq!(
            refused.imports,
            vec!["wasi:http/incoming-handler@0.2.6", "acme:x/y@1.0.0"]
        );
        let http = table.iter().find(|r| r.capability == "http").unwrap();
        assert_eq!(http.imports, vec!["wasi:http/outgoing-handler@0.2.6"]);
        assert!(
            refused.warnings[0].starts_with(
                "sluice will not load this plugin: it imports `wasi:http/incoming-handler@0.2.6`"
            ),
            "{:?}",
            refused.warnings
        );
        let clean = rows(
            "p",
            &imports(&["sluice:deploy/log@0.1.0"]),
            &Grants::default(),
        );
        assert!(clean.iter().all(|r| r.capability != "refused"));
    }

    #[test]
    fn socket_imports_show_as_linked_with_every_call_denied_and_not_refused() {
        let table = rows(
            "p",
            &imports(&[
                "wasi:sockets/tcp@0.2.6",
                "wasi:sockets/ip-name-lookup@0.2.6",
            ]),
            &Grants::default(),
        );
        let sockets = table.iter().find(|r| r.capability == "sockets").unwrap();
        assert_eq!(sockets.imports.len(), 2);
        assert_eq!(sockets.granted, vec![INERT]);
        assert!(sockets.warnings.is_empty());
        assert!(table.iter().all(|r| r.capability != "refused"));
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
            &imports(&["sluice:deploy/sql@0.1.4", "sluice:deploy/plan-notes@0.1.4"]),
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
