mod server;

use std::net::IpAddr;

use server::{Answer, Server, Unaccepting};

use super::connect::refuse_unless_allowed;
use super::*;

fn grant(origin: &str) -> HttpGrant {
    HttpGrant {
        origin: origin.to_owned(),
        internal: false,
    }
}

fn cap(origins: &[String]) -> HttpCap {
    HttpCap::new(
        "test",
        &origins.iter().map(|o| grant(o)).collect::<Vec<_>>(),
    )
    .unwrap()
}

fn get(url: &str) -> Request {
    Request {
        method: Method::Get,
        url: url.to_owned(),
        headers: Vec::new(),
        body: None,
        timeout_ms: Some(5_000),
        follow_redirects: true,
    }
}

fn denied(result: Result<Response, Error>) -> String {
    match result {
        Err(Error::Denied(message)) => message,
        other => panic!("expected a denial, got {other:?}"),
    }
}

fn failed(result: Result<Response, Error>) -> String {
    match result {
        Err(Error::Failed(message) | Error::Unavailable(message)) => message,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn the_default_port_makes_the_same_origin_as_an_explicit_one() {
    let c = cap(&["https://api.example.com".into()]);
    assert!(c.permitted("https://api.example.com:443/v1/x?y=1").is_ok());
}

#[test]
fn another_port_scheme_or_host_is_denied() {
    let c = cap(&["http://127.0.0.1:2019".into()]);
    for url in [
        "http://127.0.0.1:2020/",
        "https://127.0.0.1:2019/",
        "http://localhost:2019/",
        "http://127.0.0.1/",
        "http://[::ffff:127.0.0.1]:2019/",
    ] {
        assert!(
            matches!(c.permitted(url), Err(Error::Denied(_))),
            "{url} should be denied"
        );
    }
}

#[test]
fn a_denial_names_the_origin_and_the_plugin() {
    let err = cap(&[])
        .permitted("http://169.254.169.254/latest")
        .unwrap_err();
    assert!(
        matches!(&err, Error::Denied(m) if m.contains("http://169.254.169.254:80") && m.contains("`test`") && m.contains("granted: none"))
    );
}

#[test]
fn non_http_schemes_are_denied() {
    assert!(matches!(
        cap(&[]).permitted("file:///etc/passwd"),
        Err(Error::Denied(_))
    ));
}

fn name_grant(internal: bool) -> Grant {
    Grant::parse(&HttpGrant {
        origin: "http://svc.example:8080".into(),
        internal,
    })
    .unwrap()
}

fn check(ip: &str, internal: bool) -> Result<(), Error> {
    let ip: IpAddr = ip.parse().unwrap();
    refuse_unless_allowed(
        "plugin `p` is granted",
        &name_grant(internal),
        "svc.example",
        ip,
        internal,
    )
}

#[test]
fn a_granted_name_resolving_to_loopback_is_refused_naming_the_name_the_address_and_the_grant() {
    let Err(Error::Denied(message)) = check("127.0.0.1", false) else {
        panic!("a loopback answer must be refused");
    };
    assert!(
        message.contains("`svc.example` resolves to 127.0.0.1, a loopback address")
            && message.contains("plugin `p` is granted http://svc.example:8080 by name")
            && message.contains("http://127.0.0.1:8080")
            && message.contains("internal = true"),
        "{message}"
    );
}

#[test]
fn a_granted_name_may_resolve_only_to_public_addresses_unless_marked_internal() {
    assert!(check("93.184.215.14", false).is_ok());
    for ip in ["10.0.0.5", "::ffff:192.168.1.1", "fd00::5", "100.64.1.1"] {
        assert!(matches!(check(ip, false), Err(Error::Denied(_))), "{ip}");
        assert!(check(ip, true).is_ok(), "{ip} with internal = true");
    }
}

#[test]
fn no_name_reaches_a_metadata_address_even_when_marked_internal() {
    for ip in ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254"] {
        let Err(Error::Denied(message)) = check(ip, true) else {
            panic!("{ip} must be refused");
        };
        assert!(
            message.contains("a cloud metadata address") && message.contains("(internal)"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_granted_literal_origin_is_reached() {
    let server = Server::reply(200, &[], "hello").await;
    let response = cap(&[server.origin()]).send(get(&server.url("/x"))).await;
    let response = response.unwrap();
    assert_eq!((response.status, response.body), (200, b"hello".to_vec()));
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn send_all_answers_each_request_in_order_checked_like_send() {
    let server = Server::reply(200, &[], "hello").await;
    let results = cap(&[server.origin()])
        .send_all(vec![get("http://169.254.169.254/"), get(&server.url("/x"))])
        .await;
    let mut results = results.into_iter();
    denied(results.next().unwrap());
    assert_eq!(results.next().unwrap().unwrap().body, b"hello".to_vec());
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_localhost_grant_reaches_the_loopback_server_without_a_lookup() {
    let server = Server::reply(200, &[], "local").await;
    let origin = format!("http://localhost:{}", server.addr.port());
    let url = format!("{origin}/");
    let response = cap(&[origin]).send(get(&url)).await.unwrap();
    assert_eq!(response.body, b"local");
}

#[tokio::test]
async fn a_redirect_to_the_metadata_address_is_denied_naming_the_hop() {
    let server = Server::reply(
        302,
        &[("Location", "http://169.254.169.254/latest/meta-data/")],
        "",
    )
    .await;
    let message = denied(cap(&[server.origin()]).send(get(&server.url("/"))).await);
    assert!(
        message.contains("origin http://169.254.169.254:80 is not granted")
            && message.contains(&format!("reached by a redirect from {}", server.url("/"))),
        "{message}"
    );
}

#[tokio::test]
async fn a_redirect_to_another_loopback_port_is_denied_and_never_sent() {
    let other = Server::reply(200, &[], "internal").await;
    let server = Server::reply(307, &[("Location", &other.url("/admin"))], "").await;
    let message = denied(cap(&[server.origin()]).send(get(&server.url("/"))).await);
    assert!(message.contains(&other.origin()), "{message}");
    assert_eq!(
        other.requests(),
        0,
        "the ungranted server was never contacted"
    );
}

#[tokio::test]
async fn a_redirect_within_the_granted_origin_is_followed() {
    let target = Server::reply(200, &[], "moved here").await;
    let server = Server::reply(301, &[("Location", &target.url("/new"))], "").await;
    let response = cap(&[server.origin(), target.origin()])
        .send(get(&server.url("/old")))
        .await
        .unwrap();
    assert_eq!(response.body, b"moved here");
    assert_eq!(response.final_url, target.url("/new"));
}

#[tokio::test]
async fn a_response_announcing_a_body_over_the_cap_is_refused() {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
        MAX_RESPONSE_BODY + 1
    );
    let server = Server::start(Answer::Raw(head.into_bytes())).await;
    let message = failed(cap(&[server.origin()]).send(get(&server.url("/"))).await);
    assert!(message.contains("over the 67108864-byte cap"), "{message}");
}

#[tokio::test]
async fn an_endless_response_body_is_cut_off_at_the_cap() {
    let server = Server::start(Answer::Endless).await;
    let mut request = get(&server.url("/"));
    request.timeout_ms = Some(60_000);
    let message = failed(cap(&[server.origin()]).send(request).await);
    assert!(message.contains("over the 67108864-byte cap"), "{message}");
}

#[tokio::test]
async fn response_headers_over_the_cap_are_refused() {
    let big = "v".repeat(4096);
    let headers: Vec<(String, String)> =
        (0..20).map(|i| (format!("x-h{i}"), big.clone())).collect();
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let server = Server::reply(200, &headers, "").await;
    let message = failed(cap(&[server.origin()]).send(get(&server.url("/"))).await);
    assert!(message.contains("response headers"), "{message}");
}

#[tokio::test]
async fn request_headers_or_a_body_over_the_cap_are_refused_before_anything_is_sent() {
    let server = Server::reply(200, &[], "").await;
    let c = cap(&[server.origin()]);
    let mut many_headers = get(&server.url("/"));
    many_headers.headers = (0..=MAX_HEADERS)
        .map(|i| (format!("x-{i}"), "v".into()))
        .collect();
    assert!(failed(c.send(many_headers).await).contains("request headers over the cap"));
    let mut big_body = get(&server.url("/"));
    big_body.method = Method::Post;
    big_body.body = Some(vec![0; MAX_REQUEST_BODY + 1]);
    assert!(failed(c.send(big_body).await).contains("request body over"));
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_on_at_the_timeout() {
    let server = Server::start(Answer::Silent).await;
    let mut request = get(&server.url("/"));
    request.timeout_ms = Some(300);
    let message = failed(cap(&[server.origin()]).send(request).await);
    assert_eq!(message, "http: no complete response within 300ms");
}

#[tokio::test]
async fn a_connection_that_never_opens_is_given_up_on_at_the_timeout() {
    let listener = Unaccepting::start().await;
    let origin = format!("http://{}", listener.addr);
    let mut request = get(&format!("{origin}/"));
    request.timeout_ms = Some(300);
    let message = failed(cap(&[origin]).send(request).await);
    assert_eq!(message, "http: no complete response within 300ms");
}

#[tokio::test]
async fn no_more_than_the_in_flight_cap_of_one_calls_requests_are_sent_at_once() {
    let server = Server::start(Answer::Silent).await;
    let c = cap(&[server.origin()]);
    let mut request = get(&server.url("/x"));
    request.timeout_ms = Some(1_500);
    let sends = (0..MAX_IN_FLIGHT + 4).map(|_| c.send(request.clone()));
    let all = futures::future::join_all(sends);
    let watch = async {
        while server.requests() < MAX_IN_FLIGHT {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        server.requests()
    };
    let (results, seen) = tokio::join!(all, watch);
    assert_eq!(seen, MAX_IN_FLIGHT, "the others waited for a free place");
    assert!(
        results.iter().all(Result::is_err),
        "the server never answers"
    );
}
