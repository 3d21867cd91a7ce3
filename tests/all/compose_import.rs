//! `sluice init --from-compose`: the seeds-shaped stack of `examples/compose` imports into a plan
//! that validates, explains itself in `sluice plan` and deploys on the real engine behind a real
//! Caddy; its credentials become `[secrets]` and appear nowhere in the plan; what the container
//! strategy cannot express is listed at the top; broken Compose files are refused at file:line:col.

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use crate::support::caddy::Caddy;
use crate::support::docker::{ContainersGuard, unique_name};
use crate::support::http::get;
use crate::support::stack::ONE_AT_A_TIME;
use crate::support::{EXIT_INVALID, EXIT_SUCCESS, Run, images, sluice};

/// The credential values of the example (its literals and the variables a run sets).
const CREDENTIALS: [(&str, &str); 4] = [
    ("POSTGRES_PASSWORD", "pg-password-for-the-test"),
    ("KC_ADMIN_PASSWORD", "kc-password-for-the-test"),
    ("API_JWT_SECRET", "jwt-secret-for-the-test"),
    ("API_SESSION_KEY", "session-key-for-the-test"),
];

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/compose")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/compose")
        .join(name)
}

/// `sluice ARGS` in `dir`, with the example's secrets in its environment.
fn run(dir: &Path, args: &[&str]) -> Run {
    sluice(dir)
        .args(args)
        .envs(CREDENTIALS)
        .output()
        .unwrap()
        .into()
}

/// Imports `compose` into `dir/sluice.toml` with `extra` arguments; the plan's text.
fn import(dir: &Path, compose: &Path, extra: &[&str]) -> String {
    let compose = compose.to_str().unwrap();
    let mut args = vec!["init", "--from-compose", compose];
    args.extend(extra);
    let imported = run(dir, &args);
    assert_eq!(imported.code, EXIT_SUCCESS, "{}", imported.all());
    std::fs::read_to_string(dir.join("sluice.toml")).unwrap()
}

fn toml(plan: &str) -> toml::Table {
    plan.parse().unwrap_or_else(|e| panic!("{e}\n{plan}"))
}

