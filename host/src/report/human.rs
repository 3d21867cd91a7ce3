//! Output for people: one live line per running unit (on a terminal), the steps, gate verdicts
//! and plugin messages as they happen, and a summary table at the end. No colours, so
//! `NO_COLOR` and dumb terminals are respected by construction.
//!
//! Threat model: a plugin's text (its log messages, plan lines, summaries and error messages)
//! could forge sluice's own lines, e.g. `[web] succeeded v9` or `result: succeeded`, by holding
//! newlines or terminal control characters. What stops it: every line printed loses its control
//! characters but tab, and every line a plugin's text starts is prefixed with
//! `[unit] | ` ([`PLUGIN_MARK`]), which sluice's own lines never carry.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Event, Output, Stamped, github};
use crate::caps::log::Level;
use crate::clock::format_duration;
use crate::redact::Redactor;
use crate::state::Outcome;

/// One row of the summary table.
struct Finished {
    unit: String,
    version: String,
    outcome: Outcome,
    reason: Option<String>,
    duration_ms: u64,
}

/// What follows `[unit]` on every line that a plugin's text starts; sluice's own lines never
/// carry it.
pub const PLUGIN_MARK: &str = " | ";

/// `[unit] | `: the start of a line of a plugin's text.
fn plugin_prefix(unit: &str) -> String {
    format!("[{unit}]{PLUGIN_MARK}")
}

/// Text a plugin produced, made safe to print inside a line: each line after the first starts
/// with [`plugin_prefix`], so the text cannot begin a line of its own.
fn plugin_text(unit: &str, text: &str) -> String {
    text.replace('\n', &format!("\n{}", plugin_prefix(unit)))
}

/// Live progress on stderr.
pub struct HumanReporter {
    redactor: Redactor,
    verbose: u8,
    live: Option<MultiProgress>,
    bars: Mutex<BTreeMap<String, ProgressBar>>,
    finished: Mutex<Vec<Finished>>,
    /// With GitHub Actions: each unit's lines, held until it finishes and then printed as one
    /// `::group::` (units may run in parallel, and a group is a run of lines).
    groups: Option<Mutex<BTreeMap<String, Vec<String>>>>,
}

impl HumanReporter {
    /// A reporter; live bars only when stderr is a terminal.
    pub fn new(redactor: Redactor, verbose: u8) -> Self {
        let live = std::io::stderr()
            .is_terminal()
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        HumanReporter {
            redactor,
            verbose,
            live,
            bars: Mutex::new(BTreeMap::new()),
            finished: Mutex::new(Vec::new()),
            groups: None,
        }
    }

    /// The same reporter printing each unit's lines as one GitHub Actions group.
    pub fn grouped(self) -> Self {
        HumanReporter {
            groups: Some(Mutex::new(BTreeMap::new())),
            ..self
        }
    }

    /// Prints a line about `unit`, or holds it for the unit's group.
    fn unit_line(&self, unit: &str, text: &str) {
        match &self.groups {
            Some(groups) => {
                if let Ok(mut groups) = groups.lock() {
                    groups
                        .entry(unit.to_owned())
                        .or_default()
                        .push(text.to_owned());
                }
            }
            None => self.line(text),
        }
    }

    /// Prints the lines held for `unit` as one group titled `title`.
    fn close_group(&self, unit: &str, title: &str) {
        let Some(groups) = &self.groups else { return };
        let held = groups
            .lock()
            .map(|mut groups| groups.remove(unit).unwrap_or_default())
            .unwrap_or_default();
        self.line(&github::command("group", &[], title));
        for text in held {
            self.line(&text);
        }
        self.line(&github::command("endgroup", &[], ""));
    }

    /// Prints `text` (control characters but newline and tab removed, secrets redacted).
    fn line(&self, text: &str) {
        let text: String = text
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
            .collect();
        let text = self.redactor.redact(&text);
        match &self.live {
            Some(multi) => {
                let _ = multi.println(text.as_ref());
            }
            None => eprintln!("{text}"),
        }
    }

    fn set_status(&self, unit: &str, status: &str) {
        let Some(multi) = &self.live else { return };
        let Ok(mut bars) = self.bars.lock() else {
            return;
        };
        let bar = bars.entry(unit.to_owned()).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix:12} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(unit.to_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        let status: String = status
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        bar.set_message(self.redactor.redact(&status).into_owned());
    }

    fn clear_status(&self, unit: &str) {
        if let Ok(mut bars) = self.bars.lock()
            && let Some(bar) = bars.remove(unit)
        {
            bar.finish_and_clear();
        }
    }

    /// The summary table of the units finished since the last one.
    fn summary(&self) {
        let Ok(mut finished) = self.finished.lock() else {
            return;
        };
        let rows = std::mem::take(&mut *finished);
        if rows.is_empty() {
            return;
        }
        let width = rows.iter().map(|r| r.unit.len()).max().unwrap_or(4).max(4);
        let vwidth = rows
            .iter()
            .map(|r| r.version.len())
            .max()
            .unwrap_or(7)
            .max(7);
        self.line(&format!(
            "\n{:width$}  {:vwidth$}  {:11}  {:>8}  {}",
            "UNIT", "VERSION", "OUTCOME", "TIME", "REASON"
        ));
        for row in rows.iter() {
            self.line(&format!(
                "{:width$}  {:vwidth$}  {:11}  {:>8}  {}",
                row.unit,
                row.version,
                row.outcome.as_str(),
                format_duration(Duration::from_millis(row.duration_ms)),
                plugin_text(&row.unit, row.reason.as_deref().unwrap_or(""))
            ));
        }
    }
}

