//! The history query: unit deployments joined with their deployment, filtered, newest first.

use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};

use crate::state::{HistoryFilter, UnitDeploymentRecord};

/// Unit deployments matching `filter`, newest first (ties: the later insert first).
pub(super) fn query(
    conn: &Connection,
    filter: &HistoryFilter,
) -> rusqlite::Result<Vec<UnitDeploymentRecord>> {
    let mut conditions = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(environment) = &filter.environment {
        conditions.push("u.environment = ?".to_owned());
        values.push(Value::Text(environment.clone()));
    }
    if let Some(unit) = &filter.unit {
        conditions.push("u.unit = ?".to_owned());
        values.push(Value::Text(unit.clone()));
    }
    if !filter.outcomes.is_empty() {
        let placeholders = vec!["?"; filter.outcomes.len()].join(", ");
        conditions.push(format!("u.outcome IN ({placeholders})"));
        values.extend(
            filter
                .outcomes
                .iter()
                .map(|outcome| Value::Text(outcome.as_str().to_owned())),
        );
    }
    let limit = match filter.limit {
        0 => String::new(),
        n => format!("LIMIT {n}"),
    };
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT u.deployment_id, d.kind, u.environment, u.unit, u.version, u.plugin_sha256,
                u.config_hash, d.plan_hash, d.actor, d.git_commit, u.started_at_ms,
                u.finished_at_ms, u.outcome, u.reason, d.approved_by
         FROM unit_deployments u JOIN deployments d ON d.id = u.deployment_id
         {where_clause}
         ORDER BY u.started_at_ms DESC, u.rowid DESC
         {limit}"
    );
    let mut statement = conn.prepare(&sql)?;
    let records = statement.query_map(params_from_iter(values), record_from_row)?;
    records.collect()
}

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<UnitDeploymentRecord> {
    Ok(UnitDeploymentRecord {
        deployment_id: row.get(0)?,
        kind: row.get(1)?,
        environment: row.get(2)?,
        unit: row.get(3)?,
        version: row.get(4)?,
        plugin_sha256: row.get(5)?,
        config_hash: row.get(6)?,
        plan_hash: row.get(7)?,
        actor: row.get(8)?,
        commit: row.get(9)?,
        started_at_ms: row.get(10)?,
        finished_at_ms: row.get(11)?,
        outcome: row.get(12)?,
        reason: row.get(13)?,
        approved_by: row.get(14)?,
    })
}
