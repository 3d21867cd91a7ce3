//! What a deployment's record keeps in state as it runs: its events ([`EventsKept`], an
//! [`Output`](super::Output)) and every host call its plugins make ([`CallBook`], whose
//! [`CallBook::log`] is a unit's [`CallLog`](crate::caps::calls::CallLog)). Both are redacted
//! like everything sluice writes, and bounded per deployment: past the bound, one marker says the
//! record was cut and nothing more is kept. One thread of its own writes both to the state store
//! ([`RecordWriter`]), gathering them into a few transactions, so a deployment never waits on the
//! database for its record; a finished deployment waits (a bounded time) until its record is
//! written. A store that fails to keep them never fails the deployment (a warning goes to
//! sluice's log).

mod calls;
mod events;
mod writer;

use std::time::UNIX_EPOCH;

pub use calls::CallBook;
pub use events::{EventsKept, MAX_EVENTS};
pub use writer::RecordWriter;

use crate::state::StateError;

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
