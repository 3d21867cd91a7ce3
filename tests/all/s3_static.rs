//! `builtin:s3-static` against moto (the AWS emulator, real S3 and CloudFront APIs on loopback),
//! checked with the real AWS CLI: a site deploys as a release under `releases/VERSION/`, the
//! CloudFront origin's path switches to it, a redeploy uploads only what changed (the same set
//! `aws s3 sync` uploads for that change), a failing gate puts the origin back, `sluice
//! rollback` returns to the release before, `keep` deletes what it drops, and an unknown bucket
//! fails before anything is switched. The credentials are secrets the plugin is granted; the
//! secret key appears in no output.

use std::path::Path;

use crate::support::moto::s3::{S3Site, backdate, s3_static_plan};
use crate::support::moto::{Moto, sluice_with_keys};
use crate::support::project::{ENV, Project};
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

/// The bucket and the CloudFront origin the tests deploy to.
const BUCKET: &str = "www";
const ORIGIN: &str = "site";

/// A project deploying `site/` to moto's S3 and CloudFront.
struct Site {
    project: Project,
    moto: Moto,
    distribution: String,
}

impl Site {
    /// moto with the bucket `www` and a distribution whose origin serves nothing yet.
    fn new() -> Site {
        let moto = Moto::start();
        moto.public_bucket(BUCKET);
        let distribution = moto.distribution(ORIGIN, "");
        let site = Site {
            project: Project::new(),
            moto,
            distribution,
        };
        site.plan(BUCKET, 3, "");
        site
    }

    /// Writes the plan: bucket `bucket`, `keep` releases, and `gate` (a TOML gate table) after
    /// the staged gate, which reads the new `index.html`.
    fn plan(&self, bucket: &str, keep: u32, gate: &str) {
        self.project.write_plan(&s3_static_plan(
            &S3Site {
                endpoint: &self.moto.endpoint,
                bucket,
                distribution: &self.distribution,
                origin: ORIGIN,
                keep,
                page: "index.html",
            },
            gate,
        ));
    }

    /// Writes `files` (name, text) into `site/`, after emptying it.
    fn write(&self, files: &[(&str, &str)]) {
        write_tree(&self.project.path().join("site"), files);
    }

    fn sluice(&self, args: &[&str]) -> Run {
        sluice_with_keys(self.project.path(), args)
    }

    fn apply(&self, version: &str) -> Run {
        self.sluice(&["apply", "--env", ENV, "--version", version])
    }

    /// Deploys the first version of the site as each of `versions` in turn; each succeeds.
    fn deploy_each(&self, versions: &[&str]) {
        for version in versions {
            self.write(&borrowed(&first(version)));
            let run = self.apply(version);
            assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
        }
    }

    /// Deploys the first version of the site as `version` with a live gate that wants v2's page
    /// to say `version`, which it does not unless `version` is v2; then puts the plan back.
    fn apply_failing_live_gate(&self, version: &str) -> Run {
        let live = format!(
            r#"{{ http = "{}/{BUCKET}/releases/v2/index.html", body = "${{version}}", interval = "50ms", deadline = "1s" }}"#,
            self.moto.endpoint
        );
        self.plan(BUCKET, 3, &live);
        self.write(&borrowed(&first(version)));
        let run = self.apply(version);
        self.plan(BUCKET, 3, "");
        run
    }

    fn origin_path(&self) -> String {
        self.moto.origin_path(&self.distribution)
    }

    /// The keys of the release of `version`, without its prefix.
    fn release(&self, version: &str) -> Vec<String> {
        let prefix = format!("releases/{version}/");
        self.moto
            .keys(BUCKET, &prefix)
            .into_iter()
            .map(|key| key[prefix.len()..].to_owned())
            .collect()
    }
}

