//! Where the backups plugins take through `sql` are recorded: sluice's state (the `snapshots`
//! table) and the deployment's journal, scoped to one environment.

use std::path::PathBuf;
use std::sync::Arc;

use crate::caps::sql::{Snapshot, SnapshotLedger};
use crate::state::{JournalEntry, JournalStep, SnapshotRecord, Store};

/// The ledger of one unit's deployment.
pub(super) struct JournaledSnapshots {
    pub(super) store: Arc<dyn Store>,
    pub(super) environment: String,
    pub(super) unit: String,
    pub(super) deployment_id: String,
}

impl JournaledSnapshots {
    fn journal(&self, step: JournalStep, snapshot: &Snapshot) -> Result<(), String> {
        let detail = serde_json::json!({
            "snapshot": snapshot.id, "database": snapshot.database, "engine": snapshot.engine,
            "bytes": snapshot.bytes,
        });
        self.store
            .journal(&JournalEntry {
                deployment_id: self.deployment_id.clone(),
                unit: self.unit.clone(),
                step,
                detail: detail.to_string(),
            })
            .map_err(|e| e.to_string())
    }
}

impl SnapshotLedger for JournaledSnapshots {
    fn record(&self, snapshot: &Snapshot) -> Result<(), String> {
        self.store
            .record_snapshot(&SnapshotRecord {
                id: snapshot.id.clone(),
                environment: self.environment.clone(),
                unit: self.unit.clone(),
                deployment_id: self.deployment_id.clone(),
                database: snapshot.database.clone(),
                engine: snapshot.engine.clone(),
                path: snapshot.path.display().to_string(),
                bytes: snapshot.bytes,
                taken_at_ms: crate::clock::now_ms(),
            })
            .map_err(|e| e.to_string())?;
        self.journal(JournalStep::Backup, snapshot)
    }

    fn find(&self, id: &str) -> Result<Option<Snapshot>, String> {
        let found = self.store.snapshot(id).map_err(|e| e.to_string())?;
        Ok(found
            .filter(|record| record.environment == self.environment)
            .map(|record| Snapshot {
                id: record.id,
                database: record.database,
                engine: record.engine,
                path: PathBuf::from(record.path),
                bytes: record.bytes,
            }))
    }

    fn restoring(&self, snapshot: &Snapshot) -> Result<(), String> {
        self.journal(JournalStep::Restore, snapshot)
    }
}
