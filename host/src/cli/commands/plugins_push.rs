//! `sluice plugins push COMPONENT oci://HOST/REPOSITORY:TAG`: a plugin author publishes a
//! component as a Wasm OCI artifact and gets the reference, pinned by digest, that plans write.

use std::io::Read;

use super::super::args::{Cli, PluginsPushArgs};
use super::super::session;
use super::super::{CliError, Exit};
use crate::oci::Reference;
use crate::oci::artifact::ComponentInterfaces;
use crate::oci::registry::{self, Login};
use crate::report::Format;
use crate::runtime::ComponentBytes;

/// Runs `sluice plugins push`.
pub async fn run(cli: &Cli, args: &PluginsPushArgs) -> Result<Exit, CliError> {
    let reference: Reference = args
        .reference
        .parse()
        .map_err(|why| CliError::invalid(anyhow::anyhow!("`{}`: {why}", args.reference)))?;
    if reference.tag.is_none() || reference.digest.is_some() {
        return Err(CliError::invalid(anyhow::anyhow!(
            "`{}`: push to a tag, `oci://HOST/REPOSITORY:TAG`; the digest is what the push prints",
            args.reference
        )));
    }
    let file = args.component.display().to_string();
    let bytes = ComponentBytes::file(&file, &args.component, None)?;
    // Only a component sluice can compile is pushed; its imports and exports go in the config.
    let interfaces = session::runtime()?.interfaces(&file, &bytes)?;
    let login = match &args.username {
        Some(user) => Login::basic(user.clone(), password_from_stdin()?),
        None => Login::default(),
    };
    let size = bytes.bytes.len();
    let digest = registry::push(
        &reference,
        bytes.bytes.into_owned(),
        ComponentInterfaces {
            imports: interfaces.imports,
            exports: interfaces.exports,
            target: None,
        },
        &login,
    )
    .await
    .map_err(|e| CliError::failed(anyhow::anyhow!("cannot push {file} to {reference}: {e}")))?;
    let pinned = Reference {
        digest: Some(digest.clone()),
        ..reference
    };
    match cli.output {
        Format::Json => println!(
            "{}",
            serde_json::json!({"reference": pinned.to_string(), "digest": digest, "size": size})
        ),
        Format::Human => {
            eprintln!("pushed {file} ({size} bytes); a plan's source that pins it:");
            println!("{pinned}");
        }
    }
    Ok(Exit::Success)
}

/// The registry password, the first line of standard input (as `docker login --password-stdin`).
fn password_from_stdin() -> Result<String, CliError> {
    let mut text = String::new();
    std::io::stdin()
        .take(64 << 10)
        .read_to_string(&mut text)
        .map_err(|e| {
            CliError::invalid(anyhow::anyhow!(
                "cannot read the password from standard input: {e}"
            ))
        })?;
    let password = text.lines().next().unwrap_or_default().to_owned();
    if password.is_empty() {
        return Err(CliError::invalid(anyhow::anyhow!(
            "--username needs the password on standard input"
        )));
    }
    Ok(password)
}
