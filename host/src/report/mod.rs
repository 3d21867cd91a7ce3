//! What sluice tells people and CI: live progress, JSON events, the final summary.
//! Everything written passes through a [`Redactor`], so no granted secret value leaves sluice.

mod event;
mod human;
mod json;

use std::sync::Arc;

pub use event::Event;
pub use human::HumanReporter;
pub use json::JsonReporter;

use crate::caps::log::{Level, LogSink};
use crate::redact::Redactor;

/// Where events go. Implementations redact before writing.
pub trait Reporter: Send + Sync {
    /// Shows or writes one event.
    fn event(&self, event: Event);
    /// Progress of a plugin's long step (shown live by people-facing reporters only).
    fn progress(&self, _unit: &str, _done: u64, _total: u64, _message: &str) {}
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
    match format {
        Format::Human => Arc::new(HumanReporter::new(redactor, verbose)),
        Format::Json => Arc::new(JsonReporter::new(redactor)),
    }
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
