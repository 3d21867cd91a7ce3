//! The Rust SDK for sluice strategy, gate and hook plugins.
//!
//! A strategy plugin is a `cdylib` built for `wasm32-wasip2` that implements [`Strategy`] and
//! exports it with [`export!`]; a gate plugin implements [`Gate`] and exports it with
//! [`export_gate!`]; a hook plugin implements [`Hook`] and exports it with [`export_hook!`]. The SDK parses the unit's config into the strategy's own
//! [`Strategy::Config`] type once before each call, and gives defaults for the calls most
//! strategies do not need. The WIT it builds against is vendored in the crate (`wit/`, the
//! host's contract, kept equal by a host test), so the crate can be used from any repository;
//! the generated bindings stay reachable in [`raw`]. Besides, a few helpers keep plugins short:
//!
//! - [`parse_config`] turns the unit's config JSON into a serde type, failing with
//!   [`Error::InvalidConfig`];
//! - [`to_state`] and [`parse_state`] write and read the opaque state strings the host keeps,
//!   and [`restore_target`] picks what `rollback` restores from `current` or the snapshot;
//! - [`OrFailed::or_failed`] turns any displayable error into [`Error::Failed`] with context,
//!   [`Error::context`] adds context to a contract error keeping its kind, and
//!   [`Error::message`] reads the text of an error without its kind;
//! - `http::Request::new(..).with_json(..)?.send()` and `Response::json` drive JSON APIs
//!   through the `http` capability;
//! - [`choose_engine`] picks the granted Docker engine a unit's `engine` key names (or the
//!   first granted);
//! - [`read_entries`] lists a granted directory (UTF-8 names, symlinks marked) for tree walks;
//! - [`aws::Signer`] signs requests to AWS APIs (Signature Version 4);
//! - [`info!`], [`warn!`], [`debug!`], [`trace!`] and [`error!`] format and log a message.
//!
//! See `docs/writing-a-plugin.md` for a walk-through.

pub mod aws;
mod dir;
mod engines;
mod failure;
mod gate;
mod hook;
mod json;
mod logging;
mod rest;
mod strategy;
mod unit_config;

/// The bindings generated from the WIT this crate carries (`wit/`, the same contract as the
/// host's): the escape hatch for what [`Strategy`] does not cover. `raw::Guest` is the untyped
/// lifecycle (config and states as strings, every function mandatory); a type implementing it is
/// exported with `sluice_sdk::export!(raw Type)`.
pub mod raw {
    wit_bindgen::generate!({
        path: "wit",
        world: "sluice:deploy/plugin",
        pub_export_macro: true,
        export_macro_name: "export_strategy",
        default_bindings_module: "sluice_sdk::raw",
        generate_all,
    });

    pub use self::exports::sluice::deploy::strategy::Guest;
}

/// The bindings of the `gate-plugin` world: its export, the untyped `gate` interface
/// (`raw_gate::Guest`, exported with `sluice_sdk::export_gate!(raw Type)`). Its imports are the
/// ones of [`raw`].
pub mod raw_gate {
    wit_bindgen::generate!({
        path: "wit",
        world: "sluice:deploy/gate-plugin",
        pub_export_macro: true,
        export_macro_name: "export_gate_world",
        default_bindings_module: "sluice_sdk::raw_gate",
        with: {
            "sluice:deploy/types@0.1.4": crate::raw::sluice::deploy::types,
            "sluice:deploy/log@0.1.4": crate::raw::sluice::deploy::log,
            "sluice:deploy/secrets@0.1.4": crate::raw::sluice::deploy::secrets,
            "sluice:deploy/http@0.1.4": crate::raw::sluice::deploy::http,
        },
    });

    pub use self::exports::sluice::deploy::gate::Guest;
}

/// The bindings of the `hook-plugin` world (since 0.1.3): its export, the untyped `hook`
/// interface (`raw_hook::Guest`, exported with `sluice_sdk::export_hook!(raw Type)`). Its imports
/// are the ones of [`raw`].
pub mod raw_hook {
    wit_bindgen::generate!({
        path: "wit",
        world: "sluice:deploy/hook-plugin",
        pub_export_macro: true,
        export_macro_name: "export_hook_world",
        default_bindings_module: "sluice_sdk::raw_hook",
        with: {
            "sluice:deploy/types@0.1.4": crate::raw::sluice::deploy::types,
            "sluice:deploy/log@0.1.4": crate::raw::sluice::deploy::log,
            "sluice:deploy/secrets@0.1.4": crate::raw::sluice::deploy::secrets,
            "sluice:deploy/http@0.1.4": crate::raw::sluice::deploy::http,
        },
    });

