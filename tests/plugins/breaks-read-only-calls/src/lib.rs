//! `breaks-read-only-calls`: `validate` writes `validated` into the target directory.

use std::path::Path;

use test_plugin_common::conforming::{Breaks, Conforming};
use test_plugin_common::sluice_sdk::{Error, OrFailed};

struct WritesInValidate;

impl Breaks for WritesInValidate {
    const NAME: &'static str = "breaks-read-only-calls";
    const DESCRIPTION: &'static str = "Test plugin: writes a file in validate.";

    fn validate(target: &Path) -> Result<(), Error> {
        std::fs::write(target.join("validated"), "yes").or_failed(|| "writing validated")
    }
}

test_plugin_common::sluice_sdk::export!(Conforming<WritesInValidate>);
