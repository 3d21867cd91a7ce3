//! A service's `healthcheck` as a staged gate: an HTTP check (`curl` or `wget` of a URL on the
//! service's port) becomes an `http` gate on the new container, a TCP check (`nc -z HOST PORT`) a
//! `tcp` gate; any other command cannot run outside the container, so the image's own
//! HEALTHCHECK (which the container strategy waits for) stays the check.

use docker_compose_types::{Healthcheck, HealthcheckTest};

/// What a healthcheck's test probes, seen from outside the container.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    /// An HTTP GET of this path (and query) on the service's port.
    Http(String),
    /// A TCP connection to the service's port.
    Tcp,
    /// A command only the container can run: the image's own HEALTHCHECK stays.
    Command(String),
    /// `disable: true` or `test: ["NONE"]`.
    Disabled,
}

/// What `healthcheck` probes, for a service listening on `port` inside its container.
pub fn check(healthcheck: &Healthcheck, port: u16) -> Check {
    let words: Vec<String> = match &healthcheck.test {
        _ if healthcheck.disable => return Check::Disabled,
        None => return Check::Command("(the image's own)".into()),
        Some(HealthcheckTest::Single(shell)) => shell_words(shell),
        Some(HealthcheckTest::Multiple(list)) => match list.split_first() {
            Some((first, _)) if first == "NONE" => return Check::Disabled,
            Some((first, rest)) if first == "CMD-SHELL" => shell_words(&rest.join(" ")),
            Some((first, rest)) if first == "CMD" => rest.to_vec(),
            _ => list.clone(),
        },
    };
    let command = words.join(" ");
    let program = words
        .first()
        .map(|word| word.rsplit('/').next().unwrap_or(word))
        .unwrap_or_default();
    let on_port = |p: u16| p == port;
    match program {
        "curl" | "wget" => words
            .iter()
            .filter_map(|word| url::Url::parse(word).ok())
            .find(|url| matches!(url.scheme(), "http" | "https"))
            .filter(|url| {
                is_local(url.host_str()) && url.port_or_known_default().is_some_and(on_port)
            })
            .map(|url| {
                let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
                Check::Http(format!("{}{query}", url.path()))
            })
            .unwrap_or(Check::Command(command)),
        "nc" if words
            .iter()
            .any(|word| word.starts_with('-') && word.contains('z')) =>
        {
            let operands: Vec<&String> =
                words[1..].iter().filter(|w| !w.starts_with('-')).collect();
            match operands.as_slice() {
                [host, p] if is_local(Some(host)) && p.parse().is_ok_and(on_port) => Check::Tcp,
                _ => Check::Command(command),
            }
        }
        _ => Check::Command(command),
    }
}

/// Whether a check's host is the container itself.
fn is_local(host: Option<&str>) -> bool {
    matches!(
        host,
        Some("localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]" | "::1")
    )
}

/// The words of the first command of a shell line (up to `||`, `&&`, `|` or `;`), quotes removed.
fn shell_words(line: &str) -> Vec<String> {
    let first = line.split(['|', '&', ';']).next().unwrap_or_default();
    first
        .split_whitespace()
        .map(|word| word.trim_matches(['"', '\'']).to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(test: HealthcheckTest) -> Check {
        let healthcheck = Healthcheck {
            test: Some(test),
            ..Healthcheck::default()
        };
        check(&healthcheck, 8080)
    }

    fn list(words: &[&str]) -> HealthcheckTest {
        HealthcheckTest::Multiple(words.iter().map(|w| (*w).to_owned()).collect())
    }

    #[test]
    fn curl_and_wget_of_the_service_port_are_http_checks() {
        assert_eq!(
            of(list(&[
                "CMD",
                "curl",
                "-fsS",
                "http://localhost:8080/health?full=1"
            ])),
            Check::Http("/health?full=1".into())
        );
        assert_eq!(
            of(list(&[
                "CMD-SHELL",
                "wget -qO- http://127.0.0.1:8080/ready || exit 1"
            ])),
            Check::Http("/ready".into())
        );
        assert_eq!(
            of(HealthcheckTest::Single(
                "curl -f 'http://localhost:8080/'".into()
            )),
            Check::Http("/".into())
        );
    }

    #[test]
    fn nc_of_the_service_port_is_a_tcp_check() {
        assert_eq!(
            of(list(&["CMD", "nc", "-z", "localhost", "8080"])),
            Check::Tcp
        );
    }

    #[test]
    fn other_ports_hosts_and_commands_keep_the_images_healthcheck() {
        for test in [
            list(&["CMD", "curl", "-f", "http://localhost:9000/health"]),
            list(&["CMD", "curl", "-f", "http://example.com:8080/"]),
            list(&["CMD", "nc", "-z", "localhost", "5432"]),
            list(&["CMD-SHELL", "pg_isready -U app"]),
        ] {
            assert!(matches!(of(test), Check::Command(_)));
        }
        assert_eq!(of(list(&["NONE"])), Check::Disabled);
    }
}
