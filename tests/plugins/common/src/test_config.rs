//! The config every test plugin reads, and its call journal.

use serde::Deserialize;
use sluice_sdk::{Error, OrFailed, UnitConfig};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

/// A test plugin's config; keys it does not know are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct TestConfig {
    /// Guest path of the file each lifecycle call appends its name to.
    pub journal: Option<PathBuf>,
    /// Guest path of a read-write directory the `conforming` plugins deploy into.
    pub target: Option<PathBuf>,
    /// The staged endpoint `gate-target` reports.
    pub endpoint: Option<String>,
    /// Which attack a hostile plugin makes in `stage` (each documents its own).
    pub attack: Option<String>,
    /// The attack's arguments: paths, URLs.
    #[serde(default)]
    pub args: Vec<String>,
}

/// Any config that parses is fine.
impl UnitConfig for TestConfig {}

impl TestConfig {
    /// The attack's argument `index`, or `invalid-config` naming what is missing.
    pub fn arg(&self, index: usize) -> Result<&str, Error> {
        self.args.get(index).map(String::as_str).ok_or_else(|| {
            Error::InvalidConfig(format!(
                "attack {:?} needs at least {} args",
                self.attack,
                index + 1
            ))
        })
    }

    /// Appends `call` as one line to the journal, if the config names one.
    pub fn record(&self, call: &str) -> Result<(), Error> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        let what = || format!("appending to the journal {}", journal.display());
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(journal)
            .or_failed(what)?;
        writeln!(file, "{call}").or_failed(what)
    }
}
