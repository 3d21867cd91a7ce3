//! A deployment's host calls in its record.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::{RecordWriter, epoch_ms, kept_before};
use crate::caps::calls::{CallLog, CallRecord};
use crate::redact::Redactor;
use crate::state::{CallVerdict, CapabilityCall};

/// The most host calls kept of one deployment, by default (`SLUICE_RECORD_CALLS` sets another).
const MAX_CALLS: i64 = 5_000;

/// Keeps the host calls of a run's deployments through a [`RecordWriter`], numbering them per
/// deployment.
pub struct CallBook {
    record: Arc<RecordWriter>,
    redactor: Redactor,
    limit: i64,
    kept: Mutex<HashMap<String, i64>>,
}

impl CallBook {
    /// Keeps calls through `record`, at most `limit` per deployment.
    pub fn new(record: Arc<RecordWriter>, redactor: Redactor, limit: i64) -> CallBook {
        CallBook {
            record,
            redactor,
            limit,
            kept: Mutex::default(),
        }
    }

    /// A book writing through `record`, bounded by `SLUICE_RECORD_CALLS` (else [`MAX_CALLS`]).
    pub fn from_env(record: &Arc<RecordWriter>, redactor: &Redactor) -> Arc<CallBook> {
        Arc::new(CallBook::new(
            record.clone(),
            redactor.clone(),
            Self::limit_from_env(),
        ))
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
                    self.record.store().calls_of(id).map(|c| c.len())
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
        if !rows.is_empty() {
            self.record.calls(rows);
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
