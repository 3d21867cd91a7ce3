//! `hostile-limits`: in `stage`, tries to make the host spend without bound. `attack` (with
//! `args`):
//!
//! - `huge-string`: passes a 1 GiB string to `log.write` (the plan must raise the memory limit
//!   to let the plugin hold it; the memory is grown but never touched);
//! - `hoard-files PATH`: opens `PATH` 100,000 times and keeps every handle;
//! - `log-flood`: logs 4 MiB in 8 KiB messages and one 1 MiB message, then succeeds.
//!
//! When the host stops it, `stage` never returns; when an attack runs to its end, `stage` logs
//! `ESCAPED` and succeeds.

use std::fs::File;

use test_plugin_common::lifecycle::staged;
use test_plugin_common::sluice_sdk::{Context, Error, Staged, info, log};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

const HUGE: usize = 1 << 30;
const WASM_PAGE: usize = 64 << 10;
const HOARD: usize = 100_000;
const FLOOD_MESSAGE: usize = 8 << 10;
const FLOOD_MESSAGES: usize = 512;

struct HostileLimits;

impl Stage for HostileLimits {
    const NAME: &'static str = "hostile-limits";
    const DESCRIPTION: &'static str =
        "Hostile test plugin: tries to make the host spend without bound.";

    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
        attack(ctx, config)
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<HostileLimits>);

fn attack(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
    match config.attack.as_deref() {
        Some("huge-string") => huge_string(),
        Some("hoard-files") => hoard_files(config.arg(0)?)?,
        Some("log-flood") => log_flood(),
        other => return Err(Error::InvalidConfig(format!("unknown attack {other:?}"))),
    }
    staged(ctx, config)
}

fn huge_string() {
    let first_page = core::arch::wasm32::memory_grow(0, HUGE / WASM_PAGE);
    assert_ne!(
        first_page,
        usize::MAX,
        "memory.grow failed: raise the memory limit"
    );
    // SAFETY: the range is memory this instance just grew, all zero bytes (valid UTF-8).
    let text = unsafe {
        let bytes = core::slice::from_raw_parts((first_page * WASM_PAGE) as *const u8, HUGE);
        core::str::from_utf8_unchecked(bytes)
    };
    log::write(log::Level::Info, text);
    info!("ESCAPED: the host took a 1 GiB string");
}

fn hoard_files(path: &str) -> Result<(), Error> {
    let mut open = Vec::new();
    for _ in 0..HOARD {
        match File::open(path) {
            Ok(file) => open.push(file),
            Err(e) => {
                return Err(Error::Failed(format!(
                    "files: opening {path} again after {} was refused: {e}",
                    open.len()
                )));
            }
        }
    }
    info!("ESCAPED: holding {} open files", open.len());
    Ok(())
}

fn log_flood() {
    let line = "f".repeat(FLOOD_MESSAGE);
    for _ in 0..FLOOD_MESSAGES {
        log::write(log::Level::Info, &line);
    }
    log::write(log::Level::Info, &"g".repeat(1 << 20));
}
