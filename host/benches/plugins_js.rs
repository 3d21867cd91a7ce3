//! `make bench` for JavaScript/TypeScript plugins: the example `release-dir-ts` (built with the
//! JS SDK and componentize-js) — component size, first compile, cached load, instantiate + one
//! lifecycle call, and a whole `sluice apply` with no gates; and one GET to a loopback origin
//! from a lifecycle call, by `fetch()` (`wasi:http`) and by the SDK's `sluice:deploy/http`
//! helper. Prints figures; asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use sluice::caps::Provision;
use sluice::plan::model::{Grants, HttpGrant, Limits};
use sluice::runtime::{ComponentBytes, Runtime};
use sluice::wit::types::Context;
use support::DiscardLogs;
use support::figures::{load_costs, median, median_validate, ms};
use support::js::{Build, example_component, test_component};
use support::project::{ENV, Project, static_site_plan};
use support::scripted::ScriptedServer;

const CONFIG: &str = r#"{"source":"/site","target":"/www"}"#;

fn load_and_call(rt: &tokio::runtime::Runtime, bytes: &ComponentBytes) {
    let provision = Provision::deny_all("site", "bench", Arc::new(DiscardLogs));
    let (costs, plugin) = load_costs(rt, bytes, &provision);
    let calls = 100;
    let per_call = median_validate(rt, &plugin, &provision, CONFIG, calls);

    println!(
        "JS plugin release-dir-ts (TypeScript, componentize-js 0.23, {} KiB component)",
        bytes.bytes.len() / 1024
    );
    println!(
        "  first compile: engine + compile + link      {}",
        ms(costs.cold)
    );
    println!(
        "  cached: engine + deserialize + link + info() {} (median of 20; target < 5 ms)",
        ms(costs.cached_with_call)
    );
    println!(
        "  instantiate + one call (validate)           {} (median of {calls})",
        ms(per_call)
    );
}

fn apply_without_gates(wasm: &std::path::Path) {
    let project = Project::new();
    let plan = static_site_plan("")
        .lines()
        .take_while(|l| !l.starts_with("gates"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(
            "source = \"builtin:static-site\"",
            &format!(
                "source = {:?}\nsha256 = \"{}\"",
                wasm.display().to_string(),
                support::sha256_file(wasm)
            ),
        );
    project.write_plan(&plan);
    project.deploy("warm-up");
    let runs = 10;
    let mut walls = Vec::new();
    for i in 0..runs {
        let version = format!("v{i}");
        project.write_site(&version);
        let start = Instant::now();
        let run = project.sluice(&["apply", "--env", ENV, "--version", &version]);
        walls.push(start.elapsed());
        assert_eq!(run.code, 0, "{}", run.all());
    }
    println!(
        "  sluice apply, no gates (whole process, cached) {} (median of {runs})",
        ms(median(walls))
    );
}

/// The median of `calls` `stage` calls of the JS test plugin `name` (built `build`), whose stage
/// GETs `url` once, with `config`; the plugin is granted `url`'s `origin`.
fn median_stage(
    rt: &tokio::runtime::Runtime,
    (name, build, config): (&str, Build, &str),
    origin: &str,
    calls: usize,
) -> Duration {
    let bytes = ComponentBytes::file(name, &test_component(name, build), None).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let runtime = Runtime::new(cache.path().to_path_buf()).unwrap();
    let mut provision = Provision::deny_all("caps", "bench", Arc::new(DiscardLogs));
    provision.grants = Grants {
        http: Some(vec![HttpGrant {
            origin: origin.to_owned(),
            internal: false,
        }]),
        secrets: vec!["token".into()],
        ..Grants::default()
    };
    let plugin = runtime
        .load("caps", &bytes, Some(&provision.grants), Limits::default())
        .unwrap();
    let ctx = Context {
        deployment_id: "bench".into(),
        environment: "bench".into(),
        unit: "bench".into(),
        version: "v1".into(),
        dry_run: false,
    };
    let samples = (0..calls)
        .map(|_| {
            let start = Instant::now();
            let staged = rt.block_on(plugin.stage(&provision, &ctx, config, None));
            assert!(matches!(staged, Ok(Ok(_))), "{name}: {staged:?}");
            start.elapsed()
        })
        .collect();
    median(samples)
}

fn fetch_against_sluice_http(rt: &tokio::runtime::Runtime) {
    let service = ScriptedServer::ok("ok");
    let url = format!("{}/", service.origin());
    let calls = 50;
    let fetch_config = format!(r#"{{"url":{url:?}}}"#);
    let http_config = format!(r#"{{"probe":"http","arg":{url:?}}}"#);
    let by_fetch = median_stage(
        rt,
        ("fetch", Build::Fetch, &fetch_config),
        &service.origin(),
        calls,
    );
    let by_sluice_http = median_stage(
        rt,
        ("capabilities", Build::Plain, &http_config),
        &service.origin(),
        calls,
    );
    println!("one GET to a loopback origin from a JS stage call (instantiate + call + GET)");
    println!(
        "  fetch() through wasi:http                   {} (median of {calls})",
        ms(by_fetch)
    );
    println!(
        "  SDK request() through sluice:deploy/http    {} (median of {calls})",
        ms(by_sluice_http)
    );
}

fn main() {
    let wasm = example_component("release-dir-ts", Build::Plain);
    let bytes = ComponentBytes::file("site", &wasm, None).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    load_and_call(&rt, &bytes);
    apply_without_gates(&wasm);
    fetch_against_sluice_http(&rt);
}
