//! What the test plugins in `tests/plugins/` share.
//!
//! Every test plugin behaves well in every lifecycle call but `stage`, where each misbehaves in
//! its own way. [`test_plugin!`] writes the [`Strategy`](sluice_sdk::Strategy) impl from the
//! well-behaved calls in [`lifecycle`] and the plugin's own `stage`, and exports it.
//!
//! Config (all keys optional, others ignored):
//! - `journal`: a guest path in a read-write grant; `prepare`, `stage`, `shift <percent>`,
//!   `finalize` and `rollback` each append their name there as one line, so tests can assert
//!   the order of the calls. `info`, `validate` and `plan` must not touch anything and don't.
//! - `endpoint`: what `gate-target`'s `stage` returns as the staged endpoint.
//! - `attack` and `args`: which attack a hostile plugin (`hostile-*`) makes in `stage`, and on
//!   what (paths, URLs).

pub mod lifecycle;
mod test_config;

pub use sluice_sdk;
pub use test_config::TestConfig;

/// Defines the unit struct `$plugin`, implements the strategy with the well-behaved calls of
/// [`lifecycle`] and `$stage` (a `fn(&Context, &TestConfig) -> Result<Staged, Error>`, called
/// after `stage` is journaled), and exports it.
#[macro_export]
macro_rules! test_plugin {
    ($plugin:ident, name = $name:literal, description = $description:literal, stage = $stage:path $(,)?) => {
        struct $plugin;

        impl $crate::sluice_sdk::Strategy for $plugin {
            fn info() -> $crate::sluice_sdk::PluginInfo {
                $crate::lifecycle::info($name, $description)
            }

            fn validate(config: String) -> Result<(), Vec<$crate::sluice_sdk::Diagnostic>> {
                $crate::lifecycle::validate(&config)
            }

            fn plan(
                ctx: $crate::sluice_sdk::Context,
                config: String,
                current: Option<String>,
            ) -> Result<Vec<$crate::sluice_sdk::Change>, $crate::sluice_sdk::Error> {
                $crate::lifecycle::plan(&ctx, &config, current)
            }

            fn prepare(
                _ctx: $crate::sluice_sdk::Context,
                config: String,
                current: Option<String>,
            ) -> Result<String, $crate::sluice_sdk::Error> {
                $crate::lifecycle::prepare(&config, current)
            }

            fn stage(
                ctx: $crate::sluice_sdk::Context,
                config: String,
                _current: Option<String>,
            ) -> Result<$crate::sluice_sdk::Staged, $crate::sluice_sdk::Error> {
                let config = $crate::TestConfig::load(&config)?;
                config.record("stage")?;
                $stage(&ctx, &config)
            }

            fn shift(
                _ctx: $crate::sluice_sdk::Context,
                config: String,
                _staged: String,
                percent: u8,
            ) -> Result<(), $crate::sluice_sdk::Error> {
                $crate::lifecycle::shift(&config, percent)
            }

            fn finalize(
                _ctx: $crate::sluice_sdk::Context,
                config: String,
                staged: String,
            ) -> Result<String, $crate::sluice_sdk::Error> {
                $crate::lifecycle::finalize(&config, staged)
            }

            fn rollback(
                _ctx: $crate::sluice_sdk::Context,
                config: String,
                staged: Option<String>,
                snapshot: Option<String>,
                current: Option<String>,
            ) -> Result<(), $crate::sluice_sdk::Error> {
                $crate::lifecycle::rollback(&config, staged, snapshot, current)
            }
        }

        $crate::sluice_sdk::export!($plugin);
    };
}
