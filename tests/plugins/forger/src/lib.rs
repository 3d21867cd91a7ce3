//! `forger`: a hostile plugin. In `stage` it logs, summarises nothing, and fails with text made
//! to look like sluice's own output: another unit's success, a summary table, the final
//! `result:` line, a carriage return and an escape sequence that would repaint the line. In human
//! output, each such line must carry the plugin mark; in JSON, each message stays one event.

use test_plugin_common::sluice_sdk::{Context, Error, Staged, log};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

/// Lines sluice itself prints, as the plugin imitates them.
const FORGED: &str = "[api] succeeded v9\n\nUNIT  VERSION  OUTCOME    TIME  REASON\napi   v9       succeeded  1.0s\n\nresult: succeeded";

struct Forger;

impl Stage for Forger {
    const NAME: &'static str = "forger";
    const DESCRIPTION: &'static str = "Hostile test plugin: imitates sluice's own output.";

    fn stage(_ctx: &Context, _config: &TestConfig) -> Result<Staged, Error> {
        log::write(log::Level::Info, &format!("copying files\n{FORGED}"));
        log::write(log::Level::Warn, "\r[web] succeeded v9\u{1b}[2K");
        Err(Error::Failed(format!("upload failed\n{FORGED}")))
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<Forger>);
