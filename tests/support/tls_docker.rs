//! A second, real Docker engine that only speaks TLS with client certificates (`dockerd
//! --tlsverify` on a loopback port), started once per test process beside the main one (a
//! [`Dockerd`]). The certificates come from a CA the fixture makes (rcgen).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use super::certs::Ca;
use super::docker::free_ports;
use super::dockerd::Dockerd;

/// The TLS engine of this test process.
pub struct TlsEngine {
    /// `tcp://127.0.0.1:PORT`.
    pub url: String,
    /// A directory with `ca.pem`, `cert.pem` and `key.pem`: a client certificate the engine
    /// accepts (the `DOCKER_CERT_PATH` layout).
    pub client: PathBuf,
    /// The same layout, from another CA: neither side trusts the other.
    pub stranger: PathBuf,
    /// The engine itself, reached over its unix socket (no TLS) for the tests' own assertions.
    engine: Dockerd,
}

impl TlsEngine {
    /// The engine, started (and the test images loaded) on the first call.
    pub fn shared() -> &'static TlsEngine {
        static ENGINE: OnceLock<TlsEngine> = OnceLock::new();
        ENGINE.get_or_init(TlsEngine::start)
    }

    /// A `docker` command talking to this engine (over its unix socket).
    pub fn docker(&self) -> Command {
        self.engine.docker()
    }

    fn start() -> TlsEngine {
        let dir = Dockerd::dir_for("tls");
        let ca = Ca::new("sluice test engine CA");
        let server = ca.server(&["127.0.0.1", "localhost"]);
        std::fs::write(dir.join("server-ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.join("server-cert.pem"), &server.cert).unwrap();
        std::fs::write(dir.join("server-key.pem"), &server.key).unwrap();
        let client = dir.join("client");
        ca.write_client_dir(&client);
        let stranger = dir.join("stranger");
        Ca::new("another CA").write_client_dir(&stranger);
        let [port] = free_ports();
        let mut args = vec!["--tlsverify".to_owned()];
        for (option, file) in [
            ("--tlscacert", "server-ca.pem"),
            ("--tlscert", "server-cert.pem"),
            ("--tlskey", "server-key.pem"),
        ] {
            args.push(format!("{option}={}", dir.join(file).display()));
        }
        args.push(format!("--host=tcp://127.0.0.1:{port}"));
        TlsEngine {
            url: format!("tcp://127.0.0.1:{port}"),
            client,
            stranger,
            engine: Dockerd::start("tls", dir, &args),
        }
    }
}
