//! What a deployment's record keeps in state as it runs: its events ([`EventsKept`], an
//! [`Output`], written by a thread of its own) and every host call its plugins make ([`CallBook`], whose [`CallBook::log`] is a
//! unit's [`CallLog`]). Both are redacted like everything sluice writes, and bounded per
//! deployment: past the bound, one marker says the record was cut and nothing more is kept.
//! A store that fails to keep them never fails the deployment (a warning goes to sluice's log).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, UNIX_EPOCH};

use super::json::json_object;
use super::{Event, Output, Stamped};
use crate::caps::calls::{CallLog, CallRecord};
use crate::redact::Redactor;
use crate::state::{CallVerdict, CapabilityCall, RecordedEvent, StateError, Store};

/// The most events kept of one deployment.
pub const MAX_EVENTS: i64 = 10_000;
/// The most host calls kept of one deployment, by default (`SLUICE_RECORD_CALLS` sets another).
pub const MAX_CALLS: i64 = 5_000;
/// The event that marks a cut record.
const CUT_EVENT: &str = "record-cut";

/// `t` as ms since the epoch.
fn epoch_ms(t: std::time::SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// How many rows the record of deployment `id` already has (`count` tells): a deployment
/// `sluice recover` finishes goes on from where its first process stopped.
fn kept_before(id: &str, count: impl FnOnce(&str) -> Result<usize, StateError>) -> i64 {
    count(id).map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX))
}

/// Whether deployments keep a record: yes, unless `SLUICE_RECORD=off` (to measure what the record
/// costs, or where state must stay small; the audit log is kept either way).
pub fn keeping() -> bool {
    std::env::var("SLUICE_RECORD").as_deref() != Ok("off")
}

fn warn_unkept(what: &str, e: &StateError) {
    tracing::warn!("the deployment's record could not keep {what}: {e:#}");
}

/// The deployment whose events are being kept, and how many.
struct Current {
    id: String,
    kept: i64,
}

/// What the writer thread of [`EventsKept`] is given.
enum ToWriter {
    /// An event to keep.
    Event(RecordedEvent),
    /// Answer once everything before is written.
    Flush(mpsc::Sender<()>),
}

/// Writes each deployment's events to the state store, as `--output json` writes them. A thread
/// of its own writes them, as many as are waiting in one transaction, so a deployment never waits
/// on the database for an event; a finished deployment waits (at most [`FLUSH_WAIT`]) until its
/// events are written.
pub struct EventsKept {
    store: Arc<dyn Store>,
    redactor: Redactor,
    limit: i64,
    current: Mutex<Option<Current>>,
    writer: Mutex<mpsc::Sender<ToWriter>>,
}

/// The longest a finished deployment waits for its events to be written.
const FLUSH_WAIT: Duration = Duration::from_secs(5);

impl EventsKept {
    /// Keeps events in `store`, at most `limit` per deployment.
    pub fn new(store: Arc<dyn Store>, redactor: Redactor, limit: i64) -> EventsKept {
        let (writer, waiting) = mpsc::channel();
        let written = store.clone();
        std::thread::spawn(move || write_events(written.as_ref(), &waiting));
        EventsKept {
            store,
            redactor,
            limit,
            current: Mutex::new(None),
            writer: Mutex::new(writer),
        }
    }

    fn send(&self, message: ToWriter) {
        let writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        // The thread ends only when this sender is dropped.
        let _ = writer.send(message);
    }

    /// Waits (at most [`FLUSH_WAIT`]) until every event given so far is written.
    fn flush(&self) {
        let (done, written) = mpsc::channel();
        self.send(ToWriter::Flush(done));
        let _ = written.recv_timeout(FLUSH_WAIT);
    }
}

/// Writes what arrives on `waiting` to `store`, everything waiting at once, until the sender is
/// gone.
fn write_events(store: &dyn Store, waiting: &mpsc::Receiver<ToWriter>) {
    while let Ok(first) = waiting.recv() {
        let mut rows = Vec::new();
        let mut flushed = Vec::new();
        for message in std::iter::once(first).chain(waiting.try_iter()) {
            match message {
                ToWriter::Event(row) => rows.push(row),
                ToWriter::Flush(done) => flushed.push(done),
            }
        }
        if !rows.is_empty()
            && let Err(e) = store.record_events(&rows)
        {
            warn_unkept("events", &e);
        }
        for done in flushed {
            let _ = done.send(());
        }
    }
}

impl Drop for EventsKept {
    fn drop(&mut self) {
        self.flush();
    }
}