/// Empties `dir` and writes `files` (name, text) into it.
fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    let _ = std::fs::remove_dir_all(dir);
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Changes `dir` from `before` to `after` the way an editor would: only the files whose text
/// changes are written, new ones added, gone ones removed (`aws s3 sync` goes by mtime and size).
fn change_tree(dir: &Path, before: &[(&str, String)], after: &[(&str, String)]) {
    for (name, text) in after {
        if !before.contains(&(*name, text.clone())) {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    for (name, _) in before {
        if !after.iter().any(|(n, _)| n == name) {
            std::fs::remove_file(dir.join(name)).unwrap();
        }
    }
}

/// The first version of the site, saying `version` on its index page.
fn first(version: &str) -> Vec<(&'static str, String)> {
    vec![
        ("index.html", format!("<h1>{version}</h1>")),
        ("about.html", "about".to_owned()),
        ("assets/app.js", "console.log(1)".to_owned()),
        ("assets/app.css", "body {}".to_owned()),
        ("old.txt", "going away".to_owned()),
    ]
}

/// The second: index and app.js changed, new.txt added, old.txt removed.
fn second(version: &str) -> Vec<(&'static str, String)> {
    vec![
        ("index.html", format!("<h1>{version}</h1>")),
        ("about.html", "about".to_owned()),
        ("assets/app.js", "console.log(2)".to_owned()),
        ("assets/app.css", "body {}".to_owned()),
        ("new.txt", "arrived".to_owned()),
    ]
}

fn borrowed<'a>(files: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    files.iter().map(|(n, t)| (*n, t.as_str())).collect()
}

#[test]
fn a_site_deploys_as_a_release_cloudfront_switches_to_it_and_a_redeploy_uploads_only_what_aws_s3_sync_would()
 {
    let site = Site::new();
    site.write(&borrowed(&first("v1")));
    let run = site.apply("v1");
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert!(
        run.all().contains("5 uploaded, 0 unchanged"),
        "{}",
        run.all()
    );
    assert_eq!(
        site.release("v1"),
        [
            "about.html",
            "assets/app.css",
            "assets/app.js",
            "index.html",
            "old.txt"
        ]
    );
    assert_eq!(site.origin_path(), "/releases/v1");

    // The seeds' way, for the same change: `aws s3 sync --delete` of v1 then of v2 to a mirror.
    let mirror = tempfile::tempdir().unwrap();
    write_tree(mirror.path(), &borrowed(&first("v1")));
    backdate(mirror.path());
    site.moto.aws(&["s3", "mb", "s3://mirror"]);
    let local = mirror.path().display().to_string();
    site.moto
        .aws(&["s3", "sync", "--delete", &local, "s3://mirror"]);
    // S3 keeps whole seconds: a change in the same second as the sync would look old to it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    change_tree(mirror.path(), &first("v1"), &second("v2"));
    let synced = site
        .moto
        .aws(&["s3", "sync", "--delete", "--dryrun", &local, "s3://mirror"]);
    let mut sync_uploads: Vec<&str> = synced
        .lines()
        .filter_map(|line| line.strip_prefix("(dryrun) upload: "))
        .filter_map(|line| line.rsplit_once(" to s3://mirror/").map(|(_, key)| key))
        .collect();
    sync_uploads.sort();
    assert_eq!(
        sync_uploads,
        ["assets/app.js", "index.html", "new.txt"],
        "{synced}"
    );

    site.write(&borrowed(&second("v2")));
    let run = site.apply("v2");
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    // sluice uploads the same three; the two unchanged files are copied inside the bucket.
    assert!(
        run.all().contains("3 uploaded, 2 unchanged"),
        "{}",
        run.all()
    );
    assert_eq!(
        site.release("v2"),
        [
            "about.html",
            "assets/app.css",
            "assets/app.js",
            "index.html",
            "new.txt"
        ]
    );
    assert_eq!(site.origin_path(), "/releases/v2");
    let invalidated = site.moto.aws(&[
        "cloudfront",
        "list-invalidations",
        "--distribution-id",
        &site.distribution,
        "--query",
        "InvalidationList.Items[].Id",
        "--output",
        "json",
    ]);
    let ids: Vec<String> = serde_json::from_str(&invalidated).unwrap_or_default();
    assert_eq!(
        ids.len(),
        2,
        "one invalidation per deployment: {invalidated}"
    );
    assert!(run.all().contains("invalidation"), "{}", run.all());
}

#[test]
fn a_failing_live_gate_puts_the_origin_back_and_sluice_rollback_returns_to_the_release_before() {
    let site = Site::new();
    site.deploy_each(&["v1", "v2"]);
    assert_eq!(site.origin_path(), "/releases/v2");

    let run = site.apply_failing_live_gate("v3");
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert_eq!(site.origin_path(), "/releases/v2");
    assert!(
        site.release("v3").is_empty(),
        "the rolled-back release was left"
    );

    let back = site.sluice(&["rollback", "--env", ENV, "--unit", "web"]);
    assert_eq!(back.code, EXIT_SUCCESS, "{}", back.all());
    assert_eq!(site.origin_path(), "/releases/v1");
}

#[test]
fn a_failed_redeploy_of_a_kept_version_leaves_its_release_whole_for_sluice_rollback() {
    let site = Site::new();
    site.deploy_each(&["v1", "v2"]);

    // v1 again, over v2.
    let run = site.apply_failing_live_gate("v1");
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert_eq!(site.origin_path(), "/releases/v2");
    assert_eq!(
        site.release("v1").len(),
        5,
        "v1 is a kept release: the rollback of its redeploy must not delete it"
    );

    let back = site.sluice(&["rollback", "--env", ENV, "--unit", "web"]);
    assert_eq!(back.code, EXIT_SUCCESS, "{}", back.all());
    assert_eq!(site.origin_path(), "/releases/v1");
    assert_eq!(site.release("v1").len(), 5);
}

#[test]
fn keep_deletes_the_releases_it_drops_and_an_unknown_bucket_fails_before_anything_switches() {
    let site = Site::new();
    site.plan(BUCKET, 2, "");
    site.deploy_each(&["v1", "v2", "v3"]);
    assert!(site.release("v1").is_empty(), "v1 is beyond keep = 2");
    assert_eq!(site.release("v2").len(), 5);
    assert_eq!(site.release("v3").len(), 5);

    site.plan("no-such-bucket", 2, "");
    site.write(&borrowed(&second("v4")));
    let run = site.apply("v4");
    assert_ne!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert!(run.all().contains("NoSuchBucket"), "{}", run.all());
    assert_eq!(site.origin_path(), "/releases/v3");
}

#[test]
fn credentials_aws_refuses_fail_with_its_reason_and_nothing_is_uploaded_or_switched() {
    let site = Site::new();
    site.write(&borrowed(&first("v1")));
    let run = site.apply("v1");
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());

    site.write(&borrowed(&second("v2")));
    site.moto.assert_credentials_refused(
        site.project.path(),
        &["apply", "--env", ENV, "--version", "v2"],
        |code| {
            format!(
                "prepare: denied: reading CloudFront distribution {}: HTTP 403 {code}",
                site.distribution
            )
        },
    );
    assert!(site.release("v2").is_empty(), "a refused deploy uploaded");
    assert_eq!(site.origin_path(), "/releases/v1");
}
