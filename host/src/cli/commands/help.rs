//! `sluice completions SHELL` and `sluice man`: generated from the command line's definition, so
//! they always match it.

use clap::CommandFactory;

use super::super::args::Cli;
use super::super::{CliError, Exit};

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Result<Exit, CliError> {
    clap_complete::generate(shell, &mut Cli::command(), "sluice", &mut std::io::stdout());
    Ok(Exit::Success)
}

/// Prints the manual page.
pub fn man() -> Result<Exit, CliError> {
    clap_mangen::Man::new(Cli::command())
        .render(&mut std::io::stdout())
        .map_err(CliError::failed)?;
    Ok(Exit::Success)
}
