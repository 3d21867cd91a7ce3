//! The `Store` contract: every test here runs, with the same assertions, on SQLite
//! (`store_contract::sqlite::*`) and on PostgreSQL (`store_contract::postgres::*`, a fresh
//! database on the test cluster per test). History, current state, the journal, snapshots,
//! paused units, schema versions and environment locks must mean the same thing on both backends.
//!
//! Where two sluice processes are modelled (locks), each is its own store on the same database:
//! one connection each, as two processes would have.

use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sluice::state::postgres::PostgresStore;
use sluice::state::sqlite::SqliteStore;
use sluice::state::{
    HistoryFilter, JournalEntry, JournalStep, LockHolder, NewDeployment, NewUnitDeployment,
    Outcome, PausedUnit, SnapshotRecord, StateError, Store, UnitCurrent, this_host,
};

use crate::support::database::{Engine, TestDb};

on_both_engines!(
    a_finished_unit_deployment_reads_back_through_history_with_its_deployment,
    a_running_unit_has_no_end_and_no_reason,
    history_is_newest_first_and_filters_by_environment_unit_outcome_and_limit,
    finishing_a_deployment_that_was_never_begun_is_not_found,
    a_unit_cannot_be_recorded_for_a_deployment_that_does_not_exist,
    current_is_none_until_set_then_the_latest_set_wins_until_cleared,
    the_journal_keeps_entries_in_the_order_they_were_written_per_deployment,
    opening_the_same_database_twice_keeps_its_data_and_schema,
    a_recorded_snapshot_is_found_by_id_and_belongs_to_its_deployment,
    a_paused_unit_ends_paused_keeps_what_resuming_needs_and_is_forgotten_only_by_its_pause,
    a_database_from_a_newer_sluice_is_refused,
    a_lock_held_by_another_live_process_is_refused_and_names_its_holder,
    a_lock_held_under_another_token_by_this_very_process_is_not_taken_over,
    a_lock_whose_process_is_gone_is_taken_over,
    a_lock_from_another_host_is_never_taken_over,
    unlock_releases_only_the_holders_own_lock,
    locks_of_different_environments_are_independent,
    a_waiting_lock_is_taken_once_its_holder_releases_it,
    a_waiting_lock_gives_up_with_locked_when_the_wait_runs_out,
);

/// A fresh, empty database of one backend, for one test.
struct Database {
    db: TestDb,
    _dir: tempfile::TempDir,
}

impl Database {
    fn new(engine: Engine) -> Database {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = tempfile::tempdir().unwrap();
        let what = format!("store{}", NEXT.fetch_add(1, Ordering::Relaxed));
        Database {
            db: TestDb::create(engine, &what, dir.path()),
            _dir: dir,
        }
    }

    /// A store on the database (schema brought up to date); each is its own connection.
    fn try_open(&self) -> Result<Box<dyn Store>, StateError> {
        Ok(match self.db.engine {
            Engine::Sqlite => Box::new(SqliteStore::open(
                self.db
                    .path
                    .as_deref()
                    .expect("an SQLite database has a file"),
            )?),
            Engine::Postgres => Box::new(PostgresStore::open(
                &self.db.url,
                std::path::Path::new("."),
            )?),
        })
    }

    fn open(&self) -> Box<dyn Store> {
        self.try_open().unwrap()
    }
}

fn deployment(id: &str, environment: &str, started_at_ms: i64) -> NewDeployment {
    NewDeployment {
        id: id.to_owned(),
        environment: environment.to_owned(),
        kind: "apply".to_owned(),
        plan_hash: "plan-hash".to_owned(),
        actor: "ci".to_owned(),
        commit: Some("abc123".to_owned()),
        started_at_ms,
        approved_by: None,
    }
}

fn unit(
    deployment_id: &str,
    environment: &str,
    unit: &str,
    version: &str,
    started_at_ms: i64,
) -> NewUnitDeployment {
    NewUnitDeployment {
        deployment_id: deployment_id.to_owned(),
        environment: environment.to_owned(),
        unit: unit.to_owned(),
        version: version.to_owned(),
        plugin_sha256: "plugin-sha".to_owned(),
        config_hash: "config-hash".to_owned(),
        started_at_ms,
    }
}

