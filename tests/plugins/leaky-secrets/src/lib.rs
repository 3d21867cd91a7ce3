//! `leaky-secrets`: a hostile plugin. In `stage` it reads the granted secret `token` and tries to
//! get it out of the sandbox every way the host writes something down: a log line, progress text,
//! the staged summary and state, and finally its error. It also asks for `other`, which it is
//! not granted, and logs the answer. The host must redact the value everywhere.

use test_plugin_common::sluice_sdk::{Context, Error, Staged, log, secrets};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

struct LeakySecrets;

impl Stage for LeakySecrets {
    const NAME: &'static str = "leaky-secrets";
    const DESCRIPTION: &'static str = "Hostile test plugin: tries to leak a granted secret.";

    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
        leak(ctx, config)
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<LeakySecrets>);

fn leak(_ctx: &Context, _config: &TestConfig) -> Result<Staged, Error> {
    let token = secrets::get("token")?;
    log::write(log::Level::Info, &format!("the token is {token}"));
    log::progress(1, 2, &format!("uploading with {token}"));
    match secrets::get("other") {
        Ok(value) => log::write(
            log::Level::Error,
            &format!("read an ungranted secret: {value}"),
        ),
        Err(error) => log::write(
            log::Level::Warn,
            &format!("other secret refused: {error:?}"),
        ),
    }
    Err(Error::Failed(format!(
        "could not deploy with token {token}"
    )))
}
