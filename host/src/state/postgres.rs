//! [`Store`] on PostgreSQL (`[state] url = "postgres://..."`), so many CI runners share one
//! history, one set of locks and one audit log. Same schema and migrations as SQLite; one
//! connection per process on its own thread (see `connection`); environment locks are session
//! advisory locks, released by PostgreSQL when the holder's connection ends (see `lock`).

mod columns;
mod connection;
mod lock;
mod record;

use std::path::Path;
use std::time::{Duration, Instant};

use postgres::Row;

use crate::clock::now_ms;

use super::audit::{AuditEntry, AuditRecord, GENESIS};
use super::{
    CapabilityCall, HistoryFilter, JournalEntry, JournalRecord, LockHolder, NewDeployment,
    NewUnitDeployment, Outcome, PausedUnit, RecordedEvent, SavedPlan, SnapshotRecord, StateError,
    Store, UnitCurrent, UnitDeploymentRecord,
};
use connection::Connection;

/// How often a waiting [`Store::lock`] asks again.
const LOCK_POLL: Duration = Duration::from_millis(200);

/// The advisory lock key appends to the audit log serialize on (the chain needs the last hash).
const AUDIT_LOCK: i64 = 0x736c_7569_6365_5f61; // "sluice_a"

/// State in a PostgreSQL database.
pub struct PostgresStore {
    connection: Connection,
}

impl PostgresStore {
    /// Connects to the database at `url` and brings its schema up to date; a relative
    /// `sslrootcert` in the URL is taken from `base` (the plan's directory).
    pub fn open(url: &str, base: &Path) -> Result<PostgresStore, StateError> {
        Ok(PostgresStore {
            connection: Connection::open(url, base)?,
        })
    }

    /// Runs a statement that must change one row; [`StateError::NotFound`] when none changed.
    fn update_one(
        &self,
        what: &'static str,
        id: String,
        sql: &'static str,
        params: Vec<Box<dyn postgres::types::ToSql + Sync + Send>>,
    ) -> Result<(), StateError> {
        let changed = self.connection.run(move |client| {
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params
                .iter()
                .map(|p| p.as_ref() as &(dyn postgres::types::ToSql + Sync))
                .collect();
            client.execute(sql, &refs)
        })?;
        if changed == 0 {
            return Err(StateError::NotFound { what, id });
        }
        Ok(())
    }
}

impl Store for PostgresStore {
    fn begin_deployment(&self, d: &NewDeployment) -> Result<(), StateError> {
        let d = d.clone();
        self.connection.run(move |client| {
            client.execute(
                "INSERT INTO deployments
                     (id, environment, kind, plan_hash, actor, git_commit, started_at_ms, outcome, approved_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &d.id, &d.environment, &d.kind, &d.plan_hash, &d.actor, &d.commit,
                    &d.started_at_ms, &Outcome::Running, &d.approved_by,
                ],
            )
        })?;
        Ok(())
    }

    fn finish_deployment(
        &self,
        id: &str,
        outcome: Outcome,
        reason: Option<&str>,
    ) -> Result<(), StateError> {
        self.update_one(
            "deployment",
            id.to_owned(),
            "UPDATE deployments SET finished_at_ms = $1, outcome = $2, reason = $3 WHERE id = $4",
            vec![
                Box::new(now_ms()),
                Box::new(outcome),
                Box::new(reason.map(str::to_owned)),
                Box::new(id.to_owned()),
            ],
        )
    }

    fn unfinished(&self, environment: &str) -> Result<Vec<String>, StateError> {
        let environment = environment.to_owned();
        self.connection.run(move |client| {
            let rows = client.query(
                "SELECT id FROM deployments WHERE environment = $1 AND outcome = $2
                 ORDER BY started_at_ms, id",
                &[&environment, &Outcome::Running],
            )?;
            Ok(rows.iter().map(|row| row.get(0)).collect())
        })
    }