fn holder(token: &str, host: &str, pid: u32) -> LockHolder {
    LockHolder {
        token: token.to_owned(),
        actor: format!("actor-{token}"),
        host: host.to_owned(),
        pid,
        since_ms: 1_700_000_000_000,
    }
}

/// A holder in this very process, on this host.
fn ours(token: &str) -> LockHolder {
    holder(token, &this_host(), std::process::id())
}

/// A process that is alive until the returned child is killed.
fn live_process() -> Child {
    Command::new("sleep").arg("60").spawn().unwrap()
}

/// The pid of a process that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    child.wait().unwrap();
    child.id()
}

fn a_finished_unit_deployment_reads_back_through_history_with_its_deployment(engine: Engine) {
    let database = Database::new(engine);
    let store = database.open();
    store
        .begin_deployment(&deployment("d1", "staging", 100))
        .unwrap();
    store
        .begin_unit(&unit("d1", "staging", "web", "v1", 110))
        .unwrap();
    store
        .finish_unit("d1", "web", Outcome::RolledBack, Some("gate failed"))
        .unwrap();
    store
        .finish_deployment("d1", Outcome::RolledBack, Some("gate failed"))
        .unwrap();

    let history = store.history(&HistoryFilter::default()).unwrap();

    assert_eq!(history.len(), 1);
    let record = &history[0];
    assert_eq!(record.deployment_id, "d1");
    assert_eq!(record.kind, "apply");
    assert_eq!(record.environment, "staging");
    assert_eq!(record.unit, "web");
    assert_eq!(record.version, "v1");
    assert_eq!(record.plugin_sha256, "plugin-sha");
    assert_eq!(record.config_hash, "config-hash");
    assert_eq!(record.plan_hash, "plan-hash");
    assert_eq!(record.actor, "ci");
    assert_eq!(record.commit.as_deref(), Some("abc123"));
    assert_eq!(record.started_at_ms, 110);
    assert!(record.finished_at_ms.is_some());
    assert_eq!(record.outcome, Outcome::RolledBack);
    assert_eq!(record.reason.as_deref(), Some("gate failed"));
}

fn a_running_unit_has_no_end_and_no_reason(engine: Engine) {
    let database = Database::new(engine);
    let store = database.open();
    store
        .begin_deployment(&deployment("d1", "staging", 100))
        .unwrap();
    store
        .begin_unit(&unit("d1", "staging", "web", "v1", 110))
        .unwrap();

    let history = store.history(&HistoryFilter::default()).unwrap();

    assert_eq!(history[0].outcome, Outcome::Running);
    assert_eq!(history[0].finished_at_ms, None);
    assert_eq!(history[0].reason, None);
}

/// Units begun in the same millisecond are ordered differently by the two backends (SQLite: last
/// begun first; PostgreSQL: by deployment and unit name, descending), so every start here differs.
fn history_is_newest_first_and_filters_by_environment_unit_outcome_and_limit(engine: Engine) {
    let database = Database::new(engine);
    let store = database.open();
    store
        .begin_deployment(&deployment("d1", "staging", 100))
        .unwrap();
    store
        .begin_unit(&unit("d1", "staging", "web", "v1", 100))
        .unwrap();
    store
        .begin_unit(&unit("d1", "staging", "api", "v1", 101))
        .unwrap();
    store
        .finish_unit("d1", "web", Outcome::Succeeded, None)
        .unwrap();
    store
        .finish_unit("d1", "api", Outcome::Failed, Some("boom"))
        .unwrap();
    store
        .begin_deployment(&deployment("d2", "production", 200))
        .unwrap();
    store
        .begin_unit(&unit("d2", "production", "web", "v1", 200))
        .unwrap();
    store
        .finish_unit("d2", "web", Outcome::Succeeded, None)
        .unwrap();
    store
        .begin_deployment(&deployment("d3", "staging", 300))
        .unwrap();
    store
        .begin_unit(&unit("d3", "staging", "web", "v2", 300))
        .unwrap();
    store
        .finish_unit("d3", "web", Outcome::Succeeded, None)
        .unwrap();
    let keys = |filter: HistoryFilter| -> Vec<(String, String)> {
        let history = store.history(&filter).unwrap();
        history
            .into_iter()
            .map(|r| (r.deployment_id, r.unit))
            .collect()
    };
    let key = |d: &str, u: &str| (d.to_owned(), u.to_owned());

    assert_eq!(
        keys(HistoryFilter::default()),
        [
            key("d3", "web"),
            key("d2", "web"),
            key("d1", "api"),
            key("d1", "web")
        ]
    );
    assert_eq!(
        keys(HistoryFilter {
            environment: Some("staging".into()),
            ..Default::default()
        }),
        [key("d3", "web"), key("d1", "api"), key("d1", "web")]
    );
    assert_eq!(
        keys(HistoryFilter {
            unit: Some("web".into()),
            ..Default::default()
        }),
        [key("d3", "web"), key("d2", "web"), key("d1", "web")]
    );
    assert_eq!(
        keys(HistoryFilter {
            outcomes: vec![Outcome::Failed, Outcome::RolledBack],
            ..Default::default()
        }),
        [key("d1", "api")]
    );
    assert_eq!(
        keys(HistoryFilter {
            environment: Some("staging".into()),
            unit: Some("web".into()),
            limit: 1,
            ..Default::default()
        }),
        [key("d3", "web")]
    );
}

