//! A deployment's record on PostgreSQL: its events and its plugins' host calls.

use postgres::Client;

use crate::state::{CallVerdict, CapabilityCall, RecordedEvent, column_count, count_of_column};

/// The newest deployment of `environment`.
pub(super) fn latest(
    client: &mut Client,
    environment: &str,
) -> Result<Option<String>, postgres::Error> {
    let row = client.query_opt(
        "SELECT id FROM deployments WHERE environment = $1
         ORDER BY started_at_ms DESC, id DESC LIMIT 1",
        &[&environment],
    )?;
    Ok(row.map(|row| row.get(0)))
}

/// Appends `events`, in one transaction.
pub(super) fn add_events(
    client: &mut Client,
    events: &[RecordedEvent],
) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    let insert = tx.prepare(
        "INSERT INTO deployment_events (deployment_id, seq, at_ms, event) VALUES ($1, $2, $3, $4)",
    )?;
    for e in events {
        tx.execute(&insert, &[&e.deployment_id, &e.seq, &e.at_ms, &e.event])?;
    }
    tx.commit()
}

/// The events of `deployment_id`, in order.
pub(super) fn events(
    client: &mut Client,
    deployment_id: &str,
) -> Result<Vec<RecordedEvent>, postgres::Error> {
    let rows = client.query(
        "SELECT deployment_id, seq, at_ms, event FROM deployment_events
         WHERE deployment_id = $1 ORDER BY seq",
        &[&deployment_id],
    )?;
    Ok(rows
        .iter()
        .map(|row| RecordedEvent {
            deployment_id: row.get(0),
            seq: row.get(1),
            at_ms: row.get(2),
            event: row.get(3),
        })
        .collect())
}

/// Appends `calls`, in one transaction.
pub(super) fn add_calls(
    client: &mut Client,
    calls: &[CapabilityCall],
) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    let insert = tx.prepare(
        "INSERT INTO capability_calls
             (deployment_id, seq, at_ms, unit, plugin, lifecycle_call, interface_name,
              function_name, target, verdict, reason, bytes_sent, bytes_received, duration_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )?;
    for c in calls {
        tx.execute(
            &insert,
            &[
                &c.deployment_id,
                &c.seq,
                &c.at_ms,
                &c.unit,
                &c.plugin,
                &c.call,
                &c.interface,
                &c.function,
                &c.target,
                &c.verdict.as_str(),
                &c.reason,
                &c.bytes_sent.map(column_count),
                &c.bytes_received.map(column_count),
                &column_count(c.duration_ms),
            ],
        )?;
    }
    tx.commit()
}

/// The host calls of `deployment_id`, in order (a verdict this sluice does not know reads as
/// the marker, `cut`: it writes none).
pub(super) fn calls(
    client: &mut Client,
    deployment_id: &str,
) -> Result<Vec<CapabilityCall>, postgres::Error> {
    let rows = client.query(
        "SELECT deployment_id, seq, at_ms, unit, plugin, lifecycle_call, interface_name,
                function_name, target, verdict, reason, bytes_sent, bytes_received, duration_ms
         FROM capability_calls WHERE deployment_id = $1 ORDER BY seq",
        &[&deployment_id],
    )?;
    Ok(rows
        .iter()
        .map(|row| CapabilityCall {
            deployment_id: row.get(0),
            seq: row.get(1),
            at_ms: row.get(2),
            unit: row.get(3),
            plugin: row.get(4),
            call: row.get(5),
            interface: row.get(6),
            function: row.get(7),
            target: row.get(8),
            verdict: CallVerdict::parse(row.get(9)).unwrap_or(CallVerdict::Cut),
            reason: row.get(10),
            bytes_sent: row.get::<_, Option<i64>>(11).map(count_of_column),
            bytes_received: row.get::<_, Option<i64>>(12).map(count_of_column),
            duration_ms: count_of_column(row.get(13)),
        })
        .collect())
}
