//! A hostile plugin attacks the http capability: an origin it was not granted, a granted host on
//! another port or scheme, a granted host redirecting to the cloud metadata address or to
//! another loopback service, and a granted *name* that resolves to 127.0.0.1 (through an
//! /etc/hosts line the test adds). Each request is denied by the host with an error naming the
//! origin (and, for names, the address and the grant), the ungranted service never sees a
//! request, the deployment rolls back and v1 keeps serving. The granted origins themselves
//! (a literal address, `localhost`, a name marked `internal = true`) are reached.

use std::net::{IpAddr, Ipv4Addr};

use crate::support::hosts::{HostsName, loopback_name_denial};
use crate::support::project::{ENV, Project, test_plugin_plan};
use crate::support::scripted::ScriptedServer;
use crate::support::{EXIT_ROLLED_BACK, Run};

/// The `[plugins.bad.grants]` table granting `origins` (TOML values: strings or tables).
fn grants(origins: &[String]) -> String {
    format!("[plugins.bad.grants]\nhttp = [{}]", origins.join(", "))
}

fn quoted(origin: &str) -> String {
    format!("{origin:?}")
}

/// Deploys v2 with hostile-http sending a GET (following redirects) to `url`, granted `origins`.
fn get(project: &Project, origins: &[String], url: &str) -> Run {
    let config = format!("attack = \"get\", args = [{url:?}]");
    project.write_plan(&test_plugin_plan("hostile-http", &grants(origins), &config));
    project.sluice(&["apply", "--env", ENV, "--version", "v2"])
}

/// Asserts `run` was denied with `message`, rolled back, and left v1 serving.
fn assert_denied(project: &Project, run: &Run, message: &str) {
    let text = run.all();
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{text}");
    assert_printed(run, message);
    assert!(!text.contains("got 200"), "the request got through: {text}");
    assert!(text.contains("rolled back to v1"), "{text}");
    project.assert_v1_still_live();
}

/// `service`'s origin under a fresh name that resolves to 127.0.0.1 while the guard lives.
fn loopback_name_for(service: &ScriptedServer) -> (HostsName, String) {
    let name = HostsName::resolving_to(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let origin = format!("http://{}:{}", name.name, service.addr.port());
    (name, origin)
}

/// Deploys v2 with hostile-http asking a granted service that redirects to `location`: the
/// service, the URL first asked, and the run.
fn through_redirect_to(project: &Project, location: &str) -> (ScriptedServer, String, Run) {
    let service = ScriptedServer::redirecting_to(location);
    let url = format!("{}/start", service.origin());
    let run = get(project, &[quoted(&service.origin())], &url);
    (service, url, run)
}

fn assert_printed(run: &Run, text: &str) {
    assert!(
        run.all().contains(text),
        "expected `{text}` in:\n{}",
        run.all()
    );
}

fn v1_project() -> Project {
    Project::v1_live_then("hostile-http", "", "")
}

#[test]
fn a_request_to_a_host_not_granted_is_denied_naming_the_origin() {
    let project = v1_project();
    let service = ScriptedServer::ok("granted service");
    let run = get(
        &project,
        &[quoted(&service.origin())],
        "http://example.com/exfiltrate",
    );
    assert_denied(
        &project,
        &run,
        &format!(
            "http: origin http://example.com:80 is not granted to plugin `bad` (granted: {})",
            service.origin()
        ),
    );
}

#[test]
fn the_granted_host_on_another_port_or_scheme_is_denied_and_never_contacted() {
    let project = v1_project();
    let service = ScriptedServer::ok("granted service");
    let other = ScriptedServer::ok("another service on the same host");
    let granted = [quoted(&service.origin())];
    let run = get(&project, &granted, &format!("{}/admin", other.origin()));
    assert_denied(
        &project,
        &run,
        &format!("http: origin {} is not granted", other.origin()),
    );
    let https = service.origin().replace("http://", "https://");
    let run = get(&project, &granted, &format!("{https}/"));
    assert_denied(
        &project,
        &run,
        &format!("http: origin {https} is not granted"),
    );
    assert_eq!(other.requests(), 0, "the other port was never contacted");
    assert_eq!(service.requests(), 0, "nothing went out over https either");
}

#[test]
fn a_granted_host_redirecting_to_the_metadata_address_is_denied_at_the_hop() {
    let project = v1_project();
    let (service, url, run) =
        through_redirect_to(&project, "http://169.254.169.254/latest/meta-data/iam/");
    assert_denied(
        &project,
        &run,
        &format!(
            "http: origin http://169.254.169.254:80 is not granted to plugin `bad` (granted: {}); reached by a redirect from {url}",
            service.origin()
        ),
    );
    assert_eq!(service.requests(), 1, "the granted host was asked once");
}

#[test]
fn a_granted_host_redirecting_to_another_loopback_service_is_denied_and_it_is_never_contacted() {
    let project = v1_project();
    let internal = ScriptedServer::ok("internal admin");
    let (_service, _url, run) =
        through_redirect_to(&project, &format!("{}/admin", internal.origin()));
    assert_denied(
        &project,
        &run,
        &format!(
            "http: origin {} is not granted to plugin `bad`",
            internal.origin()
        ),
    );
    assert_printed(&run, "reached by a redirect from");
    assert_eq!(internal.requests(), 0);
}

#[test]
fn a_granted_name_that_resolves_to_loopback_is_refused_naming_the_name_the_address_and_the_grant() {
    let project = v1_project();
    let service = ScriptedServer::ok("loopback service");
    let port = service.addr.port();
    let (name, origin) = loopback_name_for(&service);
    let run = get(&project, &[quoted(&origin)], &format!("{origin}/"));
    assert_denied(
        &project,
        &run,
        &loopback_name_denial(&name, &origin, "bad", port),
    );
    assert_eq!(
        service.requests(),
        0,
        "the loopback service was never contacted"
    );
}

#[test]
fn a_redirect_to_a_granted_name_that_resolves_to_loopback_is_refused_at_the_hop() {
    let project = v1_project();
    let internal = ScriptedServer::ok("loopback service");
    let (name, named) = loopback_name_for(&internal);
    let service = ScriptedServer::redirecting_to(&format!("{named}/admin"));
    let url = format!("{}/start", service.origin());
    let run = get(&project, &[quoted(&service.origin()), quoted(&named)], &url);
    assert_denied(
        &project,
        &run,
        &format!(
            "http: `{}` resolves to 127.0.0.1, a loopback address",
            name.name
        ),
    );
    assert_printed(
        &run,
        &format!("internal = true`); reached by a redirect from {url}"),
    );
    assert_eq!(internal.requests(), 0);
}

#[test]
fn granted_origins_are_reached_by_literal_address_by_localhost_and_by_a_name_marked_internal() {
    let project = v1_project();
    let service = ScriptedServer::ok("hello from the granted service");
    let (_name, named) = loopback_name_for(&service);
    let localhost = format!("http://localhost:{}", service.addr.port());
    for (grant, origin) in [
        (quoted(&service.origin()), service.origin()),
        (quoted(&localhost), localhost.clone()),
        (
            format!("{{ origin = {named:?}, internal = true }}"),
            named.clone(),
        ),
    ] {
        let run = get(&project, &[grant], &format!("{origin}/"));
        assert_printed(
            &run,
            &format!("got 200 from {origin}/: hello from the granted service"),
        );
    }
    assert_eq!(service.requests(), 3);
}