fn finishing_a_deployment_that_was_never_begun_is_not_found(engine: Engine) {
    let database = Database::new(engine);
    let store = database.open();

    let error = store
        .finish_deployment("missing", Outcome::Succeeded, None)
        .unwrap_err();

    assert!(
        matches!(error, StateError::NotFound { what: "deployment", ref id } if id == "missing")
    );
}

fn a_unit_cannot_be_recorded_for_a_deployment_that_does_not_exist(engine: Engine) {
    let database = Database::new(engine);
    let store = database.open();

    let error = store
        .begin_unit(&unit("missing", "staging", "web", "v1", 1))
        .unwrap_err();

    assert!(matches!(error, StateError::Backend { .. }), "{error}");
}

fn current_is_none_until_set_then_the_latest_set_wins_until_cleared(engine: Engine) {
    let database = Database::new(engine);
    let store = database.open();
    store
        .begin_deployment(&deployment("d1", "staging", 100))
        .unwrap();
    store
        .begin_deployment(&deployment("d2", "staging", 200))
        .unwrap();
    let first = UnitCurrent {
        version: "v1".into(),
        state: r#"{"release":"v1"}"#.into(),
        deployment_id: "d1".into(),
        plugin_sha256: "plugin-sha".into(),
        config_hash: "config-hash".into(),
        since_ms: 150,
    };
    let second = UnitCurrent {
        version: "v2".into(),
        deployment_id: "d2".into(),
        since_ms: 250,
        ..first.clone()
    };

    assert_eq!(store.current("staging", "web").unwrap(), None);
    store.set_current("staging", "web", &first).unwrap();
    assert_eq!(store.current("staging", "web").unwrap(), Some(first));
    store.set_current("staging", "web", &second).unwrap();
    assert_eq!(store.current("staging", "web").unwrap(), Some(second));
    assert_eq!(store.current("production", "web").unwrap(), None);
    store.clear_current("staging", "web").unwrap();
    assert_eq!(store.current("staging", "web").unwrap(), None);
}

fn the_journal_keeps_entries_in_the_order_they_were_written_per_deployment(engine: Engine) {
    let database = Database::new(engine);
    let store = database.open();
    store
        .begin_deployment(&deployment("d1", "staging", 100))
        .unwrap();
    store
        .begin_deployment(&deployment("d2", "staging", 200))
        .unwrap();
    let entry = |deployment_id: &str, step: JournalStep| JournalEntry {
        deployment_id: deployment_id.to_owned(),
        unit: "web".to_owned(),
        step,
        detail: format!("detail of {step}"),
    };
    for step in [
        JournalStep::Prepare,
        JournalStep::Stage,
        JournalStep::StagedGate,
        JournalStep::Shift(100),
        JournalStep::Finalize,
    ] {
        store.journal(&entry("d1", step)).unwrap();
    }
    store.journal(&entry("d2", JournalStep::Prepare)).unwrap();

    let journal = store.journal_of("d1").unwrap();

    let steps: Vec<(i64, &str)> = journal.iter().map(|r| (r.seq, r.step.as_str())).collect();
    assert_eq!(
        steps,
        [
            (1, "prepare"),
            (2, "stage"),
            (3, "gate:staged"),
            (4, "shift 100"),
            (5, "finalize")
        ]
    );
    assert_eq!(journal[3].journal_step(), Ok(JournalStep::Shift(100)));
    assert_eq!(journal[1].detail, "detail of stage");
    assert_eq!(journal[1].unit, "web");
    assert_eq!(store.journal_of("d2").unwrap().len(), 1);
}

