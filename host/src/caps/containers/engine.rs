//! The Docker engines a plugin may use: which ones the plan grants, their addresses, and one
//! lazily opened connection to each (with the API version negotiated, so older engines such as
//! API 1.41 work).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bollard::Docker;
use bollard::errors::Error as DockerError;
use tokio::sync::OnceCell;

use crate::caps::error_chain;
use crate::plan::model::{DEFAULT_DOCKER_ENGINE, DockerEngine, EngineTls, Grants};
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
    /// `unix:///PATH`, `tcp://HOST:PORT` or `http://HOST:PORT`.
    pub url: String,
    /// The certificates of a `tcp://` engine reached over TLS.
    pub tls: Option<EngineTls>,
}

/// The engines `grants` allows, in grant order (the first is the default); none when the plugin is
/// granted no containers and no images. `declared` is the plan's `[docker]` tables; the name
/// `default`, unless declared there, is `$DOCKER_HOST` (with TLS when `$DOCKER_TLS_VERIFY` is
/// set, see [`default_tls`]) or else the local socket.
pub fn granted_engines(
    declared: &BTreeMap<String, DockerEngine>,
    grants: &Grants,
) -> Vec<EngineAddress> {
    if grants.containers.is_empty() && grants.images.is_empty() {
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
                tls: engine.tls.clone(),
            },
            None => EngineAddress {
                name: name.clone(),
                url: default_url(),
                tls: default_tls(),
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

/// The Docker CLI's convention for the default engine: when it is a `tcp://` address and
/// `$DOCKER_TLS_VERIFY` is set (to anything but the empty string), TLS with `ca.pem`, `cert.pem` and `key.pem` from
/// `$DOCKER_CERT_PATH`, or else from `~/.docker`.
pub fn default_tls() -> Option<EngineTls> {
    if !default_url().starts_with("tcp://") {
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
    client: OnceCell<Docker>,
}

impl Engine {
    pub(super) fn new(address: EngineAddress) -> Self {
        Engine {
            address,
            client: OnceCell::new(),
        }
    }

    pub(super) fn name(&self) -> &str {
        &self.address.name
    }

    /// The connection, opened (and the API version negotiated) on the first call.
    pub(super) async fn client(&self) -> Result<&Docker, Error> {
        self.client
            .get_or_try_init(|| async {
                let docker = connect(&self.address).map_err(|e| self.unreachable(&e))?;
                docker
                    .negotiate_version()
                    .await
                    .map_err(|e| self.unreachable(&e))
            })
            .await
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
            | DockerError::SocketNotFoundError(_) => self.unreachable(&error),
            other => Error::Failed(format!(
                "containers: cannot {action} on engine `{}`: {other}",
                self.address.name
            )),
        }
    }

    fn unreachable(&self, error: &DockerError) -> Error {
        let chain = error_chain(error);
        let hint = self
            .address
            .tls
            .as_ref()
            .and_then(|tls| tls_hint(tls, &chain))
            .unwrap_or_default();
        Error::Unavailable(format!(
            "containers: engine `{}` ({}) is not reachable: {chain}{hint}",
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

fn connect(address: &EngineAddress) -> Result<Docker, DockerError> {
    let url = address.url.as_str();
    let docker = if let Some(tls) = &address.tls {
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
        )?
    } else if url.starts_with("unix://") {
        Docker::connect_with_unix(url, REQUEST_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)?
    } else {
        Docker::connect_with_http(url, REQUEST_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)?
    };
    Ok(docker)
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
                tls: None,
            },
        )]);
        let engines = granted_engines(&declared, &grants(&["api"], &["edge", "default"]));
        assert_eq!(engines[0].name, "edge");
        assert_eq!(engines[0].url, "tcp://127.0.0.1:2375");
        assert_eq!(engines[1].name, "default");
        assert_eq!(engines[1].url, default_url());
    }

    #[test]
    fn no_docker_grant_means_the_default_engine() {
        let engines = granted_engines(&BTreeMap::new(), &grants(&["api"], &[]));
        assert_eq!(
            engines,
            vec![EngineAddress {
                name: "default".into(),
                url: default_url(),
                tls: default_tls(),
            }]
        );
    }
}
