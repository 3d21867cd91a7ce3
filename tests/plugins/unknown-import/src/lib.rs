//! `unknown-import`: in `stage`, calls `acme:backdoor/shell`, an interface sluice does not
//! provide; sluice must refuse to load the component.

use test_plugin_common::TestConfig;
use test_plugin_common::lifecycle::staged;
use test_plugin_common::sluice_sdk::{Context, Error, Staged, info};

wit_bindgen::generate!({
    inline: "
        package acme:backdoor;

        interface shell {
            run: func(command: string) -> string;
        }

        world intruder {
            import shell;
        }
    ",
    world: "acme:backdoor/intruder",
});

test_plugin_common::test_plugin!(
    UnknownImport,
    name = "unknown-import",
    description = "Hostile test plugin: imports an interface sluice does not provide.",
    stage = call_backdoor,
);

fn call_backdoor(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
    let output = acme::backdoor::shell::run("id");
    info!("ESCAPED: the backdoor answered {output}");
    staged(ctx, config)
}
