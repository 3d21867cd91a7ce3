//! The gate target policy: a gate probing `${staged.endpoint}` probes what a plugin chose, so the
//! host checks it before every probe, after resolving it. A hostile strategy (`gate-target`,
//! whose `stage` reports whatever endpoint it is handed, as a compromised plugin would) stages a
//! loopback service the plan does not allow, the cloud metadata and link-local addresses, and a
//! name resolving to 127.0.0.1: each gate fails with the reason naming the address and the rule,
//! and the loopback service (the only listener a test may use) gets no request. An endpoint the
//! plan allows is probed and passes, and `sluice plugins audit` lists what the gates may probe.

use std::net::{IpAddr, Ipv4Addr};

use crate::support::hosts::HostsName;
use crate::support::project::{ENV, Project};
use crate::support::scripted::ScriptedServer;
use crate::support::{EXIT_SUCCESS, Run, sha256_file, test_plugin};

/// A plan whose unit `web` is deployed by `gate-target` staging `endpoint`, with `unit` (TOML
/// lines) added to the unit and one staged gate, `gate` (`http = "${staged.endpoint}/health"` or
/// a `tcp` one).
fn plan(endpoint: &str, unit: &str, gate: &str) -> String {
    let wasm = test_plugin("gate-target");
    format!(
        r#"[project]
name = "t"
[environments.{ENV}]
[plugins.hostile]
source = {source:?}
sha256 = "{sha256}"
[units.web]
plugin = "hostile"
config = {{ endpoint = {endpoint:?} }}
{unit}
gates = [{{ {gate}, interval = "50ms", failure_threshold = 2, deadline = "5s" }}]
"#,
        source = wasm.display().to_string(),
        sha256 = sha256_file(&wasm),
    )
}

/// The usual gate: GET `/health` of the staged endpoint.
const HTTP_GATE: &str = r#"http = "${staged.endpoint}/health""#;

/// Deploys v1 of `plan` in a fresh project.
fn deploy(plan: &str) -> (Project, Run) {
    let project = Project::new();
    project.write_plan(plan);
    let run = project.deploy("v1");
    (project, run)
}

/// Asserts `run` failed its staged gate, refused with a reason containing every one of `parts`.
fn assert_refused(run: &Run, parts: &[&str]) {
    let text = run.all();
    assert_ne!(run.code, EXIT_SUCCESS, "{text}");
    let refusal = text
        .lines()
        .find(|line| line.contains("refused: gate target"))
        .unwrap_or_else(|| panic!("no refusal of the gate target: {text}"));
    for part in parts {
        assert!(refusal.contains(part), "`{part}` in the refusal: {text}");
    }
}

#[test]
fn a_staged_loopback_service_the_plan_does_not_allow_fails_the_gate_and_gets_no_request() {
    let service = ScriptedServer::ok("ok");
    let port = service.addr.port();

    let (project, http) = deploy(&plan(&service.origin(), "", HTTP_GATE));
    let validate = project.sluice(&["validate"]);
    assert!(
        validate.stderr.contains(
            "warning: unit `web` has gates on what its plugin staged, but the plan lets them \
             probe nothing"
        ),
        "validate warns: {}",
        validate.all()
    );
    assert_refused(
        &http,
        &[
            &format!(
                "gate target http://127.0.0.1:{port} is outside what unit `web`'s gates may probe"
            ),
            "not within plugin `hostile`'s http grants (none) nor the unit's `endpoints` (none)",
            "the unit does not set `loopback_gates = true`",
        ],
    );

    let address = service.addr.to_string();
    let tcp_gate = r#"tcp = "${staged.endpoint}""#;
    let (_project, tcp) = deploy(&plan(&address, "", tcp_gate));
    assert_refused(&tcp, &[&format!("gate target 127.0.0.1:{port} is outside")]);

    assert_eq!(service.requests(), 0, "the service was never asked");
}

#[test]
fn metadata_and_link_local_addresses_are_refused_whatever_the_plan_allows() {
    for (origin, path, address, class) in [
        (
            "http://169.254.169.254",
            "/latest/meta-data/iam",
            "169.254.169.254",
            "a cloud metadata address",
        ),
        (
            "http://169.254.10.20:8080",
            "",
            "169.254.10.20",
            "a link-local address",
        ),
        (
            "http://[fe80::1]:8080",
            "",
            "fe80::1",
            "a link-local address",
        ),
        (
            "http://[fd00:ec2::254]",
            "",
            "fd00:ec2::254",
            "a cloud metadata address",
        ),
    ] {
        // The plan lists the very origin and allows loopback: the rule stands regardless.
        let unit = format!("endpoints = [{origin:?}]\nloopback_gates = true");
        let (_project, run) = deploy(&plan(&format!("{origin}{path}"), &unit, HTTP_GATE));
        assert_refused(
            &run,
            &[
                &format!("is {address}, {class}"),
                "never reaches, whatever the plan says",
            ],
        );
    }
}

#[test]
fn a_staged_name_resolving_to_loopback_is_refused_even_where_loopback_gates_are_allowed() {
    let service = ScriptedServer::ok("ok");
    let name = HostsName::resolving_to(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let endpoint = format!("http://{}:{}", name.name, service.addr.port());

    let (_project, run) = deploy(&plan(&endpoint, "loopback_gates = true", HTTP_GATE));

    assert_refused(
        &run,
        &[
            &format!("(`{}` resolves to 127.0.0.1)", name.name),
            "`loopback_gates` allows loopback addresses written as such",
            "not a name resolving to one",
        ],
    );
    assert_eq!(service.requests(), 0, "the service was never asked");
}

#[test]
fn an_endpoint_the_plan_allows_is_probed_and_the_audit_lists_what_the_gates_may_probe() {
    let service = ScriptedServer::ok("ok");
    for unit in [
        "loopback_gates = true".to_owned(),
        format!("endpoints = [{:?}]", service.origin()),
    ] {
        let (project, run) = deploy(&plan(&service.origin(), &unit, HTTP_GATE));
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());

        let audit = project.sluice(&["plugins", "audit"]);
        assert_eq!(audit.code, EXIT_SUCCESS, "{}", audit.all());
        let expected = if unit.starts_with("loopback") {
            "loopback: 127.0.0.0/8, ::1, localhost  (loopback_gates = true)".to_owned()
        } else {
            format!("{}  (endpoints)", service.origin())
        };
        for line in [
            "unit web  (plugin hostile): gates probing what it staged may reach",
            &expected,
            "never: link-local and cloud metadata addresses",
        ] {
            assert!(audit.stdout.contains(line), "`{line}` in: {}", audit.stdout);
        }
    }
    assert!(service.requests() >= 2, "the allowed endpoint was probed");
}
