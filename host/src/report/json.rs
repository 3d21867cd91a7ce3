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

/// `stamped` as one JSON object, unredacted: its event's fields, `event`, `ts` and
/// `duration_ms`.
pub(super) fn json_object(stamped: &Stamped) -> Option<String> {
    let Ok(serde_json::Value::Object(mut fields)) = serde_json::to_value(&stamped.event) else {
        return None;
    };
    fields.insert("ts".to_owned(), stamped.ts().into());
    if let Some(ms) = stamped.duration_ms {
        fields.insert("duration_ms".to_owned(), ms.into());
    }
    serde_json::to_string(&fields).ok()
}

impl Output for JsonReporter {
    fn write(&self, stamped: &Stamped) {
        let Some(line) = json_object(stamped) else {
            return;
        };
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{}", self.redactor.redact(&line));
        }
    }
}