#[test]
fn the_seeds_stack_imports_into_units_dependencies_gates_and_narrow_grants() {
    let dir = tempfile::tempdir().unwrap();
    let plan = import(
        dir.path(),
        &example_dir().join("docker-compose.yml"),
        &["--router", "caddy"],
    );
    let table = toml(&plan);
    let units = table["units"].as_table().unwrap();
    assert_eq!(
        units.keys().collect::<Vec<_>>(),
        ["api", "gateway", "keycloak", "kong", "postgres"],
        "every service with an image and a port, not the build-only worker"
    );
    let unit = |name: &str| &units[name];
    let mode = |name: &str| unit(name)["config"]["mode"].as_str().unwrap().to_owned();
    assert_eq!(mode("gateway"), "blue-green");
    assert_eq!(mode("api"), "blue-green");
    assert_eq!(mode("postgres"), "replace", "a TCP healthcheck: not HTTP");
    let deps = |name: &str| {
        unit(name)
            .get("depends_on")
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    assert_eq!(deps("gateway"), r#"["api", "kong"]"#);
    assert_eq!(deps("api"), r#"["postgres", "keycloak"]"#);
    assert_eq!(deps("keycloak"), r#"["postgres"]"#);
    assert_eq!(deps("postgres"), "");

    let gate = |name: &str| unit(name)["gates"][0].clone();
    let api = gate("api");
    assert_eq!(api["http"].as_str(), Some("${staged.endpoint}/health"));
    assert_eq!(
        (
            api["interval"].as_str(),
            api["failure_threshold"].as_integer(),
            api["start_period"].as_str()
        ),
        (Some("2s"), Some(5), Some("10s"))
    );
    let postgres = gate("postgres");
    assert_eq!(postgres["tcp"].as_str(), Some("127.0.0.1:15432"));
    assert_eq!(postgres["phase"].as_str(), Some("staged"));
    assert!(
        gate("keycloak")["deadline"].as_str().is_some(),
        "a 60 s start period needs a longer deadline"
    );
    assert!(
        unit("kong").get("gates").is_none(),
        "kong's healthcheck is a command"
    );
    assert!(plan.contains(
        "Its healthcheck runs a command inside the container (`kong health`): the image's own"
    ));

    let grants = |name: &str| table["plugins"][name]["grants"].clone();
    let api = grants("api");
    assert_eq!(
        api["containers"].to_string(),
        r#"["vps-api-blue", "vps-api-green"]"#
    );
    assert_eq!(api["images"].to_string(), r#"["sluice-test-web"]"#);
    assert_eq!(api["http"].to_string(), r#"["http://127.0.0.1:2019"]"#);
    assert_eq!(
        grants("postgres")["containers"].to_string(),
        r#"["vps-postgres", "vps-postgres-previous"]"#
    );
    assert_eq!(grants("postgres")["http"].to_string(), "[]");
    assert_eq!(
        unit("api")["config"]["router"]["listen"].as_str(),
        Some("127.0.0.1:18001"),
        "Caddy listens where Compose published the port"
    );
}

#[test]
fn credentials_become_secrets_read_from_the_environment_and_no_value_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let plan = import(dir.path(), &example_dir().join("docker-compose.yml"), &[]);
    let table = toml(&plan);
    let secrets: Vec<(String, String)> = table["secrets"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(name, s)| (name.clone(), s["env"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        secrets,
        [
            ("api_jwt_secret".to_owned(), "API_JWT_SECRET".to_owned()),
            ("api_session_key".into(), "API_SESSION_KEY".into()),
            ("kc_admin_password".into(), "KC_ADMIN_PASSWORD".into()),
            ("postgres_password".into(), "POSTGRES_PASSWORD".into()),
        ]
    );
    let env = &table["units"]["api"]["config"]["env"];
    assert_eq!(env["JWT_SECRET"].as_str(), Some("${secret.api_jwt_secret}"));
    assert_eq!(
        env["DATABASE_URL"].as_str(),
        Some("postgres://app:${secret.postgres_password}@127.0.0.1:15432/app")
    );
    assert_eq!(
        env["PORT"].as_str(),
        Some("8080"),
        "env_file values are kept"
    );
    assert_eq!(env["LOG_LEVEL"].as_str(), Some("info"), "a default is kept");
    assert_eq!(
        table["plugins"]["api"]["grants"]["secrets"].to_string(),
        r#"["api_session_key", "postgres_password", "api_jwt_secret"]"#
    );
    let compose = std::fs::read_to_string(example_dir().join("docker-compose.yml")).unwrap()
        + &std::fs::read_to_string(example_dir().join("api.env")).unwrap();
    for literal in [
        "change-me-this-is-not-a-real-secret",
        "also-not-a-real-secret-value",
    ] {
        assert!(
            compose.contains(literal),
            "the example has the literal {literal}"
        );
        assert!(
            !plan.contains(literal),
            "{literal} was written into the plan"
        );
    }

    let valid = run(dir.path(), &["validate"]);
    assert_eq!(valid.code, EXIT_SUCCESS, "{}", valid.all());
    let explained = run(
        dir.path(),
        &["plan", "--env", "production", "--all", "--version", "v1"],
    );
    assert_eq!(explained.code, EXIT_SUCCESS, "{}", explained.all());
    for unit in ["gateway", "api", "postgres", "keycloak", "kong"] {
        assert!(
            explained.stdout.contains(unit),
            "plan explains {unit}: {}",
            explained.stdout
        );
    }
    for (_, value) in CREDENTIALS {
        assert!(
            !explained.all().contains(value),
            "plan printed a secret: {}",
            explained.all()
        );
    }
}

#[test]
fn the_build_only_service_volumes_networks_and_commands_are_listed_at_the_top() {
    let dir = tempfile::tempdir().unwrap();
    let plan = import(dir.path(), &example_dir().join("docker-compose.yml"), &[]);
    let top: String = plan
        .lines()
        .take_while(|line| line.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    for expected in [
        "service `worker`: `build:` only, no `image`: sluice never builds",
        "volume `pgdata`: sluice creates and mounts no volumes",
        "service `postgres` mounts `pgdata:/var/lib/postgresql/data`",
        "network `default`: sluice's containers join Docker's default bridge only",
        "service `keycloak`: `command` is not expressible",
        "service `kong`: port 18003:8001 is not published",
    ] {
        assert!(
            top.replace("\n#  ", " ").contains(expected),
            "the top comment says {expected:?}:\n{top}"
        );
    }
    assert!(
        !top.contains("which is not imported"),
        "every dependency is imported: {top}"
    );
}

#[test]
fn an_existing_plan_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sluice.toml"), "mine").unwrap();
    let compose = example_dir().join("docker-compose.yml");
    let refused = run(
        dir.path(),
        &["init", "--from-compose", compose.to_str().unwrap()],
    );
    assert_eq!(refused.code, EXIT_INVALID, "{}", refused.all());
    assert!(
        refused
            .stderr
            .contains("already exists: `sluice init` never overwrites a plan"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sluice.toml")).unwrap(),
        "mine"
    );
}

#[test]
fn broken_compose_files_are_refused_naming_the_file_line_and_column() {
    for (file, expected) in [
        ("bad-yaml.yml", "bad-yaml.yml:5:3: invalid YAML: "),
        (
            "unknown-key.yml",
            "unknown-key.yml:6:1: unknown top-level key `servces`: expected one of",
        ),
        (
            "cycle.yml",
            "cycle.yml:5:5: dependency cycle: api -> db -> api",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let refused = run(
            dir.path(),
            &["init", "--from-compose", fixture(file).to_str().unwrap()],
        );
        assert_eq!(refused.code, EXIT_INVALID, "{file}: {}", refused.all());
        assert!(
            refused.stderr.contains(expected),
            "{file}: expected {expected:?} in {}",
            refused.stderr
        );
        assert!(
            !dir.path().join("sluice.toml").exists(),
            "{file}: nothing written"
        );
    }
}

/// A loopback port free with the two ports a blue-green unit's colors take (+10000, +20000).
fn free_port_with_colors(taken: &mut Vec<u16>) -> u16 {
    loop {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let ports = [port, port.wrapping_add(10_000), port.wrapping_add(20_000)];
        let all_free = port <= 45_535
            && ports.iter().all(|p| !taken.contains(p))
            && ports[1..]
                .iter()
                .all(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok());
        if all_free {
            taken.extend(ports);
            return port;
        }
    }
}

#[test]
fn an_imported_plan_deploys_the_test_image_services_and_passes_their_gates() {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    images::ensure();
    let caddy = Caddy::start();
    let project = unique_name("compose");
    let _cleanup = ContainersGuard {
        prefix: project.clone(),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut compose = std::fs::read_to_string(example_dir().join("docker-compose.yml"))
        .unwrap()
        .replace("name: vps", &format!("name: {project}"));
    let mut taken = Vec::new();
    let mut published = Vec::new();
    for port in ["18000", "18001", "15432", "18080", "18002"] {
        let free = free_port_with_colors(&mut taken);
        published.push(free);
        compose = compose.replace(&format!("127.0.0.1:{port}:"), &format!("127.0.0.1:{free}:"));
    }
    std::fs::write(dir.path().join("docker-compose.yml"), compose).unwrap();
    std::fs::copy(example_dir().join("api.env"), dir.path().join("api.env")).unwrap();
    let admin = caddy.admin_url();
    import(
        dir.path(),
        &dir.path().join("docker-compose.yml"),
        &["--router", "caddy", "--router-admin", &admin],
    );

    let applied = run(
        dir.path(),
        &["apply", "--env", "production", "--version", "v1"],
    );
    assert_eq!(
        applied.code,
        EXIT_SUCCESS,
        "{}\ncaddy:\n{}",
        applied.all(),
        caddy.log()
    );
    // Caddy serves each blue-green unit where Compose published it; postgres (replace) serves there itself.
    for port in published {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        assert_eq!(get(addr, "/"), (200, "v1\n".into()), "port {port}");
    }
    let history = run(dir.path(), &["history", "--output", "json"]);
    let succeeded = history
        .stdout
        .lines()
        .filter(|line| line.contains("\"outcome\":\"succeeded\""))
        .count();
    assert_eq!(succeeded, 5, "every unit succeeded: {}", history.stdout);
    for (_, value) in CREDENTIALS {
        assert!(!applied.all().contains(value), "apply printed a secret");
    }
}
