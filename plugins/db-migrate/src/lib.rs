//! `db-migrate`: Flyway-style SQL migrations, applied in place through the host's `sql`
//! capability.
//!
//! Versioned `V<version>__<description>.sql` files run once, in version order; repeatable
//! `R__<description>.sql` files run again when they change; `U<version>__<description>.sql`
//! files undo a version on rollback. Each migration and its row in the history table commit
//! together (or, with `transaction = "all"`, every pending migration in one transaction).
//! `plan` validates the files against the history and lists exactly what is pending, marking
//! the deployment irreversible when a rollback could not undo it; `prepare` has the host back
//! the database up; `stage` migrates under an advisory lock; `rollback` runs the down scripts
//! of what the deployment applied, newest first, or restores the backup when allowed.
//!
//! It is granted its database by name and the migrations directory read-only, and imports
//! `sql`, `log` and `plan-notes`.

mod assess;
mod config;
mod database;
mod history;
mod migrate;
mod scripts;
mod state;
mod undo;
mod version;

use assess::Assessment;
use config::Config;
use database::Db;
use history::History;
use scripts::Scripts;
use sluice_sdk::{
    Change, Context, Error, Feature, PluginInfo, Staged, Strategy, info, parse_state, plan_notes,
    to_state,
};
use state::{Migrated, Snapshot};
use undo::{Scope, Undo};

struct DbMigrate;

/// The files, the database and its history, read for one call.
struct Survey<'a> {
    config: &'a Config,
    scripts: Scripts,
    db: Db,
    history: History,
    table_exists: bool,
}

impl<'a> Survey<'a> {
    /// Reads the migration files, opens the database (holding the migration lock when
    /// `locked`) and reads the history.
    fn take(config: &'a Config, locked: bool) -> Result<Self, Error> {
        let scripts = Scripts::read(&config.migrations)?;
        let db = Db::open(config)?;
        if locked {
            db.lock(config.lock_timeout_secs)?;
        }
        let table_exists = db.history_exists()?;
        let history = if table_exists {
            db.history()?
        } else {
            History::default()
        };
        Ok(Survey {
            config,
            scripts,
            db,
            history,
            table_exists,
        })
    }

    /// Validates and lists what is pending.
    fn assess(&self) -> Result<Assessment<'_>, Error> {
        let baseline_now = self.config.baseline_version.is_some()
            && self.history.rows.is_empty()
            && self.db.has_other_tables()?;
        Assessment::new(&self.scripts, &self.history, self.config, baseline_now)
    }
}

impl Strategy for DbMigrate {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "db-migrate".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Applies Flyway-style SQL migrations (V/R/U files) to a database of the \
                          plan, each with its history row in one transaction, backed up first and \
                          undone by its down scripts on rollback."
                .into(),
            config_schema: config::SCHEMA.into(),
            features: vec![Feature::Rollback, Feature::Plan],
        }
    }

    fn plan(_ctx: &Context, config: &Config, _current: Option<&str>) -> Result<Vec<Change>, Error> {
        let survey = Survey::take(config, false)?;
        let assessment = survey.assess()?;
        for reason in assessment.irreversible(&survey.scripts, survey.config) {
            plan_notes::irreversible(&reason);
        }
        Ok(assessment.changes(&survey.history, survey.config, survey.table_exists))
    }

    fn prepare(_ctx: &Context, config: &Config, _current: Option<&str>) -> Result<String, Error> {
        let survey = Survey::take(config, false)?;
        let assessment = survey.assess()?;
        let backup = if assessment.pending.is_empty() && assessment.baseline.is_none() {
            None
        } else {
            let id = survey.db.backup()?;
            info!("backed up `{}` as snapshot {id}", survey.config.database);
            Some(id)
        };
        to_state(&Snapshot {
            rank: survey.history.last_rank(),
            backup,
        })
    }

    fn stage(ctx: &Context, config: &Config, _current: Option<&str>) -> Result<Staged, Error> {
        let survey = Survey::take(config, true)?;
        if !survey.table_exists {
            survey.db.create_history()?;
        }
        let assessment = survey.assess()?;
        let applied = migrate::apply(
            &survey.db,
            survey.config,
            &survey.history,
            &assessment,
            &History::installer(&ctx.deployment_id),
        )?;
        let after = survey.db.history()?;
        let version = after.current_version().map(ToString::to_string);
        let at = version
            .as_deref()
            .map_or_else(String::new, |v| format!(", now at version {v}"));
        let summary = match applied.len() {
            0 => format!(
                "nothing to migrate on the {} database{at}",
                survey.db.engine_name()
            ),
            n => format!(
                "applied {n} migration(s) to the {} database{at}",
                survey.db.engine_name()
            ),
        };
        Ok(Staged {
            state: to_state(&Migrated {
                rank: after.last_rank(),
                version,
                applied,
            })?,
            endpoints: Vec::new(),
            summary,
        })
    }

    // `shift`: the SDK's no-op; the migrations ran in place at stage.

    fn finalize(_ctx: &Context, _config: &Config, staged: &str) -> Result<String, Error> {
        let staged: Migrated = parse_state("staged state", staged)?;
        to_state(&staged)
    }

    fn rollback(
        ctx: &Context,
        config: &Config,
        _staged: Option<&str>,
        snapshot: Option<&str>,
        current: Option<&str>,
    ) -> Result<(), Error> {
        let (scope, backup) = match (snapshot, current) {
            (Some(snapshot), _) => {
                let snapshot: Snapshot = parse_state("snapshot", snapshot)?;
                let scope = Scope::Deployment {
                    after_rank: snapshot.rank,
                    installed_by: History::installer(&ctx.deployment_id),
                };
                (scope, snapshot.backup)
            }
            (None, Some(current)) => {
                let current: Migrated = parse_state("current state", current)?;
                (
                    Scope::Since {
                        after_rank: current.rank,
                    },
                    None,
                )
            }
            (None, None) => return Ok(()),
        };
        let survey = Survey::take(config, true)?;
        let undo = Undo::new(&survey.history, &survey.scripts, &scope);
        if undo.is_empty() {
            info!("nothing to roll back");
            return Ok(());
        }
        if undo.missing.is_empty() {
            return migrate::undo(&survey.db, &undo);
        }
        let missing: Vec<&str> = undo.missing.iter().map(|row| row.script.as_str()).collect();
        match backup {
            Some(id) if survey.config.restore_on_rollback => {
                info!(
                    "{} cannot be undone by a down script: restoring the backup taken before \
                     the deployment (snapshot {id})",
                    missing.join(", ")
                );
                survey.db.restore(&id)
            }
            backup => Err(Error::Failed(format!(
                "cannot roll back {}: no down script (U<version>__*.sql), and {}; the database \
                 keeps these migrations",
                missing.join(", "),
                match backup {
                    Some(id) => format!(
                        "restore_on_rollback is off (the backup taken before the deployment is \
                         snapshot {id})"
                    ),
                    None => "there is no backup of the database before them to restore".to_owned(),
                }
            ))),
        }
    }
}

sluice_sdk::export!(DbMigrate);
