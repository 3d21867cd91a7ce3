//! HAProxy as the `container` strategy's router, driven through its runtime API by the
//! `haproxy` capability: weighted canaries and blue-green with zero failed requests and no
//! reload, and the capability's denials.

use crate::support::haproxy::HaProxy;
use crate::support::http::StaticServer;

#[test]
fn a_test_haproxy_routes_to_servers_added_through_its_runtime_api_and_exports_metrics() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "blue\n").unwrap();
    let server = StaticServer::start(site.path());
    let haproxy = HaProxy::start();
    let pid = haproxy.pid();
    assert_eq!(haproxy.get("/").0, 503, "no server yet");

    haproxy.add_server("blue", server.addr, 100);
    assert_eq!(haproxy.get("/index.html"), (200, "blue\n".into()));
    assert_eq!(haproxy.weights(), [("blue".to_owned(), 100)].into());

    let (status, metrics) = crate::support::http::get(haproxy.metrics, "/metrics");
    assert_eq!(status, 200);
    assert!(
        metrics.contains(
            r#"haproxy_server_http_responses_total{proxy="web",server="blue",code="2xx"}"#
        ),
        "per-server response counts are exported: {}",
        metrics
            .lines()
            .filter(|l| l.contains("server=\"blue\""))
            .take(5)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(haproxy.pid(), pid);
}
