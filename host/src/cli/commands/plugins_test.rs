//! `sluice plugins test COMPONENT --config JSON [--capabilities files,http]`: the conformance
//! harness (see [`crate::conformance`]); one line per rule, or one JSON object.

use std::sync::Arc;

use super::super::args::{Cli, PluginsTestArgs};
use super::super::session;
use super::super::{CliError, Exit};
use super::inspect::component;
use crate::caps::log::{Level, LogSink};
use crate::conformance::{self, ConformanceError, Status, Subject};
use crate::redact::Redactor;
use crate::report::{Format, PluginLogs};

/// Runs `sluice plugins test`: exit 0 when every rule passes, [`Exit::RulesBroken`] otherwise.
pub async fn run(cli: &Cli, redactor: &Redactor, args: &PluginsTestArgs) -> Result<Exit, CliError> {
    let (name, bytes) = component(&args.component)?;
    let runtime = session::runtime()?;
    // The plugin's own messages are shown with -v only: the rules' lines are the output.
    let log: Arc<dyn LogSink> = if cli.verbose > 0 {
        Arc::new(PluginLogs(session::reporter(cli, redactor)))
    } else {
        Arc::new(Unheard)
    };
    let secrets = args
        .secrets
        .iter()
        .map(|(name, var)| {
            let value = std::env::var(var).ok();
            if let Some(value) = &value {
                redactor.add(value);
            }
            (name.clone(), value)
        })
        .collect();
    let subject = Subject {
        name: &name,
        bytes: &bytes,
        config: &args.config,
        capabilities: &args.capabilities,
        trees: &args.trees,
        databases: &args.databases,
        secrets,
        read_only_requests: &args.read_only_requests,
        log,
    };
    let verdicts = conformance::run(&runtime, subject)
        .await
        .map_err(|e: ConformanceError| {
            if e.is_invalid_input() {
                CliError::invalid(e)
            } else {
                CliError::failed(e)
            }
        })?;
    let passed = verdicts.iter().all(|v| v.status == Status::Pass);
    match cli.output {
        Format::Json => {
            let report = serde_json::json!({
                "component": args.component,
                "sha256": bytes.sha256,
                "passed": passed,
                "rules": verdicts,
            });
            println!("{}", redactor.redact(&report.to_string()));
        }
        Format::Human => {
            println!("{} ({})", args.component, bytes.sha256);
            for verdict in &verdicts {
                let evidence = redactor.redact(&verdict.evidence);
                let (status, rule) = (verdict.status.label(), verdict.rule.name());
                println!("  {status} {rule:20} {evidence}");
            }
            let broken = verdicts.iter().filter(|v| v.status != Status::Pass).count();
            match broken {
                0 => println!("every rule passes"),
                n => println!("{n} of {} rules not passed", verdicts.len()),
            }
        }
    }
    Ok(if passed {
        Exit::Success
    } else {
        Exit::RulesBroken
    })
}

/// Drops the plugin's messages.
struct Unheard;

impl LogSink for Unheard {
    fn message(&self, _unit: &str, _level: Level, _text: &str) {}
    fn progress(&self, _unit: &str, _done: u64, _total: u64, _text: &str) {}
}