fn opening_the_same_database_twice_keeps_its_data_and_schema(engine: Engine) {
    let database = Database::new(engine);
    database
        .open()
        .begin_deployment(&deployment("d1", "staging", 100))
        .unwrap();

    let reopened = database.open();
    reopened
        .begin_unit(&unit("d1", "staging", "web", "v1", 110))
        .unwrap();

    assert_eq!(
        reopened.history(&HistoryFilter::default()).unwrap().len(),
        1
    );
}

fn a_recorded_snapshot_is_found_by_id_and_belongs_to_its_deployment(engine: Engine) {
    let database = Database::new(engine);
    let store = database.open();
    store
        .begin_deployment(&deployment("d1", "staging", 100))
        .unwrap();
    let snapshot = SnapshotRecord {
        id: "s1".into(),
        environment: "staging".into(),
        unit: "schema".into(),
        deployment_id: "d1".into(),
        database: "main".into(),
        engine: "sqlite".into(),
        path: "/state/snapshots/s1.sqlite".into(),
        bytes: 8192,
        taken_at_ms: 120,
    };
    store.record_snapshot(&snapshot).unwrap();
    assert_eq!(store.snapshot("s1").unwrap(), Some(snapshot.clone()));
    assert_eq!(store.snapshot("s2").unwrap(), None);
    let orphan = SnapshotRecord {
        id: "s3".into(),
        deployment_id: "never-begun".into(),
        ..snapshot
    };
    assert!(store.record_snapshot(&orphan).is_err());
}

fn a_paused_unit_ends_paused_keeps_what_resuming_needs_and_is_forgotten_only_by_its_pause(
    engine: Engine,
) {
    let database = Database::new(engine);
    let store = database.open();
    store
        .begin_deployment(&deployment("d1", "staging", 100))
        .unwrap();
    store
        .begin_unit(&unit("d1", "staging", "web", "v2", 110))
        .unwrap();
    let paused = PausedUnit {
        environment: "staging".into(),
        unit: "web".into(),
        deployment_id: "d1".into(),
        version: "v2".into(),
        step: 3,
        weight: 50,
        staged: r#"{"release":"r2"}"#.into(),
        snapshot: Some("snap".into()),
        plugin_sha256: "plugin-sha".into(),
        config_hash: "config-hash".into(),
        since_ms: 130,
    };

    store.pause_unit(&paused, "paused at step 3").unwrap();

    assert_eq!(store.paused("staging").unwrap(), [paused]);
    assert!(store.paused("production").unwrap().is_empty());
    let history = store.history(&HistoryFilter::default()).unwrap();
    assert_eq!(history[0].outcome, Outcome::Paused);
    assert_eq!(history[0].reason.as_deref(), Some("paused at step 3"));
    assert!(history[0].finished_at_ms.is_some());
    assert!(
        store.unfinished("staging").unwrap() == ["d1"],
        "the deployment itself is finished by its caller, not by the pause"
    );

    store.unpause("staging", "web", "d0").unwrap();
    assert_eq!(
        store.paused("staging").unwrap().len(),
        1,
        "another pause's id"
    );
    store.unpause("staging", "web", "d1").unwrap();
    assert!(store.paused("staging").unwrap().is_empty());
    store.unpause("staging", "web", "d1").unwrap();
}

fn a_database_from_a_newer_sluice_is_refused(engine: Engine) {
    let database = Database::new(engine);
    drop(database.open());
    database
        .db
        .execute("INSERT INTO sluice_schema (version) VALUES (999)");

    let error = database.try_open().err().unwrap();

    assert!(
        error.to_string().contains("schema version 999 is newer"),
        "{error}"
    );
}

