//! What a capability is, in two traits: [`Capability`] says what it provides and how the plan
//! grants it (for loading, `plugins audit` and `plugins inspect`); [`Provide`] makes its state
//! for one lifecycle call and links its WIT interfaces. Each capability module implements both
//! on a unit struct, and [`super::registry`] lists them.

use wasmtime::component::Linker;
use wasmtime_wasi::WasiView;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi_http::WasiHttpView;

use super::{CapError, Provision};
use crate::plan::model::Grants;

/// How a plan gives a capability to a plugin.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// Every plugin has it; the plan neither grants nor withholds it.
    Always,
    /// Every plugin may import it; the plan's `key` grant decides what it reaches (`files`: no
    /// directory unless granted).
    Scoped {
        /// The grant's key in `[plugins.NAME.grants]`.
        key: &'static str,
    },
    /// Every plugin may import it, and every call fails: what toolchains import whether a plugin
    /// uses it or not (`wasi:sockets`).
    Inert,
    /// A plugin that imports it loads only when the plan has the `key` grant.
    Granted {
        /// The grant's key in `[plugins.NAME.grants]`.
        key: &'static str,
        /// Whether a plugin's grants include it.
        by: fn(&Grants) -> bool,
    },
}

impl Access {
    /// Whether a plugin with `grants` that imports the capability may load.
    pub fn allows(self, grants: &Grants) -> bool {
        match self {
            Access::Always | Access::Scoped { .. } | Access::Inert => true,
            Access::Granted { by, .. } => by(grants),
        }
    }
}

/// How the sample plan of a new plugin project (`sluice plugins new`) grants a capability: what
/// makes a plugin importing it load, reaching nothing real until its author edits it.
#[derive(Debug, Clone, Copy)]
pub struct SampleGrant {
    /// The line under `[plugins.NAME.grants]`: `http = []`.
    pub grant: &'static str,
    /// The top-level tables the grant names (`[secrets.api_token]`), or nothing.
    pub declarations: &'static str,
}

/// What a capability provides and how the plan grants it.
pub trait Capability: Sync {
    /// Its name in audits: `http`, `files`.
    fn name(&self) -> &'static str;

    /// The interfaces it provides, without version (`sluice:deploy/http`), or an interface
    /// prefix ending in `/` (`wasi:filesystem/`).
    fn interfaces(&self) -> &'static [&'static str];

    /// How the plan gives it.
    fn access(&self) -> Access;

    /// What `grants` give it, one line each, for people (`plugins audit`); nothing for a
    /// capability every plugin has.
    fn describe(&self, _grants: &Grants) -> Vec<String> {
        Vec::new()
    }

    /// What a reviewer should look at in `grants`: wildcards, writable directories, origins that
    /// reach this machine.
    fn warnings(&self, _grants: &Grants) -> Vec<String> {
        Vec::new()
    }

    /// How a new project's sample plan grants it; none for a capability every plugin has.
    fn sample_grant(&self) -> Option<SampleGrant> {
        None
    }

    /// Whether `interface` (unversioned: `sluice:deploy/http`) is one of its.
    fn provides(&self, interface: &str) -> bool {
        self.interfaces()
            .iter()
            .any(|pattern| interface_matches(interface, pattern))
    }
}

/// Whether `interface` (unversioned) is `pattern`, or under it when `pattern` ends in `/`.
pub fn interface_matches(interface: &str, pattern: &str) -> bool {
    if pattern.ends_with('/') {
        interface.starts_with(pattern)
    } else {
        interface == pattern
    }
}

/// What one lifecycle call's capabilities are made from.
pub struct CallSetup<'a> {
    /// What the plugin may reach.
    pub provision: &'a Provision,
    /// Where the plugin's stdout and stderr go.
    pub output: &'a MemoryOutputPipe,
}

/// What a plugin's store shows the capabilities that wasmtime links for them: WASI's context and
/// resource table (`files`), and wasi:http's view of that same table (`http`).
pub trait StoreView: WasiView + WasiHttpView {}

impl<T: WasiView + WasiHttpView> StoreView for T {}

/// How a capability is provided to one call.
pub trait Provide: Capability {
    /// Its state for one lifecycle call.
    type State: Send + 'static;

    /// Fresh state for one call.
    fn state(&self, call: &CallSetup<'_>) -> Result<Self::State, CapError>;

    /// Adds its interfaces to `linker`, answered by the state `get` finds in the store. Whether
    /// a plugin may really use them was checked against its grants before linking.
    fn add_to_linker<T: StoreView + 'static>(
        linker: &mut Linker<T>,
        get: fn(&mut T) -> &mut Self::State,
    ) -> wasmtime::Result<()>;
}
