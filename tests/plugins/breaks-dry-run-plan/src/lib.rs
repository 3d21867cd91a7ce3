//! `breaks-dry-run-plan`: `plan` with `dry-run` set creates a file and removes it again: the
//! tree is as it was, but it made mutating calls.

use std::path::Path;

use test_plugin_common::conforming::{Breaks, Conforming};
use test_plugin_common::sluice_sdk::{Context, Error, OrFailed};

struct TouchesInPlan;

impl Breaks for TouchesInPlan {
    const NAME: &'static str = "breaks-dry-run-plan";
    const DESCRIPTION: &'static str = "Test plugin: creates and removes a file in a dry-run plan.";

    fn plan(ctx: &Context, target: &Path) -> Result<(), Error> {
        if ctx.dry_run {
            let probe = target.join(".planning");
            std::fs::write(&probe, "probe").or_failed(|| "writing .planning")?;
            std::fs::remove_file(&probe).or_failed(|| "removing .planning")?;
        }
        Ok(())
    }
}

test_plugin_common::sluice_sdk::export!(Conforming<TouchesInPlan>);
