//! `ungranted-http`: calls the `http` capability in `stage`, so the component imports
//! `sluice:deploy/http`; a plan that does not grant `http` must refuse to load it.

use test_plugin_common::TestConfig;
use test_plugin_common::sluice_sdk::http::{Method, Request, send};
use test_plugin_common::sluice_sdk::{Context, Error, Staged};

const DEFAULT_URL: &str = "http://127.0.0.1:9/";

test_plugin_common::test_plugin!(
    UngrantedHttp,
    name = "ungranted-http",
    description = "Test plugin: sends an HTTP request in stage.",
    stage = call_out,
);

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
