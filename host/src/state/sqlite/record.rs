//! A deployment's record: its events and its plugins' host calls.

use rusqlite::{Connection, OptionalExtension, params};

use crate::state::{CallVerdict, CapabilityCall, RecordedEvent, column_count, count_of_column};

/// The newest deployment of `environment`.
pub(super) fn latest(conn: &Connection, environment: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT id FROM deployments WHERE environment = ?1
         ORDER BY started_at_ms DESC, id DESC LIMIT 1",
        [environment],
        |row| row.get(0),
    )
    .optional()
}

/// Appends `events`, in one transaction.
pub(super) fn add_events(conn: &mut Connection, events: &[RecordedEvent]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO deployment_events (deployment_id, seq, at_ms, event) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for e in events {
            insert.execute(params![e.deployment_id, e.seq, e.at_ms, e.event])?;
        }
    }
    tx.commit()
}

/// The events of `deployment_id`, in order.
pub(super) fn events(
    conn: &Connection,
    deployment_id: &str,
) -> rusqlite::Result<Vec<RecordedEvent>> {
    let mut statement = conn.prepare(
        "SELECT deployment_id, seq, at_ms, event FROM deployment_events
         WHERE deployment_id = ?1 ORDER BY seq",
    )?;
    statement
        .query_map([deployment_id], |row| {
            Ok(RecordedEvent {
                deployment_id: row.get(0)?,
                seq: row.get(1)?,
                at_ms: row.get(2)?,
                event: row.get(3)?,
            })
        })?
        .collect()
}

/// Appends `calls`, in one transaction.
pub(super) fn add_calls(conn: &mut Connection, calls: &[CapabilityCall]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO capability_calls
                 (deployment_id, seq, at_ms, unit, plugin, lifecycle_call, interface_name,
                  function_name, target, verdict, reason, bytes_sent, bytes_received, duration_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        for c in calls {
            insert.execute(params![
                c.deployment_id,
                c.seq,
                c.at_ms,
                c.unit,
                c.plugin,
                c.call,
                c.interface,
                c.function,
                c.target,
                c.verdict.as_str(),
                c.reason,
                c.bytes_sent.map(column_count),
                c.bytes_received.map(column_count),
                column_count(c.duration_ms),
            ])?;
        }
    }
    tx.commit()
}

/// The host calls of `deployment_id`, in order (a verdict this sluice does not know reads as
/// the marker, `cut`: it writes none).
pub(super) fn calls(
    conn: &Connection,
    deployment_id: &str,
) -> rusqlite::Result<Vec<CapabilityCall>> {
    let mut statement = conn.prepare(
        "SELECT deployment_id, seq, at_ms, unit, plugin, lifecycle_call, interface_name,
                function_name, target, verdict, reason, bytes_sent, bytes_received, duration_ms
         FROM capability_calls WHERE deployment_id = ?1 ORDER BY seq",
    )?;
    statement
        .query_map([deployment_id], |row| {
            let verdict: String = row.get(9)?;
            Ok(CapabilityCall {
                deployment_id: row.get(0)?,
                seq: row.get(1)?,
                at_ms: row.get(2)?,
                unit: row.get(3)?,
                plugin: row.get(4)?,
                call: row.get(5)?,
                interface: row.get(6)?,
                function: row.get(7)?,
                target: row.get(8)?,
                verdict: CallVerdict::parse(&verdict).unwrap_or(CallVerdict::Cut),
                reason: row.get(10)?,
                bytes_sent: row.get::<_, Option<i64>>(11)?.map(count_of_column),
                bytes_received: row.get::<_, Option<i64>>(12)?.map(count_of_column),
                duration_ms: count_of_column(row.get(13)?),
            })
        })?
        .collect()
}
