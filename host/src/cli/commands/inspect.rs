//! `sluice plugins inspect`: a component's imports (and what each needs), exports, `info()`,
//! sha256 and size.

use std::path::Path;
use std::sync::Arc;

use super::super::args::Cli;
use super::super::session;
use super::super::{CliError, Exit};
use crate::caps::Provision;
use crate::caps::log::{DEFAULT_BUDGET_BYTES, LogBudget};
use crate::plan::model::{Grants, Limits};
use crate::report::{Format, PluginLogs, Redactor};
use crate::runtime::{ComponentBytes, ImportNeed, classify};
use crate::wit::types::Feature;

/// Runs `sluice plugins inspect FILE` (or `builtin:NAME`).
pub async fn run(cli: &Cli, redactor: &Redactor, file: &str) -> Result<Exit, CliError> {
    let (name, bytes) = match file.strip_prefix("builtin:") {
        Some(builtin) => (builtin.to_owned(), ComponentBytes::builtin(builtin)),
        None => (
            file.to_owned(),
            ComponentBytes::file(file, Path::new(file), None),
        ),
    };
    let bytes = bytes.map_err(CliError::invalid)?;
    let runtime = session::runtime()?;
    let plugin = runtime
        .load(&name, &bytes, None, Limits::default())
        .map_err(CliError::invalid)?;
    let provision = Provision {
        plugin: name.clone(),
        unit: "inspect".into(),
        grants: Grants::default(),
        secrets: Default::default(),
        log: Arc::new(PluginLogs(session::reporter(cli, redactor))),
        log_budget: Arc::new(LogBudget::new(DEFAULT_BUDGET_BYTES)),
        docker: Vec::new(),
        container_labels: Vec::new(),
        sql: Default::default(),
    };
    let info = plugin.info(&provision).await.map_err(CliError::invalid)?;
    let imports: Vec<(String, String)> = plugin
        .imports
        .iter()
        .map(|i| (i.clone(), need(i)))
        .collect();
    match cli.output {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "file": file, "sha256": plugin.sha256, "size": plugin.size,
                "imports": imports.iter().map(|(i, n)| serde_json::json!({"name": i, "needs": n})).collect::<Vec<_>>(),
                "exports": plugin.exports,
                "info": { "name": info.name, "version": info.version, "description": info.description,
                          "features": info.features.iter().map(|f| feature_name(*f)).collect::<Vec<_>>(),
                          "config_schema": serde_json::from_str::<serde_json::Value>(&info.config_schema).unwrap_or(serde_json::Value::String(info.config_schema.clone())) },
            })
        ),
        Format::Human => {
            println!(
                "{file}\n  sha256  {}\n  size    {} bytes",
                plugin.sha256, plugin.size
            );
            println!(
                "  plugin  {} {}: {}",
                info.name, info.version, info.description
            );
            println!(
                "  features {}",
                info.features
                    .iter()
                    .map(|f| feature_name(*f))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!("imports:");
            for (import, need) in &imports {
                println!("  {import:40}  {need}");
            }
            println!("exports:");
            for export in &plugin.exports {
                println!("  {export}");
            }
            println!("config schema:\n{}", info.config_schema);
        }
    }
    Ok(Exit::Success)
}

fn need(import: &str) -> String {
    match classify(import) {
        ImportNeed::Provided => "always provided".to_owned(),
        ImportNeed::Grant(cap) => format!("needs grant `{}`", cap.grant_key()),
        ImportNeed::Unsupported(why) => format!("refused: {why}"),
    }
}

fn feature_name(feature: Feature) -> &'static str {
    match feature {
        Feature::Rollback => "rollback",
        Feature::TrafficShift => "traffic-shift",
        Feature::Plan => "plan",
    }
}
