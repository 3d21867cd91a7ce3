//! `--output json`: one JSON object per line on stdout.

use std::io::Write;
use std::sync::Mutex;

use super::{Event, Reporter};
use crate::redact::Redactor;

/// Writes each event as one JSON line to stdout, redacted.
pub struct JsonReporter {
    redactor: Redactor,
    out: Mutex<std::io::Stdout>,
}

impl JsonReporter {
    /// A JSON reporter.
    pub fn new(redactor: Redactor) -> Self {
        JsonReporter {
            redactor,
            out: Mutex::new(std::io::stdout()),
        }
    }
}

impl Reporter for JsonReporter {
    fn event(&self, event: Event) {
        let Ok(line) = serde_json::to_string(&event) else {
            return;
        };
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{}", self.redactor.redact(&line));
        }
    }
}
