//! `sluice plugins test`, the conformance harness: a plugin built to break one contract rule
//! fails exactly that rule, named, with the evidence, and the command exits 6; the conforming
//! control, the release-dir example in each language (Rust, Python, TypeScript, C), the
//! `release-api-js` example against its deploy API, and the standard plugins (`static-site`
//! in scratch directories, `db-migrate` on a scratch database, `kong-config`, `keycloak-realm` and
//! `cloudflare-pages` against their emulators) pass every rule; `--output json` lists every rule.
//! The standard `container` and `swarm-service` plugins are not checked: the harness cannot give
//! containers or Swarm services in scratch.

use std::path::Path;

use crate::support::cloudflare::{ACCOUNT, API_TOKEN, Emulator};
use crate::support::js::{Build, example_component};
use crate::support::keycloak::project::{REALM, realm_file};
use crate::support::keycloak::{Keycloak, Options};
use crate::support::kong::Kong;
use crate::support::kong::project::gateway_config;
use crate::support::pages::{PRODUCTION_BRANCH, PROJECT};
use crate::support::release_api::ReleaseApi;
use crate::support::{
    EXIT_INVALID, EXIT_RULES_BROKEN, EXIT_SUCCESS, Run, c, python, sluice, test_plugin,
};

/// Every rule, in the order the harness reports them.
const RULES: [&str; 6] = [
    "info-schema",
    "read-only-calls",
    "dry-run-plan",
    "rollback-idempotent",
    "state-round-trip",
    "fresh-instance",
];

/// The config the conforming test plugins deploy with: releases go into `/out`.
const TEST_PLUGIN_CONFIG: &str = r#"{"target":"/out"}"#;

/// The config the release-dir examples and `static-site` deploy with, as the tests and
/// docs/writing-a-plugin.md pass it.
const RELEASE_DIR_CONFIG: &str = r#"{"source":"/site","target":"/www","keep":3}"#;

/// What `sluice plugins test` is run with besides the component and its config.
#[derive(Clone, Copy)]
struct With<'a> {
    /// `--capabilities`.
    capabilities: &'a str,
    /// More arguments.
    more: &'a [&'a str],
    /// Environment variables (the values of `--secret`s).
    env: &'a [(&'a str, &'a str)],
}

/// Files, nothing more.
const FILES: With<'static> = With {
    capabilities: "files",
    more: &[],
    env: &[],
};

/// `sluice plugins test COMPONENT --config CONFIG --capabilities ... [MORE...]`.
fn plugins_test(component: &str, config: &str, with: With<'_>) -> Run {
    sluice(Path::new("."))
        .args(["plugins", "test", component, "--config", config])
        .args(["--capabilities", with.capabilities])
        .args(with.more)
        .envs(with.env.iter().copied())
        .output()
        .unwrap()
        .into()
}

/// `sluice plugins test COMPONENT --config CONFIG ... --output json`, parsed.
fn test_json(component: &str, config: &str, with: With<'_>) -> (Run, serde_json::Value) {
    let more = [with.more, &["--output", "json"]].concat();
    let run = plugins_test(
        component,
        config,
        With {
            more: &more,
            ..with
        },
    );
    let report = serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|e| panic!("not one JSON object ({e}): {}", run.all()));
    (run, report)
}

/// Each rule's (name, status, evidence) in a JSON report.
fn statuses(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["rules"]
        .as_array()
        .expect("a rules array")
        .iter()
        .map(|rule| {
            let field = |key: &str| rule[key].as_str().unwrap_or_default().to_owned();
            (field("rule"), field("status"), field("evidence"))
        })
        .collect()
}

/// Asserts `component` passes every rule, exit 0.
fn assert_passes(component: &str, config: &str, with: With<'_>) {
    let (run, report) = test_json(component, config, with);
    let statuses = statuses(&report);
    let names: Vec<&str> = statuses.iter().map(|(rule, ..)| rule.as_str()).collect();
    assert_eq!(names, RULES, "{}", run.all());
    for (rule, status, evidence) in &statuses {
        assert_eq!(status, "pass", "{rule}: {evidence}");
    }
    assert_eq!(report["passed"], true);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
}

