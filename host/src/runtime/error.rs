//! What can go wrong loading or running a plugin.

/// Errors from the runtime. Plugin-level failures (`error` results) are not errors here:
/// they are returned as values by [`super::LoadedPlugin`] calls.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// `builtin:NAME` names no plugin embedded in this sluice.
    #[error("no builtin plugin `{name}` (builtins: {available})")]
    UnknownBuiltin {
        /// The name asked for.
        name: String,
        /// The names there are.
        available: String,
    },
    /// The component file cannot be read.
    #[error("cannot read plugin `{path}`: {message}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The component's sha256 differs from the one the plan pins.
    #[error(
        "plugin `{plugin}`: sha256 mismatch: the plan pins {expected}, the file `{path}` has {actual}"
    )]
    DigestMismatch {
        /// The plugin's name.
        plugin: String,
        /// The file.
        path: String,
        /// Pinned.
        expected: String,
        /// Found.
        actual: String,
    },
    /// A plugin from a registry is not in the store of pulled plugins, or failed verification
    /// there.
    #[error("plugin `{plugin}` from {reference}: {why}")]
    Pulled {
        /// The plugin's name.
        plugin: String,
        /// Its reference.
        reference: String,
        /// What is wrong.
        why: String,
    },
    /// The bytes are not a valid component, or compiling them failed.
    #[error("plugin `{plugin}` is not a loadable component: {message}")]
    Compile {
        /// The plugin's name.
        plugin: String,
        /// Why.
        message: String,
    },
    /// The component imports a capability the plan does not grant.
    #[error(
        "plugin `{plugin}` imports `{import}`, which needs the `{capability}` grant; the plan grants it no {capability} (add it under [plugins.{plugin}.grants] if it should have it)"
    )]
    NotGranted {
        /// The plugin's name.
        plugin: String,
        /// The import, e.g. `sluice:deploy/http@0.1.0`.
        import: String,
        /// The missing grant, e.g. `http`.
        capability: String,
    },
    /// The component imports something sluice does not provide.
    #[error("plugin `{plugin}` imports `{import}`, which sluice does not provide: {why}")]
    Unsupported {
        /// The plugin's name.
        plugin: String,
        /// The import.
        import: String,
        /// What to do instead.
        why: String,
    },
    /// The component does not export the strategy interface, or linking failed.
    #[error("plugin `{plugin}` cannot be linked: {message}")]
    Link {
        /// The plugin's name.
        plugin: String,
        /// Why.
        message: String,
    },
    /// A call the plugin's world does not have: a strategy call of a gate plugin, or `check` of a
    /// strategy plugin.
    #[error("plugin `{plugin}` cannot answer `{call}`: it is {}, and `{call}` needs a {needed} plugin", exports.describe())]
    WrongWorld {
        /// The plugin's name.
        plugin: String,
        /// The call asked for.
        call: &'static str,
        /// The world the call needs.
        needed: super::World,
        /// The world the plugin targets.
        exports: super::World,
    },
    /// The engine or the cache could not be set up.
    #[error("wasm runtime: {0}")]
    Engine(String),
    /// The thread that enforces call deadlines cannot start.
    #[error("wasm runtime: cannot start the deadline ticker thread: {0}")]
    Ticker(std::io::Error),
    /// Setting up a capability failed.
    #[error(transparent)]
    Capability(#[from] crate::caps::CapError),
    /// The plugin trapped, ran past its deadline or its memory cap.
    #[error("plugin `{plugin}` {call}: {message}")]
    Trap {
        /// The plugin's name.
        plugin: String,
        /// The lifecycle call.
        call: &'static str,
        /// What happened, including the tail of its stderr when it printed something.
        message: String,
    },
}

impl RuntimeError {
    /// Whether the plan can fix it (a plugin's source, digest, grants or granted directories),
    /// rather than the plugin misbehaving at run time or the machine failing.
    pub fn is_invalid_input(&self) -> bool {
        match self {
            RuntimeError::UnknownBuiltin { .. }
            | RuntimeError::Read { .. }
            | RuntimeError::DigestMismatch { .. }
            | RuntimeError::Pulled { .. }
            | RuntimeError::Compile { .. }
            | RuntimeError::NotGranted { .. }
            | RuntimeError::Unsupported { .. }
            | RuntimeError::Link { .. }
            | RuntimeError::WrongWorld { .. }
            | RuntimeError::Capability(_) => true,
            RuntimeError::Engine(_) | RuntimeError::Ticker(_) | RuntimeError::Trap { .. } => false,
        }
    }
}
