//! GitHub Actions, when `GITHUB_ACTIONS=true`: workflow commands and the job summary.
//!
//! - An `::error` annotation per unit that did not succeed (its reason) and per failed gate, a
//!   `::warning` per plugin warning (`::error` for a plugin's error message), and
//!   `::error file=,line=,col=` for an error in the plan ([`annotate_error`]).
//! - A Markdown summary appended to `$GITHUB_STEP_SUMMARY` when the deployment finishes: each
//!   unit's version, outcome, time and reason, then every gate verdict, and how to get the
//!   deployment's HTML report (with a link to the run's artifacts, where it is uploaded).
//! - The human output groups each unit's lines (`::group::`), see [`super::HumanReporter`].
//!
//! Commands go to standard error, which the runner reads like standard output, so that
//! `--output json` keeps standard output one JSON event per line. Everything is redacted.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;

use super::record::{DeploymentRecord, GateVerdict};
use super::{Event, Output, Stamped};
use crate::caps::log::Level;
use crate::clock::format_duration;
use crate::plan::PlanError;
use crate::redact::Redactor;
use crate::state::Outcome;

/// Whether sluice runs in a GitHub Actions job.
pub fn active() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// One workflow command: `::NAME PROPERTIES::MESSAGE`, escaped as the runner expects.
pub fn command(name: &str, properties: &[(&str, &str)], message: &str) -> String {
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    let space = if properties.is_empty() { "" } else { " " };
    format!(
        "::{name}{space}{}::{}",
        properties.join(","),
        escape_data(message)
    )
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The annotation for an error that ends sluice: at its place in the plan when it is a plan
/// error, else a plain one.
pub fn annotate_error(error: &anyhow::Error, redactor: &Redactor) -> String {
    let plan_error = error.chain().find_map(|e| e.downcast_ref::<PlanError>());
    let line = match plan_error {
        Some(e) if e.line > 0 => {
            let file = e.file.display().to_string();
            let (line, col) = (e.line.to_string(), e.col.to_string());
            command(
                "error",
                &[
                    ("file", &file),
                    ("line", &line),
                    ("col", &col),
                    ("title", "sluice: invalid plan"),
                ],
                &e.message,
            )
        }
        _ => command("error", &[("title", "sluice")], &format!("{error:#}")),
    };
    redactor.redact(&line).into_owned()
}

/// Workflow commands and the job summary.
pub struct GitHubOutput {
    redactor: Redactor,
    summary_file: Option<PathBuf>,
    record: Mutex<DeploymentRecord>,
}

impl GitHubOutput {
    /// The output, appending the summary to `$GITHUB_STEP_SUMMARY` if it is set.
    pub fn new(redactor: Redactor) -> GitHubOutput {
        GitHubOutput {
            redactor,
            summary_file: std::env::var_os("GITHUB_STEP_SUMMARY")
                .filter(|f| !f.is_empty())
                .map(PathBuf::from),
            record: Mutex::new(DeploymentRecord::default()),
        }
    }

    fn print(&self, line: &str) {
        eprintln!("{}", self.redactor.redact(line));
    }

    fn append_summary(&self, record: &DeploymentRecord, outcome: &str, took: &str) {
        let Some(file) = &self.summary_file else {
            return;
        };
        let text = self
            .redactor
            .redact(&summary(record, outcome, took))
            .into_owned();
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = appended {
            tracing::warn!("could not append to {}: {e}", file.display());
        }
    }
}

/// The job summary: a heading, a row per unit, the gate verdicts.
fn summary(record: &DeploymentRecord, outcome: &str, took: &str) -> String {
    let mut text = format!(
        "### sluice {} `{}`: {outcome} in {took}\n\n",
        record.kind, record.environment
    );
    text.push_str(
        "| unit | version | outcome | time | reason |\n| --- | --- | --- | --- | --- |\n",
    );
    for unit in &record.units {
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} |",
            cell(&unit.unit),
            cell(&unit.version),
            unit.outcome.as_str(),
            millis(unit.duration_ms),
            cell(unit.reason.as_deref().unwrap_or_default())
        );
    }
    let verdicts: Vec<(&str, &GateVerdict)> = record
        .units
        .iter()
        .flat_map(|unit| unit.gates.iter().map(|gate| (unit.unit.as_str(), gate)))
        .collect();
    if !verdicts.is_empty() {
        text.push_str("\n**Gates**\n\n");
        for (unit, gate) in verdicts {
            let verdict = if gate.passed { "passed" } else { "failed" };
            let line = format!(
                "{unit}: {verdict} {} gate `{}` in {}: {}",
                gate.phase,
                gate.gate,
                millis(gate.duration_ms),
                gate.reason
            );
            let _ = writeln!(text, "- {}", cell(&line));
        }
    }
    let _ = writeln!(
        text,
        "\nThe deployment's HTML report: `sluice report {} --html FILE`{}.",
        record.id,
        run_artifacts()
            .map(|url| format!(", uploaded with [this run's artifacts]({url})"))
            .unwrap_or_default()
    );
    text.push('\n');
    text
}

