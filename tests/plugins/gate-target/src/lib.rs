//! `gate-target`: a well-behaved plugin for testing gates and rollback. `stage` reports the
//! config's `endpoint` as the staged endpoint; every call with an effect is journaled.

use test_plugin_common::lifecycle::staged;

test_plugin_common::test_plugin!(
    GateTarget,
    name = "gate-target",
    description = "Test plugin: stages nothing, reports the configured endpoint.",
    stage = staged,
);
