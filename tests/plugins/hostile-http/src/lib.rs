//! `hostile-http`: in `stage`, sends a request its grant may not allow. `attack` (with `args`):
//!
//! - `get URL`: a GET that follows redirects; logs what answered and succeeds, or fails with the
//!   host's error as it is;
//! - `aliased-headers URL`: a request whose headers are 64 strings of 16 MiB that all point at
//!   the same 16 MiB of memory (1 GiB for the host to copy, from a plugin that holds 16 MiB).

use std::mem::ManuallyDrop;

use test_plugin_common::lifecycle::staged;
use test_plugin_common::sluice_sdk::http::{Method, Request, send};
use test_plugin_common::sluice_sdk::{Context, Error, Staged, info};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

const ALIASED_BYTES: usize = 16 << 20;
const ALIASED_HEADERS: usize = 64;
const WASM_PAGE: usize = 64 << 10;

struct HostileHttp;

impl Stage for HostileHttp {
    const NAME: &'static str = "hostile-http";
    const DESCRIPTION: &'static str =
        "Hostile test plugin: tries to reach what its grant does not allow.";

    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
        attack(ctx, config)
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<HostileHttp>);

fn attack(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
    let url = config.arg(0)?;
    let headers = match config.attack.as_deref() {
        Some("get") => Vec::new(),
        Some("aliased-headers") => aliased_headers(),
        other => return Err(Error::InvalidConfig(format!("unknown attack {other:?}"))),
    };
    let request = ManuallyDrop::new(Request {
        method: Method::Get,
        url: url.to_owned(),
        headers,
        body: None,
        timeout_ms: Some(10_000),
        follow_redirects: true,
    });
    let response = send(&request)?;
    info!(
        "got {} from {}: {}",
        response.status,
        response.final_url,
        String::from_utf8_lossy(&response.body)
    );
    staged(ctx, config)
}

/// Header names and values that all share one zeroed region fresh from `memory.grow` (zero
/// bytes are valid UTF-8). The request is never dropped, so the aliases are never freed.
fn aliased_headers() -> Vec<(String, String)> {
    let pages = ALIASED_BYTES / WASM_PAGE;
    let first_page = core::arch::wasm32::memory_grow(0, pages);
    assert_ne!(first_page, usize::MAX, "memory.grow failed");
    let base = (first_page * WASM_PAGE) as *mut u8;
    let alias = || {
        // SAFETY: `base..base + ALIASED_BYTES` is memory this instance just grew, all zero (valid
        // UTF-8); the strings alias it on purpose and are never freed (the request is leaked).
        unsafe { String::from_raw_parts(base, ALIASED_BYTES, ALIASED_BYTES) }
    };
    (0..ALIASED_HEADERS / 2)
        .map(|_| (alias(), alias()))
        .collect()
}
