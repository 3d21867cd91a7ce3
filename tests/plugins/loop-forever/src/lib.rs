//! `loop-forever`: spins in `stage` until the host's deadline interrupts it.

use std::hint::black_box;
use test_plugin_common::TestConfig;
use test_plugin_common::sluice_sdk::{Context, Error, Staged};

test_plugin_common::test_plugin!(
    LoopForever,
    name = "loop-forever",
    description = "Test plugin: never returns from stage.",
    stage = spin,
);

fn spin(_ctx: &Context, _config: &TestConfig) -> Result<Staged, Error> {
    let mut turns: u64 = 0;
    loop {
        turns = black_box(turns.wrapping_add(1));
    }
}
