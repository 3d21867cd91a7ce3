mod server;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use self::server::{TestServer, closed_address, reply, silent_listener};
use super::{Probe, Verdict, evaluate};
use crate::plan::model::{GateCheck, GateTiming};

/// Fast timing: probes 10 ms apart, a generous deadline that the passing tests never reach.
fn quick() -> GateTiming {
    GateTiming {
        interval: Duration::from_millis(10),
        timeout: Duration::from_secs(2),
        initial_delay: Duration::ZERO,
        success_threshold: 1,
        failure_threshold: 3,
        deadline: Duration::from_secs(30),
        soak: Duration::ZERO,
        start_period: Duration::ZERO,
    }
}

fn http(url: String, status: u16, body: Option<&str>) -> GateCheck {
    GateCheck::Http {
        url,
        status,
        body: body.map(str::to_owned),
    }
}

async fn run(check: &GateCheck, timing: &GateTiming, soak: bool) -> Verdict {
    evaluate(check, timing, soak, None, &|_: &Probe| {}).await
}

#[tokio::test]
async fn a_healthy_server_passes_after_the_success_threshold() {
    let server = TestServer::always(reply(200, "ok")).await;
    let timing = GateTiming {
        success_threshold: 3,
        ..quick()
    };

    let verdict = run(&http(server.url("/health"), 200, None), &timing, false).await;

    assert!(verdict.passed, "{}", verdict.reason);
    assert_eq!(verdict.attempts, 3);
    assert_eq!(
        verdict.reason,
        "passed: 3 consecutive successes after 3 probes (last: HTTP 200)"
    );
    assert_eq!(verdict.last.as_deref(), Some("HTTP 200"));
}

