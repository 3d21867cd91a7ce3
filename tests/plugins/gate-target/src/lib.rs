//! `gate-target`: a well-behaved plugin for testing gates and rollback. `stage` reports the
//! config's `endpoint` as the staged endpoint; every call with an effect is journaled.

use test_plugin_common::lifecycle::staged;
use test_plugin_common::sluice_sdk::{Context, Error, Staged};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

struct GateTarget;

impl Stage for GateTarget {
    const NAME: &'static str = "gate-target";
    const DESCRIPTION: &'static str =
        "Test plugin: stages nothing, reports the configured endpoint.";

    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
        staged(ctx, config)
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<GateTarget>);
