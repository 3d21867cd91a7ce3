//! The migration files: `V<version>__<description>.sql` (versioned, run once, in version
//! order), `U<version>__<description>.sql` (the down script of that version) and
//! `R__<description>.sql` (repeatable, run again whenever it changes, after the versioned ones).
//! Underscores in a description read as spaces. Other `.sql` names are an error (a misnamed
//! migration must not be skipped silently); files not ending in `.sql` are ignored.

use std::collections::BTreeMap;
use std::path::Path;

use sluice_sdk::Error;

use crate::version::Version;

/// What a migration file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `V<version>__...`: applied once.
    Versioned(Version),
    /// `U<version>__...`: undoes that version.
    Undo(Version),
    /// `R__...`: applied again whenever its checksum changes.
    Repeatable,
}

/// One migration file.
#[derive(Debug, Clone)]
pub struct Script {
    /// The file name, e.g. `V2__add_email.sql`.
    pub file: String,
    /// What it is.
    pub kind: Kind,
    /// The description, from the name (`add email`).
    pub description: String,
    /// Flyway's checksum of its text (see [`checksum`]).
    pub checksum: i32,
    /// Its SQL.
    pub sql: String,
}

impl Script {
    /// The version, for versioned and undo scripts.
    pub fn version(&self) -> Option<&Version> {
        match &self.kind {
            Kind::Versioned(version) | Kind::Undo(version) => Some(version),
            Kind::Repeatable => None,
        }
    }
}

/// A migrations directory, sorted.
#[derive(Debug, Default)]
pub struct Scripts {
    /// Versioned scripts, oldest version first.
    pub versioned: Vec<Script>,
    /// Repeatable scripts, by description.
    pub repeatable: Vec<Script>,
    /// Down scripts, by the version they undo.
    pub undo: Vec<Script>,
}

impl Scripts {
    /// Reads and checks every migration file in `dir` (a guest path).
    pub fn read(dir: &Path) -> Result<Scripts, Error> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Error::InvalidConfig(format!(
                "cannot read the migrations directory {}: {e} (is it granted in `files`?)",
                dir.display()
            ))
        })?;
        let mut files = Vec::new();
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::Failed(format!("cannot list {}: {e}", dir.display())))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".sql") {
                let text = std::fs::read_to_string(entry.path())
                    .map_err(|e| Error::Failed(format!("cannot read {name} as UTF-8 text: {e}")))?;
                files.push((name, text));
            }
        }
        Scripts::from_files(files)
    }

    /// Sorts named file contents into scripts; a bad name or a duplicate version is an error
    /// naming the file.
    pub fn from_files(files: Vec<(String, String)>) -> Result<Scripts, Error> {
        let mut scripts = Scripts::default();
        for (file, sql) in files {
            let (kind, description) = parse_name(&file).map_err(Error::InvalidConfig)?;
            let script = Script {
                checksum: checksum(&sql),
                file,
                kind,
                description,
                sql,
            };
            match script.kind {
                Kind::Versioned(_) => scripts.versioned.push(script),
                Kind::Undo(_) => scripts.undo.push(script),
                Kind::Repeatable => scripts.repeatable.push(script),
            }
        }
        scripts
            .versioned
            .sort_by(|a, b| a.version().cmp(&b.version()));
        scripts.undo.sort_by(|a, b| a.version().cmp(&b.version()));
        scripts
            .repeatable
            .sort_by(|a, b| a.description.cmp(&b.description));
        for group in [&scripts.versioned, &scripts.undo] {
            if let Some(pair) = group.windows(2).find(|w| w[0].version() == w[1].version()) {
                return Err(Error::InvalidConfig(format!(
                    "{} and {} have the same version: each version needs exactly one file",
                    pair[0].file, pair[1].file
                )));
            }
        }
        let mut repeatable: BTreeMap<&str, &str> = BTreeMap::new();
        for script in &scripts.repeatable {
            if let Some(other) = repeatable.insert(&script.description, &script.file) {
                return Err(Error::InvalidConfig(format!(
                    "{other} and {} have the same description: repeatable migrations are told \
                     apart by it",
                    script.file
                )));
            }
        }
        if let Some(orphan) = scripts
            .undo
            .iter()
            .find(|undo| scripts.versioned(undo.version()).is_none())
        {
            return Err(Error::InvalidConfig(format!(
                "{} undoes version {}, but there is no V{}__*.sql",
                orphan.file,
                orphan
                    .version()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                orphan
                    .version()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            )));
        }
        Ok(scripts)
    }

    /// The versioned script of `version`.
    pub fn versioned(&self, version: Option<&Version>) -> Option<&Script> {
        find(&self.versioned, version?)
    }

    /// The down script of `version`.
    pub fn undo_of(&self, version: &Version) -> Option<&Script> {
        find(&self.undo, version)
    }
}

