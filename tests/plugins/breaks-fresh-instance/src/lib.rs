//! `breaks-fresh-instance`: `stage` keeps the version in memory and `finalize` returns it, so
//! `finalize` fails in a fresh instance, where that memory is empty.

use std::sync::Mutex;

use test_plugin_common::conforming::{Breaks, Conforming, Release};
use test_plugin_common::sluice_sdk::{Error, to_state};

/// What `stage` remembered, in this instance's memory only.
static STAGED: Mutex<Option<String>> = Mutex::new(None);

struct Remembers;

impl Breaks for Remembers {
    const NAME: &'static str = "breaks-fresh-instance";
    const DESCRIPTION: &'static str = "Test plugin: keeps state in memory between calls.";

    fn staged(version: &str) {
        if let Ok(mut staged) = STAGED.lock() {
            *staged = Some(version.to_owned());
        }
    }

    fn finalized(_release: &Release) -> Result<String, Error> {
        let remembered = STAGED.lock().ok().and_then(|staged| staged.clone());
        let version =
            remembered.ok_or_else(|| Error::Failed("stage left nothing in memory".into()))?;
        to_state(&Release { version })
    }
}

test_plugin_common::sluice_sdk::export!(Conforming<Remembers>);
