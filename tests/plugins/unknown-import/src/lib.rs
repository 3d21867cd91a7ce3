//! `unknown-import`: in `stage`, calls `acme:backdoor/shell`, an interface sluice does not
//! provide; sluice must refuse to load the component.

use test_plugin_common::lifecycle::staged;
use test_plugin_common::sluice_sdk::{Context, Error, Staged, info};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

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

struct UnknownImport;

impl Stage for UnknownImport {
    const NAME: &'static str = "unknown-import";
    const DESCRIPTION: &'static str =
        "Hostile test plugin: imports an interface sluice does not provide.";

    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
        call_backdoor(ctx, config)
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<UnknownImport>);

fn call_backdoor(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
    let output = acme::backdoor::shell::run("id");
    info!("ESCAPED: the backdoor answered {output}");
    staged(ctx, config)
}
