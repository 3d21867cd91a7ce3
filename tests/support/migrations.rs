//! A throwaway project deploying `migrations/` with the builtin `db-migrate` plugin to one
//! [`TestDb`]. A PostgreSQL URL reaches the plan through a secret (`${secret.pg}`), as a real
//! plan would carry it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use super::database::{Engine, TestDb};
use super::project::ENV;
use super::{Run, sluice};

/// The environment variable the plan's `pg` secret is read from.
const PG_URL_VAR: &str = "SLUICE_TEST_MIGRATE_URL";

/// A project with a plan, a `migrations/` directory and its own state.
pub struct MigrationProject {
    /// The project directory (removed on drop).
    pub dir: tempfile::TempDir,
    /// The database the unit migrates (dropped with the last project using it).
    pub db: Arc<TestDb>,
    /// The database URL the plan uses (the database's own, or another way to reach it).
    pub url: String,
}

impl MigrationProject {
    /// A project migrating a new database of `engine`, named after the test `what`.
    pub fn new(engine: Engine, what: &str) -> MigrationProject {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
        let db = Arc::new(TestDb::create(engine, what, dir.path()));
        MigrationProject {
            url: db.url.clone(),
            dir,
            db,
        }
    }

    /// A second project (own directory, own state) migrating the same database.
    pub fn beside(&self) -> MigrationProject {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
        MigrationProject {
            dir,
            db: self.db.clone(),
            url: self.url.clone(),
        }
    }

    /// The project directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes the plan: unit `schema` migrates database `main`; `config` is appended to the
    /// unit's config table, `unit` to the unit, and `databases` replaces the databases granted.
    pub fn plan_with(&self, config: &str, unit: &str, databases: &str) {
        let url = match self.db.engine {
            Engine::Sqlite => self.url.clone(),
            Engine::Postgres => "${secret.pg}".to_owned(),
        };
        let plan = format!(
            r#"[project]
name = "migrations"

[environments.{ENV}]

[secrets.pg]
env = "{PG_URL_VAR}"

[databases.main]
url = "{url}"

[databases.other]
url = "sqlite:other.db"

[plugins.migrate]
source = "builtin:db-migrate"
[plugins.migrate.grants]
databases = [{databases}]
files = [{{ path = "migrations", at = "/migrations" }}]

[units.schema]
plugin = "migrate"
config = {{ database = "main", migrations = "/migrations"{config} }}
{unit}
"#
        );
        std::fs::write(self.path().join("sluice.toml"), plan).unwrap();
    }

    /// Writes the plan granting `main`, with `config` appended to the unit's config.
    pub fn plan(&self, config: &str) {
        self.plan_with(config, "", r#""main""#);
    }

    /// Writes the migration file `name`.
    pub fn migration(&self, name: &str, sql: &str) {
        std::fs::write(self.migrations().join(name), sql).unwrap();
    }

    /// The migrations directory.
    pub fn migrations(&self) -> PathBuf {
        self.path().join("migrations")
    }

    /// A `sluice` command in the project, with the database URL in the environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = sluice(self.path());
        command.args(args).env(PG_URL_VAR, &self.url);
        command
    }

    /// Runs `sluice ARGS` in the project.
    pub fn sluice(&self, args: &[&str]) -> Run {
        self.command(args).output().unwrap().into()
    }

    /// `sluice apply` of `version` to the test environment, with `extra` arguments.
    pub fn apply(&self, version: &str, extra: &[&str]) -> Run {
        let mut args = vec!["apply", "--env", ENV, "--version", version];
        args.extend(extra);
        self.sluice(&args)
    }

    /// Starts `sluice apply --allow-irreversible` of `version` with stderr piped, to watch it
    /// while it runs.
    pub fn spawn_apply(&self, version: &str) -> Child {
        self.command(&[
            "apply",
            "--env",
            ENV,
            "--version",
            version,
            "--allow-irreversible",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
    }
}
