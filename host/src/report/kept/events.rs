//! A deployment's events in its record.

use std::sync::{Arc, Mutex, PoisonError};

use super::{RecordWriter, epoch_ms, kept_before};
use crate::redact::Redactor;
use crate::report::json::json_object;
use crate::report::{Event, Output, Stamped};
use crate::state::RecordedEvent;

/// The most events kept of one deployment.
pub const MAX_EVENTS: i64 = 10_000;
/// The event that marks a cut record.
const CUT_EVENT: &str = "record-cut";
/// The most plugin log text kept whole in one deployment's record, in bytes: a flood of plugin
/// output (all of it printed as it came) would otherwise make the record cost more than the
/// deployment. Later `plugin-log` events are kept with their message cut to its start.
pub const MAX_LOG_BYTES: usize = 64 * 1024;
/// How much of a message is kept once the log bytes are spent, in characters.
const CUT_MESSAGE_CHARS: usize = 80;

/// The deployment whose events are being kept, how many, and how much plugin log text.
struct Current {
    id: String,
    kept: i64,
    log_bytes: usize,
}

/// Keeps each deployment's events, as `--output json` writes them, through a [`RecordWriter`];
/// a finished deployment waits until its record is written.
pub struct EventsKept {
    record: Arc<RecordWriter>,
    redactor: Redactor,
    limit: i64,
    current: Mutex<Option<Current>>,
}

impl EventsKept {
    /// Keeps events through `record`, at most `limit` per deployment.
    pub fn new(record: Arc<RecordWriter>, redactor: Redactor, limit: i64) -> EventsKept {
        EventsKept {
            record,
            redactor,
            limit,
            current: Mutex::new(None),
        }
    }
}

impl Output for EventsKept {
    fn write(&self, stamped: &Stamped) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Event::DeploymentStarted { id, .. } = &stamped.event {
            *current = Some(Current {
                id: id.clone(),
                kept: kept_before(id, |id| self.record.store().events_of(id).map(|e| e.len())),
                log_bytes: 0,
            });
        }
        let Some(current) = current.as_mut() else {
            return;
        };
        if current.kept > self.limit {
            return;
        }
        let event = if current.kept == self.limit {
            serde_json::json!({
                "event": CUT_EVENT,
                "ts": stamped.ts(),
                "message": format!("the record keeps at most {} events of a deployment; later ones were not kept", self.limit),
            })
            .to_string()
        } else {
            let cut = cut_log(stamped, &mut current.log_bytes);
            let Some(object) = json_object(cut.as_ref().unwrap_or(stamped)) else {
                return;
            };
            self.redactor.redact(&object).into_owned()
        };
        current.kept += 1;
        self.record.event(RecordedEvent {
            deployment_id: current.id.clone(),
            seq: current.kept,
            at_ms: epoch_ms(stamped.at),
            event,
        });
        if matches!(stamped.event, Event::DeploymentFinished { .. }) {
            self.record.flush();
        }
    }
}

/// A `plugin-log` event past [`MAX_LOG_BYTES`] of its deployment (`log_bytes` so far, counted
/// here) with its message cut to its start, saying so; none for any other event.
fn cut_log(stamped: &Stamped, log_bytes: &mut usize) -> Option<Stamped> {
    let Event::PluginLog {
        unit,
        level,
        message,
    } = &stamped.event
    else {
        return None;
    };
    *log_bytes = log_bytes.saturating_add(message.len());
    if *log_bytes <= MAX_LOG_BYTES {
        return None;
    }
    let start: String = message.chars().take(CUT_MESSAGE_CHARS).collect();
    Some(Stamped {
        at: stamped.at,
        duration_ms: stamped.duration_ms,
        event: Event::PluginLog {
            unit: unit.clone(),
            level: *level,
            message: format!(
                "{start} [cut: the record keeps {} KiB of plugin output per deployment; all of it \
                 was printed]",
                MAX_LOG_BYTES / 1024
            ),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::state::Store;
    use crate::state::sqlite::SqliteStore;

    fn stamped(event: Event) -> Stamped {
        Stamped {
            at: SystemTime::now(),
            duration_ms: None,
            event,
        }
    }

    fn started(id: &str) -> Event {
        Event::DeploymentStarted {
            id: id.into(),
            environment: "test".into(),
            kind: "apply".into(),
            units: vec!["web".into()],
        }
    }

    fn step(n: usize) -> Event {
        Event::Step {
            unit: "web".into(),
            step: format!("shift {n}"),
        }
    }

    #[test]
    fn events_past_the_bound_are_replaced_by_one_marker_and_the_next_deployment_starts_afresh() {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
        let kept = EventsKept::new(RecordWriter::start(store.clone()), Redactor::default(), 3);
        kept.write(&stamped(started("d1")));
        for n in 0..5 {
            kept.write(&stamped(step(n)));
        }
        kept.write(&stamped(started("d2")));
        drop(kept);

        let names = |id: &str| -> Vec<String> {
            store
                .events_of(id)
                .unwrap()
                .iter()
                .map(|e| {
                    let value: serde_json::Value = serde_json::from_str(&e.event).unwrap();
                    value["event"].as_str().unwrap().to_owned()
                })
                .collect()
        };
        assert_eq!(
            names("d1"),
            ["deployment-started", "step", "step", "record-cut"]
        );
        assert_eq!(names("d2"), ["deployment-started"]);
    }

    #[test]
    fn plugin_output_past_the_log_bytes_is_kept_with_its_message_cut() {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
        let kept = EventsKept::new(
            RecordWriter::start(store.clone()),
            Redactor::default(),
            MAX_EVENTS,
        );
        kept.write(&stamped(started("d1")));
        let long = "x".repeat(MAX_LOG_BYTES / 2);
        for _ in 0..3 {
            kept.write(&stamped(Event::PluginLog {
                unit: "web".into(),
                level: crate::caps::log::Level::Info,
                message: long.clone(),
            }));
        }
        drop(kept);
        let messages: Vec<String> = store
            .events_of("d1")
            .unwrap()
            .iter()
            .skip(1)
            .map(|e| {
                let value: serde_json::Value = serde_json::from_str(&e.event).unwrap();
                value["message"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(messages.len(), 3, "every event is kept");
        assert_eq!(messages[..2], [long.clone(), long.clone()]);
        assert!(
            messages[2].starts_with(&"x".repeat(80))
                && messages[2].ends_with("[cut: the record keeps 64 KiB of plugin output per deployment; all of it was printed]"),
            "{}",
            messages[2]
        );
    }

    #[test]
    fn a_deployment_finished_by_another_process_goes_on_with_its_record() {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
        for process in 0..2 {
            let kept = EventsKept::new(
                RecordWriter::start(store.clone()),
                Redactor::default(),
                MAX_EVENTS,
            );
            kept.write(&stamped(started("d1")));
            kept.write(&stamped(step(process)));
        }
        let seqs: Vec<i64> = store
            .events_of("d1")
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, [1, 2, 3, 4]);
    }
}