    fn begin_unit(&self, u: &NewUnitDeployment) -> Result<(), StateError> {
        let u = u.clone();
        self.connection.run(move |client| {
            client.execute(
                "INSERT INTO unit_deployments
                     (deployment_id, environment, unit, version, plugin_sha256, config_hash, started_at_ms, outcome)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &u.deployment_id, &u.environment, &u.unit, &u.version, &u.plugin_sha256,
                    &u.config_hash, &u.started_at_ms, &Outcome::Running,
                ],
            )
        })?;
        Ok(())
    }

    fn finish_unit(
        &self,
        deployment_id: &str,
        unit: &str,
        outcome: Outcome,
        reason: Option<&str>,
    ) -> Result<(), StateError> {
        self.update_one(
            "unit deployment",
            format!("{deployment_id}/{unit}"),
            "UPDATE unit_deployments SET finished_at_ms = $1, outcome = $2, reason = $3
             WHERE deployment_id = $4 AND unit = $5",
            vec![
                Box::new(now_ms()),
                Box::new(outcome),
                Box::new(reason.map(str::to_owned)),
                Box::new(deployment_id.to_owned()),
                Box::new(unit.to_owned()),
            ],
        )
    }

    fn journal(&self, entry: &JournalEntry) -> Result<(), StateError> {
        let e = entry.clone();
        let step = entry.step.to_string();
        self.connection.run(move |client| {
            client.execute(
                "INSERT INTO journal (deployment_id, seq, unit, step, detail, at_ms)
                 SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM journal WHERE deployment_id = $1",
                &[&e.deployment_id, &e.unit, &step, &e.detail, &now_ms()],
            )
        })?;
        Ok(())
    }

    fn journal_of(&self, deployment_id: &str) -> Result<Vec<JournalRecord>, StateError> {
        let deployment_id = deployment_id.to_owned();
        self.connection.run(move |client| {
            let rows = client.query(
                "SELECT seq, unit, step, detail, at_ms FROM journal WHERE deployment_id = $1 ORDER BY seq",
                &[&deployment_id],
            )?;
            Ok(rows
                .iter()
                .map(|row| JournalRecord {
                    seq: row.get(0),
                    unit: row.get(1),
                    step: row.get(2),
                    detail: row.get(3),
                    at_ms: row.get(4),
                })
                .collect())
        })
    }

    fn current(&self, environment: &str, unit: &str) -> Result<Option<UnitCurrent>, StateError> {
        let (environment, unit) = (environment.to_owned(), unit.to_owned());
        self.connection.run(move |client| {
            let row = client.query_opt(
                "SELECT version, state, deployment_id, plugin_sha256, config_hash, since_ms
                 FROM unit_current WHERE environment = $1 AND unit = $2",
                &[&environment, &unit],
            )?;
            Ok(row.map(|row| UnitCurrent {
                version: row.get(0),
                state: row.get(1),
                deployment_id: row.get(2),
                plugin_sha256: row.get(3),
                config_hash: row.get(4),
                since_ms: row.get(5),
            }))
        })
    }

    fn set_current(
        &self,
        environment: &str,
        unit: &str,
        current: &UnitCurrent,
    ) -> Result<(), StateError> {
        let (environment, unit, c) = (environment.to_owned(), unit.to_owned(), current.clone());
        self.connection.run(move |client| {
            client.execute(
                "INSERT INTO unit_current
                     (environment, unit, version, state, deployment_id, plugin_sha256, config_hash, since_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (environment, unit) DO UPDATE SET
                     version = excluded.version, state = excluded.state,
                     deployment_id = excluded.deployment_id, plugin_sha256 = excluded.plugin_sha256,
                     config_hash = excluded.config_hash, since_ms = excluded.since_ms",
                &[
                    &environment, &unit, &c.version, &c.state, &c.deployment_id,
                    &c.plugin_sha256, &c.config_hash, &c.since_ms,
                ],
            )
        })?;
        Ok(())
    }

    fn clear_current(&self, environment: &str, unit: &str) -> Result<(), StateError> {
        let (environment, unit) = (environment.to_owned(), unit.to_owned());
        self.connection.run(move |client| {
            client.execute(
                "DELETE FROM unit_current WHERE environment = $1 AND unit = $2",
                &[&environment, &unit],
            )
        })?;
        Ok(())
    }

    fn save_plan(&self, plan: &SavedPlan) -> Result<(), StateError> {
        let p = plan.clone();
        self.connection.run(move |client| {
            client.execute(
                "INSERT INTO plans (hash, environment, body, created_by, created_at_ms)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hash) DO NOTHING",
                &[
                    &p.hash,
                    &p.environment,
                    &p.body,
                    &p.created_by,
                    &p.created_at_ms,
                ],
            )
        })?;
        Ok(())
    }

    fn saved_plan(&self, hash: &str) -> Result<Option<SavedPlan>, StateError> {
        let hash = hash.to_owned();
        self.connection.run(move |client| {
            let row = client.query_opt(
                "SELECT hash, environment, body, created_by, created_at_ms, approved_by, approved_at_ms
                 FROM plans WHERE hash = $1",
                &[&hash],
            )?;
            Ok(row.map(|row| SavedPlan {
                hash: row.get(0),
                environment: row.get(1),
                body: row.get(2),
                created_by: row.get(3),
                created_at_ms: row.get(4),
                approved_by: row.get(5),
                approved_at_ms: row.get(6),
            }))
        })
    }

    fn approve_plan(&self, hash: &str, actor: &str) -> Result<(), StateError> {
        self.update_one(
            "plan",
            hash.to_owned(),
            "UPDATE plans SET approved_by = $1, approved_at_ms = $2 WHERE hash = $3",
            vec![
                Box::new(actor.to_owned()),
                Box::new(now_ms()),
                Box::new(hash.to_owned()),
            ],
        )
    }

    fn record_snapshot(&self, snapshot: &SnapshotRecord) -> Result<(), StateError> {
        let s = snapshot.clone();
        let bytes = i64::try_from(s.bytes).unwrap_or(i64::MAX);
        self.connection.run(move |client| {
            client.execute(
                "INSERT INTO snapshots
                     (id, environment, unit, deployment_id, database_name, engine, path, bytes, taken_at_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &s.id, &s.environment, &s.unit, &s.deployment_id, &s.database, &s.engine,
                    &s.path, &bytes, &s.taken_at_ms,
                ],
            )
        })?;
        Ok(())
    }

    fn snapshot(&self, id: &str) -> Result<Option<SnapshotRecord>, StateError> {
        let id = id.to_owned();
        self.connection.run(move |client| {
            let row = client.query_opt(
                "SELECT id, environment, unit, deployment_id, database_name, engine, path, bytes, taken_at_ms
                 FROM snapshots WHERE id = $1",
                &[&id],
            )?;
            Ok(row.map(|row| SnapshotRecord {
                id: row.get(0),
                environment: row.get(1),
                unit: row.get(2),
                deployment_id: row.get(3),
                database: row.get(4),
                engine: row.get(5),
                path: row.get(6),
                bytes: u64::try_from(row.get::<_, i64>(7)).unwrap_or(0),
                taken_at_ms: row.get(8),
            }))
        })
    }

    fn pause_unit(&self, paused: &PausedUnit, reason: &str) -> Result<(), StateError> {
        let (p, reason) = (paused.clone(), reason.to_owned());
        let (step, weight) = (i64::from(p.step), i64::from(p.weight));
        self.connection.run(move |client| {
            let mut tx = client.transaction()?;
            tx.execute(
                "INSERT INTO paused_units
                     (environment, unit, deployment_id, version, step, weight, staged, snapshot,
                      plugin_sha256, config_hash, since_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &p.environment,
                    &p.unit,
                    &p.deployment_id,
                    &p.version,
                    &step,
                    &weight,
                    &p.staged,
                    &p.snapshot,
                    &p.plugin_sha256,
                    &p.config_hash,
                    &p.since_ms,
                ],
            )?;
            tx.execute(
                "UPDATE unit_deployments SET finished_at_ms = $1, outcome = $2, reason = $3
                 WHERE deployment_id = $4 AND unit = $5",
                &[
                    &now_ms(),
                    &Outcome::Paused,
                    &reason,
                    &p.deployment_id,
                    &p.unit,
                ],
            )?;
            tx.commit()
        })
    }

    fn paused(&self, environment: &str) -> Result<Vec<PausedUnit>, StateError> {
        let environment = environment.to_owned();
        self.connection.run(move |client| {
            let rows = client.query(
                "SELECT environment, unit, deployment_id, version, step, weight, staged, snapshot,
                        plugin_sha256, config_hash, since_ms
                 FROM paused_units WHERE environment = $1 ORDER BY unit",
                &[&environment],
            )?;
            Ok(rows
                .iter()
                .map(|row| PausedUnit {
                    environment: row.get(0),
                    unit: row.get(1),
                    deployment_id: row.get(2),
                    version: row.get(3),
                    step: u32::try_from(row.get::<_, i64>(4)).unwrap_or(0),
                    weight: u8::try_from(row.get::<_, i64>(5)).unwrap_or(0),
                    staged: row.get(6),
                    snapshot: row.get(7),
                    plugin_sha256: row.get(8),
                    config_hash: row.get(9),
                    since_ms: row.get(10),
                })
                .collect())
        })
    }

    fn unpause(
        &self,
        environment: &str,
        unit: &str,
        deployment_id: &str,
    ) -> Result<(), StateError> {
        let (environment, unit, id) = (
            environment.to_owned(),
            unit.to_owned(),
            deployment_id.to_owned(),
        );
        self.connection.run(move |client| {
            client.execute(
                "DELETE FROM paused_units WHERE environment = $1 AND unit = $2 AND deployment_id = $3",
                &[&environment, &unit, &id],
            )
        })?;
        Ok(())
    }

    fn latest_deployment(&self, environment: &str) -> Result<Option<String>, StateError> {
        let environment = environment.to_owned();
        self.connection
            .run(move |client| record::latest(client, &environment))
    }

    fn record_events(&self, events: &[RecordedEvent]) -> Result<(), StateError> {
        let events = events.to_vec();
        self.connection
            .run(move |client| record::add_events(client, &events))
    }

    fn events_of(&self, deployment_id: &str) -> Result<Vec<RecordedEvent>, StateError> {
        let id = deployment_id.to_owned();
        self.connection
            .run(move |client| record::events(client, &id))
    }

    fn record_calls(&self, calls: &[CapabilityCall]) -> Result<(), StateError> {
        let calls = calls.to_vec();
        self.connection
            .run(move |client| record::add_calls(client, &calls))
    }

    fn calls_of(&self, deployment_id: &str) -> Result<Vec<CapabilityCall>, StateError> {
        let id = deployment_id.to_owned();
        self.connection
            .run(move |client| record::calls(client, &id))
    }

    fn history(&self, filter: &HistoryFilter) -> Result<Vec<UnitDeploymentRecord>, StateError> {
        let filter = filter.clone();
        self.connection.run(move |client| {
            let outcomes: Vec<&str> = filter.outcomes.iter().map(|o| o.as_str()).collect();
            let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
            let rows = client.query(
                "SELECT u.deployment_id, d.kind, u.environment, u.unit, u.version, u.plugin_sha256,
                        u.config_hash, d.plan_hash, d.actor, d.git_commit, u.started_at_ms,
                        u.finished_at_ms, u.outcome, u.reason, d.approved_by
                 FROM unit_deployments u JOIN deployments d ON d.id = u.deployment_id
                 WHERE ($1::TEXT IS NULL OR u.environment = $1)
                   AND ($2::TEXT IS NULL OR u.unit = $2)
                   AND (cardinality($3::TEXT[]) = 0 OR u.outcome = ANY($3))
                 ORDER BY u.started_at_ms DESC, u.deployment_id DESC, u.unit DESC
                 LIMIT CASE WHEN $4::BIGINT = 0 THEN NULL ELSE $4::BIGINT END",
                &[&filter.environment, &filter.unit, &outcomes, &limit],
            )?;
            Ok(rows.iter().map(history_record).collect())
        })
    }

    fn lock(
        &self,
        environment: &str,
        holder: &LockHolder,
        wait: Duration,
    ) -> Result<(), StateError> {
        let give_up_at = Instant::now().checked_add(wait);
        loop {
            let (env, wanted) = (environment.to_owned(), holder.clone());
            let attempt = self
                .connection
                .run(move |client| lock::try_take(client, &env, &wanted))?;
            let lock::Attempt::HeldBy(current) = attempt else {
                return Ok(());
            };
            let remaining =
                give_up_at.map_or(LOCK_POLL, |at| at.saturating_duration_since(Instant::now()));
            if remaining.is_zero() {
                return Err(StateError::Locked {
                    environment: environment.to_owned(),
                    holder: current.unwrap_or_else(|| LockHolder {
                        token: String::new(),
                        actor: "another sluice".into(),
                        host: "an unknown host".into(),
                        pid: 0,
                        since_ms: now_ms(),
                    }),
                });
            }
            std::thread::sleep(LOCK_POLL.min(remaining));
        }
    }

    fn unlock(&self, environment: &str, holder: &LockHolder) -> Result<(), StateError> {
        let (environment, holder) = (environment.to_owned(), holder.clone());
        self.connection
            .run(move |client| lock::release(client, &environment, &holder))
    }

    fn audit_append(&self, entry: &AuditEntry) -> Result<AuditRecord, StateError> {
        let entry = entry.clone();
        self.connection.run(move |client| {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK])?;
            let last = tx.query_opt("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[])?;
            let (seq, prev_hash) = match last {
                Some(row) => (row.get::<_, i64>(0) + 1, row.get::<_, String>(1)),
                None => (1, GENESIS.to_owned()),
            };
            let r = AuditRecord::chain(&entry, seq, &prev_hash);
            tx.execute(
                "INSERT INTO audit (seq, at_ms, actor, environment, deployment_id, event, detail, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    &r.seq, &r.at_ms, &r.actor, &r.environment, &r.deployment_id, &r.event,
                    &r.detail, &r.prev_hash, &r.hash,
                ],
            )?;
            tx.commit()?;
            Ok(r)
        })
    }

    fn audit_records(&self) -> Result<Vec<AuditRecord>, StateError> {
        self.connection.run(|client| {
            let rows = client.query(
                "SELECT seq, at_ms, actor, environment, deployment_id, event, detail, prev_hash, hash
                 FROM audit ORDER BY seq",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|row| AuditRecord {
                    seq: row.get(0),
                    at_ms: row.get(1),
                    actor: row.get(2),
                    environment: row.get(3),
                    deployment_id: row.get(4),
                    event: row.get(5),
                    detail: row.get(6),
                    prev_hash: row.get(7),
                    hash: row.get(8),
                })
                .collect())
        })
    }
}

fn history_record(row: &Row) -> UnitDeploymentRecord {
    UnitDeploymentRecord {
        deployment_id: row.get(0),
        kind: row.get(1),
        environment: row.get(2),
        unit: row.get(3),
        version: row.get(4),
        plugin_sha256: row.get(5),
        config_hash: row.get(6),
        plan_hash: row.get(7),
        actor: row.get(8),
        commit: row.get(9),
        started_at_ms: row.get(10),
        finished_at_ms: row.get(11),
        outcome: row.get(12),
        reason: row.get(13),
        approved_by: row.get(14),
    }
}
