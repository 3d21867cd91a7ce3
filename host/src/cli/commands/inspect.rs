//! `sluice plugins inspect`: a component's imports (and what each needs), exports, `info()`,
//! sha256 and size.

use std::path::Path;
use std::sync::Arc;

use super::super::args::Cli;
use super::super::session;
use super::super::{CliError, Exit};
use crate::caps::Provision;
use crate::plan::model::Limits;
use crate::redact::Redactor;
use crate::report::{Format, PluginLogs};
use crate::runtime::{ComponentBytes, ImportNeed, RuntimeError, classify};
use crate::wit::types::Feature;

/// Runs `sluice plugins inspect FILE` (or `builtin:NAME`).
pub async fn run(cli: &Cli, redactor: &Redactor, file: &str) -> Result<Exit, CliError> {
    let (name, bytes) = component(file)?;
    let runtime = session::runtime()?;
    let interfaces = runtime.interfaces(&name, &bytes)?;
    let info = match runtime.load(&name, &bytes, None, Limits::default()) {
        Ok(plugin) => plugin
            .info(&inspection_provision(cli, redactor, &name))
            .await
            .map_err(CliError::from),
        Err(refused) => Err(CliError::from(refused)),
    };
    let imports: Vec<(String, String)> = interfaces
        .imports
        .iter()
        .map(|i| (i.clone(), need(i)))
        .collect();
    match cli.output {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "file": file, "sha256": bytes.sha256, "size": bytes.bytes.len(),
                "imports": imports.iter().map(|(i, n)| serde_json::json!({"name": i, "needs": n})).collect::<Vec<_>>(),
                "exports": interfaces.exports,
                "info": info.as_ref().ok().map(|info| serde_json::json!({
                    "name": info.name, "version": info.version, "description": info.description,
                    "features": info.features.iter().map(|f| feature_name(*f)).collect::<Vec<_>>(),
                    "config_schema": serde_json::from_str::<serde_json::Value>(&info.config_schema).unwrap_or(serde_json::Value::String(info.config_schema.clone())) })),
            })
        ),
        Format::Human => {
            println!(
                "{file}\n  sha256  {}\n  size    {} bytes",
                bytes.sha256,
                bytes.bytes.len()
            );
            if let Ok(info) = &info {
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
            }
            println!("imports:");
            for (import, need) in &imports {
                println!("  {import:40}  {need}");
            }
            println!("exports:");
            for export in &interfaces.exports {
                println!("  {export}");
            }
            if let Ok(info) = &info {
                println!("config schema:\n{}", info.config_schema);
            }
        }
    }
    info.map(|_| Exit::Success)
}

/// The component `file` names (a `.wasm` path or `builtin:NAME`), and its name in messages.
pub(super) fn component(file: &str) -> Result<(String, ComponentBytes), RuntimeError> {
    Ok(match file.strip_prefix("builtin:") {
        Some(builtin) => (builtin.to_owned(), ComponentBytes::builtin(builtin)?),
        None => (
            file.to_owned(),
            ComponentBytes::file(file, Path::new(file), None)?,
        ),
    })
}

/// What `info()` may reach while inspecting: nothing but the log.
fn inspection_provision(cli: &Cli, redactor: &Redactor, name: &str) -> Provision {
    let log = Arc::new(PluginLogs(session::reporter(cli, redactor)));
    Provision::deny_all(name, "inspect", log)
}

fn need(import: &str) -> String {
    match classify(import) {
        ImportNeed::Provided => "always provided".to_owned(),
        ImportNeed::Inert => super::plugins_audit::INERT.to_owned(),
        ImportNeed::Grant { key, .. } => format!("needs grant `{key}`"),
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
