//! `loop-forever`: spins in `stage` until the host's deadline interrupts it.

use std::hint::black_box;
use test_plugin_common::sluice_sdk::{Context, Error, Staged};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

struct LoopForever;

impl Stage for LoopForever {
    const NAME: &'static str = "loop-forever";
    const DESCRIPTION: &'static str = "Test plugin: never returns from stage.";

    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
        spin(ctx, config)
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<LoopForever>);

fn spin(_ctx: &Context, _config: &TestConfig) -> Result<Staged, Error> {
    let mut turns: u64 = 0;
    loop {
        turns = black_box(turns.wrapping_add(1));
    }
}
