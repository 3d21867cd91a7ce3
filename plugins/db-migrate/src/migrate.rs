//! Running migrations and their down scripts, each with its history row in the same
//! transaction (both engines run DDL transactionally), so a failed one leaves nothing behind.

use std::time::Instant;

use sluice_sdk::{Error, debug, log};

use crate::assess::Assessment;
use crate::config::{Config, TransactionMode};
use crate::database::{Db, NewRow};
use crate::history::{BASELINE_NAME, History, TYPE_BASELINE, TYPE_SQL};
use crate::scripts::Script;
use crate::undo::Undo;

/// Applies what `assessment` lists, after the rows of `history`, as `installed_by`; the files
/// applied.
pub fn apply(
    db: &Db,
    config: &Config,
    history: &History,
    assessment: &Assessment<'_>,
    installed_by: &str,
) -> Result<Vec<String>, Error> {
    let mut rank = history.last_rank();
    if let Some(baseline) = &assessment.baseline {
        rank += 1;
        let row = NewRow {
            rank,
            version: Some(baseline),
            description: BASELINE_NAME,
            kind: TYPE_BASELINE,
            script: BASELINE_NAME,
            checksum: None,
            installed_by,
            execution_ms: 0,
        };
        db.in_transaction(|| db.record(&row))
            .map_err(|e| e.context(format!("cannot baseline at version {baseline}")))?;
    }
    let pending = &assessment.pending;
    let total = u64::try_from(pending.len()).unwrap_or(u64::MAX);
    let run = |(index, script): (usize, &&Script)| -> Result<(), Error> {
        let row_rank = rank + i64::try_from(index).unwrap_or(i64::MAX) + 1;
        let started = Instant::now();
        db.execute_script(&script.sql)?;
        let execution_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        db.record(&NewRow {
            rank: row_rank,
            version: script.version(),
            description: &script.description,
            kind: TYPE_SQL,
            script: &script.file,
            checksum: Some(script.checksum),
            installed_by,
            execution_ms,
        })?;
        debug!("applied {} in {execution_ms} ms", script.file);
        log::progress(
            u64::try_from(index + 1).unwrap_or(total),
            total,
            "migrating",
        );
        Ok(())
    };
    match config.transaction {
        TransactionMode::PerMigration => {
            for step in pending.iter().enumerate() {
                let file = &step.1.file;
                db.in_transaction(|| run(step)).map_err(|e| {
                    e.context(format!(
                        "{file} failed and was rolled back, so nothing of it remains"
                    ))
                })?;
            }
        }
        TransactionMode::All => {
            let mut failed = None;
            db.in_transaction(|| {
                let outcome = pending.iter().enumerate().try_for_each(|step| {
                    failed = Some(step.1.file.clone());
                    run(step)
                });
                if outcome.is_ok() {
                    failed = None;
                }
                outcome
            })
            .map_err(|e| {
                e.context(format!(
                    "{} failed, and the whole run of {total} migrations (transaction = \"all\") \
                     was rolled back, so none of them remains",
                    failed.as_deref().unwrap_or("committing")
                ))
            })?;
        }
    }
    Ok(pending.iter().map(|script| script.file.clone()).collect())
}

/// Runs the down scripts of `undo`, newest migration first, each with the deletion of its
/// history row in one transaction.
pub fn undo(db: &Db, undo: &Undo<'_>) -> Result<(), Error> {
    for (row, script) in &undo.steps {
        db.in_transaction(|| {
            db.execute_script(&script.sql)?;
            db.forget(row.rank)
        })
        .map_err(|e| {
            e.context(format!(
                "undoing {} with {} failed and was rolled back",
                row.script, script.file
            ))
        })?;
        sluice_sdk::info!("undid {} with {}", row.script, script.file);
    }
    Ok(())
}
