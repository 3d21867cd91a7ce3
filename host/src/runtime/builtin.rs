//! The standard plugins, embedded in the sluice binary at build time (see `host/build.rs`),
//! so an installed sluice is self-contained: `source = "builtin:NAME"`.

include!(concat!(env!("OUT_DIR"), "/builtins.rs"));

/// The embedded component named `name`.
pub(super) fn builtin(name: &str) -> Option<&'static [u8]> {
    BUILTINS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, bytes)| *bytes)
}

/// The names of all embedded plugins.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTINS.iter().map(|(n, _)| *n).collect()
}
