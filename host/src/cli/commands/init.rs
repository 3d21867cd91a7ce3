//! `sluice init --from-compose FILE`: writes a plan from a Compose file.

use super::super::args::{Cli, InitArgs};
use super::super::{CliError, Exit};
use crate::compose::{self, ComposeError, Options};
use crate::report::Format;

/// Runs `sluice init`.
pub fn run(cli: &Cli, args: &InitArgs) -> Result<Exit, CliError> {
    let classify = |e: ComposeError| {
        if e.is_invalid_input() {
            CliError::invalid(e)
        } else {
            CliError::failed(e)
        }
    };
    let out = args.out.as_ref().unwrap_or(&cli.plan);
    if out.exists() {
        return Err(classify(ComposeError::Exists(out.clone())));
    }
    let import = compose::import(&Options {
        file: &args.from_compose,
        services: &args.services,
        router: args.router,
        router_admin: args.router_admin.as_deref(),
        environment: &args.environment,
    })
    .map_err(classify)?;
    compose::write(out, &import.plan()).map_err(classify)?;
    let units: Vec<&str> = import.units.iter().map(|unit| unit.name.as_str()).collect();
    match cli.output {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "event": "plan-written", "plan": out, "units": units,
                "secrets": import.secrets.values().map(|s| &s.env).collect::<Vec<_>>(),
                "not_imported": import.not_imported,
            })
        ),
        Format::Human => println!(
            "wrote {}: {} unit(s) ({}), {} secret(s), {} item(s) not imported (listed at its top)\n\
             next: `sluice validate --plan {0}` and `sluice plan --plan {0} --env {}`",
            out.display(),
            units.len(),
            units.join(", "),
            import.secrets.len(),
            import.not_imported.len(),
            args.environment
        ),
    }
    Ok(Exit::Success)
}