impl Output for EventsKept {
    fn write(&self, stamped: &Stamped) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Event::DeploymentStarted { id, .. } = &stamped.event {
            *current = Some(Current {
                id: id.clone(),
                kept: kept_before(id, |id| self.store.events_of(id).map(|e| e.len())),
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
            let Some(object) = json_object(stamped) else {
                return;
            };
            self.redactor.redact(&object).into_owned()
        };
        current.kept += 1;
        self.send(ToWriter::Event(RecordedEvent {
            deployment_id: current.id.clone(),
            seq: current.kept,
            at_ms: epoch_ms(stamped.at),
            event,
        }));
        if matches!(stamped.event, Event::DeploymentFinished { .. }) {
            self.flush();
        }
    }
}

/// Keeps the host calls of a run's deployments in the state store, numbering them per
/// deployment.
pub struct CallBook {
    store: Arc<dyn Store>,
    redactor: Redactor,
    limit: i64,
    kept: Mutex<HashMap<String, i64>>,
}

impl CallBook {
    /// Keeps calls in `store`, at most `limit` per deployment.
    pub fn new(store: Arc<dyn Store>, redactor: Redactor, limit: i64) -> CallBook {
        CallBook {
            store,
            redactor,
            limit,
            kept: Mutex::default(),
        }
    }

    /// A book for `store` bounded by `SLUICE_RECORD_CALLS` (else [`MAX_CALLS`]), unless
    /// [`keeping`] says the record is off.
    pub fn from_env(store: &Arc<dyn Store>, redactor: &Redactor) -> Option<Arc<CallBook>> {
        keeping().then(|| {
            Arc::new(CallBook::new(
                store.clone(),
                redactor.clone(),
                Self::limit_from_env(),
            ))
        })
    }

    /// The bound of calls kept per deployment: `SLUICE_RECORD_CALLS`, else [`MAX_CALLS`].
    fn limit_from_env() -> i64 {
        std::env::var("SLUICE_RECORD_CALLS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(MAX_CALLS)
    }

    /// Where the calls of `plugin` deploying `unit` in `deployment_id` go.
    pub fn log(
        self: &Arc<Self>,
        deployment_id: &str,
        unit: &str,
        plugin: &str,
    ) -> Arc<dyn CallLog> {
        Arc::new(UnitCalls {
            book: self.clone(),
            deployment_id: deployment_id.to_owned(),
            unit: unit.to_owned(),
            plugin: plugin.to_owned(),
        })
    }

    /// Numbers and stores `records` of one lifecycle call, up to the bound and its marker.
    fn keep(&self, who: &UnitCalls, call: &str, records: Vec<CallRecord>) {
        let rows = {
            let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
            let seq = kept.entry(who.deployment_id.clone()).or_insert_with(|| {
                kept_before(&who.deployment_id, |id| {
                    self.store.calls_of(id).map(|c| c.len())
                })
            });
            let mut rows = Vec::new();
            for record in records {
                if *seq > self.limit {
                    break;
                }
                *seq += 1;
                let mut row = self.row(who, call, record, *seq);
                if *seq > self.limit {
                    row.verdict = CallVerdict::Cut;
                    row.reason = Some(format!(
                        "the record keeps at most {} calls of a deployment; later ones were not kept",
                        self.limit
                    ));
                    (row.interface, row.function, row.target) =
                        (String::new(), String::new(), String::new());
                    (row.bytes_sent, row.bytes_received, row.duration_ms) = (None, None, 0);
                }
                rows.push(row);
            }
            rows
        };
        if !rows.is_empty()
            && let Err(e) = self.store.record_calls(&rows)
        {
            warn_unkept("host calls", &e);
        }
    }

    fn row(&self, who: &UnitCalls, call: &str, record: CallRecord, seq: i64) -> CapabilityCall {
        let redact = |text: &str| self.redactor.redact(text).into_owned();
        CapabilityCall {
            deployment_id: who.deployment_id.clone(),
            seq,
            at_ms: epoch_ms(record.at),
            unit: who.unit.clone(),
            plugin: who.plugin.clone(),
            call: call.to_owned(),
            interface: record.call.module,
            function: record.call.function,
            target: redact(&record.reached),
            verdict: match record.denied {
                Some(_) => CallVerdict::Denied,
                None => CallVerdict::Allowed,
            },
            reason: record.denied.as_deref().map(redact),
            bytes_sent: record.sent,
            bytes_received: record.received,
            duration_ms: u64::try_from(record.duration.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// The calls of one plugin deploying one unit in one deployment.
struct UnitCalls {
    book: Arc<CallBook>,
    deployment_id: String,
    unit: String,
    plugin: String,
}

impl CallLog for UnitCalls {
    fn keep(&self, call: &str, records: Vec<CallRecord>) {
        self.book.keep(self, call, records);
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
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
        let kept = EventsKept::new(store.clone(), Redactor::default(), 3);
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
    fn a_deployment_finished_by_another_process_goes_on_with_its_record() {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::in_memory().unwrap());
        for process in 0..2 {
            let kept = EventsKept::new(store.clone(), Redactor::default(), MAX_EVENTS);
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
