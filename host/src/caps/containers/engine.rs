//! The Docker engines a plugin may use: which ones the plan grants, their addresses, and one
//! lazily opened connection to each (with the API version negotiated, so older engines such as
//! API 1.41 work), through an SSH tunnel (`ssh`) for an `ssh://` engine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bollard::Docker;
use bollard::errors::Error as DockerError;
use tokio::sync::OnceCell;

use super::ssh::SshTunnel;
use crate::caps::error_chain;
use crate::plan::model::{DEFAULT_DOCKER_ENGINE, DockerEngine, EngineTls, EngineTransport, Grants};
use crate::plan::ssh_engine;
use crate::wit::types::Error;

/// The engine address used when neither the plan nor `$DOCKER_HOST` names one.
pub const LOCAL_SOCKET: &str = "unix:///var/run/docker.sock";

/// Seconds one request to an engine may take (a stop's own timeout is capped well below it).
pub const REQUEST_TIMEOUT_SECS: u64 = 120;

/// A Docker engine a plugin may use: its name in the plan, its address and how to secure it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineAddress {
    /// The name in the plan (`[docker.NAME]`, or `default`).
    pub name: String,
    /// `unix:///PATH`, `tcp://HOST:PORT`, `http://HOST:PORT` or `ssh://[USER@]HOST[:PORT]`.
    pub url: String,
    /// As the url says, over TLS or through SSH.
    pub transport: EngineTransport,
}

/// The engines `grants` allows, in grant order (the first is the default); none when the plugin is
/// granted no containers, images or services. `declared` is the plan's `[docker]` tables; the name
/// `default`, unless declared there, is `$DOCKER_HOST` (reached as [`default_transport`] says) or
/// else the local socket.
pub fn granted_engines(
    declared: &BTreeMap<String, DockerEngine>,
    grants: &Grants,
) -> Vec<EngineAddress> {
    if !grants.reaches_docker() {
        return Vec::new();
    }
    let implicit = [DEFAULT_DOCKER_ENGINE.to_owned()];
    let names = if grants.docker.is_empty() {
        &implicit[..]
    } else {
        &grants.docker[..]
    };
    names
        .iter()
        .map(|name| match declared.get(name) {
            Some(engine) => EngineAddress {
                name: name.clone(),
                url: engine.url.clone(),
                transport: engine.transport.clone(),
            },
            None => EngineAddress {
                name: name.clone(),
                url: default_url(),
                transport: default_transport(),
            },
        })
        .collect()
}

/// `$DOCKER_HOST` when set, else [`LOCAL_SOCKET`].
pub fn default_url() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| LOCAL_SOCKET.to_owned())
}

/// How the default engine is reached, as the Docker CLI does: an `ssh://` address through SSH
/// with ssh's own user, port, keys and known hosts, and the socket `/var/run/docker.sock`; a
/// `tcp://` address over TLS when `$DOCKER_TLS_VERIFY` is set (see [`default_tls`]).
pub fn default_transport() -> EngineTransport {
    let url = default_url();
    match ssh_engine(&url) {
        Ok(ssh) => EngineTransport::Ssh(ssh),
        Err(_) => default_tls(&url).map_or(EngineTransport::Plain, EngineTransport::Tls),
    }
}

/// The Docker CLI's convention for a default engine at `url`: when it is a `tcp://` address and
/// `$DOCKER_TLS_VERIFY` is set (to anything but the empty string), TLS with `ca.pem`, `cert.pem` and `key.pem` from
/// `$DOCKER_CERT_PATH`, or else from `~/.docker`.
fn default_tls(url: &str) -> Option<EngineTls> {
    if !url.starts_with("tcp://") {
        return None;
    }
    std::env::var_os("DOCKER_TLS_VERIFY").filter(|verify| !verify.is_empty())?;
    let dir = std::env::var_os("DOCKER_CERT_PATH")
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".docker")))
        .unwrap_or_else(|| PathBuf::from(".docker"));
    Some(EngineTls {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    })
}

/// One granted engine and its connection, opened on first use.
pub(super) struct Engine {
    address: EngineAddress,
    connection: OnceCell<Connection>,
}

