//! `make bench` for the Cloudflare Pages strategy: a generated site of 2,000 files (about 50 MB,
//! `support::generated_site`),
//! deployed first and again with 10 files changed, by `sluice apply` and by wrangler 4.86.0,
//! against the same emulator in one run (two projects, so each starts empty). Prints wall
//! times, bytes uploaded and the ratios; asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use support::cloudflare::wrangler;
use support::figures::{Upload, comparison_row};
use support::generated_site::{self, FILES};
use support::pages::{PRODUCTION_BRANCH, PagesProject, VERSION_GATES};
use support::{EXIT_SUCCESS, Run};

const CHANGED: usize = 10;
/// The project wrangler deploys to, beside sluice's.
const WRANGLER_PROJECT: &str = "shop-wrangler";

/// Writes the site of `version` into the project, with `changed` files carrying the version.
fn write_site(project: &PagesProject, version: &str, changed: usize) {
    generated_site::write_changed(&project.site(), &generated_site::files(version, changed));
}

fn measured(project: &PagesProject, deploy: impl FnOnce() -> Run) -> Upload {
    project.emulator.reset_counters();
    let started = Instant::now();
    let run = deploy();
    let wall = started.elapsed();
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    Upload {
        wall,
        bytes: project.emulator.counters().bytes_uploaded,
    }
}

fn main() {
    let mut project = PagesProject::new();
    project.retry_delay_ms = 1000;
    project
        .emulator
        .create_project(WRANGLER_PROJECT, PRODUCTION_BRANCH);
    project.plan("", VERSION_GATES);
    write_site(&project, "v1", 0);
    let total: u64 = support::pages::files_under(&project.site())
        .iter()
        .map(|(_, b)| b.len() as u64)
        .sum();
    let warm = project.sluice(&["validate"]);
    assert_eq!(warm.code, EXIT_SUCCESS, "{}", warm.all());
    let by_wrangler = || {
        wrangler::pages_deploy(
            &project.emulator,
            &project.site(),
            WRANGLER_PROJECT,
            PRODUCTION_BRANCH,
        )
    };

    let wrangler_first = measured(&project, by_wrangler);
    let sluice_first = measured(&project, || project.apply("v1", &[]));
    write_site(&project, "v2", CHANGED);
    let wrangler_again = measured(&project, by_wrangler);
    let sluice_again = measured(&project, || project.apply("v2", &[]));

    println!(
        "Cloudflare Pages: {FILES} files, {:.1} MB, sluice (cloudflare-pages plugin, preview + gates + production) vs wrangler {} (production only), same emulator",
        total as f64 / 1e6,
        wrangler::VERSION
    );
    comparison_row("first deploy", &sluice_first, "wrangler", &wrangler_first);
    comparison_row(
        &format!("redeploy, {CHANGED} changed"),
        &sluice_again,
        "wrangler",
        &wrangler_again,
    );
}
