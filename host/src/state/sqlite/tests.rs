//! What only the SQLite backend does. The behaviour both backends share is the `Store` contract,
//! run on each: `tests/all/store_contract.rs`.

use super::SqliteStore;
use crate::state::{HistoryFilter, NewDeployment, NewUnitDeployment, Store};

fn open_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("state.db")).unwrap();
    (dir, store)
}

#[test]
fn opening_a_database_whose_directory_does_not_exist_yet_creates_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".sluice/nested/state.db");

    let store = SqliteStore::open(&path).unwrap();

    assert!(path.is_file());
    assert!(store.history(&HistoryFilter::default()).unwrap().is_empty());
}

/// Two `sluice apply` started together both open a state file that does not exist yet: the one
/// that loses the race to switch it to WAL and create the schema waits instead of failing.
#[test]
fn processes_opening_a_new_database_at_the_same_time_all_get_it() {
    for _ in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let opened: Vec<_> = std::thread::scope(|scope| {
            let openers: Vec<_> = (0..6)
                .map(|_| scope.spawn(|| SqliteStore::open(&path).map(drop)))
                .collect();
            openers.into_iter().map(|t| t.join().unwrap()).collect()
        });
        for result in opened {
            result.unwrap();
        }
    }
}

/// PostgreSQL has no insertion order to fall back on: there, such units are listed by name,
/// descending.
#[test]
fn units_begun_in_the_same_millisecond_are_listed_last_begun_first() {
    let (_dir, store) = open_store();
    store
        .begin_deployment(&NewDeployment {
            id: "d1".to_owned(),
            environment: "staging".to_owned(),
            kind: "apply".to_owned(),
            plan_hash: "plan-hash".to_owned(),
            actor: "ci".to_owned(),
            commit: None,
            started_at_ms: 100,
            approved_by: None,
        })
        .unwrap();
    for name in ["web", "api"] {
        store
            .begin_unit(&NewUnitDeployment {
                deployment_id: "d1".to_owned(),
                environment: "staging".to_owned(),
                unit: name.to_owned(),
                version: "v1".to_owned(),
                plugin_sha256: "plugin-sha".to_owned(),
                config_hash: "config-hash".to_owned(),
                started_at_ms: 100,
            })
            .unwrap();
    }

    let units: Vec<String> = store
        .history(&HistoryFilter::default())
        .unwrap()
        .into_iter()
        .map(|record| record.unit)
        .collect();

    assert_eq!(units, ["api", "web"]);
}