/// The page of this workflow run's artifacts, from the variables the runner sets.
fn run_artifacts() -> Option<String> {
    let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
    Some(format!(
        "{}/{}/actions/runs/{}#artifacts",
        var("GITHUB_SERVER_URL")?,
        var("GITHUB_REPOSITORY")?,
        var("GITHUB_RUN_ID")?
    ))
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

fn millis(ms: u64) -> String {
    format_duration(std::time::Duration::from_millis(ms))
}

impl Output for GitHubOutput {
    fn write(&self, stamped: &Stamped) {
        let Ok(mut record) = self.record.lock() else {
            return;
        };
        record.add(stamped);
        match &stamped.event {
            Event::Gate {
                unit,
                gate,
                phase,
                passed: false,
                reason,
            } => {
                let title = format!("{unit}: {phase} gate failed");
                self.print(&command(
                    "error",
                    &[("title", &title)],
                    &format!("{gate}: {reason}"),
                ));
            }
            Event::PluginLog {
                unit,
                level: level @ (Level::Warn | Level::Error),
                message,
            } => {
                let name = if *level == Level::Warn {
                    "warning"
                } else {
                    "error"
                };
                self.print(&command(name, &[("title", unit)], message));
            }
            Event::UnitFinished {
                unit,
                version,
                outcome,
                reason,
            } if !matches!(outcome, Outcome::Succeeded | Outcome::Unchanged) => {
                let title = format!("{unit} {version}: {}", outcome.as_str());
                let why = reason.as_deref().unwrap_or(outcome.as_str());
                // A pause waits for a person: a notice, not an error.
                let level = if *outcome == Outcome::Paused {
                    "notice"
                } else {
                    "error"
                };
                self.print(&command(level, &[("title", &title)], why));
            }
            Event::HookFailed {
                hook,
                on,
                required,
                reason,
            } => {
                let level = if *required { "error" } else { "warning" };
                let title = format!("hook {hook} failed on {on}");
                self.print(&command(level, &[("title", &title)], reason));
            }
            Event::DeploymentFinished { outcome, .. } => {
                let record = std::mem::take(&mut *record);
                self.append_summary(
                    &record,
                    outcome.as_str(),
                    &millis(stamped.duration_ms.unwrap_or_default()),
                );
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_properties_are_escaped_as_the_runner_expects() {
        assert_eq!(
            command(
                "error",
                &[("file", "a,b:c.toml"), ("line", "3")],
                "50% done\r\nnext"
            ),
            "::error file=a%2Cb%3Ac.toml,line=3::50%25 done%0D%0Anext"
        );
        assert_eq!(command("endgroup", &[], ""), "::endgroup::");
    }

    #[test]
    fn a_markdown_cell_keeps_its_row() {
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
    }
}
