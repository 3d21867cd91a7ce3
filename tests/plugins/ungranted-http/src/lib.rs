//! `ungranted-http`: calls the `http` capability in `stage`, so the component imports
//! `sluice:deploy/http`; a plan that does not grant `http` must refuse to load it.

use test_plugin_common::sluice_sdk::http::{Method, Request, send};
use test_plugin_common::sluice_sdk::{Context, Error, Staged};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

const DEFAULT_URL: &str = "http://127.0.0.1:9/";

struct UngrantedHttp;

impl Stage for UngrantedHttp {
    const NAME: &'static str = "ungranted-http";
    const DESCRIPTION: &'static str = "Test plugin: sends an HTTP request in stage.";

    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
        call_out(ctx, config)
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<UngrantedHttp>);

fn call_out(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
    let url = config.endpoint.as_deref().unwrap_or(DEFAULT_URL);
    let response = send(&Request {
        method: Method::Get,
        url: url.to_owned(),
        headers: Vec::new(),
        body: None,
        timeout_ms: Some(1_000),
        follow_redirects: false,
    })?;
    let mut staged = test_plugin_common::lifecycle::staged(ctx, config)?;
    staged.summary = format!("{url} answered {}", response.status);
    Ok(staged)
}
