//! The `sluice` command line: parses arguments, sets up the pieces below and maps what happens
//! to exit codes. Errors get their context here, at the edge.

mod args;
mod commands;
mod exit;
mod pull;
mod session;

use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;
pub use exit::Exit;

use crate::orchestrate::OrchestrateError;
use crate::redact::Redactor;
use crate::runtime::RuntimeError;
use crate::state::StateError;

/// A command's failure: what to print and which exit code.
#[derive(Debug)]
pub struct CliError {
    exit: Exit,
    error: anyhow::Error,
}

impl CliError {
    /// Invalid input (exit 2).
    pub fn invalid(error: impl Into<anyhow::Error>) -> CliError {
        CliError {
            exit: Exit::Invalid,
            error: error.into(),
        }
    }

    /// sluice itself failed (exit 1).
    pub fn failed(error: impl Into<anyhow::Error>) -> CliError {
        CliError {
            exit: Exit::Failed,
            error: error.into(),
        }
    }
}

impl From<OrchestrateError> for CliError {
    fn from(error: OrchestrateError) -> CliError {
        let exit = match &error {
            OrchestrateError::Plan(_)
            | OrchestrateError::Invalid(_)
            | OrchestrateError::Irreversible(_)
            | OrchestrateError::Paused(_)
            | OrchestrateError::Secret { .. } => Exit::Invalid,
            OrchestrateError::Runtime(e) if e.is_invalid_input() => Exit::Invalid,
            OrchestrateError::Runtime(_) => Exit::Failed,
            OrchestrateError::State(StateError::Locked { .. }) => Exit::LockHeld,
            OrchestrateError::State(_) => Exit::Failed,
            OrchestrateError::AwaitingApproval(_) => Exit::AwaitingApproval,
        };
        CliError {
            exit,
            error: error.into(),
        }
    }
}

impl From<StateError> for CliError {
    fn from(error: StateError) -> CliError {
        OrchestrateError::State(error).into()
    }
}

impl From<RuntimeError> for CliError {
    fn from(error: RuntimeError) -> CliError {
        OrchestrateError::Runtime(error).into()
    }
}

/// Runs sluice with the process's arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let redactor = Redactor::default();
    init_tracing(cli.verbose, &redactor);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Exit::Failed.into();
        }
    };
    match runtime.block_on(commands::run(&cli, &redactor)) {
        Ok(exit) => exit.into(),
        Err(CliError { exit, error }) => {
            eprintln!("error: {}", redactor.redact(&format!("{error:#}")));
            if crate::report::github::active() {
                eprintln!(
                    "{}",
                    crate::report::github::annotate_error(&error, &redactor)
                );
            }
            exit.into()
        }
    }
}

/// Diagnostics on standard error (`-v`, `-vv`, `SLUICE_LOG`), every secret value `redactor`
/// knows (now or later) removed: a trace may quote what a plugin sent or received.
fn init_tracing(verbose: u8, redactor: &Redactor) {
    let default = match verbose {
        0 => "warn",
        1 => "info,sluice=debug",
        // Not the bindings' own trace of every host call with its arguments and results: too
        // much to read (`SLUICE_LOG=sluice::wit=trace` shows it, secret values redacted).
        _ => "debug,sluice=trace,sluice::wit=info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SLUICE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let redactor = redactor.clone();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(move || RedactedStderr(redactor.clone()))
        .without_time()
        .try_init();
}

/// Standard error, each write (one trace event) with the secret values redacted.
struct RedactedStderr(Redactor);

impl std::io::Write for RedactedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().write_all(self.0.redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::RuntimeError;

    fn exit_for(error: RuntimeError) -> Exit {
        CliError::from(OrchestrateError::Runtime(error)).exit
    }

    #[test]
    fn a_plugin_the_plan_cannot_load_is_invalid_input() {
        let ungranted = RuntimeError::NotGranted {
            plugin: "site".into(),
            import: "sluice:deploy/http@0.1.4".into(),
            capability: "http".into(),
        };
        assert_eq!(exit_for(ungranted), Exit::Invalid);
        let unknown = RuntimeError::UnknownBuiltin {
            name: "nope".into(),
            available: "static-site".into(),
        };
        assert_eq!(exit_for(unknown), Exit::Invalid);
    }

    #[test]
    fn a_plugin_trapping_or_the_engine_failing_is_a_failure_not_invalid_input() {
        let trap = RuntimeError::Trap {
            plugin: "site".into(),
            call: "validate",
            message: "trapped: unreachable".into(),
        };
        assert_eq!(exit_for(trap), Exit::Failed);
        assert_eq!(
            exit_for(RuntimeError::Engine("no memory".into())),
            Exit::Failed
        );
    }
}
