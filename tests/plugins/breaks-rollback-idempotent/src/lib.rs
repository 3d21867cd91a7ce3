//! `breaks-rollback-idempotent`: `rollback` removes the staged release without looking, so a
//! second `rollback` fails on the missing file.

use std::path::Path;

use test_plugin_common::conforming::{Breaks, Conforming};
use test_plugin_common::sluice_sdk::{Error, OrFailed};

struct RemovesBlindly;

impl Breaks for RemovesBlindly {
    const NAME: &'static str = "breaks-rollback-idempotent";
    const DESCRIPTION: &'static str = "Test plugin: fails a second rollback.";

    fn remove_release(path: &Path) -> Result<(), Error> {
        std::fs::remove_file(path).or_failed(|| format!("removing {}", path.display()))
    }
}

test_plugin_common::sluice_sdk::export!(Conforming<RemovesBlindly>);
