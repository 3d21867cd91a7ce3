//! `memory-hog`: in `stage`, allocates and touches 1 MiB chunks until allocation fails.

use std::hint::black_box;
use test_plugin_common::sluice_sdk::{Context, Error, Staged};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

const CHUNK: usize = 1 << 20;

struct MemoryHog;

impl Stage for MemoryHog {
    const NAME: &'static str = "memory-hog";
    const DESCRIPTION: &'static str = "Test plugin: allocates in stage until memory runs out.";

    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
        hog(ctx, config)
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<MemoryHog>);

fn hog(_ctx: &Context, _config: &TestConfig) -> Result<Staged, Error> {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut chunk = Vec::new();
        if chunks.try_reserve(1).is_err() || chunk.try_reserve_exact(CHUNK).is_err() {
            break;
        }
        chunk.resize(CHUNK, 0xA5);
        chunks.push(black_box(chunk));
    }
    Err(Error::Failed(format!(
        "memory-hog: allocation failed after {} MiB",
        chunks.len()
    )))
}