#[test]
fn each_plugin_built_to_break_one_rule_fails_exactly_that_rule_named_with_its_evidence() {
    let breakers = [
        (
            "breaks-info-schema",
            "info-schema",
            "not a valid JSON Schema",
        ),
        (
            "breaks-read-only-calls",
            "read-only-calls",
            "validate changed the granted files: + /out/validated",
        ),
        (
            "breaks-dry-run-plan",
            "dry-run-plan",
            "plan with dry-run made mutating host calls: types [method]descriptor.write-via-stream",
        ),
        (
            "breaks-rollback-idempotent",
            "rollback-idempotent",
            "after stage, the second rollback failed",
        ),
        (
            "breaks-state-round-trip",
            "state-round-trip",
            "with current = \"release v1\" from finalize, plan: unreadable current state",
        ),
        (
            "breaks-fresh-instance",
            "fresh-instance",
            "finalize: stage left nothing in memory",
        ),
    ];
    for (plugin, broken, evidence) in breakers {
        let component = test_plugin(plugin);
        let (run, report) = test_json(&component.to_string_lossy(), TEST_PLUGIN_CONFIG, FILES);
        assert_eq!(run.code, EXIT_RULES_BROKEN, "{plugin}: {}", run.all());
        assert_eq!(report["passed"], false, "{plugin}");
        let failed: Vec<_> = statuses(&report)
            .into_iter()
            .filter(|(_, status, _)| status == "fail")
            .collect();
        assert_eq!(failed.len(), 1, "{plugin} fails one rule: {failed:?}");
        let (rule, _, found) = &failed[0];
        assert_eq!(rule, broken, "{plugin}");
        assert!(found.contains(evidence), "{plugin}: {found}");
    }
}

