//! The contract, as Rust: bindings generated from `wit/` (package `sluice:deploy`).
//!
//! # Versioning
//!
//! The WIT package follows semver, and a release only ever *adds* to it within one compatible
//! series (`0.1.x`): a new interface, a new function in an interface, each marked
//! `@since(version = ...)`. Existing records, variants, resources and functions never change.
//! Changing one is a breaking change and starts a new series (`0.2.0`).
//!
//! Each release is kept as an immutable copy: `wit/since_v0.1.0/` to `wit/since_v0.1.4/` hold
//! the WIT exactly as released (`tests/all/wit_versions.rs` records a sha256 per file and fails
//! if one changes), while the `.wit` files directly in `wit/` are the current contract, the one
//! these bindings come from. Today it is 0.1.4 as released, byte for byte (the same test file
//! checks it); the next addition raises its package to 0.1.5 and marks what it adds
//! `@since(version = 0.1.5)`, and that release copies `wit/` into a new `since_v0.1.5/`. The SDK
//! vendors the current contract in `plugins/sdk/wit/`, kept equal by the same test file.
//!
//! The host generates bindings for the newest version of each series it supports, and only
//! that one: wasmtime's component linker is semver-aware, so a plugin built against an older
//! release of the same series (importing `sluice:deploy/log@0.1.0`, exporting
//! `sluice:deploy/strategy@0.1.0`) links against the current definitions: its imports are
//! satisfied by the compatible newer interfaces and its export is found under the compatible
//! name. It simply does not import what it did not know about (an old plugin never calls
//! `plan-notes` or `http.send-all`). A fixture per frozen release (`tests/plugins/wit-v0-1-*`,
//! built against its `since_v*` directory) imports every interface of that release's `plugin`
//! world, and `tests/all/wit_versions.rs` deploys it and checks every import answers; since the
//! `gate-plugin` world (0.1.2) a second fixture per release (`wit-v0-1-2-gate`) exports `gate`,
//! imports everything that world allows and runs as a unit's gate, and since the `hook-plugin`
//! world (0.1.3) a third (`wit-v0-1-3-hook`) exports `hook` and runs as a hook; 0.1.4's strategy
//! fixture (`wit-v0-1-4`) adds the `services` interface and `containers.image-pull` to every
//! import of its `plugin` world. `tests/all/plugin_loading.rs` also deploys a component built by
//! the toolchain of the 0.1.0 days.
//!
//! A breaking series would get a module of its own beside [`v0_1`], and the runtime would
//! pick the bindings matching what a plugin exports.

/// Bindings for the `sluice:deploy@0.1.x` series, generated from the current contract, `0.1.4`.
/// Every import but `secrets.get` opens a trace span naming its interface and function
/// (`tracing`): how [`crate::caps::calls`] records a plugin's host calls.
pub mod v0_1 {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "sluice:deploy/plugin",
        imports: {
            default: async | trappable | tracing,
            // Its trace would show the secret's value.
            "sluice:deploy/secrets.get": async | trappable,
        },
        exports: { default: async },
        with: { "sluice:deploy/sql.database": crate::caps::sql::DatabaseHandle },
    });
}

/// Bindings for a world of the same series that only adds an export (`$world`, exporting one
/// interface): its imports are the strategy world's interfaces (the same capabilities, linked by
/// the same linker), so only the export is generated here.
macro_rules! export_world_v0_1 {
    ($world:literal) => {
        wasmtime::component::bindgen!({
            path: "../wit",
            world: $world,
            exports: { default: async },
            with: {
                "sluice:deploy/types": super::v0_1::sluice::deploy::types,
                "sluice:deploy/log": super::v0_1::sluice::deploy::log,
                "sluice:deploy/secrets": super::v0_1::sluice::deploy::secrets,
                "sluice:deploy/http": super::v0_1::sluice::deploy::http,
            },
        });
    };
}

/// Bindings for the `gate-plugin` world of the same series (since 0.1.2): its export, the `gate`
/// interface.
pub mod gate_v0_1 {
    export_world_v0_1!("sluice:deploy/gate-plugin");
}

/// Bindings for the `hook-plugin` world of the same series (since 0.1.3): its export, the `hook`
/// interface.
pub mod hook_v0_1 {
    export_world_v0_1!("sluice:deploy/hook-plugin");
}

pub use gate_v0_1::exports::sluice::deploy::gate;
pub use gate_v0_1::{GatePlugin, GatePluginPre};
pub use hook_v0_1::exports::sluice::deploy::hook;
pub use hook_v0_1::{HookPlugin, HookPluginPre};
pub use v0_1::sluice::deploy::*;
pub use v0_1::{Plugin, PluginPre};

/// A plugin's `error` as reasons show it: its kind (but `failed`'s) before its message.
pub fn error_text(error: &types::Error) -> String {
    match error {
        types::Error::InvalidConfig(m) => format!("invalid config: {m}"),
        types::Error::Denied(m) => format!("denied: {m}"),
        types::Error::Unavailable(m) => format!("unavailable: {m}"),
        types::Error::Failed(m) => m.clone(),
    }
}
