//! Components that import what sluice does not give plugins: raw sockets and name lookups
//! (`wasi:sockets/*`, which the Rust standard library's `TcpStream` and `ToSocketAddrs` pull
//! in), and an interface sluice does not know. Each is refused at load, before any of its code
//! runs, with an error naming the import; an http grant does not unlock raw sockets; v1 keeps
//! serving. (A capability the plan does not grant: `misbehaving_plugins.rs`.)

use crate::support::project::Project;
use crate::support::scripted::ScriptedServer;
use crate::support::{EXIT_INVALID, sluice, test_plugin};

#[test]
fn a_component_importing_raw_sockets_and_name_lookups_is_refused_at_load_even_with_an_http_grant() {
    let service = ScriptedServer::ok("never reached");
    let project = Project::v1_live_then(
        "raw-sockets",
        &format!("[plugins.bad.grants]\nhttp = [{:?}]", service.origin()),
        &format!("attack = \"connect\", args = [\"{}\"]", service.addr),
    );
    let run = project.deploy("v2");
    let text = run.all();
    assert_eq!(run.code, EXIT_INVALID, "{text}");
    assert!(
        text.contains("plugin `bad` imports `wasi:sockets/")
            && text.contains(
                "which sluice does not provide: plugins get no raw network access; use \
                 sluice:deploy/http with granted origins"
            ),
        "{text}"
    );
    assert!(!text.contains("ESCAPED"), "{text}");
    project.assert_v1_still_live();
    assert_eq!(service.requests(), 0);

    let inspected = sluice(project.path())
        .args(["plugins", "inspect"])
        .arg(test_plugin("raw-sockets"))
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&inspected.stdout);
    assert!(
        listing
            .lines()
            .any(|l| l.contains("wasi:sockets/ip-name-lookup@") && l.contains("refused: ")),
        "inspect shows the name-lookup import refused: {listing}"
    );
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
