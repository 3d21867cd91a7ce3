//! `trap-in-hook`: a hook plugin whose `notify` panics, a wasm trap: the hook fails, and the
//! deployment must end as it would have without it (`tests/all/hooks.rs`).

use serde::Deserialize;
use sluice_sdk::{Error, Hook, HookEvent, PluginInfo, UnitConfig};

/// No settings.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {}

impl UnitConfig for Config {}

struct TrapInHook;

impl Hook for TrapInHook {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "trap-in-hook".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Test plugin: traps when told of an event".into(),
            config_schema: r#"{"type": "object"}"#.into(),
            features: Vec::new(),
        }
    }

    fn notify(event: &HookEvent, _config: &Config) -> Result<(), Error> {
        panic!("trap-in-hook: told of {}", event.kind.as_str());
    }
}

sluice_sdk::export_hook!(TrapInHook);