/// An open connection to an engine: the client, and the SSH tunnel it goes through (killed when
/// the connection is dropped, after the client).
struct Connection {
    docker: Docker,
    tunnel: Option<SshTunnel>,
}

impl Engine {
    pub(super) fn new(address: EngineAddress) -> Self {
        Engine {
            address,
            connection: OnceCell::new(),
        }
    }

    pub(super) fn name(&self) -> &str {
        &self.address.name
    }

    /// The connection, opened (and the API version negotiated) on the first call.
    pub(super) async fn client(&self) -> Result<&Docker, Error> {
        let connection = self.connection.get_or_try_init(|| self.open()).await?;
        Ok(&connection.docker)
    }

    async fn open(&self) -> Result<Connection, Error> {
        let url = self.address.url.as_str();
        let (docker, tunnel) = match &self.address.transport {
            EngineTransport::Ssh(ssh) => {
                let tunnel = SshTunnel::open(ssh)
                    .await
                    .map_err(|e| self.unreachable_because(&e))?;
                let docker = Docker::connect_with_unix(
                    &tunnel.url(),
                    REQUEST_TIMEOUT_SECS,
                    bollard::API_DEFAULT_VERSION,
                );
                (docker, Some(tunnel))
            }
            EngineTransport::Tls(tls) => (connect_tls(url, tls), None),
            // `$DOCKER_HOST` holding an ssh:// address that is not one (a plan's is checked); it
            // is not shown, as it may hold a password.
            EngineTransport::Plain if url.starts_with("ssh://") => {
                let why = ssh_engine(url).err().unwrap_or("not an SSH address");
                return Err(Error::Unavailable(format!(
                    "containers: engine `{}` is not reachable: its ssh:// address ($DOCKER_HOST) \
                     is not ssh://[USER@]HOST[:PORT]: {why}",
                    self.address.name
                )));
            }
            EngineTransport::Plain => (connect_plain(url), None),
        };
        let docker = docker
            .map_err(|e| self.unreachable(&e, tunnel.as_ref()))?
            .negotiate_version()
            .await
            .map_err(|e| self.unreachable(&e, tunnel.as_ref()))?;
        Ok(Connection { docker, tunnel })
    }

    /// The plugin-facing error for a failed engine request made to `action` (e.g. "start `api`").
    pub(super) fn error(&self, action: &str, error: DockerError) -> Error {
        match error {
            DockerError::DockerResponseServerError {
                status_code,
                message,
            } => Error::Failed(format!(
                "containers: cannot {action} on engine `{}`: {} ({status_code})",
                self.address.name,
                message.trim()
            )),
            DockerError::RequestTimeoutError
            | DockerError::IOError { .. }
            | DockerError::HyperResponseError { .. }
            | DockerError::HyperLegacyError { .. }
            | DockerError::HttpClientError { .. }
            | DockerError::SocketNotFoundError(_) => {
                let tunnel = self.connection.get().and_then(|open| open.tunnel.as_ref());
                self.unreachable(&error, tunnel)
            }
            other => Error::Failed(format!(
                "containers: cannot {action} on engine `{}`: {other}",
                self.address.name
            )),
        }
    }

    /// The engine is not reachable: `error` with what it means for the transport's files, or
    /// what ssh said through `tunnel`.
    fn unreachable(&self, error: &DockerError, tunnel: Option<&SshTunnel>) -> Error {
        let chain = error_chain(error);
        let hint = match &self.address.transport {
            EngineTransport::Tls(tls) => tls_hint(tls, &chain),
            EngineTransport::Ssh(_) => tunnel.and_then(SshTunnel::hint),
            EngineTransport::Plain => None,
        };
        self.unreachable_because(&format!("{chain}{}", hint.unwrap_or_default()))
    }

    fn unreachable_because(&self, reason: &dyn std::fmt::Display) -> Error {
        Error::Unavailable(format!(
            "containers: engine `{}` ({}) is not reachable: {reason}",
            self.address.name, self.address.url,
        ))
    }
}

