//! The proof that the Pages emulator is faithful: the real wrangler (4.86.0, from npm) deploys to
//! it unmodified and the emulator serves every file byte for byte; sluice deploying the same
//! directory arrives at the same manifest, so it uploads nothing wrangler did not.

use crate::support::cloudflare::faults::Endpoint;
use crate::support::cloudflare::wrangler;
use crate::support::pages::{PRODUCTION_BRANCH, PROJECT, PagesProject, VERSION_GATES, files_under};
use crate::support::{EXIT_SUCCESS, Run};

/// Files wrangler must leave out (its ignore list), relative to the site.
const IGNORED: &[&str] = &[
    "_headers",
    "_redirects",
    "node_modules/left-pad/index.js",
    "docs/.DS_Store",
];

/// A site with the cases that matter: nested and dot directories, binary, empty and
/// extension-less files, names needing escapes, the special files and ignored ones.
fn site(project: &PagesProject) {
    project.write("version.txt", "v1");
    project.write("index.html", "<!doctype html><h1>shop</h1>\n");
    project.write("logo.png", "foobar");
    project.write(
        "img/photo.jpg",
        (0..200_000u32)
            .map(|i| (i * 7 % 256) as u8)
            .collect::<Vec<_>>(),
    );
    project.write("empty.css", "");
    project.write("LICENSE", "Apache-2.0\n");
    project.write("docs/a page.html", "<p>spaces</p>\n");
    project.write("docs/.DS_Store", "junk");
    project.write(".well-known/security.txt", "Contact: ops@example.com\n");
    project.write("node_modules/left-pad/index.js", "module.exports = 1;\n");
    project.write("_headers", "/*\n  X-Frame-Options: DENY\n");
    project.write("_redirects", "/old /new 301\n");
}

fn wrangler_deploys(project: &PagesProject) -> Run {
    let run = wrangler::pages_deploy(
        &project.emulator,
        &project.site(),
        PROJECT,
        PRODUCTION_BRANCH,
    );
    assert_eq!(run.code, EXIT_SUCCESS, "wrangler failed:\n{}", run.all());
    run
}

#[test]
fn wrangler_deploys_to_the_emulator_which_then_serves_every_file_byte_for_byte() {
    let project = PagesProject::new();
    site(&project);

    wrangler_deploys(&project);

    let live = project
        .emulator
        .live(PROJECT)
        .expect("a production deployment");
    let deployment = project.emulator.deployment(&live);
    let served: Vec<(String, Vec<u8>)> = files_under(&project.site())
        .into_iter()
        .filter(|(path, _)| !IGNORED.contains(&path.as_str()))
        .collect();
    let mut paths: Vec<String> = served.iter().map(|(path, _)| format!("/{path}")).collect();
    paths.sort();
    assert_eq!(
        deployment.manifest.keys().cloned().collect::<Vec<_>>(),
        paths
    );
    for (path, bytes) in served {
        let escaped = path.replace(' ', "%20");
        assert_eq!(
            project.production(&format!("/{escaped}")),
            (200, bytes),
            "/{path}"
        );
    }
    assert_eq!(
        deployment.manifest["/logo.png"], "2082190357cfd3617ccfe04f340c6247",
        "wrangler hashes the protocol notes' test vector as documented"
    );
    assert_eq!(
        deployment.headers.as_deref(),
        Some("/*\n  X-Frame-Options: DENY\n")
    );
    assert_eq!(deployment.redirects.as_deref(), Some("/old /new 301\n"));
}

#[test]
fn sluice_deploying_what_wrangler_deployed_arrives_at_the_same_manifest_and_uploads_nothing() {
    let project = PagesProject::new();
    site(&project);
    wrangler_deploys(&project);
    let by_wrangler = project.live_manifest();
    project.emulator.reset_counters();

    project.plan("", VERSION_GATES);
    let run = project.apply("v1", &[]);

    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert_eq!(project.live_manifest(), by_wrangler);
    let counters = project.emulator.counters();
    assert_eq!(counters.files_uploaded(), 0, "every hash was already there");
    assert_eq!(counters.requests_to(Endpoint::Upload), 0);
}
