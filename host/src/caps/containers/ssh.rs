//! The tunnel to an engine reached over SSH (an `ssh://` url): the system OpenSSH client, run by
//! sluice as its child, forwards a private local socket to the engine's socket on the remote host
//! (`ssh -N -L LOCAL:REMOTE`), and the engine client talks to the local socket. This is what the
//! Docker CLI does for `DOCKER_HOST=ssh://...`, with ssh's own configuration, keys and agent.
//!
//! Threat model: whoever holds the engine's socket is root on that host and sees every image and
//! environment deployed there. A man in the middle could pose as the host (a new or changed host
//! key); a run could hang on a prompt (a password, a passphrase, "are you sure you want to
//! continue connecting"); a url, a path or a user name could be read by ssh as an option or a
//! `%` token; another local user could borrow the forwarded socket; the tunnel could outlive the
//! run or share another process's multiplexed connection. What stops it: ssh runs with
//! `StrictHostKeyChecking=yes` (an unknown or changed host key is refused, never added) against
//! the plan's `known_hosts` or ssh's own files, and `BatchMode=yes` (never a prompt); the key is
//! a file ssh reads (`identity`, alone: `IdentitiesOnly=yes`), no secret is ever on its command
//! line; the user name is letters, digits, `.`, `_` and `-` (checked with the plan), the host
//! follows `--`, paths are passed quoted with `%` escaped; `ControlPath=none` (no multiplexing);
//! the local socket lives in a fresh directory only sluice's user may enter (ssh makes the socket
//! 0600); the child is killed when the engine handle is dropped, at the end of each plugin call,
//! and gets SIGTERM if sluice dies first (`PR_SET_PDEATHSIG`).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::net::UnixStream;
use tokio::process::{Child, Command};
use tokio::time::Instant;

use crate::plan::model::EngineSsh;

/// How long ssh may take to log in and start forwarding.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How often the local socket is tried while ssh logs in.
const POLL: Duration = Duration::from_millis(20);

/// Seconds ssh waits for the TCP connection to the server.
const CONNECT_TIMEOUT_SECS: u32 = 10;

/// The local socket's name in the tunnel's directory.
const SOCKET_FILE: &str = "docker.sock";

/// ssh's log's name in the tunnel's directory.
const LOG_FILE: &str = "ssh.log";

/// Why an SSH tunnel could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum TunnelError {
    /// No `ssh` to run.
    #[error(
        "ssh:// engines need the OpenSSH client `ssh`, and it is not on PATH (Debian: openssh-client)"
    )]
    NoClient,
    /// A file the plan names cannot be read.
    #[error("cannot read {}: {error}", path.display())]
    Unreadable {
        path: PathBuf,
        error: std::io::Error,
    },
    /// Starting ssh or watching it failed.
    #[error("cannot run ssh: {0}")]
    Io(#[from] std::io::Error),
    /// The host presented another key than the known one.
    #[error(
        "the SSH host key of {host} does not match the key {known_hosts} holds for it, and \
         sluice checks host keys: someone may be intercepting the connection, or the host's key \
         was replaced. If the new key ({fingerprint}) is expected, remove the old one with \
         `ssh-keygen -R '{entry}' -f {known_hosts}` and add the new one"
    )]
    HostKeyChanged {
        host: String,
        known_hosts: String,
        entry: String,
        fingerprint: String,
    },
    /// The host's key is in no known_hosts file.
    #[error(
        "the SSH host key of {host} is not in {known_hosts}, and sluice checks host keys: add it \
         once you have checked its fingerprint, e.g. `ssh-keyscan {keyscan} >> {known_hosts}`"
    )]
    HostKeyUnknown {
        host: String,
        known_hosts: String,
        keyscan: String,
    },
    /// The server did not accept any key offered.
    #[error("the SSH server {host} refused {key} ({said})")]
    AuthRefused {
        host: String,
        key: String,
        said: String,
    },
    /// Nothing answered, or the name did not resolve.
    #[error("cannot reach the SSH server {host}: {said}")]
    Unreachable { host: String, said: String },
    /// ssh exited for another reason.
    #[error("ssh to {host} exited ({status}): {said}")]
    Exited {
        host: String,
        status: ExitStatus,
        said: String,
    },
    /// ssh neither forwarded nor gave up in time.
    #[error(
        "ssh to {host} did not start forwarding within {}s",
        READY_TIMEOUT.as_secs()
    )]
    Timeout { host: String },
}

