//! A small PostgreSQL cluster of its own that accepts only TLS connections (`ssl = on`, every
//! `pg_hba.conf` line `hostssl`), with a server certificate for `localhost` and `127.0.0.1` from
//! a CA the fixture makes (rcgen). Started once per test process (the shared test cluster stays
//! as it is), stopped when the process exits. Needs root (initdb runs as `postgres`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use super::certs::Ca;
use super::docker::free_ports;

/// The superuser's password.
const PASSWORD: &str = "sluice-tls-password";

/// The TLS-only cluster of this test process.
pub struct TlsPostgres {
    /// `postgres://sluice:PASSWORD@127.0.0.1:PORT/postgres`, without TLS parameters.
    pub url: String,
    /// The CA that signed the server's certificate (PEM file).
    pub ca: PathBuf,
    /// A CA that did not (PEM file).
    pub stranger_ca: PathBuf,
}

/// The cluster's data directory, for the exit hook.
static DATA: Mutex<Option<PathBuf>> = Mutex::new(None);

impl TlsPostgres {
    /// The cluster, created and started on the first call.
    pub fn shared() -> &'static TlsPostgres {
        static CLUSTER: OnceLock<TlsPostgres> = OnceLock::new();
        CLUSTER.get_or_init(TlsPostgres::start)
    }

    fn start() -> TlsPostgres {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("tls-postgres-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ca = Ca::new("sluice test database CA");
        let server = ca.server(&["localhost", "127.0.0.1"]);
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.join("stranger-ca.pem"), Ca::new("another CA").pem()).unwrap();
        std::fs::write(dir.join("server.crt"), &server.cert).unwrap();
        std::fs::write(dir.join("server.key"), &server.key).unwrap();
        std::fs::write(dir.join("password"), format!("{PASSWORD}\n")).unwrap();
        run(Command::new("chmod")
            .args(["600"])
            .arg(dir.join("server.key")));
        run(Command::new("chown").args(["-R", "postgres:"]).arg(&dir));
        let bin = pg_bindir();
        let data = dir.join("data");
        run(as_postgres(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "sluice", "--auth=scram-sha-256", "-E", "UTF8"])
            .arg(format!("--pwfile={}", dir.join("password").display())));
        std::fs::write(
            data.join("pg_hba.conf"),
            "hostssl all all 127.0.0.1/32 scram-sha-256\n",
        )
        .unwrap();
        let [port] = free_ports();
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k '' -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
            dir.join("server.crt").display(),
            dir.join("server.key").display()
        );
        *DATA.lock().unwrap() = Some(data.clone());
        // SAFETY: registers a plain extern "C" function with no arguments.
        unsafe { libc::atexit(stop_at_exit) };
        run(as_postgres(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"]));
        TlsPostgres {
            url: format!("postgres://sluice:{PASSWORD}@127.0.0.1:{port}/postgres"),
            ca: dir.join("ca.pem"),
            stranger_ca: dir.join("stranger-ca.pem"),
        }
    }
}

/// The directory of the newest installed PostgreSQL's programs.
fn pg_bindir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (scripts/ensure-deps.sh)")
        .map(|entry| entry.unwrap().path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().expect("an installed PostgreSQL has initdb")
}

fn as_postgres(program: &Path) -> Command {
    let mut cmd = Command::new("runuser");
    cmd.args(["-u", "postgres", "--"]).arg(program);
    cmd
}

fn run(cmd: &mut Command) {
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

extern "C" fn stop_at_exit() {
    let Ok(mut data) = DATA.lock() else {
        return;
    };
    if let Some(data) = data.take() {
        let _ = as_postgres(&pg_bindir().join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "stop"])
            .output();
        if let Some(dir) = data.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
