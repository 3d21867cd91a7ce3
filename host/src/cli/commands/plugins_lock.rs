//! `sluice plugins lock`: resolves each plugin the plan names by tag alone to the manifest digest
//! the tag names now, and writes them to the plan's lockfile. Deployments then pull exactly those
//! bytes until someone locks again; the lockfile's diff is what a reviewer approves.

use super::super::args::Cli;
use super::super::pull::login;
use super::super::session;
use super::super::{CliError, Exit};
use crate::oci::{Lockfile, registry};
use crate::orchestrate::read_secrets;
use crate::plan::model::PluginSource;
use crate::redact::Redactor;
use crate::report::Format;

/// Runs `sluice plugins lock`.
pub async fn run(cli: &Cli) -> Result<Exit, CliError> {
    let plan = session::load_plan(cli)?;
    let secrets = read_secrets(&plan, &Redactor::default())?;
    let path = Lockfile::path_for(&plan.file);
    let mut lock = Lockfile::default();
    for (name, decl) in &plan.plugins {
        let PluginSource::Oci(source) = &decl.source else {
            continue;
        };
        if source.reference.digest.is_some() {
            continue;
        }
        let reference = &source.reference;
        let login = login(&plan, &reference.registry, &secrets).map_err(CliError::failed)?;
        let digest = registry::resolve(reference, &login).await.map_err(|e| {
            CliError::failed(anyhow::anyhow!(
                "cannot lock plugin `{name}` ({reference}): {e}"
            ))
        })?;
        match cli.output {
            Format::Json => println!(
                "{}",
                serde_json::json!({"plugin": name, "reference": reference.to_string(), "digest": digest})
            ),
            Format::Human => println!("{name:<16} {reference} -> {digest}"),
        }
        lock.pin(reference, digest);
    }
    lock.write(&path).map_err(CliError::failed)?;
    eprintln!("wrote {}", path.display());
    Ok(Exit::Success)
}
