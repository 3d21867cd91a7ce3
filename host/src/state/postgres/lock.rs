//! Environment locks on PostgreSQL: a session advisory lock per environment on the store's
//! connection, so the lock ends with the process that holds it, however it ends. A `locks` row
//! (written once the advisory lock is ours) names the holder for whoever has to wait.

use postgres::Client;
use sha2::{Digest, Sha256};

use crate::state::LockHolder;

/// What one attempt to take a lock found.
pub(super) enum Attempt {
    /// The lock is ours now.
    Taken,
    /// Someone else holds it (as far as the `locks` row says: none while they are writing it).
    HeldBy(Option<LockHolder>),
}

/// The advisory lock key of `environment`.
pub(super) fn key(environment: &str) -> i64 {
    let digest = Sha256::digest(format!("sluice environment lock: {environment}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Takes `environment`'s lock for `holder` if nobody holds it.
pub(super) fn try_take(
    client: &mut Client,
    environment: &str,
    holder: &LockHolder,
) -> Result<Attempt, postgres::Error> {
    let taken: bool = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&key(environment)])?
        .get(0);
    if !taken {
        let row = client.query_opt(
            "SELECT token, actor, host, pid, since_ms FROM locks WHERE environment = $1",
            &[&environment],
        )?;
        return Ok(Attempt::HeldBy(row.map(|row| LockHolder {
            token: row.get(0),
            actor: row.get(1),
            host: row.get(2),
            pid: u32::try_from(row.get::<_, i64>(3)).unwrap_or_default(),
            since_ms: row.get(4),
        })));
    }
    client.execute(
        "INSERT INTO locks (environment, token, actor, host, pid, since_ms) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (environment) DO UPDATE SET token = excluded.token, actor = excluded.actor,
             host = excluded.host, pid = excluded.pid, since_ms = excluded.since_ms",
        &[
            &environment,
            &holder.token,
            &holder.actor,
            &holder.host,
            &i64::from(holder.pid),
            &holder.since_ms,
        ],
    )?;
    Ok(Attempt::Taken)
}

/// Releases `environment`'s lock if `holder` has it.
pub(super) fn release(
    client: &mut Client,
    environment: &str,
    holder: &LockHolder,
) -> Result<(), postgres::Error> {
    let removed = client.execute(
        "DELETE FROM locks WHERE environment = $1 AND token = $2",
        &[&environment, &holder.token],
    )?;
    if removed > 0 {
        client.execute("SELECT pg_advisory_unlock($1)", &[&key(environment)])?;
    }
    Ok(())
}
