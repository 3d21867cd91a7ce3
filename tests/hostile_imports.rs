//! Components that import what sluice does not give plugins. Raw sockets and name lookups
//! (`wasi:sockets/*`, which the Rust standard library's `TcpStream` and `ToSocketAddrs` pull
//! in, as CPython's runtime does) are linked but every call fails: the plugin loads, its
//! connection and lookup are denied, nothing reaches the listener, and v1 keeps serving, an
//! http grant notwithstanding. An interface sluice does not know is refused at load, before any
//! of its code runs, with an error naming the import. (A capability the plan does not grant:
//! `tests/misbehaving_plugins.rs`.)

mod support;

use support::project::Project;
use support::scripted::ScriptedServer;
use support::{EXIT_INVALID, EXIT_ROLLED_BACK, sluice, test_plugin};

#[test]
fn a_component_importing_raw_sockets_loads_but_every_connect_and_name_lookup_is_denied() {
    let service = ScriptedServer::ok("never reached");
    for (target, denied) in [
        (service.addr.to_string(), "connecting to"),
        (
            format!("localhost:{}", service.addr.port()),
            "looking localhost",
        ),
    ] {
        let project = Project::v1_live_then(
            "raw-sockets",
            &format!("[plugins.bad.grants]\nhttp = [{:?}]", service.origin()),
            &format!("attack = \"connect\", args = [{target:?}]"),
        );
        let run = project.deploy("v2");
        let text = run.all();
        assert_eq!(run.code, EXIT_ROLLED_BACK, "{text}");
        assert!(text.contains(denied), "{target}: {text}");
        assert!(!text.contains("ESCAPED"), "{text}");
        project.assert_v1_still_live();
    }
    assert_eq!(service.requests(), 0);

    let project = Project::new();
    let inspected = sluice(project.path())
        .args(["plugins", "inspect"])
        .arg(test_plugin("raw-sockets"))
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&inspected.stdout);
    for interface in ["wasi:sockets/ip-name-lookup@", "wasi:sockets/tcp@"] {
        assert!(
            listing
                .lines()
                .any(|l| l.contains(interface) && l.contains("linked, every call denied")),
            "inspect shows {interface} linked with every call denied: {listing}"
        );
    }
}

#[test]
fn a_component_importing_an_interface_sluice_does_not_provide_is_refused_at_load() {
    let project = Project::v1_live_then("unknown-import", "", "");
    let run = project.deploy("v2");
    let text = run.all();
    assert_eq!(run.code, EXIT_INVALID, "{text}");
    assert!(
        text.contains(
            "plugin `bad` imports `acme:backdoor/shell`, which sluice does not provide: it is not \
             part of the sluice:deploy world or WASI 0.2"
        ),
        "{text}"
    );
    assert!(!text.contains("ESCAPED"), "{text}");
    project.assert_v1_still_live();

    let audit = project.sluice(&["plugins", "audit"]);
    assert!(
        audit.stdout.contains(
            "warning: sluice will not load this plugin: it imports `acme:backdoor/shell`"
        ),
        "the audit tells the reviewer: {}",
        audit.all()
    );
}
