//! `sluice plugins new NAME --lang LANG [--capabilities ...]`: writes a ready plugin project.

use std::path::PathBuf;

use super::super::args::{Cli, NewPluginArgs};
use super::super::{CliError, Exit};
use crate::report::Format;
use crate::scaffold::{self, Request};

/// Runs `sluice plugins new`.
pub fn run(cli: &Cli, args: &NewPluginArgs) -> Result<Exit, CliError> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    let request = Request {
        name: &args.name,
        language: args.lang,
        capabilities: &args.capabilities,
        dir: &dir,
    };
    let created = scaffold::create(&request).map_err(|e| {
        if e.is_invalid_input() {
            CliError::invalid(e)
        } else {
            CliError::failed(e)
        }
    })?;
    let language = args.lang.name();
    match cli.output {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "event": "plugin-created", "name": args.name, "language": language,
                "dir": created.dir, "capabilities": created.capabilities,
            })
        ),
        Format::Human => println!(
            "created {}: a {language} strategy plugin importing {}\n\
             next: ./build.sh in it, then `sluice apply --env dev --version v1` (its README.md \
             has the test command)",
            created.dir.display(),
            created.capabilities.join(", ")
        ),
    }
    Ok(Exit::Success)
}
