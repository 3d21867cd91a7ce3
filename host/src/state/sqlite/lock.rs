//! Environment locks in SQLite: one row per environment, taken in an immediate transaction so
//! two processes never both see the lock free.

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::state::LockHolder;
use crate::state::machine::{process_is_alive, this_host};

/// What one attempt to take a lock found.
pub(super) enum Attempt {
    /// The lock is ours now (or already was, under the same token).
    Taken,
    /// Someone else holds it.
    HeldBy(LockHolder),
}

/// Takes `environment`'s lock for `holder` if it is free, already `holder`'s, or held by a
/// process on this machine that no longer exists.
pub(super) fn try_take(
    conn: &mut Connection,
    environment: &str,
    holder: &LockHolder,
) -> rusqlite::Result<Attempt> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let existing = tx
        .query_row(
            "SELECT token, actor, host, pid, since_ms FROM locks WHERE environment = ?1",
            [environment],
            holder_from_row,
        )
        .optional()?;
    match existing {
        Some(current) if current.token == holder.token => return Ok(Attempt::Taken),
        Some(current) if !is_stale(&current) => return Ok(Attempt::HeldBy(current)),
        Some(stale) => {
            tracing::warn!(environment, stale = %stale, "taking over a lock whose process is gone")
        }
        None => {}
    }
    tx.execute(
        "INSERT INTO locks (environment, token, actor, host, pid, since_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (environment) DO UPDATE SET token = excluded.token, actor = excluded.actor,
             host = excluded.host, pid = excluded.pid, since_ms = excluded.since_ms",
        params![environment, holder.token, holder.actor, holder.host, holder.pid, holder.since_ms],
    )?;
    tx.commit()?;
    Ok(Attempt::Taken)
}

/// Releases `environment`'s lock if `holder` has it; anyone else's lock is left alone.
pub(super) fn release(
    conn: &Connection,
    environment: &str,
    holder: &LockHolder,
) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM locks WHERE environment = ?1 AND token = ?2",
        params![environment, holder.token],
    )?;
    Ok(())
}

/// A lock is stale when it was taken on this machine by a process that is gone.
fn is_stale(holder: &LockHolder) -> bool {
    holder.host == this_host() && !process_is_alive(holder.pid)
}

fn holder_from_row(row: &Row<'_>) -> rusqlite::Result<LockHolder> {
    Ok(LockHolder {
        token: row.get(0)?,
        actor: row.get(1)?,
        host: row.get(2)?,
        pid: row.get(3)?,
        since_ms: row.get(4)?,
    })
}
