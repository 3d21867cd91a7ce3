//! Atomic release groups (`[groups.NAME]`): a schema migration on PostgreSQL (`db-migrate`), the
//! API container that needs it (real engine) and the Kong config routing to it (emulator) ship
//! together or not at all. When the gateway's gate fails, the gateway rolls back and the two units
//! that had succeeded are undone, newest first: the container's previous version serves again
//! and the migration's down script runs. A crash in the middle of that undo converges on the next
//! apply.

use std::net::SocketAddr;

use crate::support::database::{Engine, TestDb};
use crate::support::docker::{ContainersGuard, free_ports, unique_name};
use crate::support::http::get;
use crate::support::kong::Kong;
use crate::support::project::ENV;
use crate::support::stack::ONE_AT_A_TIME;
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, images, sluice};

/// The environment variable the plan's `pg` secret is read from.
const PG_URL_VAR: &str = "SLUICE_TEST_GROUP_URL";

/// A release of three units in one atomic group: `schema` ← `api` ← `gateway`.
struct Release {
    dir: tempfile::TempDir,
    db: TestDb,
    kong: Kong,
    /// Where the API container publishes.
    api: SocketAddr,
    _cleanup: ContainersGuard,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Release {
    /// A release for the test `what` (its container and database are named after it).
    fn new(what: &str) -> Release {
        let turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        images::ensure();
        let dir = tempfile::tempdir().unwrap();
        for sub in ["migrations", "kong"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let db = TestDb::create(Engine::Postgres, what, dir.path());
        let kong = Kong::start();
        let name = unique_name(what);
        let [port] = free_ports();
        let api = SocketAddr::from(([127, 0, 0, 1], port));
        let plan = format!(
            r#"[project]
name = "release"
[environments.{ENV}]
[secrets.pg]
env = "{PG_URL_VAR}"
[databases.main]
url = "${{secret.pg}}"

[plugins.migrate]
source = "builtin:db-migrate"
[plugins.migrate.grants]
databases = ["main"]
files = [{{ path = "migrations", at = "/migrations" }}]
[plugins.container]
source = "builtin:container"
[plugins.container.grants]
containers = ["{name}", "{name}-*"]
images = ["{repository}"]
http = []
[plugins.kong]
source = "builtin:kong-config"
[plugins.kong.grants]
http = ["{admin}"]
files = [{{ path = "kong", at = "/kong" }}]

[groups.release]
units = ["schema", "api", "gateway"]

[units.schema]
plugin = "migrate"
config = {{ database = "main", migrations = "/migrations" }}

[units.api]
plugin = "container"
depends_on = ["schema"]
config = {{ mode = "replace", name = "{name}", image = "{repository}:${{version}}", port = {inner}, host_ports = [{port}], ready_timeout_secs = 15 }}
gates = [{{ http = "http://{api}/", body = "${{version}}", interval = "100ms", deadline = "10s" }}]

[units.gateway]
plugin = "kong"
depends_on = ["api"]
config = {{ admin = "{admin}", file = "/kong/kong.yaml" }}
gates = [{{ http = "http://{proxy}/shop", body = "${{version}}", interval = "50ms", failure_threshold = 2, deadline = "3s" }}]
"#,
            repository = images::REPOSITORY,
            inner = images::PORT,
            admin = kong.admin_url(),
            proxy = kong.proxy,
        );
        std::fs::write(dir.path().join("sluice.toml"), plan).unwrap();
        Release {
            dir,
            db,
            kong,
            api,
            _cleanup: ContainersGuard { prefix: name },
            _turn: turn,
        }
    }

    /// Kong routes `/shop` to `target`.
    fn route_to(&self, target: SocketAddr) {
        let config = format!(
            "_format_version: \"3.0\"\nservices:\n  - name: shop\n    url: http://{target}/\n    routes:\n      - name: shop-route\n        paths: [\"/shop\"]\n"
        );
        std::fs::write(self.dir.path().join("kong/kong.yaml"), config).unwrap();
    }

    fn migration(&self, name: &str, sql: &str) {
        std::fs::write(self.dir.path().join("migrations").join(name), sql).unwrap();
    }

    fn apply(&self, version: &str, crash_after: Option<&str>) -> Run {
        let mut command = sluice(self.dir.path());
        command
            .args([
                "apply",
                "--env",
                ENV,
                "--version",
                version,
                "--allow-irreversible",
            ])
            .env(PG_URL_VAR, &self.db.url);
        if let Some(step) = crash_after {
            command.env("SLUICE_CRASH_AFTER", step);
        }
        command.output().unwrap().into()
    }

    /// v1 live everywhere: the users table, the API at v1, Kong routing `/shop` to it.
    fn at_v1(what: &str) -> Release {
        let release = Release::new(what);
        release.migration(
            "V1__create_users.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n",
        );
        release.route_to(release.api);
        let run = release.apply("v1", None);
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
        release
            .db
            .execute("INSERT INTO users (id, name) VALUES (1, 'ada')");
        release
    }

    /// v2: a migration adding a column (with its down script), and a Kong config whose route
    /// points where nothing listens, so the gateway's gate fails.
    fn prepare_bad_v2(&self) {
        self.migration(
            "V2__add_email.sql",
            "ALTER TABLE users ADD COLUMN email TEXT;\n",
        );
        self.migration(
            "U2__add_email.sql",
            "ALTER TABLE users DROP COLUMN email;\n",
        );
        let [nothing] = free_ports();
        self.route_to(SocketAddr::from(([127, 0, 0, 1], nothing)));
    }

    /// Everything is as v1 left it: the schema (V1 only, no email column, the row kept), the
    /// API serving v1, Kong routing `/shop` to it.
    fn assert_back_at_v1(&self) {
        assert_eq!(self.db.applied(), ["V1__create_users.sql"]);
        let columns = self.db.query(
            "SELECT column_name FROM information_schema.columns \
             WHERE table_name = 'users' ORDER BY ordinal_position",
        );
        assert_eq!(
            columns,
            [[Some("id".to_owned())], [Some("name".to_owned())]],
            "the down script dropped the email column"
        );
        assert_eq!(
            self.db.value("SELECT name FROM users").as_deref(),
            Some("ada")
        );
        assert_eq!(get(self.api, "/"), (200, "v1\n".to_owned()));
        assert_eq!(get(self.kong.proxy, "/shop"), (200, "v1\n".to_owned()));
    }
}

#[test]
fn a_failing_gateway_undoes_the_container_and_the_migration_of_its_atomic_group() {
    let release = Release::at_v1("group_undo");
    release.prepare_bad_v2();

    let run = release.apply("v2", None);
    let all = run.all();
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{all}");
    let undone = |unit: &str| {
        all.lines()
            .position(|line| {
                line.starts_with(&format!("[{unit}] rolled-back v1: undone with its atomic group `release`: gateway rolled-back"))
            })
            .unwrap_or_else(|| panic!("{unit} is said to be undone because the gateway rolled back:\n{all}"))
    };
    assert!(undone("api") < undone("schema"), "newest first:\n{all}");
    release.assert_back_at_v1();

    let plan = sluice(release.dir.path())
        .args(["plan", "--env", ENV, "--version", "v3"])
        .env(PG_URL_VAR, &release.db.url)
        .output()
        .unwrap();
    let plan = Run::from(plan);
    assert_eq!(plan.code, EXIT_SUCCESS, "{}", plan.all());
    assert_eq!(
        plan.stdout
            .matches("atomic group release: undone if another unit of the group does not deploy")
            .count(),
        3,
        "{}",
        plan.stdout
    );
}

#[test]
fn a_crash_in_the_middle_of_a_groups_undo_converges_on_the_next_apply() {
    let release = Release::at_v1("group_crash");
    release.prepare_bad_v2();

    let crashed = release.apply("v2", Some("undo"));
    assert_eq!(
        crashed.code,
        -1,
        "killed after the first undo began: {}",
        crashed.all()
    );
    assert_eq!(
        get(release.api, "/"),
        (200, "v2\n".to_owned()),
        "the crash came before the api was undone"
    );

    let next = release.apply("v1", None);
    assert_eq!(next.code, EXIT_SUCCESS, "{}", next.all());
    assert!(
        next.all()
            .contains("undone with its atomic group `release`"),
        "{}",
        next.all()
    );
    release.assert_back_at_v1();
}
