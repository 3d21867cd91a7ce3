//! `sluice:deploy/log`: messages and progress from a plugin. Always granted.
//!
//! Threat model: a hostile plugin could flood the log to fill a disk or drown a CI page, forge
//! lines that look like sluice's own output (terminal escapes, fake newlines), or log a secret.
//! What stops it: each message is cut at [`MAX_MESSAGE_BYTES`]; each unit has a byte budget per
//! run ([`LogBudget`]) after which one truncation marker is written and the rest is dropped;
//! control characters other than newline and tab are removed; every message goes through the
//! sink, which redacts secret values before writing anything.

use wasmtime::component::{HasSelf, Linker};

use super::CapError;
use super::capability::{Access, CallSetup, Capability, Provide, StoreView};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::wit::log::{Host, Level as WitLevel};

/// The longest single message kept, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024;
/// The default per-unit, per-run budget, in bytes.
pub const DEFAULT_BUDGET_BYTES: u64 = 1024 * 1024;

/// How important a message is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Fine detail.
    Trace,
    /// Detail.
    Debug,
    /// Normal progress.
    Info,
    /// Worth a look.
    Warn,
    /// Something failed.
    Error,
}

impl Level {
    /// The name events use: `trace`, `debug`, `info`, `warn`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Where plugin messages go (implemented by the reporter).
pub trait LogSink: Send + Sync {
    /// One message from the plugin deploying `unit`.
    fn message(&self, unit: &str, level: Level, text: &str);
    /// Progress of a long step of `unit`.
    fn progress(&self, unit: &str, done: u64, total: u64, text: &str);
}

/// The bytes a unit may still log in this run, shared by all its lifecycle calls.
#[derive(Debug)]
pub struct LogBudget {
    remaining: AtomicU64,
    exhausted: AtomicBool,
}

impl LogBudget {
    /// A budget of `bytes`.
    pub fn new(bytes: u64) -> Self {
        LogBudget {
            remaining: AtomicU64::new(bytes),
            exhausted: AtomicBool::new(false),
        }
    }

    /// Takes `bytes` from the budget; false when it does not have them (the message is dropped).
    fn take(&self, bytes: u64) -> bool {
        self.remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(bytes)
            })
            .is_ok()
    }

    /// True the first time the budget runs out (so the marker is written once).
    fn first_exhaustion(&self) -> bool {
        !self.exhausted.swap(true, Ordering::Relaxed)
    }
}

/// The log capability of one lifecycle call.
#[derive(Clone)]
pub struct LogCap {
    unit: String,
    sink: Arc<dyn LogSink>,
    budget: Arc<LogBudget>,
}

impl LogCap {
    /// Logging for `unit` into `sink`, within `budget`.
    pub fn new(unit: &str, sink: Arc<dyn LogSink>, budget: Arc<LogBudget>) -> Self {
        LogCap {
            unit: unit.to_owned(),
            sink,
            budget,
        }
    }

    /// Cleans, caps and forwards one message.
    pub fn emit(&self, level: Level, message: &str) {
        let text = clean(message, MAX_MESSAGE_BYTES);
        if self.budget.take(text.len() as u64) {
            self.sink.message(&self.unit, level, &text);
        } else if self.budget.first_exhaustion() {
            self.sink.message(
                &self.unit,
                Level::Warn,
                "[log budget exhausted: further messages from this plugin are dropped]",
            );
        }
    }
}

/// `message` without control characters (except newline and tab), cut at `max_bytes` with a
/// marker.
pub(super) fn clean(message: &str, max_bytes: usize) -> String {
    let mut out: String = message
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    if out.len() > max_bytes {
        let mut cut = max_bytes;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str(" [truncated]");
    }
    out
}

impl From<WitLevel> for Level {
    fn from(level: WitLevel) -> Self {
        match level {
            WitLevel::Trace => Level::Trace,
            WitLevel::Debug => Level::Debug,
            WitLevel::Info => Level::Info,
            WitLevel::Warn => Level::Warn,
            WitLevel::Error => Level::Error,
        }
    }
}

impl Host for LogCap {
    async fn write(&mut self, level: WitLevel, message: String) -> wasmtime::Result<()> {
        self.emit(level.into(), &message);
        Ok(())
    }

    async fn progress(&mut self, done: u64, total: u64, message: String) -> wasmtime::Result<()> {
        let text = clean(&message, MAX_MESSAGE_BYTES);
        if self.budget.take(text.len() as u64) {
            self.sink.progress(&self.unit, done, total, &text);
        }
        Ok(())
    }
}

/// `sluice:deploy/log`, always provided.
pub struct Log;

impl Capability for Log {
    fn name(&self) -> &'static str {
        "log"
    }
    fn interfaces(&self) -> &'static [&'static str] {
        &["sluice:deploy/log"]
    }
    fn access(&self) -> Access {
        Access::Always
    }
}

impl Provide for Log {
    type State = LogCap;

    fn state(&self, call: &CallSetup<'_>) -> Result<LogCap, CapError> {
        let p = call.provision;
        Ok(LogCap::new(&p.unit, p.log.clone(), p.log_budget.clone()))
    }

    fn add_to_linker<T: StoreView + 'static>(
        linker: &mut Linker<T>,
        get: fn(&mut T) -> &mut LogCap,
    ) -> wasmtime::Result<()> {
        crate::wit::log::add_to_linker::<T, HasSelf<LogCap>>(linker, get)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Collect(Mutex<Vec<String>>);

    impl LogSink for Collect {
        fn message(&self, _unit: &str, _level: Level, text: &str) {
            self.0.lock().unwrap().push(text.to_owned());
        }
        fn progress(&self, _unit: &str, _done: u64, _total: u64, _text: &str) {}
    }

    #[test]
    fn terminal_escapes_are_removed_from_messages() {
        assert_eq!(
            clean("ok\u{1b}[2Jfake\rline\n", MAX_MESSAGE_BYTES),
            "ok[2Jfakeline\n"
        );
    }

    #[test]
    fn a_long_message_is_cut_with_a_marker() {
        let text = clean(&"x".repeat(MAX_MESSAGE_BYTES * 2), MAX_MESSAGE_BYTES);
        assert!(text.ends_with(" [truncated]"));
        assert!(text.len() < MAX_MESSAGE_BYTES + 20);
    }

    #[test]
    fn a_flood_stops_at_the_budget_with_one_marker() {
        let sink = Arc::new(Collect::default());
        let log = LogCap::new("web", sink.clone(), Arc::new(LogBudget::new(100)));
        for _ in 0..50 {
            log.emit(Level::Info, "0123456789");
        }
        let lines = sink.0.lock().unwrap();
        assert_eq!(lines.len(), 11);
        assert!(lines[10].contains("log budget exhausted"));
    }
}