/// What a failed TLS handshake means for the files of `tls`, when `chain` says which side
/// refused: the engine refusing sluice's client certificate, or sluice the engine's.
fn tls_hint(tls: &EngineTls, chain: &str) -> Option<String> {
    if chain.contains("invalid peer certificate") {
        Some(format!(
            " (the engine's certificate is not signed by the CA {})",
            tls.ca.display()
        ))
    } else if chain.contains("received fatal alert") {
        Some(format!(
            " (the engine did not accept the client certificate {})",
            tls.cert.display()
        ))
    } else if chain.contains("connection was not ready") || chain.contains("connection closed") {
        // With TLS 1.3 the engine refuses a client certificate after the client has finished its
        // handshake: the alert can race the first request, which then sees a closed connection.
        Some(format!(
            " (the engine closed the TLS connection before answering: it may not accept the \
             client certificate {})",
            tls.cert.display()
        ))
    } else {
        None
    }
}

/// Whether `error` is the engine saying the object does not exist.
pub(super) fn is_not_found(error: &DockerError) -> bool {
    matches!(
        error,
        DockerError::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// A client for the `tcp://` engine at `url` over TLS with the files of `tls`.
fn connect_tls(url: &str, tls: &EngineTls) -> Result<Docker, DockerError> {
    for file in [&tls.ca, &tls.cert, &tls.key] {
        readable(file)?;
    }
    Docker::connect_with_ssl(
        url,
        &tls.key,
        &tls.cert,
        &tls.ca,
        REQUEST_TIMEOUT_SECS,
        bollard::API_DEFAULT_VERSION,
    )
}

/// A client for the engine at `url` as written: a unix socket, or plain HTTP.
fn connect_plain(url: &str) -> Result<Docker, DockerError> {
    if url.starts_with("unix://") {
        Docker::connect_with_unix(url, REQUEST_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
    } else {
        Docker::connect_with_http(url, REQUEST_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
    }
}

/// Checks a certificate or key file can be read: the engine client reads the client
/// certificate only during the handshake, where a missing file would surface as the engine
/// refusing the connection.
fn readable(file: &Path) -> Result<(), DockerError> {
    std::fs::File::open(file)
        .map(drop)
        .map_err(|e| DockerError::IOError {
            err: std::io::Error::new(e.kind(), format!("cannot read {}: {e}", file.display())),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(containers: &[&str], docker: &[&str]) -> Grants {
        Grants {
            containers: containers.iter().map(|s| s.to_string()).collect(),
            docker: docker.iter().map(|s| s.to_string()).collect(),
            ..Grants::default()
        }
    }

    #[test]
    fn a_plugin_without_container_or_image_grants_gets_no_engine() {
        assert!(granted_engines(&BTreeMap::new(), &grants(&[], &["default"])).is_empty());
    }

    #[test]
    fn declared_engines_keep_their_url_and_the_grant_order() {
        let declared = BTreeMap::from([(
            "edge".to_owned(),
            DockerEngine {
                url: "tcp://127.0.0.1:2375".into(),
                address: "127.0.0.1".into(),
                transport: EngineTransport::Plain,
            },
        )]);
        let engines = granted_engines(&declared, &grants(&["api"], &["edge", "default"]));
        assert_eq!(engines[0].name, "edge");
        assert_eq!(engines[0].url, "tcp://127.0.0.1:2375");
        assert_eq!(engines[1].name, "default");
        assert_eq!(engines[1].url, default_url());
    }

    #[tokio::test]
    async fn a_docker_host_ssh_address_with_a_password_is_refused_without_showing_it() {
        let engine = Engine::new(EngineAddress {
            name: "default".into(),
            url: "ssh://deploy:hunter2@10.0.0.7".into(),
            transport: EngineTransport::Plain,
        });
        let Err(Error::Unavailable(text)) = engine.client().await else {
            panic!("an ssh:// address with a password was used");
        };
        assert_eq!(
            text,
            "containers: engine `default` is not reachable: its ssh:// address ($DOCKER_HOST) is \
             not ssh://[USER@]HOST[:PORT]: a password is not allowed (sluice logs in with a key)"
        );
    }

    #[test]
    fn no_docker_grant_means_the_default_engine() {
        let engines = granted_engines(&BTreeMap::new(), &grants(&["api"], &[]));
        assert_eq!(
            engines,
            vec![EngineAddress {
                name: "default".into(),
                url: default_url(),
                transport: default_transport(),
            }]
        );
    }
}
