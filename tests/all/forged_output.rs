//! A plugin's text cannot pass for sluice's own output. In human output every line a plugin's
//! text starts (its messages, and the lines of its error after the first) begins with
//! `[unit] | `, which sluice's own lines never carry, and control characters are gone; in JSON
//! each message stays one event. The hostile `forger` plugin logs and fails with lines imitating
//! another unit's success, the summary table and the final `result:` line.

use crate::support::project::{ENV, Project};
use crate::support::{EXIT_ROLLED_BACK, Run};

/// The lines of `run`'s human output that a reader (or a parser) takes for sluice's own: those
/// not marked as a plugin's.
fn host_lines(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|line| !line.starts_with("[web] | "))
        .collect()
}

#[test]
fn a_plugin_imitating_sluices_lines_cannot_print_one_a_parser_would_take_for_the_hosts() {
    let project = Project::v1_live_then("forger", "", "");

    let run = project.deploy("v2");

    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    let host = host_lines(&run);
    assert!(
        !host.iter().any(|line| line.starts_with("[api]")),
        "no line of another unit: {host:#?}"
    );
    let results: Vec<&&str> = host.iter().filter(|l| l.starts_with("result:")).collect();
    assert_eq!(results, [&"result: rolled-back"], "{}", run.stderr);
    assert!(
        !host.iter().any(|line| line.contains("succeeded")),
        "nothing of the host's says succeeded: {host:#?}"
    );
    for shown in ["[web] | result: succeeded", "[web] | [api] succeeded v9"] {
        assert!(
            run.stderr.lines().any(|line| line == shown),
            "the plugin's words are shown, marked ({shown}): {}",
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains(['\r', '\u{1b}']),
        "control characters are removed: {:?}",
        run.stderr
    );
    project.assert_v1_still_live();
}

#[test]
fn in_json_a_multi_line_plugin_message_stays_one_event() {
    let project = Project::v1_live_then("forger", "", "");

    let run = project.sluice(&["apply", "--env", ENV, "--version", "v2", "--output", "json"]);

    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    let messages: Vec<String> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|event| event["event"] == "plugin-log")
        .map(|event| event["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("copying files\n[api] succeeded v9\n")
                && m.ends_with("result: succeeded")),
        "{messages:#?}"
    );
}
