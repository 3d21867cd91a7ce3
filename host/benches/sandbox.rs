//! `make bench` for the sandbox's checks: what the http capability costs per request when it
//! reaches a granted origin by literal address, by `localhost`, and by a name it looks up, checks
//! and pins (first request of a lifecycle call, which builds the pinned client, and each further
//! one); one GET from a JavaScript lifecycle call by `fetch()` (`wasi:http`) and by the SDK's
//! `sluice:deploy/http` helper; and how long the host takes to stop a plugin that hands a host
//! call 1 GiB. Prints figures; asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sluice::caps::Provision;
use sluice::caps::http::HttpCap;
use sluice::plan::model::{Grants, HttpGrant, Limits};
use sluice::runtime::{ComponentBytes, Runtime};
use sluice::wit::http::{Method, Request};
use sluice::wit::types::Context;
use support::DiscardLogs;
use support::figures::{median, ms};
use support::hosts::HostsName;
use support::js::{Build, test_component};
use support::scripted::ScriptedServer;

fn get(url: &str) -> Request {
    Request {
        method: Method::Get,
        url: url.to_owned(),
        headers: Vec::new(),
        body: None,
        timeout_ms: Some(10_000),
        follow_redirects: false,
    }
}

/// Medians of (a fresh capability's first request, each further request) to `origin`.
fn http_costs(rt: &tokio::runtime::Runtime, grant: HttpGrant) -> (Duration, Duration) {
    let url = format!("{}/", grant.origin);
    let grants = [grant];
    let mut first = Vec::new();
    for _ in 0..100 {
        let start = Instant::now();
        let cap = HttpCap::new("bench", &grants).unwrap();
        rt.block_on(cap.send(get(&url))).unwrap();
        first.push(start.elapsed());
    }
    let cap = HttpCap::new("bench", &grants).unwrap();
    let mut further = Vec::new();
    for _ in 0..500 {
        let start = Instant::now();
        rt.block_on(cap.send(get(&url))).unwrap();
        further.push(start.elapsed());
    }
    (median(first), median(further))
}

fn http(rt: &tokio::runtime::Runtime) {
    let service = ScriptedServer::ok("ok");
    let port = service.addr.port();
    let name = HostsName::resolving_to(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let origins = [
        ("literal address", service.origin(), false),
        ("localhost", format!("http://localhost:{port}"), false),
        (
            "name, looked up and pinned",
            format!("http://{}:{port}", name.name),
            true,
        ),
    ];
    println!("http capability, GET to a loopback server (medians of 100 first / 500 further)");
    for (label, origin, internal) in origins {
        let (first, further) = http_costs(rt, HttpGrant { origin, internal });
        println!(
            "  {label:28} first request of a call {}, each further {}",
            ms(first),
            ms(further)
        );
    }
}

/// The context of every lifecycle call the benches make.
fn bench_context() -> Context {
    Context {
        deployment_id: "bench".into(),
        environment: "bench".into(),
        unit: "bench".into(),
        version: "v1".into(),
        dry_run: false,
    }
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
    let ctx = bench_context();
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

fn huge_host_call(rt: &tokio::runtime::Runtime) {
    let cache = tempfile::tempdir().unwrap();
    let runtime = Runtime::new(cache.path().to_path_buf()).unwrap();
    let bytes =
        ComponentBytes::file("hostile", &support::test_plugin("hostile-limits"), None).unwrap();
    let limits = Limits {
        memory: 2 << 30,
        ..Limits::default()
    };
    let plugin = runtime
        .load("hostile", &bytes, Some(&Grants::default()), limits)
        .unwrap();
    let provision = Provision::deny_all("hostile", "bench", Arc::new(DiscardLogs));
    let ctx = bench_context();
    let runs = 10;
    let mut stops = Vec::new();
    let mut outcome = String::new();
    for _ in 0..runs {
        let start = Instant::now();
        let stopped =
            rt.block_on(plugin.stage(&provision, &ctx, r#"{"attack":"huge-string"}"#, None));
        stops.push(start.elapsed());
        outcome = match stopped {
            Err(error) => format!("{error:#}"),
            Ok(_) => "not stopped".to_owned(),
        };
    }
    println!("a 1 GiB string handed to log.write (hostile-limits, memory limit 2 GiB)");
    println!(
        "  instantiate + grow 1 GiB + host refuses the call  {} (median of {runs})",
        ms(median(stops))
    );
    println!("  outcome: {outcome}");
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    http(&rt);
    fetch_against_sluice_http(&rt);
    huge_host_call(&rt);
}
