//! `trap-in-stage`: panics in `stage`; built with `panic = "abort"`, that is a wasm trap.

use test_plugin_common::sluice_sdk::{Context, Error, Staged};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

struct TrapInStage;

impl Stage for TrapInStage {
    const NAME: &'static str = "trap-in-stage";
    const DESCRIPTION: &'static str = "Test plugin: traps in stage.";

    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
        trap(ctx, config)
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<TrapInStage>);

fn trap(ctx: &Context, _config: &TestConfig) -> Result<Staged, Error> {
    panic!(
        "trap-in-stage: trapping on purpose while staging {}",
        ctx.version
    )
}
