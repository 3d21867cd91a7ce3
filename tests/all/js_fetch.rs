//! `fetch()` in a JavaScript plugin (built with `--fetch`, so it imports
//! `wasi:http/outgoing-handler`) goes through the same `http` capability as `sluice:deploy/http`:
//! a granted origin answers; an ungranted origin, a granted name that resolves to loopback, and a
//! granted origin redirecting to the metadata address are denied with the text
//! `sluice:deploy/http` gives for the same request (the hostile HTTP cases of `hostile_http`),
//! written to the log by the host since the plugin sees only an error code, and the service it
//! must not reach never sees a request. The example `examples/plugins/release-api-js` drives a
//! local deploy API with `fetch()` through a whole deployment history.

use std::net::{IpAddr, Ipv4Addr};

use crate::support::hosts::{HostsName, loopback_name_denial};
use crate::support::js::{
    Build, capabilities_project, example_component, http_grant, plugin_project, test_component,
};
use crate::support::project::{ENV, Project};
use crate::support::release_api::ReleaseApi;
use crate::support::scripted::ScriptedServer;
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

const APPLY: &[&str] = &["apply", "--env", ENV, "--version", "v1"];

/// Applies v1 of the unit `probe` with the `fetch` test plugin GETting `url`, granted `origins`.
fn fetch(url: &str, origins: &[String]) -> Run {
    let wasm = test_component("fetch", Build::Fetch);
    let config = format!("url = {url:?}");
    plugin_project(&wasm, "", &http_grant(origins), &config).sluice(APPLY)
}

/// The same GET through `sluice:deploy/http` (the `capabilities` test plugin's `http` probe).
fn sluice_http(url: &str, origins: &[String]) -> Run {
    capabilities_project("http", url, origins).sluice(APPLY)
}

/// Asserts a GET of `url` granted `origins` is denied with `message` through `fetch()` (which
/// threw, and the host logged the text) and through `sluice:deploy/http` alike.
fn assert_denied_alike(url: &str, origins: &[String], message: &str) {
    let by_fetch = fetch(url, origins);
    let text = by_fetch.all();
    assert_eq!(by_fetch.code, EXIT_ROLLED_BACK, "{text}");
    assert!(text.contains(&format!("fetch {url} threw")), "{text}");
    assert!(
        text.contains(&format!("denied: {message}")),
        "fetch(): {text}"
    );
    let by_sluice_http = sluice_http(url, origins);
    let text = by_sluice_http.all();
    assert_eq!(by_sluice_http.code, EXIT_ROLLED_BACK, "{text}");
    assert!(text.contains(message), "sluice:deploy/http: {text}");
}

#[test]
fn fetch_to_a_granted_origin_answers_with_the_status_and_the_body() {
    let service = ScriptedServer::ok("hello from the service");
    let url = format!("{}/status", service.origin());
    let run = fetch(&url, &[service.origin()]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert!(
        run.all().contains(&format!(
            "fetch: HTTP 200 from {url}: hello from the service"
        )),
        "{}",
        run.all()
    );
    assert_eq!(service.requests(), 1);
}

#[test]
fn fetch_to_an_ungranted_origin_is_denied_as_sluice_http_denies_it_and_never_sent() {
    let service = ScriptedServer::ok("granted service");
    let elsewhere = ScriptedServer::ok("never reached");
    assert_denied_alike(
        &format!("{}/exfiltrate", elsewhere.origin()),
        &[service.origin()],
        &format!(
            "http: origin {} is not granted to plugin `caps` (granted: {})",
            elsewhere.origin(),
            service.origin()
        ),
    );
    assert_eq!(elsewhere.requests(), 0);
    assert_eq!(service.requests(), 0);
}

#[test]
fn fetch_to_a_granted_name_that_resolves_to_loopback_is_denied_as_sluice_http_denies_it() {
    let service = ScriptedServer::ok("loopback service");
    let port = service.addr.port();
    let name = HostsName::resolving_to(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let origin = format!("http://{}:{port}", name.name);
    assert_denied_alike(
        &format!("{origin}/"),
        std::slice::from_ref(&origin),
        &loopback_name_denial(&name, &origin, "caps", port),
    );
    assert_eq!(
        service.requests(),
        0,
        "the loopback service was never contacted"
    );
}

#[test]
fn fetch_through_a_redirect_to_the_metadata_address_is_denied_at_the_hop_as_sluice_http_denies_it()
{
    let service = ScriptedServer::redirecting_to("http://169.254.169.254/latest/meta-data/iam/");
    let url = format!("{}/start", service.origin());
    assert_denied_alike(
        &url,
        &[service.origin()],
        &format!(
            "http: origin http://169.254.169.254:80 is not granted to plugin `caps` (granted: \
             {}); reached by a redirect from {url}",
            service.origin()
        ),
    );
    assert_eq!(
        service.requests(),
        2,
        "the granted host was asked once per run"
    );
}

/// A plan deploying unit `web` with `release-api-js` through `api`, with a live gate expecting the
/// site to show the version; `extra_gate` is appended to the gates.
fn release_api_plan(wasm: &std::path::Path, api: &ReleaseApi, extra_gate: &str) -> String {
    let origin = api.origin();
    format!(
        r#"[project]
name = "t"
[environments.test]
[plugins.api]
source = {:?}
sha256 = "{}"
[plugins.api.grants]
http = [{origin:?}]
[units.web]
plugin = "api"
config = {{ api = {origin:?} }}
gates = [
  {{ http = "{origin}/site", body = "${{version}}", interval = "50ms", deadline = "5s" }},
  {extra_gate}
]
"#,
        wasm.display().to_string(),
        crate::support::sha256_file(wasm)
    )
}

#[test]
fn the_release_api_example_deploys_upgrades_and_rolls_back_through_fetch() {
    let wasm = example_component("release-api-js", Build::Fetch);
    let api = ReleaseApi::start();
    let project = Project::new();
    project.write_plan(&release_api_plan(&wasm, &api, ""));
    for version in ["v1", "v2"] {
        let run = project.sluice(&["apply", "--env", ENV, "--version", version]);
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
        assert_eq!(api.live().as_deref(), Some(version));
    }

    let never = format!(
        r#"{{ http = "{}/site", body = "never-there", interval = "50ms", failure_threshold = 2, deadline = "2s" }},"#,
        api.origin()
    );
    project.write_plan(&release_api_plan(&wasm, &api, &never));
    let bad = project.sluice(&["apply", "--env", ENV, "--version", "v3"]);
    assert_eq!(bad.code, EXIT_ROLLED_BACK, "{}", bad.all());
    assert!(bad.all().contains("rolled back to v2"), "{}", bad.all());
    assert_eq!(api.live().as_deref(), Some("v2"));
    assert_eq!(api.uploaded(), ["v1", "v2"], "the staged v3 was removed");

    project.write_plan(&release_api_plan(&wasm, &api, ""));
    let rollback = project.sluice(&["rollback", "--env", ENV, "--unit", "web"]);
    assert_eq!(rollback.code, EXIT_SUCCESS, "{}", rollback.all());
    assert_eq!(api.live().as_deref(), Some("v1"));
    assert_eq!(project.live_version("web").as_deref(), Some("v1"));
}
