//! The haproxy capability against a fake runtime API that records what reaches it: grants,
//! names and weights are checked before anything is sent; answers are parsed and errors quote
//! HAProxy.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::runtime_api::{parse_servers_state, parse_sessions};
use super::*;
use crate::wit::haproxy::OperationalState;

/// `show servers state web` from HAProxy 2.6 with two servers: `a` ready (weight 90), `b` in
/// forced maintenance and drain (weight 10).
const SERVERS_STATE: &str = "1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 web 1 a 127.0.0.1 2 0 90 0 1 1 0 0 0 0 0 0 - 8080 - 0 0 - - 0
3 web 2 b 127.0.0.1 0 9 10 1 1 1 0 0 0 0 0 0 - 8081 - 0 0 - - 0

";

const STAT: &str = "# pxname,svname,qcur,qmax,scur,smax
web,a,0,0,7,9
web,b,0,0,0,1

";

/// A runtime API that answers every line with `answer` and records the lines it got.
struct FakeApi {
    address: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

impl FakeApi {
    fn start(answer: &'static str) -> FakeApi {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address = listener.local_addr().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = lines.clone();
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (read, mut write) = stream.into_split();
                let mut line = String::new();
                BufReader::new(read).read_line(&mut line).await.unwrap();
                seen.lock().unwrap().push(line);
                write.write_all(answer.as_bytes()).await.unwrap();
            }
        });
        FakeApi {
            address,
            lines,
            _runtime: runtime,
        }
    }

    fn cap(&self, backend: &str) -> HaproxyCap {
        let grant = HaproxyGrant {
            api: self.address,
            backend: (backend != "*").then(|| HaproxyName::new(backend).unwrap()),
        };
        HaproxyCap::new("container", &[grant])
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Runtime::new().unwrap().block_on(future)
}

fn denial(result: Result<(), Error>) -> String {
    match result {
        Err(Error::Denied(message)) => message,
        other => panic!("expected a denial, got {other:?}"),
    }
}

#[test]
fn a_weight_change_sends_exactly_one_composed_command() {
    let api = FakeApi::start("\n");
    let cap = api.cap("web");
    let address = api.address.to_string();
    block_on(cap.set_weight(&address, "web", "shop-v2", 10)).unwrap();
    assert_eq!(api.lines(), ["set server web/shop-v2 weight 10\n"]);
}

#[test]
fn adding_a_server_adds_it_then_enables_it() {
    let api = FakeApi::start("New server registered.\n");
    let cap = api.cap("*");
    let address = api.address.to_string();
    let result = block_on(cap.add_server(&address, "web", "shop-v2", "127.0.0.1", 18081, 0));
    assert!(
        matches!(&result, Err(Error::Failed(m)) if m.contains("refused `enable server web/shop-v2`: New server registered.")),
        "the fake answers enable as if it were add: {result:?}"
    );
    assert_eq!(
        api.lines(),
        [
            "add server web/shop-v2 127.0.0.1:18081 weight 0\n",
            "enable server web/shop-v2\n"
        ]
    );
}

#[test]
fn another_runtime_api_or_backend_than_granted_is_denied_naming_the_grant_and_nothing_is_sent() {
    let api = FakeApi::start("\n");
    let cap = api.cap("web");
    let granted = format!("{}/web", api.address);
    for (address, backend) in [
        ("127.0.0.1:1".to_owned(), "web"),
        (api.address.to_string(), "admin"),
        ("localhost:9999".to_owned(), "web"),
    ] {
        let message = denial(block_on(cap.set_weight(&address, backend, "a", 1)));
        assert!(
            message.contains(&granted) && message.contains("grants.haproxy"),
            "{message}"
        );
    }
    assert!(api.lines().is_empty(), "{:?}", api.lines());
}

#[test]
fn a_name_that_would_splice_a_command_is_refused_before_anything_is_sent() {
    let api = FakeApi::start("\n");
    let cap = api.cap("*");
    let address = api.address.to_string();
    for name in [
        "a\nshutdown sessions server web/b",
        "a weight 0",
        "a;disable frontend sluice",
        "",
        "web/a",
    ] {
        let message = denial(block_on(cap.set_weight(&address, "web", name, 1)));
        assert!(
            message.contains("not an HAProxy name") && message.contains("nothing was sent"),
            "{message}"
        );
        let message = denial(block_on(cap.set_weight(&address, name, "a", 1)));
        assert!(message.contains("not an HAProxy name"), "{message}");
    }
    let message = denial(block_on(cap.add_server(
        &address,
        "web",
        "a",
        "127.0.0.1:1 weight 1",
        1,
        1,
    )));
    assert!(message.contains("not an IP address"), "{message}");
    let message = denial(block_on(cap.set_weight(&address, "web", "a", 257)));
    assert!(message.contains("above 256"), "{message}");
    assert!(api.lines().is_empty(), "{:?}", api.lines());
}

#[test]
fn haproxy_refusing_a_change_fails_quoting_its_answer() {
    let api = FakeApi::start("Only servers in maintenance mode can be deleted.\n");
    let cap = api.cap("web");
    let address = api.address.to_string();
    match block_on(cap.remove_server(&address, "web", "a")) {
        Err(Error::Failed(message)) => assert!(
            message.contains("refused `del server web/a`: Only servers in maintenance mode"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unreachable_runtime_api_is_unavailable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let cap = HaproxyCap::new(
        "container",
        &[HaproxyGrant {
            api: closed,
            backend: None,
        }],
    );
    let result = block_on(cap.set_state(&closed.to_string(), "web", "a", AdminState::Drain));
    assert!(matches!(result, Err(Error::Unavailable(_))), "{result:?}");
}

#[test]
fn servers_state_is_parsed_by_column_name() {
    let servers = parse_servers_state(SERVERS_STATE).unwrap();
    let summary: Vec<_> = servers
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.address.as_str(),
                s.port,
                s.weight,
                s.admin,
                s.operational,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "a",
                "127.0.0.1",
                8080,
                90,
                AdminState::Ready,
                OperationalState::Running
            ),
            (
                "b",
                "127.0.0.1",
                8081,
                10,
                AdminState::Maint,
                OperationalState::Stopped
            ),
        ]
    );
    assert!(parse_servers_state("Can't find backend.\n").is_none());
}

#[test]
fn sessions_come_from_show_stat() {
    let sessions = parse_sessions(STAT).unwrap();
    assert_eq!(sessions, [("a".to_owned(), 7), ("b".to_owned(), 0)].into());
    assert_eq!(parse_sessions("No such backend.\n"), None);
}
