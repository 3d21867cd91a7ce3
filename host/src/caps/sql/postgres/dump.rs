//! PostgreSQL backups with the PostgreSQL client tools: `pg_dump --format=custom` to take one,
//! and to restore one, a single `psql --single-transaction` session that first empties the
//! database (every schema dropped, `public` recreated as it was) and then runs the SQL
//! `pg_restore` makes of the archive. Either the whole restore happens, or nothing does.
//!
//! The tools get the URL without its password, and the password through `PGPASSWORD`, so it
//! never shows in the process list.

use std::path::Path;
use std::process::{Output, Stdio};

use tokio::process::Command;

use super::super::fault::Fault;
use super::super::target::PostgresTarget;

/// Empties the database before a restore, in the restore's transaction: drops every schema
/// (and so everything in them, extensions included) and recreates `public` with the owner,
/// comment and privileges it has now.
const EMPTY_DATABASE: &str = r#"
SET lock_timeout = '30s';
DO $empty$
DECLARE
    public_owner oid;
    public_comment text;
    public_acl aclitem[];
    had_public boolean;
    doomed text;
    privilege record;
BEGIN
    SELECT n.nspowner, obj_description(n.oid, 'pg_namespace'), n.nspacl
      INTO public_owner, public_comment, public_acl
      FROM pg_namespace n WHERE n.nspname = 'public';
    had_public := FOUND;
    FOR doomed IN
        SELECT nspname FROM pg_namespace
         WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\_%'
    LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', doomed);
    END LOOP;
    IF had_public THEN
        EXECUTE format('CREATE SCHEMA public AUTHORIZATION %s', public_owner::regrole);
        EXECUTE format('COMMENT ON SCHEMA public IS %L', public_comment);
        FOR privilege IN
            SELECT grantee, privilege_type, is_grantable FROM aclexplode(public_acl)
             WHERE grantee <> public_owner
        LOOP
            EXECUTE format('GRANT %s ON SCHEMA public TO %s%s', privilege.privilege_type,
                CASE WHEN privilege.grantee = 0 THEN 'PUBLIC' ELSE privilege.grantee::regrole::text END,
                CASE WHEN privilege.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
    END IF;
END
$empty$;
"#;

/// How much of a tool's error output a message shows.
const ERROR_TAIL_BYTES: usize = 2048;

/// A command for the PostgreSQL client tool `program`, connecting to `target`.
fn tool(program: &str, target: &PostgresTarget) -> Command {
    let mut command = Command::new(program);
    command
        .env("PGCONNECT_TIMEOUT", "10")
        .env("PGAPPNAME", "sluice")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    match &target.password {
        Some(password) => command.env("PGPASSWORD", password),
        None => command.env_remove("PGPASSWORD"),
    };
    command
}

fn spawn_fault(program: &str, error: &std::io::Error) -> Fault {
    if error.kind() == std::io::ErrorKind::NotFound {
        Fault::Unavailable(format!(
            "PostgreSQL backups need `{program}` from the PostgreSQL client tools (Debian: \
             postgresql-client), and it is not on PATH"
        ))
    } else {
        Fault::Failed(format!("cannot run `{program}`: {error}"))
    }
}

/// `Ok` when `output` is a success, else what `program` said went wrong.
fn check(program: &str, output: &Output) -> Result<(), Fault> {
    if output.status.success() {
        return Ok(());
    }
    let start = output.stderr.len().saturating_sub(ERROR_TAIL_BYTES);
    let said = String::from_utf8_lossy(&output.stderr[start..])
        .trim()
        .to_owned();
    Err(Fault::Failed(format!(
        "`{program}` failed ({}): {said}",
        output.status
    )))
}

/// Writes a custom-format archive of the whole database to `to`.
pub(in super::super) async fn dump(target: &PostgresTarget, to: &Path) -> Result<(), Fault> {
    let output = tool("pg_dump", target)
        .arg("--format=custom")
        .arg("--no-password")
        .arg("--file")
        .arg(to)
        .arg(format!("--dbname={}", target.url_without_password))
        .output()
        .await
        .map_err(|e| spawn_fault("pg_dump", &e))?;
    check("pg_dump", &output)
}

/// Replaces the database's contents with the archive at `from`, in one transaction. The
/// archive is first turned into SQL beside it (so a damaged archive changes nothing), then
/// one `psql` session empties the database and runs that SQL.
pub(in super::super) async fn restore(target: &PostgresTarget, from: &Path) -> Result<(), Fault> {
    let sql = from.with_extension("restore.sql");
    let restored = restore_from_sql(target, from, &sql).await;
    let _ = std::fs::remove_file(&sql);
    restored
}

async fn restore_from_sql(target: &PostgresTarget, from: &Path, sql: &Path) -> Result<(), Fault> {
    let converted = tool("pg_restore", target)
        .arg("--file")
        .arg(sql)
        .arg(from)
        .output()
        .await
        .map_err(|e| spawn_fault("pg_restore", &e))?;
    check("pg_restore", &converted)?;
    let restored = tool("psql", target)
        .args([
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            "--no-password",
        ])
        .arg(format!("--dbname={}", target.url_without_password))
        .arg("--command")
        .arg(EMPTY_DATABASE)
        .arg("--file")
        .arg(sql)
        .output()
        .await
        .map_err(|e| spawn_fault("psql", &e))?;
    check("psql", &restored)
}