fn mark(ok: bool) -> &'static str {
    if ok { "ok  " } else { "FAIL" }
}

impl Output for HumanReporter {
    fn write(&self, stamped: &Stamped) {
        match stamped.event.clone() {
            Event::DeploymentStarted {
                id,
                environment,
                kind,
                units,
            } => {
                self.line(&format!(
                    "{kind} {environment}: {} unit(s), deployment {id}",
                    units.len()
                ));
            }
            Event::Selected {
                unit,
                selected,
                reason,
            } => {
                if !selected {
                    self.line(&format!("[{unit}] not selected: {reason}"));
                }
            }
            Event::UnitStarted { unit, version } => {
                self.unit_line(&unit, &format!("[{unit}] deploying {version}"));
                self.set_status(&unit, "starting");
            }
            Event::Planned {
                unit,
                changes,
                irreversible,
            } => {
                let prefix = plugin_prefix(&unit);
                for change in changes {
                    self.unit_line(&unit, &format!("{prefix}{}", plugin_text(&unit, &change)));
                }
                for reason in irreversible {
                    let reason = plugin_text(&unit, &reason);
                    self.unit_line(&unit, &format!("{prefix}irreversible: {reason}"));
                }
            }
            Event::Step { unit, step } => self.set_status(&unit, &step),
            Event::StepFinished { unit, step } => {
                if self.verbose > 0 {
                    let took = Duration::from_millis(stamped.duration_ms.unwrap_or_default());
                    self.unit_line(
                        &unit,
                        &format!("[{unit}] {step} took {}", format_duration(took)),
                    );
                }
            }
            Event::GateStarted { unit, gate, phase } => {
                self.set_status(&unit, &format!("gate ({phase}) {gate}"));
            }
            Event::StepDone {
                unit,
                step,
                summary,
            } => self.unit_line(
                &unit,
                &format!("[{unit}] {step}: {}", plugin_text(&unit, &summary)),
            ),
            Event::Probe {
                unit,
                gate,
                attempt,
                ok,
                detail,
            } => {
                self.set_status(&unit, &format!("gate {gate}: probe {attempt} {detail}"));
                if self.verbose > 0 {
                    let probed = plugin_text(&unit, &format!("{gate}: {} {detail}", mark(ok)));
                    self.unit_line(&unit, &format!("[{unit}]   probe {attempt} {probed}"));
                }
            }
            Event::Gate {
                unit,
                gate,
                phase,
                passed,
                reason,
            } => {
                let verdict = plugin_text(&unit, &format!("{gate}: {reason}"));
                self.unit_line(
                    &unit,
                    &format!("[{unit}] {} gate ({phase}) {verdict}", mark(passed)),
                );
            }
            Event::PluginLog {
                unit,
                level,
                message,
            } => {
                let shown = match level {
                    Level::Trace => self.verbose >= 2,
                    Level::Debug => self.verbose >= 1,
                    _ => true,
                };
                if shown {
                    let tag = match level {
                        Level::Warn => "warning: ",
                        Level::Error => "error: ",
                        _ => "",
                    };
                    let message = plugin_text(&unit, &message);
                    self.unit_line(&unit, &format!("{}{tag}{message}", plugin_prefix(&unit)));
                }
            }
            Event::HookFailed {
                hook,
                on,
                required,
                reason,
            } => {
                let (tag, effect) = if required {
                    ("error", "the run fails (exit 1): the hook is required")
                } else {
                    ("warning", "the deployment goes on")
                };
                let reason = plugin_text(&hook, &reason);
                self.line(&format!(
                    "{tag}: hook {hook} failed on {on}: {reason}; {effect}"
                ));
            }
            Event::UnitFinished {
                unit,
                version,
                outcome,
                reason,
            } => {
                self.clear_status(&unit);
                let why = reason
                    .as_deref()
                    .map(|r| format!(": {}", plugin_text(&unit, r)))
                    .unwrap_or_default();
                self.unit_line(
                    &unit,
                    &format!("[{unit}] {} {version}{why}", outcome.as_str()),
                );
                let took = Duration::from_millis(stamped.duration_ms.unwrap_or_default());
                let title = format!(
                    "{unit} {version}: {} in {}",
                    outcome.as_str(),
                    format_duration(took)
                );
                self.close_group(&unit, &title);
                if let Ok(mut rows) = self.finished.lock() {
                    let row = Finished {
                        unit,
                        version,
                        outcome,
                        reason,
                        duration_ms: stamped.duration_ms.unwrap_or_default(),
                    };
                    // A unit undone after it ended (its fleet or atomic group failed) has one
                    // row: how it ended last.
                    match rows.iter_mut().find(|earlier| earlier.unit == row.unit) {
                        Some(earlier) => *earlier = row,
                        None => rows.push(row),
                    }
                }
            }
            Event::DeploymentFinished { outcome, .. } => {
                self.summary();
                self.line(&format!("\nresult: {}", outcome.as_str()));
            }
        }
    }

    fn progress(&self, unit: &str, done: u64, total: u64, message: &str) {
        self.set_status(unit, &format!("{message} {done}/{total}"));
    }
}