fn a_lock_held_by_another_live_process_is_refused_and_names_its_holder(engine: Engine) {
    let database = Database::new(engine);
    let (theirs_store, store) = (database.open(), database.open());
    let mut other = live_process();
    let theirs = holder("theirs", &this_host(), other.id());
    theirs_store
        .lock("production", &theirs, Duration::ZERO)
        .unwrap();

    let error = store
        .lock("production", &ours("ours"), Duration::ZERO)
        .unwrap_err();

    other.kill().unwrap();
    other.wait().unwrap();
    let StateError::Locked {
        environment,
        holder,
    } = &error
    else {
        panic!("expected Locked, got {error}")
    };
    assert_eq!(environment, "production");
    assert_eq!(holder, &theirs);
    let message = error.to_string();
    assert!(message.contains("actor-theirs"), "{message}");
    assert!(
        message.contains(&format!("pid {}", theirs.pid)),
        "{message}"
    );
}

fn a_lock_held_under_another_token_by_this_very_process_is_not_taken_over(engine: Engine) {
    let database = Database::new(engine);
    let (first, second) = (database.open(), database.open());
    first
        .lock("staging", &ours("first"), Duration::ZERO)
        .unwrap();

    let error = second
        .lock("staging", &ours("second"), Duration::ZERO)
        .unwrap_err();

    assert!(matches!(error, StateError::Locked { .. }));
}

/// The holder is gone the way a killed sluice is: its pid no longer exists (what SQLite checks)
/// and its connection is closed (what ends a PostgreSQL session lock).
fn a_lock_whose_process_is_gone_is_taken_over(engine: Engine) {
    let database = Database::new(engine);
    let crashed = database.open();
    crashed
        .lock(
            "staging",
            &holder("crashed", &this_host(), dead_pid()),
            Duration::ZERO,
        )
        .unwrap();
    drop(crashed);
    let (store, third) = (database.open(), database.open());
    let taker = ours("taker");

    // A closed connection's session ends shortly after, not at once: waiting covers that.
    store
        .lock("staging", &taker, Duration::from_secs(10))
        .unwrap();

    let error = third
        .lock("staging", &ours("third"), Duration::ZERO)
        .unwrap_err();
    assert!(matches!(error, StateError::Locked { holder, .. } if holder == taker));
}

fn a_lock_from_another_host_is_never_taken_over(engine: Engine) {
    let database = Database::new(engine);
    let (remote, store) = (database.open(), database.open());
    remote
        .lock(
            "staging",
            &holder("remote", "some-other-host", dead_pid()),
            Duration::ZERO,
        )
        .unwrap();

    let error = store
        .lock("staging", &ours("ours"), Duration::ZERO)
        .unwrap_err();

    assert!(matches!(error, StateError::Locked { holder, .. } if holder.host == "some-other-host"));
}

fn unlock_releases_only_the_holders_own_lock(engine: Engine) {
    let database = Database::new(engine);
    let (first_store, second_store) = (database.open(), database.open());
    let first = ours("first");
    let second = ours("second");
    first_store.lock("staging", &first, Duration::ZERO).unwrap();

    second_store.unlock("staging", &second).unwrap();
    assert!(
        second_store
            .lock("staging", &second, Duration::ZERO)
            .is_err()
    );
    first_store.unlock("staging", &first).unwrap();
    second_store
        .lock("staging", &second, Duration::ZERO)
        .unwrap();
}

fn locks_of_different_environments_are_independent(engine: Engine) {
    let database = Database::new(engine);
    let store = database.open();

    store
        .lock("staging", &ours("first"), Duration::ZERO)
        .unwrap();
    store
        .lock("production", &ours("second"), Duration::ZERO)
        .unwrap();
}

fn a_waiting_lock_is_taken_once_its_holder_releases_it(engine: Engine) {
    let database = Database::new(engine);
    let holding: Arc<dyn Store> = Arc::from(database.open());
    let waiting = database.open();
    let first = ours("first");
    holding.lock("staging", &first, Duration::ZERO).unwrap();
    let releaser = {
        let holding = Arc::clone(&holding);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            holding.unlock("staging", &first).unwrap();
        })
    };

    let taken = waiting.lock("staging", &ours("second"), Duration::from_secs(30));

    releaser.join().unwrap();
    taken.unwrap();
}

fn a_waiting_lock_gives_up_with_locked_when_the_wait_runs_out(engine: Engine) {
    let database = Database::new(engine);
    let (first, second) = (database.open(), database.open());
    first
        .lock("staging", &ours("first"), Duration::ZERO)
        .unwrap();

    let error = second.lock("staging", &ours("second"), Duration::from_millis(250));

    assert!(matches!(error, Err(StateError::Locked { .. })));
}
