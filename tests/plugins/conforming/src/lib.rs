//! `conforming`: keeps every rule `sluice plugins test` checks (the control the `breaks-*`
//! plugins differ from in one hook each).

use test_plugin_common::conforming::{Breaks, Conforming};

struct Keeps;

impl Breaks for Keeps {
    const NAME: &'static str = "conforming";
    const DESCRIPTION: &'static str = "Test plugin: keeps every contract rule.";
}

test_plugin_common::sluice_sdk::export!(Conforming<Keeps>);