/// A running tunnel: dropping it kills ssh and removes the local socket's directory.
pub struct SshTunnel {
    child: Child,
    dir: tempfile::TempDir,
    remote_socket: PathBuf,
}

impl SshTunnel {
    /// Starts ssh for `ssh` and waits until the local socket forwards.
    pub async fn open(ssh: &EngineSsh) -> Result<SshTunnel, TunnelError> {
        for path in ssh.identity.iter().chain(&ssh.known_hosts) {
            std::fs::File::open(path).map_err(|error| TunnelError::Unreadable {
                path: path.clone(),
                error,
            })?;
        }
        let dir = tempfile::Builder::new().prefix("sluice-ssh-").tempdir()?;
        let log = dir.path().join(LOG_FILE);
        // ssh writes its messages to the log (`-E`); what it says before reading `-E` goes there too.
        let stderr = OpenOptions::new().create(true).append(true).open(&log)?;
        let child = command(ssh, &dir.path().join(SOCKET_FILE), &log)
            .stderr(stderr)
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => TunnelError::NoClient,
                _ => TunnelError::Io(e),
            })?;
        let mut tunnel = SshTunnel {
            child,
            dir,
            remote_socket: ssh.socket.clone(),
        };
        tunnel.wait_until_forwarding(ssh).await?;
        Ok(tunnel)
    }

    /// The local end: `unix://PATH`.
    pub fn url(&self) -> String {
        format!("unix://{}", self.local_socket().display())
    }

    /// What ssh said about a forwarded connection, for an engine request that failed.
    pub fn hint(&self) -> Option<String> {
        self.log().contains("open failed").then(|| {
            format!(
                " (the SSH server could not open the engine socket {} on the remote host)",
                self.remote_socket.display()
            )
        })
    }

    fn local_socket(&self) -> PathBuf {
        self.dir.path().join(SOCKET_FILE)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join(LOG_FILE)).unwrap_or_default()
    }

    async fn wait_until_forwarding(&mut self, ssh: &EngineSsh) -> Result<(), TunnelError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(failure(ssh, status, &self.log()));
            }
            if UnixStream::connect(self.local_socket()).await.is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(TunnelError::Timeout {
                    host: host_label(ssh),
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The ssh command forwarding `local` to the remote engine socket of `ssh`, logging to `log`.
fn command(ssh: &EngineSsh, local: &Path, log: &Path) -> Command {
    let mut command = Command::new("ssh");
    command.arg("-N").arg("-E").arg(log);
    let mut options = vec![
        "BatchMode=yes".to_owned(),
        "StrictHostKeyChecking=yes".to_owned(),
        "ExitOnForwardFailure=yes".to_owned(),
        "ControlMaster=no".to_owned(),
        "ControlPath=none".to_owned(),
        format!("ConnectTimeout={CONNECT_TIMEOUT_SECS}"),
        "ServerAliveInterval=15".to_owned(),
        "ServerAliveCountMax=3".to_owned(),
    ];
    if let Some(file) = &ssh.known_hosts {
        options.push(format!("UserKnownHostsFile={}", quoted(file)));
    }
    if let Some(key) = &ssh.identity {
        options.push(format!("IdentityFile={}", quoted(key)));
        options.push("IdentitiesOnly=yes".to_owned());
    }
    for option in options {
        command.arg("-o").arg(option);
    }
    if let Some(port) = ssh.port {
        command.arg("-p").arg(port.to_string());
    }
    if let Some(user) = &ssh.user {
        command.arg("-l").arg(user);
    }
    command
        .arg("-L")
        .arg(format!("{}:{}", local.display(), ssh.socket.display()))
        .arg("--")
        .arg(&ssh.host)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .kill_on_drop(true);
    die_with_sluice(&mut command);
    command
}

/// Makes the child get SIGTERM when sluice dies without dropping the tunnel (killed, or
/// exiting mid-call), so no ssh outlives it. Linux sends the signal when the thread that started
/// the child ends: a runtime worker thread or the main thread, which live as long as sluice.
fn die_with_sluice(command: &mut Command) {
    let sluice = std::process::id();
    // SAFETY: the closure runs in the forked child before exec and only makes two system calls
    // (prctl, getppid), both async-signal-safe, and allocates nothing (not even for an error).
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            // sluice died before the signal was asked for: the child has been adopted already.
            if u32::try_from(libc::getppid()).ok() != Some(sluice) {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// `path` as one ssh option argument: double-quoted, `%` (ssh's tokens) doubled.
fn quoted(path: &Path) -> String {
    let text = path.display().to_string();
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('%', "%%");
    format!("\"{escaped}\"")
}

/// Why ssh exited before forwarding, from what it logged.
fn failure(ssh: &EngineSsh, status: ExitStatus, log: &str) -> TunnelError {
    let host = host_label(ssh);
    let line = |needle: &str| log.lines().find(|line| line.contains(needle)).map(clean);
    if log.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
        let fingerprint = log
            .split_whitespace()
            .find(|word| word.starts_with("SHA256:"))
            .map_or_else(|| "shown by ssh-keyscan".to_owned(), clean);
        // "Offending ED25519 key in FILE:LINE": the file holding the old key.
        let offending = line("Offending").and_then(|said| {
            let (_, place) = said.split_once(" key in ")?;
            Some(place.rsplit_once(':')?.0.to_owned())
        });
        return TunnelError::HostKeyChanged {
            known_hosts: offending.unwrap_or_else(|| known_hosts_label(ssh)),
            entry: known_hosts_entry(ssh),
            fingerprint: fingerprint.trim_end_matches('.').to_owned(),
            host,
        };
    }
    if log.contains("Host key verification failed") {
        let port = ssh
            .port
            .map(|port| format!("-p {port} "))
            .unwrap_or_default();
        return TunnelError::HostKeyUnknown {
            known_hosts: known_hosts_label(ssh),
            keyscan: format!("{port}{}", ssh.host),
            host,
        };
    }
    if let Some(said) = line("Permission denied") {
        let user = ssh.user.as_deref().unwrap_or("ssh's default user");
        let key = match &ssh.identity {
            Some(identity) => format!("the key {} for user {user}", identity.display()),
            None => format!("ssh's default keys for user {user} (name one with `identity`)"),
        };
        return TunnelError::AuthRefused { host, key, said };
    }
    let unreachable = [
        "connect to host",
        "Could not resolve hostname",
        "Connection closed",
    ];
    if let Some(said) = unreachable.into_iter().find_map(line) {
        let said = said.trim_start_matches("ssh: ").to_owned();
        return TunnelError::Unreachable { host, said };
    }
    let said = log
        .lines()
        .rfind(|line| !line.trim().is_empty())
        .map_or_else(|| "it said nothing".to_owned(), clean);
    TunnelError::Exited { host, status, said }
}

/// `HOST:PORT` (or `HOST`) as people write it.
fn host_label(ssh: &EngineSsh) -> String {
    match ssh.port {
        Some(port) => format!("{}:{port}", ssh.host),
        None => ssh.host.clone(),
    }
}

/// The host's name in a known_hosts file: `[HOST]:PORT` for a port other than 22.
fn known_hosts_entry(ssh: &EngineSsh) -> String {
    match ssh.port {
        Some(port) if port != 22 => format!("[{}]:{port}", ssh.host),
        _ => ssh.host.clone(),
    }
}

/// The known_hosts file ssh checked (the first of its defaults when the plan names none).
fn known_hosts_label(ssh: &EngineSsh) -> String {
    ssh.known_hosts.as_ref().map_or_else(
        || "~/.ssh/known_hosts".to_owned(),
        |file| file.display().to_string(),
    )
}

/// A line of ssh's log without control characters (a server's banner could hold any).
fn clean(text: &str) -> String {
    text.trim().chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    fn engine() -> EngineSsh {
        EngineSsh {
            user: Some("deploy".into()),
            host: "127.0.0.1".into(),
            port: Some(2222),
            identity: Some("/plan/keys/id".into()),
            known_hosts: Some("/plan/keys/known_hosts".into()),
            socket: "/var/run/docker.sock".into(),
        }
    }

    fn said(log: &str) -> String {
        failure(&engine(), ExitStatus::from_raw(255 << 8), log).to_string()
    }

    #[test]
    fn a_changed_host_key_names_the_host_the_file_holding_the_old_key_and_the_new_fingerprint() {
        let text = said(
            "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n\
             The fingerprint for the ED25519 key sent by the remote host is\n\
             SHA256:PsEBe7syYx+ZOb0baJd7h8RJJjBaAmxXdQiWNphG/DM.\n\
             Offending ED25519 key in /plan/keys/known_hosts:1\n\
             Host key for [127.0.0.1]:2222 has changed and you have requested strict checking.\n\
             Host key verification failed.\n",
        );
        assert!(
            text.starts_with(
                "the SSH host key of 127.0.0.1:2222 does not match the key \
                 /plan/keys/known_hosts holds for it"
            ),
            "{text}"
        );
        assert!(
            text.contains("(SHA256:PsEBe7syYx+ZOb0baJd7h8RJJjBaAmxXdQiWNphG/DM)")
                && text.contains("`ssh-keygen -R '[127.0.0.1]:2222' -f /plan/keys/known_hosts`"),
            "{text}"
        );
    }

    #[test]
    fn an_unknown_host_a_refused_key_and_no_server_each_say_so() {
        let unknown = said(
            "No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict \
             checking.\nHost key verification failed.\n",
        );
        assert!(
            unknown
                .starts_with("the SSH host key of 127.0.0.1:2222 is not in /plan/keys/known_hosts")
                && unknown.contains("`ssh-keyscan -p 2222 127.0.0.1 >> /plan/keys/known_hosts`"),
            "{unknown}"
        );
        assert_eq!(
            said("deploy@127.0.0.1: Permission denied (publickey).\n"),
            "the SSH server 127.0.0.1:2222 refused the key /plan/keys/id for user deploy \
             (deploy@127.0.0.1: Permission denied (publickey).)"
        );
        assert_eq!(
            said("ssh: connect to host 127.0.0.1 port 2222: Connection refused\r\n"),
            "cannot reach the SSH server 127.0.0.1:2222: connect to host 127.0.0.1 port 2222: \
             Connection refused"
        );
        assert_eq!(
            said("something\nBad \x1b[31mthing\n\n"),
            "ssh to 127.0.0.1:2222 exited (exit status: 255): Bad [31mthing"
        );
    }

    #[test]
    fn paths_are_quoted_for_ssh_with_its_tokens_escaped() {
        assert_eq!(quoted(Path::new("/a b/k%h\"q\"")), r#""/a b/k%%h\"q\"""#);
    }

    #[test]
    fn the_command_checks_host_keys_never_prompts_and_puts_the_host_after_the_options() {
        let command = command(
            &engine(),
            Path::new("/tmp/t/docker.sock"),
            Path::new("/tmp/t/log"),
        );
        let args: Vec<String> = command
            .as_std()
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        for option in [
            "BatchMode=yes",
            "StrictHostKeyChecking=yes",
            "ControlPath=none",
            "IdentitiesOnly=yes",
            "UserKnownHostsFile=\"/plan/keys/known_hosts\"",
            "IdentityFile=\"/plan/keys/id\"",
        ] {
            assert!(args.iter().any(|arg| arg == option), "{option}: {args:?}");
        }
        assert_eq!(
            args[args.len() - 5..],
            [
                "deploy",
                "-L",
                "/tmp/t/docker.sock:/var/run/docker.sock",
                "--",
                "127.0.0.1"
            ],
            "{args:?}"
        );
    }
}