    pub use self::exports::sluice::deploy::hook::Guest;
}

pub use dir::{DirEntry, read_entries};
pub use engines::choose_engine;
pub use failure::OrFailed;
pub use gate::{ExportedGate, Gate};
pub use hook::{ExportedHook, Hook};
pub use json::{parse_config, parse_state, restore_target, to_state};
pub use raw::sluice::deploy::types::{
    Change, ChangeAction, Context, Diagnostic, Error, Feature, PluginInfo, Staged,
};
pub use raw::sluice::deploy::{containers, haproxy, http, log, plan_notes, secrets, services, sql};
pub use raw_gate::exports::sluice::deploy::gate::{GateContext, GateOutcome, Verdict};
pub use raw_hook::exports::sluice::deploy::hook::{EventKind, HookEvent};
pub use rest::encode_component;
pub use strategy::{Exported, Strategy};
pub use unit_config::UnitConfig;

/// Exports a strategy as this component's `strategy`: `export!(Plugin)` for a type implementing
/// [`Strategy`] (any type, e.g. `export!(Generic<Plugin>)`), `export!(raw Plugin)` for one
/// implementing the untyped [`raw::Guest`]. Use it once per component.
#[macro_export]
macro_rules! export {
    (raw $plugin:ty) => {
        const _: () = {
            type Exported = $plugin;
            $crate::raw::export_strategy!(Exported with_types_in $crate::raw);
        };
    };
    ($plugin:ty) => {
        $crate::export!(raw $crate::Exported<$plugin>);
    };
}

/// Exports a gate as this component's `gate`: `export_gate!(Plugin)` for a type implementing
/// [`Gate`], `export_gate!(raw Plugin)` for one implementing the untyped [`raw_gate::Guest`]. Use
/// it once per component, instead of [`export!`].
#[macro_export]
macro_rules! export_gate {
    (raw $plugin:ty) => {
        const _: () = {
            type Exported = $plugin;
            $crate::raw_gate::export_gate_world!(Exported with_types_in $crate::raw_gate);
        };
    };
    ($plugin:ty) => {
        $crate::export_gate!(raw $crate::ExportedGate<$plugin>);
    };
}

/// Exports a hook as this component's `hook`: `export_hook!(Plugin)` for a type implementing
/// [`Hook`], `export_hook!(raw Plugin)` for one implementing the untyped [`raw_hook::Guest`]. Use
/// it once per component, instead of [`export!`].
#[macro_export]
macro_rules! export_hook {
    (raw $plugin:ty) => {
        const _: () = {
            type Exported = $plugin;
            $crate::raw_hook::export_hook_world!(Exported with_types_in $crate::raw_hook);
        };
    };
    ($plugin:ty) => {
        $crate::export_hook!(raw $crate::ExportedHook<$plugin>);
    };
}

impl Change {
    /// A plan line: `action` on `resource`, with a short human-readable `detail`.
    pub fn new(
        action: ChangeAction,
        resource: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            action,
            resource: resource.into(),
            detail: detail.into(),
        }
    }
}

impl Error {
    /// The message inside the error, without its kind (`Display` shows both).
    pub fn message(&self) -> &str {
        match self {
            Error::InvalidConfig(message)
            | Error::Denied(message)
            | Error::Unavailable(message)
            | Error::Failed(message) => message,
        }
    }

    /// The same kind of error, its message prefixed with `what` was being done:
    /// `"{what}: {message}"`. (A lost connection stays `unavailable`, a refusal `denied`.)
    pub fn context(self, what: impl std::fmt::Display) -> Error {
        let wrap = |message: String| format!("{what}: {message}");
        match self {
            Error::InvalidConfig(message) => Error::InvalidConfig(wrap(message)),
            Error::Denied(message) => Error::Denied(wrap(message)),
            Error::Unavailable(message) => Error::Unavailable(wrap(message)),
            Error::Failed(message) => Error::Failed(wrap(message)),
        }
    }
}

impl Diagnostic {
    /// A problem at `path` (dotted, empty for the whole config), saying what was expected.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}