#[tokio::test]
async fn a_failing_server_fails_after_the_failure_threshold_naming_the_last_status() {
    let server = TestServer::always(reply(500, "oops")).await;

    let verdict = run(&http(server.url("/health"), 200, None), &quick(), false).await;

    assert!(!verdict.passed);
    assert_eq!(verdict.attempts, 3);
    assert_eq!(
        verdict.reason,
        "failed: 3 consecutive failures (last: HTTP 500 (expected 200))"
    );
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn a_body_without_the_expected_text_fails() {
    let server = TestServer::always(reply(200, "Goodbye")).await;

    let verdict = run(&http(server.url("/"), 200, Some("Hello")), &quick(), false).await;

    assert!(!verdict.passed);
    assert!(
        verdict
            .reason
            .ends_with("(last: HTTP 200, body did not contain `Hello`)"),
        "{}",
        verdict.reason
    );
}

#[tokio::test]
async fn a_body_with_the_expected_text_passes() {
    let server = TestServer::always(reply(200, "<h1>Hello, world</h1>")).await;

    let verdict = run(&http(server.url("/"), 200, Some("Hello")), &quick(), false).await;

    assert!(verdict.passed, "{}", verdict.reason);
}

#[tokio::test]
async fn a_redirect_fails_unless_it_is_the_expected_status() {
    let server = TestServer::always(reply(302, "")).await;

    let followed = run(&http(server.url("/"), 200, None), &quick(), false).await;
    let expected = run(&http(server.url("/"), 302, None), &quick(), false).await;

    assert!(!followed.passed);
    assert!(
        followed
            .reason
            .contains("HTTP 302 redirect to /elsewhere, not followed"),
        "{}",
        followed.reason
    );
    assert!(expected.passed, "{}", expected.reason);
}

#[tokio::test]
async fn a_gate_that_cannot_pass_in_time_fails_at_the_deadline() {
    let server = TestServer::always(reply(503, "starting")).await;
    let timing = GateTiming {
        failure_threshold: 1_000_000,
        deadline: Duration::from_millis(100),
        ..quick()
    };

    let verdict = run(&http(server.url("/"), 200, None), &timing, false).await;

    assert!(!verdict.passed);
    assert!(
        verdict
            .reason
            .starts_with("failed: deadline 100ms passed after "),
        "{}",
        verdict.reason
    );
    assert!(
        verdict.reason.ends_with("(last: HTTP 503 (expected 200))"),
        "{}",
        verdict.reason
    );
}

#[tokio::test]
async fn a_deadline_shorter_than_the_initial_delay_fails_without_probing() {
    let server = TestServer::always(reply(200, "ok")).await;
    let timing = GateTiming {
        initial_delay: Duration::from_millis(50),
        deadline: Duration::from_millis(20),
        ..quick()
    };

    let verdict = run(&http(server.url("/"), 200, None), &timing, false).await;

    assert!(!verdict.passed);
    assert_eq!(verdict.attempts, 0);
    assert_eq!(
        verdict.reason,
        "failed: deadline 20ms passed before any probe completed"
    );
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn a_probe_still_waiting_at_the_deadline_is_abandoned() {
    let listener = silent_listener().await;
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let timing = GateTiming {
        timeout: Duration::from_secs(30),
        deadline: Duration::from_millis(100),
        ..quick()
    };

    let verdict = run(&http(url, 200, None), &timing, false).await;

    assert!(!verdict.passed);
    assert_eq!(verdict.attempts, 0);
    assert_eq!(
        verdict.reason,
        "failed: deadline 100ms passed before any probe completed"
    );
}

#[tokio::test]
async fn a_server_that_becomes_healthy_after_a_few_probes_passes() {
    let server = TestServer::start(
        [reply(503, ""), reply(503, ""), reply(503, "")],
        reply(200, "ok"),
    )
    .await;
    let timing = GateTiming {
        success_threshold: 2,
        failure_threshold: 5,
        ..quick()
    };

    let verdict = run(&http(server.url("/"), 200, None), &timing, false).await;

    assert!(verdict.passed, "{}", verdict.reason);
    assert_eq!(
        verdict.reason,
        "passed: 2 consecutive successes after 5 probes (last: HTTP 200)"
    );
}

#[tokio::test]
async fn every_probe_is_shown_to_the_observer_in_order() {
    let server = TestServer::start([reply(503, "")], reply(200, "ok")).await;
    let seen = Mutex::new(Vec::new());
    let observe = |probe: &Probe| seen.lock().unwrap().push(probe.clone());

    evaluate(
        &http(server.url("/"), 200, None),
        &quick(),
        false,
        None,
        &observe,
    )
    .await;

    let seen = seen.into_inner().unwrap();
    let expected = [
        Probe {
            attempt: 1,
            ok: false,
            detail: "HTTP 503 (expected 200)".into(),
        },
        Probe {
            attempt: 2,
            ok: true,
            detail: "HTTP 200".into(),
        },
    ];
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_refused_connection_fails_the_http_gate_with_connection_refused() {
    let url = format!("http://{}/", closed_address().await);

    let verdict = run(&http(url, 200, None), &quick(), false).await;

    assert!(!verdict.passed);
    assert_eq!(
        verdict.reason,
        "failed: 3 consecutive failures (last: connection refused)"
    );
}

#[tokio::test]
async fn a_url_that_is_not_http_fails_without_probing() {
    let verdict = run(
        &http("ftp://example.com/".into(), 200, None),
        &quick(),
        false,
    )
    .await;

    assert!(!verdict.passed);
    assert_eq!(verdict.attempts, 0);
    assert!(
        verdict
            .reason
            .starts_with("failed: invalid URL `ftp://example.com/`"),
        "{}",
        verdict.reason
    );
}

#[tokio::test]
async fn soak_keeps_probing_after_the_gate_passes_and_then_passes() {
    let server = TestServer::always(reply(200, "ok")).await;
    let timing = GateTiming {
        soak: Duration::from_millis(100),
        ..quick()
    };

    let verdict = run(&http(server.url("/"), 200, None), &timing, true).await;

    assert!(verdict.passed, "{}", verdict.reason);
    assert!(verdict.attempts > 1, "{}", verdict.reason);
    assert!(
        verdict.reason.contains(", then soaked 1"),
        "{}",
        verdict.reason
    );
}

#[tokio::test]
async fn a_soak_watches_its_whole_window_and_ends_on_a_success_at_or_after_its_end() {
    let server = TestServer::always(reply(200, "ok")).await;
    let timing = GateTiming {
        interval: Duration::from_millis(500),
        soak: Duration::from_secs(2),
        ..quick()
    };
    let first_success = Mutex::new(None);
    let observe = |probe: &Probe| {
        let mut first = first_success.lock().unwrap();
        if probe.ok && first.is_none() {
            *first = Some(Instant::now());
        }
    };

    let verdict = evaluate(
        &http(server.url("/"), 200, None),
        &timing,
        true,
        None,
        &observe,
    )
    .await;
    let watched = first_success.into_inner().unwrap().unwrap().elapsed();

    assert!(verdict.passed, "{}", verdict.reason);
    assert!(watched >= timing.soak, "watched only {watched:?}");
    let soaked = verdict
        .reason
        .split(", then soaked ")
        .nth(1)
        .and_then(|rest| rest.split(" over ").next())
        .and_then(|figure| humantime::parse_duration(figure).ok())
        .unwrap_or_else(|| panic!("no soaked time in {}", verdict.reason));
    assert!(soaked >= timing.soak, "{}", verdict.reason);
}

#[tokio::test]
async fn a_failure_in_the_last_interval_of_a_soak_fails_the_gate() {
    let server = TestServer::start([reply(200, ""); 4], reply(500, "broken")).await;
    let timing = GateTiming {
        interval: Duration::from_millis(500),
        soak: Duration::from_secs(2),
        ..quick()
    };

    let verdict = run(&http(server.url("/"), 200, None), &timing, true).await;

    assert!(!verdict.passed, "{}", verdict.reason);
    assert_eq!(
        verdict.reason,
        "failed during soak: 3 consecutive failures (last: HTTP 500 (expected 200))"
    );
}

#[tokio::test]
async fn soak_catches_a_server_that_breaks_after_the_gate_passed() {
    let server = TestServer::start([reply(200, ""), reply(200, "")], reply(500, "broken")).await;
    let timing = GateTiming {
        success_threshold: 2,
        failure_threshold: 2,
        soak: Duration::from_secs(30),
        ..quick()
    };

    let verdict = run(&http(server.url("/"), 200, None), &timing, true).await;

    assert!(!verdict.passed);
    assert_eq!(verdict.attempts, 4);
    assert_eq!(
        verdict.reason,
        "failed during soak: 2 consecutive failures (last: HTTP 500 (expected 200))"
    );
}

#[tokio::test]
async fn without_soak_requested_the_soak_time_is_ignored() {
    let server = TestServer::always(reply(200, "ok")).await;
    let timing = GateTiming {
        soak: Duration::from_secs(30),
        ..quick()
    };

    let verdict = run(&http(server.url("/"), 200, None), &timing, false).await;

    assert!(verdict.passed);
    assert_eq!(verdict.attempts, 1);
}

#[tokio::test]
async fn a_listening_port_passes_the_tcp_gate() {
    let server = TestServer::always(reply(200, "ok")).await;
    let check = GateCheck::Tcp {
        address: server.addr.to_string(),
    };

    let verdict = run(&check, &quick(), false).await;

    assert!(verdict.passed, "{}", verdict.reason);
    assert_eq!(verdict.last, Some(format!("connected to {}", server.addr)));
}

#[tokio::test]
async fn a_closed_port_fails_the_tcp_gate_with_connection_refused() {
    let check = GateCheck::Tcp {
        address: closed_address().await.to_string(),
    };

    let verdict = run(&check, &quick(), false).await;

    assert!(!verdict.passed);
    assert_eq!(
        verdict.reason,
        "failed: 3 consecutive failures (last: connection refused)"
    );
}

#[tokio::test]
async fn failures_before_the_first_success_within_the_start_period_do_not_count() {
    let server = TestServer::start([reply(503, ""); 5], reply(200, "ok")).await;
    let timing = GateTiming {
        start_period: Duration::from_secs(30),
        ..quick()
    };

    let verdict = run(&http(server.url("/"), 200, None), &timing, false).await;

    assert!(verdict.passed, "{}", verdict.reason);
    assert_eq!(
        verdict.reason,
        "passed: 1 consecutive success after 6 probes (last: HTTP 200)"
    );
}

#[tokio::test]
async fn without_a_start_period_the_same_slow_starter_fails_at_the_failure_threshold() {
    let server = TestServer::start([reply(503, ""); 5], reply(200, "ok")).await;

    let verdict = run(&http(server.url("/"), 200, None), &quick(), false).await;

    assert!(!verdict.passed);
    assert_eq!(
        verdict.reason,
        "failed: 3 consecutive failures (last: HTTP 503 (expected 200))"
    );
}

#[tokio::test]
async fn after_the_first_success_failures_count_even_within_the_start_period() {
    let server = TestServer::start([reply(200, "")], reply(500, "broken")).await;
    let timing = GateTiming {
        success_threshold: 2,
        start_period: Duration::from_secs(30),
        ..quick()
    };

    let verdict = run(&http(server.url("/"), 200, None), &timing, false).await;

    assert!(!verdict.passed);
    assert_eq!(verdict.attempts, 4, "{}", verdict.reason);
    assert_eq!(
        verdict.reason,
        "failed: 3 consecutive failures (last: HTTP 500 (expected 200))"
    );
}

#[tokio::test]
async fn once_the_start_period_is_over_failures_count_again() {
    let server = TestServer::always(reply(503, "")).await;
    let timing = GateTiming {
        start_period: Duration::from_millis(200),
        ..quick()
    };

    let verdict = run(&http(server.url("/"), 200, None), &timing, false).await;

    assert!(!verdict.passed);
    assert!(
        verdict.attempts > 3,
        "probes in the start period did not count: {}",
        verdict.reason
    );
    assert_eq!(
        verdict.reason,
        "failed: 3 consecutive failures (last: HTTP 503 (expected 200))"
    );
}

#[tokio::test]
async fn a_start_period_as_long_as_the_deadline_fails_at_the_deadline() {
    let server = TestServer::always(reply(503, "")).await;
    let timing = GateTiming {
        deadline: Duration::from_millis(300),
        start_period: Duration::from_millis(300),
        ..quick()
    };

    let verdict = run(&http(server.url("/"), 200, None), &timing, false).await;

    assert!(!verdict.passed);
    assert!(
        verdict
            .reason
            .starts_with("failed: deadline 300ms passed after "),
        "{}",
        verdict.reason
    );
}
