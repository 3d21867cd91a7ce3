//! Backups the host takes of a database for a plugin, kept as files in sluice's snapshot
//! directory and recorded (by the orchestrator) in sluice's state and the deployment's journal.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One backup of one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Its id (what `backup` returns to the plugin).
    pub id: String,
    /// The database's name in the plan.
    pub database: String,
    /// `sqlite` (a copy of the file) or `postgres` (a `pg_dump` custom-format archive).
    pub engine: String,
    /// The file holding it.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Where snapshots are recorded, and read back by id. Implemented by the orchestrator, which
/// scopes it to one environment and journals each backup and restore in the deployment.
pub trait SnapshotLedger: Send + Sync {
    /// Records a snapshot just taken (now).
    fn record(&self, snapshot: &Snapshot) -> Result<(), String>;
    /// The snapshot `id` of this environment, if there is one.
    fn find(&self, id: &str) -> Result<Option<Snapshot>, String>;
    /// Notes that `snapshot` is about to be restored (before anything is changed).
    fn restoring(&self, snapshot: &Snapshot) -> Result<(), String>;
}

/// Where one deployment's backups go.
#[derive(Clone)]
pub struct Snapshots {
    /// The directory holding the snapshot files (created when the first one is taken).
    pub dir: PathBuf,
    /// Where they are recorded.
    pub ledger: Arc<dyn SnapshotLedger>,
}

impl Snapshots {
    /// Creates the snapshot directory, readable by its owner only.
    pub(super) fn prepare_dir(&self) -> std::io::Result<&Path> {
        std::fs::create_dir_all(&self.dir)?;
        set_mode(&self.dir, 0o700)?;
        Ok(&self.dir)
    }
}

/// Sets the permission bits of `path` (snapshots hold data: owner only).
pub(super) fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}
