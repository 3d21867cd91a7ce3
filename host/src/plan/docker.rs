//! `[docker.NAME]`: the Docker engines plugins may be granted, by name.

use super::convert::Converter;
use super::error::PlanError;
use super::model::{DockerEngine, EngineTls, LOCAL_ENGINE_ADDRESS};
use super::raw::RawDocker;

/// Converts one `[docker.NAME]` table, checking its `url` is an engine address, its
/// `address` a host name or IP address, and that `tls` goes with a `tcp://` url.
pub(super) fn engine(
    cx: &Converter<'_>,
    _name: &str,
    raw: &RawDocker,
) -> Result<DockerEngine, PlanError> {
    let text = raw.url.get_ref();
    if let Some(why) = engine_url_problem(text) {
        return Err(cx.error_at_span(
            raw.url.span(),
            format!("invalid docker url `{text}`: {why}; expected unix:///PATH or tcp://HOST:PORT"),
        ));
    }
    let address = match &raw.address {
        Some(address) if url::Host::parse(address.get_ref()).is_ok() => address.get_ref().clone(),
        Some(address) => {
            return Err(cx.error_at_span(
                address.span(),
                format!(
                    "invalid engine address `{}`: expected a host name or an IP address, e.g. 10.0.0.5",
                    address.get_ref()
                ),
            ));
        }
        None => url_host(text).unwrap_or_else(|| LOCAL_ENGINE_ADDRESS.to_owned()),
    };
    let tls = match &raw.tls {
        Some(tls) if !text.starts_with("tcp://") => {
            return Err(cx.error_at_span(
                tls.span(),
                format!("`tls` needs a tcp://HOST:PORT engine url, not `{text}`"),
            ));
        }
        Some(tls) => Some(EngineTls {
            ca: cx.resolve(&tls.get_ref().ca),
            cert: cx.resolve(&tls.get_ref().cert),
            key: cx.resolve(&tls.get_ref().key),
        }),
        None => None,
    };
    Ok(DockerEngine {
        url: text.clone(),
        address,
        tls,
    })
}

/// The host of a `tcp://` or `http://` engine url (none for a unix socket).
fn url_host(text: &str) -> Option<String> {
    let url = url::Url::parse(text).ok()?;
    (url.scheme() != "unix")
        .then(|| url.host_str().map(str::to_owned))
        .flatten()
}

/// Why `text` is not a usable engine address, if it is not.
fn engine_url_problem(text: &str) -> Option<&'static str> {
    let url = match url::Url::parse(text) {
        Ok(url) => url,
        Err(_) => return Some("it is not a URL"),
    };
    match url.scheme() {
        "unix" if url.host_str().is_some_and(|host| !host.is_empty()) => {
            Some("a unix socket path must be absolute (three slashes)")
        }
        "unix" if url.path().len() <= 1 => Some("it names no socket"),
        "unix" => None,
        "tcp" | "http" if url.host_str().is_none_or(str::is_empty) => Some("it has no host"),
        "tcp" | "http" if url.port().is_none() => Some("it has no port"),
        "tcp" | "http" if url.path().len() > 1 || url.query().is_some() => {
            Some("a path or query is not allowed")
        }
        "tcp" | "http" => None,
        _ => Some("the scheme must be unix, tcp or http"),
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::DockerEngine;
    use crate::plan::test_support::{error_of, parse_with};

    #[test]
    fn unix_and_tcp_engines_are_accepted_as_written() {
        let plan = parse_with(
            "[docker.local]\nurl = \"unix:///var/run/docker.sock\"\n\
             [docker.edge]\nurl = \"tcp://10.0.0.5:2375\"\n",
        )
        .unwrap();
        assert_eq!(
            plan.docker["local"],
            DockerEngine {
                url: "unix:///var/run/docker.sock".into(),
                address: "127.0.0.1".into(),
                tls: None,
            }
        );
        assert_eq!(plan.docker["edge"].url, "tcp://10.0.0.5:2375");
    }

    #[test]
    fn an_engine_address_defaults_to_the_url_host_and_can_be_given() {
        let plan = parse_with(
            "[docker.edge]\nurl = \"tcp://10.0.0.5:2375\"\n\
             [docker.tunnel]\nurl = \"unix:///run/edge-2.sock\"\naddress = \"10.0.0.6\"\n",
        )
        .unwrap();
        assert_eq!(plan.docker["edge"].address, "10.0.0.5");
        assert_eq!(plan.docker["tunnel"].address, "10.0.0.6");
        let error = error_of("[docker.d]\nurl = \"unix:///d.sock\"\naddress = \"a b\"\n");
        assert!(
            error.message.starts_with("invalid engine address `a b`"),
            "{error}"
        );
        assert_eq!((error.line, error.col), (8, 11), "{error}");
    }

    #[test]
    fn a_relative_socket_a_missing_port_or_another_scheme_is_refused_at_the_url() {
        for (bad, why) in [
            ("unix://docker.sock", "must be absolute"),
            ("tcp://10.0.0.5", "has no port"),
            ("https://10.0.0.5:2376", "scheme must be unix, tcp or http"),
            ("docker.sock", "not a URL"),
        ] {
            let error = error_of(&format!("[docker.d]\nurl = \"{bad}\"\n"));
            assert!(
                error
                    .message
                    .starts_with(&format!("invalid docker url `{bad}`"))
                    && error.message.contains(why),
                "{error}"
            );
            assert_eq!((error.line, error.col), (7, 7), "{error}");
        }
    }

    #[test]
    fn an_unknown_key_in_a_docker_table_is_an_error() {
        let error = error_of("[docker.d]\nurl = \"unix:///d.sock\"\ncert = \"c.pem\"\n");
        assert!(error.message.contains("unknown field `cert`"), "{error}");
    }

    #[test]
    fn tls_files_are_taken_from_the_plan_directory_and_need_a_tcp_url() {
        let plan = parse_with(
            "[docker.edge]\nurl = \"tcp://10.0.0.5:2376\"\n\
             tls = { ca = \"certs/ca.pem\", cert = \"certs/cert.pem\", key = \"/keys/key.pem\" }\n",
        )
        .unwrap();
        let tls = plan.docker["edge"].tls.clone().unwrap();
        assert!(
            tls.ca.ends_with("certs/ca.pem") && tls.ca.is_absolute(),
            "{tls:?}"
        );
        assert!(tls.cert.ends_with("certs/cert.pem"), "{tls:?}");
        assert_eq!(tls.key, std::path::Path::new("/keys/key.pem"));
        let error = error_of(
            "[docker.d]\nurl = \"unix:///d.sock\"\ntls = { ca = \"a\", cert = \"b\", key = \"c\" }\n",
        );
        assert!(
            error.message == "`tls` needs a tcp://HOST:PORT engine url, not `unix:///d.sock`",
            "{error}"
        );
        let error = error_of("[docker.d]\nurl = \"tcp://h:1\"\ntls = { ca = \"a\" }\n");
        assert!(error.message.contains("missing field `cert`"), "{error}");
    }
}
