//! `breaks-info-schema`: `info` returns a config schema whose `type` is no JSON Schema type.

use test_plugin_common::conforming::{Breaks, Conforming};

struct InvalidSchema;

impl Breaks for InvalidSchema {
    const NAME: &'static str = "breaks-info-schema";
    const DESCRIPTION: &'static str = "Test plugin: publishes an invalid config schema.";

    fn config_schema() -> String {
        r#"{ "type": "objekt" }"#.into()
    }
}

test_plugin_common::sluice_sdk::export!(Conforming<InvalidSchema>);
