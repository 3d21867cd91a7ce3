//! What sluice tells people and CI: live progress, JSON events, the final summary.
//! Everything written passes through a [`Redactor`], so no granted secret value leaves sluice.

mod event;
mod human;
mod json;
mod timeline;

use std::sync::Arc;

pub use event::Event;
pub use human::HumanReporter;
pub use json::JsonReporter;
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

/// A reporter for `format`, redacting with `redactor`.
pub fn reporter(format: Format, redactor: Redactor, verbose: u8) -> Arc<dyn Reporter> {
    let output: Box<dyn Output> = match format {
        Format::Human => Box::new(HumanReporter::new(redactor, verbose)),
        Format::Json => Box::new(JsonReporter::new(redactor)),
    };
    Arc::new(Timeline::new(output))
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
