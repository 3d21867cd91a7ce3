//! `trap-in-stage`: panics in `stage`; built with `panic = "abort"`, that is a wasm trap.

use test_plugin_common::TestConfig;
use test_plugin_common::sluice_sdk::{Context, Error, Staged};

test_plugin_common::test_plugin!(
    TrapInStage,
    name = "trap-in-stage",
    description = "Test plugin: traps in stage.",
    stage = trap,
);

fn trap(ctx: &Context, _config: &TestConfig) -> Result<Staged, Error> {
    panic!(
        "trap-in-stage: trapping on purpose while staging {}",
        ctx.version
    )
}
