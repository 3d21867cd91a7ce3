//! `breaks-state-round-trip`: `finalize` returns `release <version>`, which the plugin itself
//! cannot read back as `current` (it expects JSON).

use test_plugin_common::conforming::{Breaks, Conforming, Release};
use test_plugin_common::sluice_sdk::Error;

struct PlainState;

impl Breaks for PlainState {
    const NAME: &'static str = "breaks-state-round-trip";
    const DESCRIPTION: &'static str = "Test plugin: finalize returns an unreadable state.";

    fn finalized(release: &Release) -> Result<String, Error> {
        Ok(format!("release {}", release.version))
    }
}

test_plugin_common::sluice_sdk::export!(Conforming<PlainState>);