#[test]
fn the_human_output_names_each_rule_on_its_own_line_with_pass_or_fail() {
    let component = test_plugin("breaks-rollback-idempotent");
    let run = plugins_test(&component.to_string_lossy(), TEST_PLUGIN_CONFIG, FILES);
    assert_eq!(run.code, EXIT_RULES_BROKEN, "{}", run.all());
    for rule in RULES {
        let line = run
            .stdout
            .lines()
            .find(|line| line.split_whitespace().nth(1) == Some(rule))
            .unwrap_or_else(|| panic!("no line for {rule}: {}", run.stdout));
        let expected = if rule == "rollback-idempotent" {
            "FAIL"
        } else {
            "PASS"
        };
        assert!(line.trim_start().starts_with(expected), "{line}");
    }
    assert!(
        run.stdout.contains("1 of 6 rules not passed"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_plugin_keeping_every_rule_passes_them_all_and_exits_0() {
    let component = test_plugin("conforming");
    assert_passes(&component.to_string_lossy(), TEST_PLUGIN_CONFIG, FILES);
}

#[test]
fn the_standard_static_site_plugin_passes_every_rule() {
    assert_passes("builtin:static-site", RELEASE_DIR_CONFIG, FILES);
}

#[test]
fn the_standard_kong_config_plugin_passes_every_rule_against_the_kong_emulator() {
    let kong = Kong::start();
    let declarative = tempfile::tempdir().unwrap();
    std::fs::write(
        declarative.path().join("kong.yaml"),
        gateway_config(false, ""),
    )
    .unwrap();
    let config = serde_json::json!({
        "admin": kong.admin_url(),
        "file": "/kong/kong.yaml",
        "vars": { "stable": "127.0.0.1:9" },
    });
    let tree = format!("/kong={}", declarative.path().display());
    let with = With {
        capabilities: "files,http",
        more: &["--tree", &tree],
        env: &[],
    };
    assert_passes("builtin:kong-config", &config.to_string(), with);
}

#[test]
fn the_release_api_example_passes_every_rule_against_its_deploy_api() {
    let api = ReleaseApi::start();
    let component = example_component("release-api-js", Build::Fetch);
    let config = serde_json::json!({ "api": api.origin() });
    let with = With {
        capabilities: "http",
        more: &[],
        env: &[],
    };
    assert_passes(&component.to_string_lossy(), &config.to_string(), with);
}

/// Keycloak's token endpoint, where `keycloak-realm` signs in (even to plan): a POST that
/// changes nothing.
const KEYCLOAK_SIGN_IN: &str = "POST /realms/master/protocol/openid-connect/token";

#[test]
fn the_standard_keycloak_realm_plugin_passes_every_rule_once_its_sign_in_post_is_declared_read_only()
 {
    let keycloak = Keycloak::start(Options::default());
    let realm = tempfile::tempdir().unwrap();
    let file = realm_file(1, 1, "https://shop.example/*");
    std::fs::write(realm.path().join("shop.json"), file.to_string()).unwrap();
    let config = serde_json::json!({
        "url": keycloak.url(),
        "realm": REALM,
        "files": ["/realm/shop.json"],
        "auth": { "grant": "password", "username": "admin", "secret": "kc_admin" },
    });
    let tree = format!("/realm={}", realm.path().display());
    let password = Options::default().admin_password;
    let with = With {
        capabilities: "files,http",
        more: &["--tree", &tree, "--secret", "kc_admin=KC_ADMIN_PASSWORD"],
        env: &[("KC_ADMIN_PASSWORD", &password)],
    };
    let (undeclared, report) = test_json("builtin:keycloak-realm", &config.to_string(), with);
    assert_eq!(undeclared.code, EXIT_RULES_BROKEN, "{}", undeclared.all());
    let dry_run = statuses(&report)
        .into_iter()
        .find(|(rule, ..)| rule == "dry-run-plan")
        .expect("a dry-run-plan verdict");
    assert_eq!(dry_run.1, "fail");
    assert_eq!(
        dry_run.2,
        format!("plan with dry-run made mutating host calls: http {KEYCLOAK_SIGN_IN}")
    );
    assert!(
        !undeclared.all().contains(&password),
        "the secret is redacted: {}",
        undeclared.all()
    );

    let more = [with.more, &["--read-only-request", KEYCLOAK_SIGN_IN]].concat();
    let declared = With {
        more: &more,
        ..with
    };
    assert_passes("builtin:keycloak-realm", &config.to_string(), declared);
}

#[test]
fn the_standard_cloudflare_pages_plugin_passes_every_rule_against_the_pages_emulator_its_check_missing_post_declared_read_only()
 {
    let emulator = Emulator::start();
    emulator.create_project(PROJECT, PRODUCTION_BRANCH);
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "<h1>shop</h1>").unwrap();
    let config = serde_json::json!({
        "account_id": ACCOUNT,
        "project": PROJECT,
        "directory": "/site",
        "api_token_secret": "cf_token",
        "api_base": emulator.api_base(),
    });
    let tree = format!("/site={}", site.path().display());
    let with = With {
        capabilities: "files,http",
        more: &[
            "--tree",
            &tree,
            "--secret",
            "cf_token=CF_API_TOKEN",
            // Asks which files the API lacks; changes nothing.
            "--read-only-request",
            "POST /client/v4/pages/assets/check-missing",
        ],
        env: &[("CF_API_TOKEN", API_TOKEN)],
    };
    assert_passes("builtin:cloudflare-pages", &config.to_string(), with);
}

#[test]
fn the_standard_db_migrate_plugin_passes_every_rule_on_a_scratch_sqlite_database() {
    let migrations = tempfile::tempdir().unwrap();
    let write = |name: &str, sql: &str| std::fs::write(migrations.path().join(name), sql).unwrap();
    write(
        "V1__create_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n",
    );
    write("U1__create_users.sql", "DROP TABLE users;\n");
    let tree = format!("/migrations={}", migrations.path().display());
    let with = With {
        capabilities: "files",
        more: &["--tree", &tree, "--database", "main"],
        env: &[],
    };
    let config = r#"{"database":"main","migrations":"/migrations"}"#;
    assert_passes("builtin:db-migrate", config, with);
}

#[test]
fn the_release_dir_example_in_each_language_passes_every_rule() {
    let examples = [
        test_plugin("release-dir-rust"),
        python::built(python::RELEASE_DIR),
        example_component("release-dir-ts", Build::Plain),
        c::built(c::RELEASE_DIR),
    ];
    for component in examples {
        assert_passes(&component.to_string_lossy(), RELEASE_DIR_CONFIG, FILES);
    }
}

#[test]
fn a_config_the_plugins_validate_refuses_is_invalid_input_and_no_rule_is_reported() {
    let refused = r#"{"source":"/site","target":"/www","keep":0}"#;
    let run = plugins_test("builtin:static-site", refused, FILES);
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(
        run.stderr
            .contains("the plugin's validate refuses the config"),
        "{}",
        run.all()
    );
    assert!(!run.stdout.contains("PASS"), "{}", run.stdout);
}

#[test]
fn a_capability_the_harness_cannot_grant_is_invalid_input_naming_what_it_grants() {
    let with = With {
        capabilities: "files,sockets",
        ..FILES
    };
    let run = plugins_test("builtin:static-site", RELEASE_DIR_CONFIG, with);
    assert_eq!(run.code, EXIT_INVALID, "{}", run.all());
    assert!(
        run.stderr
            .contains("the harness cannot grant `sockets`: it grants files, http"),
        "{}",
        run.all()
    );
}
