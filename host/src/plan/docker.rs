//! `[docker.NAME]`: the Docker engines plugins may be granted, by name.

use std::path::PathBuf;

use serde_spanned::Spanned;

use super::convert::Converter;
use super::error::PlanError;
use super::model::{
    DockerEngine, EngineSsh, EngineTls, EngineTransport, LOCAL_ENGINE_ADDRESS, REMOTE_DOCKER_SOCKET,
};
use super::raw::RawDocker;

/// Converts one `[docker.NAME]` table, checking its `url` is an engine address, its
/// `address` a host name or IP address, that `tls` goes with a `tcp://` url and the SSH keys
/// with an `ssh://` one.
pub(super) fn engine(
    cx: &Converter<'_>,
    _name: &str,
    raw: &RawDocker,
) -> Result<DockerEngine, PlanError> {
    let text = raw.url.get_ref();
    if let Some(why) = engine_url_problem(text) {
        return Err(cx.error_at_span(
            raw.url.span(),
            format!(
                "invalid docker url `{text}`: {why}; expected unix:///PATH, tcp://HOST:PORT or \
                 ssh://[USER@]HOST[:PORT]"
            ),
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
    Ok(DockerEngine {
        url: text.clone(),
        address,
        transport: transport(cx, raw)?,
    })
}

/// How the engine of a valid `url` is reached: `tls` needs a `tcp://` url, the SSH keys
/// (`identity`, `known_hosts`, `socket`) an `ssh://` one.
fn transport(cx: &Converter<'_>, raw: &RawDocker) -> Result<EngineTransport, PlanError> {
    let text = raw.url.get_ref();
    if let Some(tls) = raw.tls.as_ref().filter(|_| !text.starts_with("tcp://")) {
        return Err(cx.error_at_span(
            tls.span(),
            format!("`tls` needs a tcp://HOST:PORT engine url, not `{text}`"),
        ));
    }
    if text.starts_with("ssh://") {
        return ssh(cx, raw).map(EngineTransport::Ssh);
    }
    let ssh_keys = [
        ("identity", &raw.identity),
        ("known_hosts", &raw.known_hosts),
        ("socket", &raw.socket),
    ];
    if let Some((key, Some(value))) = ssh_keys.into_iter().find(|(_, value)| value.is_some()) {
        return Err(cx.error_at_span(
            value.span(),
            format!("`{key}` needs an ssh://[USER@]HOST[:PORT] engine url, not `{text}`"),
        ));
    }
    Ok(match &raw.tls {
        Some(tls) => EngineTransport::Tls(EngineTls {
            ca: cx.resolve(&tls.get_ref().ca),
            cert: cx.resolve(&tls.get_ref().cert),
            key: cx.resolve(&tls.get_ref().key),
        }),
        None => EngineTransport::Plain,
    })
}

/// The SSH engine of a valid `ssh://` url with the table's `identity` and `known_hosts`
/// (relative to the plan's directory) and `socket` (an absolute path on the remote host).
fn ssh(cx: &Converter<'_>, raw: &RawDocker) -> Result<EngineSsh, PlanError> {
    let mut engine = ssh_engine(raw.url.get_ref())
        .map_err(|why| cx.error_at_span(raw.url.span(), format!("invalid docker url: {why}")))?;
    let path = |key: &Option<Spanned<String>>| key.as_ref().map(|path| cx.resolve(path.get_ref()));
    engine.identity = path(&raw.identity);
    engine.known_hosts = path(&raw.known_hosts);
    if let Some(socket) = &raw.socket {
        let text = socket.get_ref();
        if !text.starts_with('/') || text.contains(':') {
            return Err(cx.error_at_span(
                socket.span(),
                format!(
                    "invalid engine socket `{text}`: expected the absolute path of the Docker \
                     socket on the remote host (without `:`), e.g. {REMOTE_DOCKER_SOCKET}"
                ),
            ));
        }
        engine.socket = PathBuf::from(text);
    }
    Ok(engine)
}

/// The engine an `ssh://[USER@]HOST[:PORT]` url names, with ssh's defaults for the user, the
/// port, the key and the known hosts, and the remote socket [`REMOTE_DOCKER_SOCKET`]; or why
/// the url is not one.
pub fn ssh_engine(text: &str) -> Result<EngineSsh, &'static str> {
    let url = url::Url::parse(text).map_err(|_| "it is not a URL")?;
    if url.scheme() != "ssh" {
        return Err("the scheme must be ssh");
    }
    let host = match url.host() {
        Some(url::Host::Domain(name)) if !name.is_empty() && !name.starts_with('-') => {
            name.to_owned()
        }
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        _ => return Err("it has no host"),
    };
    if url.password().is_some() {
        return Err("a password is not allowed (sluice logs in with a key)");
    }
    if url.path().len() > 1 || url.query().is_some() || url.fragment().is_some() {
        return Err("a path or query is not allowed (name the remote socket with `socket`)");
    }
    let user = url.username();
    if user.starts_with('-')
        || !user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err("a user name may hold only letters, digits, `.`, `_` and `-`");
    }
    Ok(EngineSsh {
        user: (!user.is_empty()).then(|| user.to_owned()),
        host,
        port: url.port(),
        identity: None,
        known_hosts: None,
        socket: PathBuf::from(REMOTE_DOCKER_SOCKET),
    })
}

/// The host of a `tcp://`, `http://` or `ssh://` engine url (none for a unix socket).
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
        "ssh" => ssh_engine(text).err(),
        _ => Some("the scheme must be unix, tcp, http or ssh"),
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::test_support::{error_of, parse_with};
    use crate::plan::{DockerEngine, EngineSsh, EngineTransport, REMOTE_DOCKER_SOCKET};

    /// A plan whose docker url is `bad` is refused at the url, saying why (`why`).
    fn assert_bad_url(bad: &str, why: &str) {
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
                transport: EngineTransport::Plain,
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
            (
                "https://10.0.0.5:2376",
                "scheme must be unix, tcp, http or ssh",
            ),
            ("docker.sock", "not a URL"),
        ] {
            assert_bad_url(bad, why);
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
        let EngineTransport::Tls(tls) = plan.docker["edge"].transport.clone() else {
            panic!("{:?}", plan.docker["edge"]);
        };
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

    #[test]
    fn an_ssh_engine_takes_its_user_host_and_port_from_the_url_and_its_files_from_the_plan() {
        let plan = parse_with(
            "[docker.vps]\nurl = \"ssh://deploy@10.0.0.7:2222\"\n\
             identity = \"keys/id_ed25519\"\nknown_hosts = \"keys/known_hosts\"\n\
             socket = \"/run/user/1000/docker.sock\"\n\
             [docker.plain]\nurl = \"ssh://[::1]\"\n",
        )
        .unwrap();
        assert_eq!(plan.docker["vps"].address, "10.0.0.7");
        assert_eq!(
            plan.docker["vps"].transport,
            EngineTransport::Ssh(EngineSsh {
                user: Some("deploy".into()),
                host: "10.0.0.7".into(),
                port: Some(2222),
                identity: Some("/demo/keys/id_ed25519".into()),
                known_hosts: Some("/demo/keys/known_hosts".into()),
                socket: "/run/user/1000/docker.sock".into(),
            })
        );
        assert_eq!(
            plan.docker["plain"].transport,
            EngineTransport::Ssh(EngineSsh {
                user: None,
                host: "::1".into(),
                port: None,
                identity: None,
                known_hosts: None,
                socket: REMOTE_DOCKER_SOCKET.into(),
            })
        );
    }

    #[test]
    fn an_ssh_url_with_a_password_a_path_or_an_odd_user_is_refused_at_the_url() {
        for (bad, why) in [
            ("ssh://deploy:secret@h", "a password is not allowed"),
            (
                "ssh://h/var/run/docker.sock",
                "name the remote socket with `socket`",
            ),
            ("ssh://-oProxyCommand=x@h", "a user name may hold only"),
            ("ssh://", "it has no host"),
        ] {
            assert_bad_url(bad, why);
        }
    }

    #[test]
    fn ssh_keys_need_an_ssh_url_and_the_socket_an_absolute_path() {
        let error = error_of("[docker.d]\nurl = \"tcp://h:1\"\nidentity = \"id\"\n");
        assert_eq!(
            error.message,
            "`identity` needs an ssh://[USER@]HOST[:PORT] engine url, not `tcp://h:1`"
        );
        assert_eq!((error.line, error.col), (8, 12), "{error}");
        let error = error_of("[docker.d]\nurl = \"ssh://h\"\nsocket = \"docker.sock\"\n");
        assert!(
            error
                .message
                .starts_with("invalid engine socket `docker.sock`"),
            "{error}"
        );
        assert_eq!((error.line, error.col), (8, 10), "{error}");
        let error = error_of(
            "[docker.d]\nurl = \"ssh://h\"\ntls = { ca = \"a\", cert = \"b\", key = \"c\" }\n",
        );
        assert!(error.message.starts_with("`tls` needs a tcp://"), "{error}");
    }
}
