//! The `kong-config` strategy against the Kong emulator: a valid config applied and its hash
//! checked, an invalid one refused with the entity and field named and nothing changed, the
//! previous config restored when a gate fails, a canary moved 10% → 50% → 100% with the requests
//! through the proxy counted at each step, a failing gate at 50% putting the weights back, and
//! the `http` grant holding.

use crate::support::http::get;
use crate::support::kong::project::{GatewayProject, Unit, gateway_config};
use crate::support::kong::traffic::{Backend, SplitGate};
use crate::support::kong::{EMPTY_HASH, Kong};
use crate::support::project::ENV;
use crate::support::{EXIT_FAILED, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

/// Requests the split gate sends through the proxy at each step.
const REQUESTS: usize = 200;

/// How far a measured share may be from the step's percentage.
const TOLERANCE: f64 = 0.03;

fn deployed(project: &GatewayProject, version: &str) -> Run {
    let run = project.apply(version);
    assert_eq!(run.code, EXIT_SUCCESS, "apply {version}:\n{}", run.all());
    run
}

/// What the proxy answers for `/shop`.
fn shop(kong: &Kong) -> (u16, String) {
    get(kong.proxy, "/shop")
}

struct Setup {
    kong: Kong,
    stable: Backend,
    canary: Backend,
    project: GatewayProject,
}

fn setup() -> Setup {
    Setup {
        kong: Kong::start(),
        stable: Backend::start("stable"),
        canary: Backend::start("canary"),
        project: GatewayProject::new(),
    }
}

impl Setup {
    fn vars(&self) -> String {
        format!(
            r#"stable = "{}", canary = "{}""#,
            self.stable.target(),
            self.canary.target()
        )
    }

    fn canary_table(&self) -> String {
        format!(
            r#"{{ upstream = "shop-upstream", stable = "{}", canary = "{}" }}"#,
            self.stable.target(),
            self.canary.target()
        )
    }

    /// v1: the stable target only, no canary.
    fn deploy_v1(&self) -> String {
        let vars = self.vars();
        self.project.plan(
            &self.kong,
            &Unit {
                vars: &vars,
                ..Unit::default()
            },
        );
        self.project.write_config(&gateway_config(false, ""));
        deployed(&self.project, "v1");
        self.kong.store().hash.clone()
    }

    fn canary_plan(&self, gate: &SplitGate) {
        let (vars, canary) = (self.vars(), self.canary_table());
        let gates = [format!(
            r#"{{ http = "{}", interval = "50ms", timeout = "20s", failure_threshold = 1, deadline = "60s" }}"#,
            gate.url()
        )];
        self.project.plan(
            &self.kong,
            &Unit {
                vars: &vars,
                canary: Some(&canary),
                shift: &[10, 50],
                gates: &gates,
                ..Unit::default()
            },
        );
        self.project.write_config(&gateway_config(true, ""));
    }
}

#[test]
fn a_valid_config_is_applied_and_its_hash_checked() {
    let s = setup();
    let hash = s.deploy_v1();

    assert_ne!(hash, EMPTY_HASH);
    assert_eq!(shop(&s.kong), (200, "stable".into()));
    let history = s.project.sluice(&["history", "--output", "json"]);
    assert!(history.all().contains("succeeded"), "{}", history.all());
    let loads = s.kong.store().loads;

    let again = deployed(&s.project, "v2");
    assert!(
        again.all().contains(&hash),
        "the stage names the hash Kong holds: {}",
        again.all()
    );
    assert_eq!(
        s.kong.store().loads,
        loads,
        "an unchanged config is not loaded again"
    );
}

#[test]
fn an_invalid_config_changes_nothing_and_names_the_entity_and_field() {
    let s = setup();
    let hash = s.deploy_v1();
    let loads = s.kong.store().loads;
    let broken = gateway_config(
        false,
        "  - name: billing\n    targets:\n      - target: 127.0.0.1:1\n        weight: 70000\n",
    )
    .replace("upstreams:\n", "upstreams:\n  - name: ''\n");
    s.project.write_config(&broken);

    let run = s.project.apply("v2");
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(
        run.all().contains("Kong rejected the config")
            && run.all().contains("target \"127.0.0.1:1\"")
            && run
                .all()
                .contains("weight: value should be between 0 and 65535")
            && run.all().contains("name: length must be at least 1"),
        "{}",
        run.all()
    );
    let store = s.kong.store();
    assert_eq!(
        (store.hash.as_str(), store.loads),
        (hash.as_str(), loads),
        "nothing was loaded"
    );
    drop(store);
    assert_eq!(shop(&s.kong), (200, "stable".into()));
}

#[test]
fn a_gate_failure_restores_the_previous_config() {
    let s = setup();
    let hash = s.deploy_v1();
    s.project.write_config(
        &gateway_config(
            false,
            "  - name: v2-upstream\n    targets:\n      - target: ${stable}\n",
        )
        .replace("paths: [\"/shop\"]", "paths: [\"/shop\", \"/v2\"]"),
    );
    s.kong.set_ready(false);

    let run = s.project.apply("v2");
    s.kong.set_ready(true);
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(run.all().contains("HTTP 503"), "{}", run.all());
    assert_eq!(
        s.kong.store().hash,
        hash,
        "v1's config is back, byte for byte"
    );
    assert_eq!(get(s.kong.proxy, "/v2").0, 404, "v2's route is gone");
    assert_eq!(shop(&s.kong), (200, "stable".into()));
}

#[test]
fn a_canary_moves_10_then_50_then_100_percent_of_the_requests() {
    let s = setup();
    s.deploy_v1();
    let gate = SplitGate::start(
        format!("{}/shop", s.kong.proxy_url()),
        REQUESTS,
        "canary",
        1.0,
    );
    s.canary_plan(&gate);

    let plan = s.project.sluice(&["plan", "--env", ENV, "--version", "v2"]);
    assert!(plan.all().contains("traffic moves from"), "{}", plan.all());
    deployed(&s.project, "v2");
    let shares = gate.shares();
    assert_eq!(shares.len(), 3, "one measurement per step: {shares:?}");
    for (share, expected) in shares.iter().zip([0.10, 0.50, 1.00]) {
        assert!(
            (share - expected).abs() <= TOLERANCE,
            "{shares:?} vs 10%, 50%, 100%"
        );
    }
    assert_eq!(s.kong.weight(&s.stable.target()), Some(0));
    assert_eq!(s.kong.weight(&s.canary.target()), Some(100));
    assert_eq!(shop(&s.kong), (200, "canary".into()));
}

#[test]
fn a_failing_gate_at_50_percent_puts_every_request_back_on_the_stable_target() {
    let s = setup();
    let hash = s.deploy_v1();
    let gate = SplitGate::start(
        format!("{}/shop", s.kong.proxy_url()),
        REQUESTS,
        "canary",
        0.3,
    );
    s.canary_plan(&gate);

    let run = s.project.apply("v2");
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    let shares = gate.shares();
    assert!(
        (shares[0] - 0.10).abs() <= TOLERANCE && (shares[1] - 0.50).abs() <= TOLERANCE,
        "10% passed, 50% failed: {shares:?}"
    );
    assert_eq!(
        shares.last(),
        Some(&0.0),
        "after the rollback the canary gets nothing: {shares:?}"
    );
    assert_eq!(s.kong.store().hash, hash);
    assert_eq!(
        s.kong.weight(&s.canary.target()),
        None,
        "v1 has no canary target"
    );
    for _ in 0..20 {
        assert_eq!(shop(&s.kong), (200, "stable".into()));
    }
}

#[test]
fn sluice_rollback_loads_the_previous_config_again() {
    let s = setup();
    let hash = s.deploy_v1();
    s.project
        .write_config(&gateway_config(false, "").replace("\"/shop\"", "\"/shop\", \"/v2\""));
    deployed(&s.project, "v2");
    assert_eq!(get(s.kong.proxy, "/v2").0, 200);

    let back = s
        .project
        .sluice(&["rollback", "--env", ENV, "--unit", "gateway"]);
    assert_eq!(back.code, EXIT_SUCCESS, "{}", back.all());
    assert_eq!(s.kong.store().hash, hash);
    assert_eq!(get(s.kong.proxy, "/v2").0, 404);
}

#[test]
fn the_plugin_cannot_reach_a_kong_outside_its_grant() {
    let s = setup();
    let other = Kong::start();
    let (vars, url) = (s.vars(), other.admin_url());
    let grant = s.kong.admin_url();
    s.project.plan(
        &s.kong,
        &Unit {
            vars: &vars,
            grant: Some(&grant),
            admin: Some(&url),
            ..Unit::default()
        },
    );
    s.project.write_config(&gateway_config(false, ""));

    let run = s.project.apply("v1");
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    assert!(
        run.all().contains("denied") && run.all().contains("not granted"),
        "{}",
        run.all()
    );
    assert_eq!(other.store().loads, 0);
    assert_eq!(other.store().hash, EMPTY_HASH);
}
