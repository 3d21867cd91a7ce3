//! What sluice tells people and CI: live progress, JSON events, the final summary.
//! Everything written passes through a [`Redactor`], so no granted secret value leaves sluice.

mod event;
pub mod github;
pub mod html;
mod human;
mod json;
mod junit;
mod kept;
pub mod otlp;
mod record;
mod timeline;

use std::sync::Arc;

pub use event::Event;
pub use human::HumanReporter;
pub use json::JsonReporter;
pub use junit::JunitReport;
pub use kept::{CallBook, EventsKept, MAX_EVENTS, RecordWriter, keeping};
pub use timeline::{Stamped, Timeline};

use crate::caps::log::{Level, LogSink};
use crate::redact::Redactor;

/// Where events go: what the orchestrator and the capabilities tell.
pub trait Reporter: Send + Sync {
    /// Shows or writes one event.
    fn event(&self, event: Event);
    /// Progress of a plugin's long step (shown live by people-facing reporters only).
    fn progress(&self, _unit: &str, _done: u64, _total: u64, _message: &str) {}
}

/// One output format: writes events stamped by a [`Timeline`]. Implementations redact before
/// writing.
pub trait Output: Send + Sync {
    /// Shows or writes one event.
    fn write(&self, stamped: &Stamped);
    /// Progress of a plugin's long step (shown live by people-facing outputs only).
    fn progress(&self, _unit: &str, _done: u64, _total: u64, _message: &str) {}
}

impl Reporter for Timeline {
    fn event(&self, event: Event) {
        self.record(event);
    }

    fn progress(&self, unit: &str, done: u64, total: u64, message: &str) {
        Timeline::progress(self, unit, done, total, message);
    }
}

/// Output format, from `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Live progress and a summary table for people.
    Human,
    /// One JSON event per line on stdout, for CI.
    Json,
}

/// Where a deployment's events go besides the output format.
#[derive(Clone, Default)]
pub struct Extras {
    /// GitHub Actions workflow commands and job summary ([`github`]).
    pub github: bool,
    /// A JUnit XML report written to this file.
    pub junit: Option<std::path::PathBuf>,
    /// Each deployment's trace sent to this OTLP/HTTP traces URL ([`otlp`]).
    pub otlp: Option<url::Url>,
    /// Each deployment's events kept in its record, written by this writer ([`EventsKept`]).
    pub record: Option<Arc<RecordWriter>>,
}

/// A reporter for `format` and `extras`, redacting with `redactor`.
pub fn reporter(
    format: Format,
    redactor: Redactor,
    verbose: u8,
    extras: &Extras,
) -> Arc<dyn Reporter> {
    let mut outputs: Vec<Box<dyn Output>> = vec![match format {
        Format::Human if extras.github => {
            Box::new(HumanReporter::new(redactor.clone(), verbose).grouped())
        }
        Format::Human => Box::new(HumanReporter::new(redactor.clone(), verbose)),
        Format::Json => Box::new(JsonReporter::new(redactor.clone())),
    }];
    if extras.github {
        outputs.push(Box::new(github::GitHubOutput::new(redactor.clone())));
    }
    if let Some(path) = &extras.junit {
        outputs.push(Box::new(JunitReport::new(path.clone(), redactor.clone())));
    }
    if let Some(record) = &extras.record {
        outputs.push(Box::new(EventsKept::new(
            record.clone(),
            redactor.clone(),
            MAX_EVENTS,
        )));
    }
    // Last: it may wait (a bounded time) for the trace to be sent when the deployment finishes.
    if let Some(endpoint) = &extras.otlp {
        outputs.push(Box::new(otlp::OtlpOutput::new(endpoint.clone(), redactor)));
    }
    Arc::new(Timeline::new(outputs))
}

/// Plugin log messages become [`Event::PluginLog`] events.
pub struct PluginLogs(pub Arc<dyn Reporter>);

impl LogSink for PluginLogs {
    fn message(&self, unit: &str, level: Level, text: &str) {
        self.0.event(Event::PluginLog {
            unit: unit.to_owned(),
            level,
            message: text.to_owned(),
        });
    }

    fn progress(&self, unit: &str, done: u64, total: u64, text: &str) {
        self.0.progress(unit, done, total, text);
    }
}
