//! `memory-hog`: in `stage`, allocates and touches 1 MiB chunks until allocation fails.

use std::hint::black_box;
use test_plugin_common::TestConfig;
use test_plugin_common::sluice_sdk::{Context, Error, Staged};

const CHUNK: usize = 1 << 20;

test_plugin_common::test_plugin!(
    MemoryHog,
    name = "memory-hog",
    description = "Test plugin: allocates in stage until memory runs out.",
    stage = hog,
);

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
