//! Appending to and reading the audit chain.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::state::audit::{AuditEntry, AuditRecord, GENESIS};

/// Appends `entry` after the last record, in one immediate transaction so two writers never
/// chain onto the same record.
pub(super) fn append(conn: &mut Connection, entry: &AuditEntry) -> rusqlite::Result<AuditRecord> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_owned()),
    };
    let record = AuditRecord::chain(entry, seq, &prev_hash);
    tx.execute(
        "INSERT INTO audit (seq, at_ms, actor, environment, deployment_id, event, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            record.seq,
            record.at_ms,
            record.actor,
            record.environment,
            record.deployment_id,
            record.event,
            record.detail,
            record.prev_hash,
            record.hash
        ],
    )?;
    tx.commit()?;
    Ok(record)
}

/// Every record, in stored order.
pub(super) fn all(conn: &Connection) -> rusqlite::Result<Vec<AuditRecord>> {
    let mut statement = conn.prepare(
        "SELECT seq, at_ms, actor, environment, deployment_id, event, detail, prev_hash, hash FROM audit ORDER BY seq",
    )?;
    let records = statement.query_map([], |row| {
        Ok(AuditRecord {
            seq: row.get(0)?,
            at_ms: row.get(1)?,
            actor: row.get(2)?,
            environment: row.get(3)?,
            deployment_id: row.get(4)?,
            event: row.get(5)?,
            detail: row.get(6)?,
            prev_hash: row.get(7)?,
            hash: row.get(8)?,
        })
    })?;
    records.collect()
}
