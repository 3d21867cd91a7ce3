//! `examples/aws-release` as its README runs it: `build.sh` builds the two TypeScript plugins and
//! renders the plan with their sha256; with the plan's AWS endpoints pointed at moto (ECS, S3,
//! CloudFront) and the Cloudflare API at the tests' emulator, `plugins audit` lists the endpoints
//! each plugin may reach, and one apply migrates the schema,
//! rolls the ECS service onto the new image, switches CloudFront to the new release and deploys
//! the Worker. A release whose Worker is refused (a wrong token) is undone as a group: the new
//! migration's down script runs, ECS and CloudFront go back, and the Worker keeps its version.

use std::path::Path;
use std::process::Command;

use crate::support::cloudflare::workers::serving;
use crate::support::cloudflare::{ACCOUNT, API_TOKEN, Emulator};
use crate::support::components::repo_root;
use crate::support::moto::{ACCESS_KEY_ID, Moto, SECRET_ACCESS_KEY};
use crate::support::{EXIT_FAILED, EXIT_SUCCESS, Run, sluice};

const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-api";

/// The columns of table `orders` in the example's app database.
fn order_columns(project: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open(project.join(".sluice/app.db")).unwrap();
    let mut query = db
        .prepare("SELECT name FROM pragma_table_info('orders')")
        .unwrap();
    query
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn the_aws_release_example_ships_four_units_across_three_clouds_and_undoes_them_together_when_one_is_refused()
 {
    let moto = Moto::start_with(&[("MOTO_ECS_SERVICE_RUNNING", "2")]);
    moto.ecs_service("shop", "api", "shop-api:v0");
    moto.public_bucket("shop-www");
    let distribution = moto.distribution("shop-www", "");
    let emulator = Emulator::start();

    let example = repo_root().join("examples/aws-release");
    let project = tempfile::tempdir().unwrap();
    for dir in ["migrations", "frontend", "edge"] {
        let copied = Command::new("cp")
            .arg("-r")
            .arg(example.join(dir))
            .arg(project.path())
            .status()
            .unwrap();
        assert!(copied.success());
    }
    let built = Command::new(example.join("build.sh"))
        .arg(project.path())
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let plan = std::fs::read_to_string(project.path().join("sluice.toml")).unwrap();
    let mut pointed = plan.clone();
    for (real, here) in [
        (
            "https://ecs.us-east-1.amazonaws.com",
            moto.endpoint.as_str(),
        ),
        ("https://s3.us-east-1.amazonaws.com", moto.endpoint.as_str()),
        ("https://cloudfront.amazonaws.com", moto.endpoint.as_str()),
        ("https://api.cloudflare.com", &emulator.origin()),
        ("E2QWRUHEXAMPLE", &distribution),
        ("023e105f4ecef8ad9ca31a8372d0c353", ACCOUNT),
    ] {
        assert!(pointed.contains(real), "the example's plan names {real}");
        pointed = pointed.replace(real, here);
    }
    std::fs::write(project.path().join("sluice.toml"), pointed).unwrap();
    let run = |token: &str, args: &[&str]| -> Run {
        sluice(project.path())
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .env("CLOUDFLARE_API_TOKEN", token)
            .args(args)
            .output()
            .unwrap()
            .into()
    };
    let apply = |version: &str, token: &str| {
        run(
            token,
            &["apply", "--env", "production", "--version", version],
        )
    };
    let edge_versions = || {
        let script = emulator.script("shop-edge").unwrap();
        (
            script.versions.len(),
            serving(&script).into_values().collect::<Vec<_>>(),
        )
    };

    // What each plugin may reach: the AWS endpoints for ecs and s3, the Cloudflare API for the
    // Worker, as the audit lists them.
    let audit = run(API_TOKEN, &["plugins", "audit"]);
    assert_eq!(audit.code, EXIT_SUCCESS, "{}", audit.all());
    let http_rows: Vec<&str> = audit
        .stdout
        .lines()
        .filter(|line| line.trim_start().starts_with("http "))
        .collect();
    assert_eq!(
        http_rows
            .iter()
            .filter(|row| row.contains(&moto.endpoint))
            .count(),
        2,
        "{}",
        audit.stdout
    );
    assert!(
        http_rows.iter().any(|row| row.contains(&emulator.origin())),
        "{}",
        audit.stdout
    );

    // The README's `sluice plan`: each unit and what its plugin would change, nothing touched.
    let plan = run(
        API_TOKEN,
        &["plan", "--env", "production", "--version", "v1"],
    );
    assert_eq!(plan.code, EXIT_SUCCESS, "{}", plan.all());
    for change in ["ecs:shop/api", "workers:shop-edge"] {
        assert!(plan.stdout.contains(change), "{}", plan.all());
    }
    assert_eq!(moto.ecs_revisions("api"), ["api:1"]);

    let first = apply("v1", API_TOKEN);
    assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
    assert_eq!(order_columns(project.path()), ["id", "placed_at"]);
    assert_eq!(
        moto.ecs_running("shop", "api"),
        ("api:2".to_owned(), format!("{IMAGE}:v1"))
    );
    assert_eq!(moto.origin_path(&distribution), "/releases/v1");
    assert_eq!(edge_versions(), (1, vec![100.0]));

    std::fs::write(
        project.path().join("migrations/V2__add_total.sql"),
        "ALTER TABLE orders ADD COLUMN total INTEGER;\n",
    )
    .unwrap();
    std::fs::write(
        project.path().join("migrations/U2__add_total.sql"),
        "ALTER TABLE orders DROP COLUMN total;\n",
    )
    .unwrap();
    // The Worker's prepare is refused, and so is its rollback (the same token): the unit fails,
    // the run exits 1, and the group's three other units are undone.
    let refused = apply("v2", "not-the-token");
    assert_eq!(refused.code, EXIT_FAILED, "{}", refused.all());
    assert!(
        refused
            .all()
            .contains("undone with its atomic group `release`"),
        "{}",
        refused.all()
    );
    assert_eq!(order_columns(project.path()), ["id", "placed_at"]);
    assert_eq!(
        moto.ecs_running("shop", "api"),
        ("api:2".to_owned(), format!("{IMAGE}:v1"))
    );
    assert_eq!(moto.origin_path(&distribution), "/releases/v1");
    assert_eq!(edge_versions(), (1, vec![100.0]));
}
