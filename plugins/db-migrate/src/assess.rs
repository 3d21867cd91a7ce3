//! What a migration run would do, decided from the files and the history alone: validation
//! first (nothing runs when it fails), then the pending scripts in the order they run, and
//! which of them a rollback could not undo.

use std::collections::BTreeSet;

use sluice_sdk::{Change, ChangeAction, Error};

use crate::config::Config;
use crate::history::History;
use crate::scripts::{Kind, Script, Scripts};
use crate::version::Version;

/// The pending work, in order.
#[derive(Debug)]
pub struct Assessment<'a> {
    /// Write a baseline row at this version first (the database has tables, no history).
    pub baseline: Option<Version>,
    /// The versioned scripts, by version, then the changed repeatable scripts, by description.
    pub pending: Vec<&'a Script>,
}

impl<'a> Assessment<'a> {
    /// Validates `scripts` against `history`, then lists what is pending. `baseline_now` says
    /// whether the run will baseline the database at the configured version.
    pub fn new(
        scripts: &'a Scripts,
        history: &History,
        config: &Config,
        baseline_now: bool,
    ) -> Result<Assessment<'a>, Error> {
        let baseline = if baseline_now {
            config.baseline()
        } else {
            None
        };
        let floor = history.baseline().cloned().or_else(|| baseline.clone());
        validate_applied(scripts, history, config, floor.as_ref())?;
        let applied: BTreeSet<&Version> = history
            .versioned()
            .filter_map(|row| row.version.as_ref())
            .collect();
        let versioned = scripts.versioned.iter().filter(|script| {
            script.version().is_some_and(|version| {
                !applied.contains(&version) && floor.as_ref().is_none_or(|floor| version > floor)
            })
        });
        let newest = history.current_version();
        let mut pending = Vec::new();
        for script in versioned {
            if let (Some(version), Some(newest)) = (script.version(), newest)
                && version < newest
                && !config.out_of_order
            {
                return Err(Error::Failed(format!(
                    "{} (version {version}) is older than the newest applied version {newest}: it \
                     would run out of order; set `out_of_order = true` to apply it anyway",
                    script.file
                )));
            }
            pending.push(script);
        }
        pending.extend(scripts.repeatable.iter().filter(|script| {
            history
                .repeatable(&script.description)
                .is_none_or(|row| row.checksum != Some(script.checksum))
        }));
        Ok(Assessment { baseline, pending })
    }

    /// Why a rollback could not undo this run: each pending script without a down script,
    /// unless the backup may be restored instead.
    pub fn irreversible(&self, scripts: &Scripts, config: &Config) -> Vec<String> {
        if config.restore_on_rollback {
            return Vec::new();
        }
        self.pending
            .iter()
            .filter_map(|script| match &script.kind {
                Kind::Versioned(version) if scripts.undo_of(version).is_none() => Some(format!(
                    "{} has no down script (U{version}__*.sql) and restore_on_rollback is off: a \
                     rollback could not undo it",
                    script.file
                )),
                Kind::Repeatable => Some(format!(
                    "{} is repeatable, so a rollback cannot undo it, and restore_on_rollback is off",
                    script.file
                )),
                _ => None,
            })
            .collect()
    }

    /// The plan lines: the history table if it is new, the baseline, each pending script; or
    /// one no-op when the schema is up to date.
    pub fn changes(&self, history: &History, config: &Config, table_exists: bool) -> Vec<Change> {
        let mut changes = Vec::new();
        if !table_exists {
            changes.push(Change::new(
                ChangeAction::Create,
                format!("table {}", config.table),
                "the history table",
            ));
        }
        if let Some(baseline) = &self.baseline {
            changes.push(Change::new(
                ChangeAction::Create,
                format!("baseline {baseline}"),
                "the existing schema counts as migrated up to this version",
            ));
        }
        for script in &self.pending {
            let change = match &script.kind {
                Kind::Versioned(version) => Change::new(
                    ChangeAction::Create,
                    &script.file,
                    format!("version {version}: {}", script.description),
                ),
                _ if history.repeatable(&script.description).is_some() => Change::new(
                    ChangeAction::Update,
                    &script.file,
                    "repeatable, changed since it was applied",
                ),
                _ => Change::new(ChangeAction::Create, &script.file, "repeatable"),
            };
            changes.push(change);
        }
        if changes.is_empty() {
            let at = history
                .current_version()
                .map_or_else(|| "no version".to_owned(), |v| format!("version {v}"));
            changes.push(Change::new(
                ChangeAction::NoOp,
                format!("database {}", config.database),
                format!("up to date at {at}"),
            ));
        }
        changes
    }
}

