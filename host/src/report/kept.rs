//! What a deployment's record keeps in state as it runs: its events ([`EventsKept`], an
//! [`Output`]) and every host call its plugins make ([`CallBook`], whose [`CallBook::log`] is a
//! unit's [`CallLog`]). Both are redacted like everything sluice writes, and bounded per
//! deployment: past the bound, one marker says the record was cut and nothing more is kept.
//! A store that fails to keep them never fails the deployment (a warning goes to sluice's log).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::UNIX_EPOCH;

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

fn warn_unkept(what: &str, e: &StateError) {
    tracing::warn!("the deployment's record could not keep {what}: {e:#}");
}

/// The deployment whose events are being kept, and how many.
struct Current {
    id: String,
    kept: i64,
}

/// Writes each deployment's events to the state store, as `--output json` writes them.
pub struct EventsKept {
    store: Arc<dyn Store>,
    redactor: Redactor,
    limit: i64,
    current: Mutex<Option<Current>>,
}

impl EventsKept {
    /// Keeps events in `store`, at most `limit` per deployment.
    pub fn new(store: Arc<dyn Store>, redactor: Redactor, limit: i64) -> EventsKept {
        EventsKept {
            store,
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
                kept: 0,
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
        let row = RecordedEvent {
            deployment_id: current.id.clone(),
            seq: current.kept,
            at_ms: epoch_ms(stamped.at),
            event,
        };
        if let Err(e) = self.store.record_events(&[row]) {
            warn_unkept("an event", &e);
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

    /// The bound of calls kept per deployment: `SLUICE_RECORD_CALLS`, else [`MAX_CALLS`].
    pub fn limit_from_env() -> i64 {
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
            let seq = kept.entry(who.deployment_id.clone()).or_default();
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