/// The script of `version` in `scripts`, sorted by version.
fn find<'a>(scripts: &'a [Script], version: &Version) -> Option<&'a Script> {
    scripts
        .binary_search_by(|script| script.version().cmp(&Some(version)))
        .ok()
        .map(|index| &scripts[index])
}

/// The kind and description a migration file's name says, or why it is not a valid name.
pub fn parse_name(file: &str) -> Result<(Kind, String), String> {
    let invalid = |why: &str| {
        format!(
            "{file} is not a valid migration name ({why}): expected V<version>__<description>.sql, \
             U<version>__<description>.sql or R__<description>.sql"
        )
    };
    let stem = file
        .strip_suffix(".sql")
        .ok_or_else(|| invalid("not .sql"))?;
    let (head, description) = stem
        .split_once("__")
        .ok_or_else(|| invalid("no `__` after the version"))?;
    if description.is_empty() {
        return Err(invalid("the description is empty"));
    }
    let description = description.replace('_', " ");
    let version = |text: &str| {
        Version::parse(text).ok_or_else(|| invalid(&format!("`{text}` is not a version")))
    };
    let kind = match head.split_at_checked(1) {
        Some(("V", rest)) => Kind::Versioned(version(rest)?),
        Some(("U", rest)) => Kind::Undo(version(rest)?),
        Some(("R", "")) => Kind::Repeatable,
        _ => return Err(invalid("it must start with V, U or R")),
    };
    Ok((kind, description))
}

/// Flyway's checksum of a migration: the CRC-32 of its lines without their line breaks (and
/// without a leading byte-order mark), as a signed 32-bit integer. Line endings (`\n`,
/// `\r\n`, `\r`) do not change it.
pub fn checksum(text: &str) -> i32 {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut crc = crc32fast::Hasher::new();
    for line in text.split(['\r', '\n']) {
        crc.update(line.as_bytes());
    }
    crc.finalize().cast_signed()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), format!("-- {n}\n")))
            .collect()
    }

    #[test]
    fn names_give_kind_version_and_description() {
        assert_eq!(
            parse_name("V1_2__add_users_table.sql").unwrap(),
            (
                Kind::Versioned(Version::parse("1.2").unwrap()),
                "add users table".into()
            )
        );
        assert_eq!(
            parse_name("U3__drop_x.sql").unwrap().0,
            Kind::Undo(Version::parse("3").unwrap())
        );
        assert_eq!(
            parse_name("R__views.sql").unwrap(),
            (Kind::Repeatable, "views".into())
        );
    }

    #[test]
    fn a_misnamed_migration_is_an_error_naming_the_file() {
        for name in [
            "V2_add.sql",
            "V__x.sql",
            "Vx__y.sql",
            "X1__y.sql",
            "R1__y.sql",
            "V1__.sql",
        ] {
            let error = parse_name(name).unwrap_err();
            assert!(
                error.starts_with(&format!("{name} is not a valid migration name")),
                "{error}"
            );
        }
    }

    #[test]
    fn scripts_sort_by_version_and_duplicates_are_refused() {
        let scripts = Scripts::from_files(files(&[
            "V10__c.sql",
            "V2__b.sql",
            "V1__a.sql",
            "U2__b.sql",
        ]))
        .unwrap();
        let order: Vec<&str> = scripts.versioned.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(order, ["V1__a.sql", "V2__b.sql", "V10__c.sql"]);
        assert_eq!(
            scripts
                .undo_of(&Version::parse("2").unwrap())
                .map(|s| s.file.as_str()),
            Some("U2__b.sql")
        );
        let error = Scripts::from_files(files(&["V1__a.sql", "V1.0__b.sql"])).unwrap_err();
        assert!(error.message().contains("have the same version"), "{error}");
        let error = Scripts::from_files(files(&["U4__a.sql"])).unwrap_err();
        assert!(error.message().contains("no V4__*.sql"), "{error}");
    }

    #[test]
    fn the_checksum_ignores_line_endings_and_a_byte_order_mark_but_not_content() {
        let unix = checksum("CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n");
        assert_eq!(
            unix,
            checksum("\u{feff}CREATE TABLE t (id int);\r\nINSERT INTO t VALUES (1);\r\n")
        );
        assert_ne!(
            unix,
            checksum("CREATE TABLE t (id int);\nINSERT INTO t VALUES (2);\n")
        );
        // The standard CRC-32 check value: "123456789" gives 0xCBF43926, here split in lines.
        assert_eq!(checksum("1234\n56789\n"), 0xCBF4_3926_u32.cast_signed());
    }
}