/// Every applied versioned migration must still be on disk, unchanged; no earlier run may have
/// failed half-way.
fn validate_applied(
    scripts: &Scripts,
    history: &History,
    config: &Config,
    floor: Option<&Version>,
) -> Result<(), Error> {
    if let Some(failed) = history.rows.iter().find(|row| !row.success) {
        return Err(Error::Failed(format!(
            "{} failed in an earlier run and is recorded with success = false (row {} of {}): \
             repair the database by hand, then delete that row",
            failed.script, failed.rank, config.table
        )));
    }
    for row in history.versioned() {
        let Some(version) = &row.version else {
            return Err(Error::Failed(format!(
                "row {} of {} has version {:?}, which is not a version",
                row.rank, config.table, row.version_text
            )));
        };
        if floor.is_some_and(|floor| version <= floor) {
            continue;
        }
        let Some(script) = scripts.versioned(Some(version)) else {
            return Err(Error::Failed(format!(
                "version {version} ({}) is applied, but its file is missing from {}: restore it",
                row.script,
                config.migrations.display()
            )));
        };
        if let Some(applied) = row.checksum
            && applied != script.checksum
        {
            return Err(Error::Failed(format!(
                "{} was changed after it was applied: its checksum is {} now, it was {applied} \
                 when applied (row {} of {}); put the change in a new migration instead",
                script.file, script.checksum, row.rank, config.table
            )));
        }
        if row.description != script.description {
            return Err(Error::Failed(format!(
                "{}: its description `{}` differs from `{}`, recorded when it was applied",
                script.file, script.description, row.description
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::fixtures::applied;
    use crate::scripts::checksum;

    fn config(extra: &str) -> Config {
        use sluice_sdk::UnitConfig;
        Config::load(&format!(
            r#"{{"database": "main", "migrations": "/m"{extra}}}"#
        ))
        .unwrap()
    }

    fn scripts(files: &[(&str, &str)]) -> Scripts {
        Scripts::from_files(
            files
                .iter()
                .map(|(name, sql)| (name.to_string(), sql.to_string()))
                .collect(),
        )
        .unwrap()
    }

    fn history(rows: Vec<crate::history::Applied>) -> History {
        History { rows }
    }

    fn files_of(assessment: &Assessment<'_>) -> Vec<String> {
        assessment.pending.iter().map(|s| s.file.clone()).collect()
    }

    #[test]
    fn only_unapplied_scripts_are_pending_versioned_first() {
        let scripts = scripts(&[
            ("V1__a.sql", "a"),
            ("V2__b.sql", "b"),
            ("V3__c.sql", "c"),
            ("R__views.sql", "v"),
        ]);
        let history = history(vec![
            applied(1, "1", "V1__a.sql", checksum("a")),
            applied(2, "2", "V2__b.sql", checksum("b")),
        ]);
        let assessment = Assessment::new(&scripts, &history, &config(""), false).unwrap();
        assert_eq!(files_of(&assessment), ["V3__c.sql", "R__views.sql"]);
    }

    #[test]
    fn an_edited_applied_migration_fails_validation_naming_it_and_both_checksums() {
        let scripts = scripts(&[("V1__a.sql", "a"), ("V2__b.sql", "b edited")]);
        let history = history(vec![
            applied(1, "1", "V1__a.sql", checksum("a")),
            applied(2, "2", "V2__b.sql", checksum("b")),
        ]);
        let error = Assessment::new(&scripts, &history, &config(""), false).unwrap_err();
        let text = error.message();
        assert!(
            text.starts_with("V2__b.sql was changed after it was applied"),
            "{text}"
        );
        assert!(text.contains(&checksum("b edited").to_string()), "{text}");
        assert!(text.contains(&checksum("b").to_string()), "{text}");
    }

    #[test]
    fn an_applied_migration_missing_from_disk_fails_validation() {
        let scripts = scripts(&[("V1__a.sql", "a")]);
        let history = history(vec![
            applied(1, "1", "V1__a.sql", checksum("a")),
            applied(2, "2", "V2__b.sql", checksum("b")),
        ]);
        let error = Assessment::new(&scripts, &history, &config(""), false).unwrap_err();
        assert!(
            error
                .message()
                .starts_with("version 2 (V2__b.sql) is applied, but its file is missing"),
            "{error}"
        );
    }

    #[test]
    fn an_older_unapplied_migration_is_refused_unless_out_of_order() {
        let scripts = scripts(&[
            ("V1__a.sql", "a"),
            ("V2__late.sql", "l"),
            ("V3__c.sql", "c"),
        ]);
        let history = history(vec![
            applied(1, "1", "V1__a.sql", checksum("a")),
            applied(2, "3", "V3__c.sql", checksum("c")),
        ]);
        let error = Assessment::new(&scripts, &history, &config(""), false).unwrap_err();
        assert!(
            error
                .message()
                .starts_with("V2__late.sql (version 2) is older than"),
            "{error}"
        );
        let lenient = config(r#", "out_of_order": true"#);
        let assessment = Assessment::new(&scripts, &history, &lenient, false).unwrap();
        assert_eq!(files_of(&assessment), ["V2__late.sql"]);
    }

    #[test]
    fn a_baseline_counts_older_migrations_as_applied() {
        let scripts = scripts(&[("V1__a.sql", "a"), ("V5__e.sql", "e"), ("V6__f.sql", "f")]);
        let config = config(r#", "baseline_version": "5""#);
        let assessment = Assessment::new(&scripts, &History::default(), &config, true).unwrap();
        assert_eq!(assessment.baseline, Version::parse("5"));
        assert_eq!(files_of(&assessment), ["V6__f.sql"]);
        let changes = assessment.changes(&History::default(), &config, false);
        let resources: Vec<&str> = changes.iter().map(|c| c.resource.as_str()).collect();
        assert_eq!(
            resources,
            ["table sluice_schema_history", "baseline 5", "V6__f.sql"]
        );
    }

    #[test]
    fn a_pending_migration_without_a_down_script_is_irreversible_unless_restore_is_allowed() {
        let scripts = scripts(&[
            ("V1__a.sql", "a"),
            ("U1__a.sql", "undo a"),
            ("V2__b.sql", "b"),
        ]);
        let assessment =
            Assessment::new(&scripts, &History::default(), &config(""), false).unwrap();
        let reasons = assessment.irreversible(&scripts, &config(""));
        assert_eq!(reasons.len(), 1);
        assert!(
            reasons[0].starts_with("V2__b.sql has no down script (U2__*.sql)"),
            "{reasons:?}"
        );
        let restoring = config(r#", "restore_on_rollback": true"#);
        assert!(assessment.irreversible(&scripts, &restoring).is_empty());
    }

    #[test]
    fn a_changed_repeatable_migration_is_pending_again() {
        let scripts = scripts(&[("R__views.sql", "new")]);
        let mut row = applied(1, "1", "R__views.sql", checksum("old"));
        row.version = None;
        row.version_text = None;
        let history = history(vec![row]);
        let assessment = Assessment::new(&scripts, &history, &config(""), false).unwrap();
        assert_eq!(files_of(&assessment), ["R__views.sql"]);
        let changes = assessment.changes(&history, &config(""), true);
        assert_eq!(changes[0].action, ChangeAction::Update);
    }

    #[test]
    fn nothing_pending_is_one_no_op_line() {
        let scripts = scripts(&[("V1__a.sql", "a")]);
        let history = history(vec![applied(1, "1", "V1__a.sql", checksum("a"))]);
        let assessment = Assessment::new(&scripts, &history, &config(""), false).unwrap();
        let changes = assessment.changes(&history, &config(""), true);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].action, ChangeAction::NoOp);
        assert_eq!(changes[0].detail, "up to date at version 1");
    }
}
