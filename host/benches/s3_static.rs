//! `make bench` for the s3-static strategy: the generated site of 2,000 files (about 50 MB,
//! `support::generated_site`), deployed first and again with 10 files changed, by `sluice apply`
//! (a release under `releases/VERSION/`, the staged gate, the CloudFront origin switched and the
//! changed paths invalidated) and by the seeds' way (`aws s3 sync --delete` into the bucket, then
//! `aws cloudfront create-invalidation --paths "/*"`, the real AWS CLI), each to its own bucket
//! and distribution of one moto, through a proxy that counts the bytes each sends (the first
//! version backdated, so the CLI re-uploads no unchanged file by its mtime). Prints wall
//! times, bytes sent and the ratios, then what this moto takes to copy every object (the CLI's
//! `aws s3 cp --recursive` between buckets); asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::time::Instant;

use support::EXIT_SUCCESS;
use support::figures::{Upload, comparison_row};
use support::generated_site::{FILES, files, write_changed};
use support::moto::s3::{S3Site, backdate, s3_static_plan};
use support::moto::{Moto, aws_cli, sluice_with_keys};
use support::project::{ENV, Project};
use support::tcp_proxy::TcpProxy;

const CHANGED: usize = 10;

/// Runs `deploy`, timing it and counting what went through `proxy`.
fn measured(proxy: &TcpProxy, deploy: impl FnOnce()) -> Upload {
    let before = proxy.sent();
    let started = Instant::now();
    deploy();
    let wall = started.elapsed();
    Upload {
        wall,
        bytes: proxy.sent() - before,
    }
}

/// The real AWS CLI against `endpoint` with `args`, which must succeed.
fn cli(endpoint: &str, args: &[&str]) {
    let output = aws_cli(endpoint).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The seeds' deploy: sync the site into the bucket, then invalidate everything.
fn by_cli(endpoint: &str, site: &Path, distribution: &str) {
    let site = site.to_str().unwrap();
    cli(
        endpoint,
        &[
            "s3",
            "sync",
            "--delete",
            "--only-show-errors",
            site,
            "s3://www-cli/",
        ],
    );
    cli(
        endpoint,
        &[
            "cloudfront",
            "create-invalidation",
            "--distribution-id",
            distribution,
            "--paths",
            "/*",
        ],
    );
}

fn main() {
    let moto = Moto::start();
    let port = moto.endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let proxy = TcpProxy::start(([127, 0, 0, 1], port).into());
    let endpoint = format!("http://127.0.0.1:{}", proxy.port);
    moto.public_bucket("www");
    moto.public_bucket("www-cli");
    let distribution = moto.distribution("site", "");
    let cli_distribution = moto.distribution("site-cli", "");

    let project = Project::new();
    project.write_plan(&s3_static_plan(
        &S3Site {
            endpoint: &endpoint,
            bucket: "www",
            distribution: &distribution,
            origin: "site",
            keep: 3,
            page: "version.txt",
        },
        "",
    ));
    let site = project.path().join("site");
    let apply = |version: &str| {
        let run = sluice_with_keys(
            project.path(),
            &["apply", "--env", ENV, "--version", version],
        );
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    };
    let warm = sluice_with_keys(project.path(), &["validate"]);
    assert_eq!(warm.code, EXIT_SUCCESS, "{}", warm.all());

    let v1 = files("v1", 0);
    let total: u64 = v1.iter().map(|(_, bytes)| bytes.len() as u64).sum();
    write_changed(&site, &v1);
    backdate(&site);
    let cli_first = measured(&proxy, || by_cli(&endpoint, &site, &cli_distribution));
    let sluice_first = measured(&proxy, || apply("v1"));
    write_changed(&site, &files("v2", CHANGED));
    let cli_again = measured(&proxy, || by_cli(&endpoint, &site, &cli_distribution));
    let sluice_again = measured(&proxy, || apply("v2"));
    // What a copy of every object costs in this moto, by the CLI (server-side copies, 10 at a
    // time): the floor under a redeploy that copies the unchanged files into a new release.
    moto.public_bucket("copies");
    let cli_copies = measured(&proxy, || {
        cli(
            &endpoint,
            &[
                "s3",
                "cp",
                "--recursive",
                "--only-show-errors",
                "s3://www-cli/",
                "s3://copies/",
            ],
        );
    });

    println!(
        "S3 + CloudFront: {FILES} files, {:.1} MB, sluice (s3-static: release prefix + staged gate + origin switch + invalidation) vs aws s3 sync --delete + create-invalidation (the seeds' way), same moto",
        total as f64 / 1e6
    );
    comparison_row("first deploy", &sluice_first, "aws cli", &cli_first);
    comparison_row(
        &format!("redeploy, {} changed", CHANGED + 1),
        &sluice_again,
        "aws cli",
        &cli_again,
    );
    println!(
        "  (aws s3 cp --recursive of those {FILES} objects to another bucket of the same moto, server-side copies: {:.2} s, {:.2} MiB)",
        cli_copies.wall.as_secs_f64(),
        cli_copies.bytes as f64 / (1024.0 * 1024.0)
    );
}
