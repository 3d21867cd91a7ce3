//! `--output json`: one JSON object per line on stdout, in the shape `docs/events.schema.json`
//! describes: the event's fields, its `event` tag, `ts`, and `duration_ms` on an event that ends
//! something.

use std::io::Write;
use std::sync::Mutex;

use super::{Output, Stamped};
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

impl Output for JsonReporter {
    fn write(&self, stamped: &Stamped) {
        let Ok(serde_json::Value::Object(mut fields)) = serde_json::to_value(&stamped.event) else {
            return;
        };
        fields.insert("ts".to_owned(), stamped.ts().into());
        if let Some(ms) = stamped.duration_ms {
            fields.insert("duration_ms".to_owned(), ms.into());
        }
        let Ok(line) = serde_json::to_string(&fields) else {
            return;
        };
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{}", self.redactor.redact(&line));
        }
    }
}
