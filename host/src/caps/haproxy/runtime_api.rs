//! One HAProxy runtime API over TCP: a connection per command (HAProxy answers one command and
//! closes), the commands the capability may send, and the parsing of HAProxy's answers.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{MAX_ANSWER_BYTES, TIMEOUT};
use crate::plan::model::HaproxyName;
use crate::wit::haproxy::{AdminState, OperationalState, Server};
use crate::wit::types::Error;

/// A command the host sends: each is one line composed of checked names and numbers.
#[derive(Debug)]
pub enum Command<'a> {
    /// `add server BACKEND/SERVER ADDR:PORT weight W` (added in maintenance).
    AddServer(&'a HaproxyName, &'a HaproxyName, SocketAddr, u16),
    /// `enable server BACKEND/SERVER` (out of maintenance).
    Enable(&'a HaproxyName, &'a HaproxyName),
    /// `set server BACKEND/SERVER weight W`.
    SetWeight(&'a HaproxyName, &'a HaproxyName, u16),
    /// `set server BACKEND/SERVER state ready|drain|maint`.
    SetState(&'a HaproxyName, &'a HaproxyName, AdminState),
    /// `del server BACKEND/SERVER`.
    Delete(&'a HaproxyName, &'a HaproxyName),
    /// `show servers state BACKEND`.
    ServersState(&'a HaproxyName),
    /// `show stat BACKEND 4 -1`: the backend's servers' statistics (CSV).
    ServerStats(&'a HaproxyName),
}

impl Command<'_> {
    /// The command line, without its newline.
    pub fn line(&self) -> String {
        match self {
            Command::AddServer(backend, server, at, weight) => {
                format!("add server {backend}/{server} {at} weight {weight}")
            }
            Command::Enable(backend, server) => format!("enable server {backend}/{server}"),
            Command::SetWeight(backend, server, weight) => {
                format!("set server {backend}/{server} weight {weight}")
            }
            Command::SetState(backend, server, state) => {
                let state = match state {
                    AdminState::Ready => "ready",
                    AdminState::Drain => "drain",
                    AdminState::Maint => "maint",
                };
                format!("set server {backend}/{server} state {state}")
            }
            Command::Delete(backend, server) => format!("del server {backend}/{server}"),
            Command::ServersState(backend) => format!("show servers state {backend}"),
            Command::ServerStats(backend) => format!("show stat {backend} 4 -1"),
        }
    }

    /// Whether `answer` (trimmed) says a change succeeded: HAProxy answers a successful `set` or
    /// `enable` with nothing, and `add`/`del` with a sentence of its own.
    fn succeeded(&self, answer: &str) -> bool {
        match self {
            Command::AddServer(..) => answer == "New server registered.",
            Command::Delete(..) => answer == "Server deleted.",
            Command::ServersState(_) | Command::ServerStats(_) => true,
            Command::Enable(..) | Command::SetWeight(..) | Command::SetState(..) => {
                answer.is_empty()
            }
        }
    }
}

/// The runtime API at one address.
pub struct RuntimeApi {
    address: SocketAddr,
}

impl RuntimeApi {
    /// The runtime API listening on `address`.
    pub fn new(address: SocketAddr) -> Self {
        RuntimeApi { address }
    }

    /// Sends a change; `failed` quoting HAProxy's answer unless it says the change was made.
    pub async fn run(&self, command: Command<'_>) -> Result<(), Error> {
        let answer = self.send(&command).await?;
        let answer = answer.trim();
        if command.succeeded(answer) {
            Ok(())
        } else {
            Err(self.refused(&command, answer))
        }
    }

    /// The servers of `backend`: `show servers state`, with each one's sessions from
    /// `show stat`.
    pub async fn servers(&self, backend: &HaproxyName) -> Result<Vec<Server>, Error> {
        let command = Command::ServersState(backend);
        let state = self.send(&command).await?;
        let mut servers =
            parse_servers_state(&state).ok_or_else(|| self.refused(&command, state.trim()))?;
        let command = Command::ServerStats(backend);
        let stats = self.send(&command).await?;
        let sessions =
            parse_sessions(&stats).ok_or_else(|| self.refused(&command, stats.trim()))?;
        for server in &mut servers {
            server.sessions = sessions.get(&server.name).copied().unwrap_or(0);
        }
        Ok(servers)
    }

    fn refused(&self, command: &Command<'_>, answer: &str) -> Error {
        Error::Failed(format!(
            "haproxy at {} refused `{}`: {}",
            self.address,
            command.line(),
            if answer.is_empty() {
                "(no answer)"
            } else {
                answer
            }
        ))
    }

    /// Sends `command` and reads the whole answer, within [`TIMEOUT`].
    async fn send(&self, command: &Command<'_>) -> Result<String, Error> {
        let line = command.line();
        tokio::time::timeout(TIMEOUT, self.exchange(&line))
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {TIMEOUT:?}")))
            .map_err(|why| {
                Error::Unavailable(format!(
                    "haproxy runtime API at {}: `{line}`: {why}",
                    self.address
                ))
            })
    }

    async fn exchange(&self, line: &str) -> Result<String, String> {
        let mut stream = TcpStream::connect(self.address)
            .await
            .map_err(|e| e.to_string())?;
        stream
            .write_all(format!("{line}\n").as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        (&mut stream)
            .take(MAX_ANSWER_BYTES as u64 + 1)
            .read_to_end(&mut answer)
            .await
            .map_err(|e| e.to_string())?;
        if answer.len() > MAX_ANSWER_BYTES {
            return Err(format!("the answer is over {MAX_ANSWER_BYTES} bytes"));
        }
        Ok(String::from_utf8_lossy(&answer).into_owned())
    }
}

/// The servers in an answer to `show servers state BACKEND` (format 1: a version line, a `#`
/// header naming the columns, a line per server), sessions left at 0; none when the answer is
/// not that (HAProxy's error text instead).
pub fn parse_servers_state(answer: &str) -> Option<Vec<Server>> {
    let mut lines = answer.lines().filter(|line| !line.trim().is_empty());
    if lines.next()?.trim() != "1" {
        return None;
    }
    let header: Vec<&str> = lines
        .next()?
        .strip_prefix('#')?
        .split_whitespace()
        .collect();
    let column = |name: &str| header.iter().position(|&column| column == name);
    let [name, address, op, admin, weight, port] = [
        "srv_name",
        "srv_addr",
        "srv_op_state",
        "srv_admin_state",
        "srv_uweight",
        "srv_port",
    ]
    .map(column);
    let (name, address, op, admin, weight, port) = (name?, address?, op?, admin?, weight?, port?);
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let field = |index: usize| fields.get(index).copied();
            Some(Server {
                name: field(name)?.to_owned(),
                address: field(address)?.to_owned(),
                port: field(port)?.parse().ok()?,
                weight: field(weight)?.parse().ok()?,
                admin: admin_state(field(admin)?.parse().ok()?),
                operational: operational_state(field(op)?.parse().ok()?)?,
                sessions: 0,
            })
        })
        .collect()
}

/// The current sessions per server in an answer to `show stat` (CSV with a `# ` header); none
/// when the answer is not that.
pub fn parse_sessions(answer: &str) -> Option<BTreeMap<String, u32>> {
    let mut lines = answer.lines().filter(|line| !line.trim().is_empty());
    let header: Vec<&str> = lines.next()?.strip_prefix("# ")?.split(',').collect();
    let column = |name: &str| header.iter().position(|&column| column == name);
    let (server, sessions) = (column("svname")?, column("scur")?);
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            Some((
                (*fields.get(server)?).to_owned(),
                fields.get(sessions)?.parse().ok()?,
            ))
        })
        .collect()
}

/// HAProxy's `srv_admin_state` bits: forced, inherited, configured, resolution or hostname
/// maintenance (0x01, 0x02, 0x04, 0x20, 0x40); forced or inherited drain (0x08, 0x10).
const DRAIN_BITS: u32 = 0x08 | 0x10;

fn admin_state(bits: u32) -> AdminState {
    if bits & !DRAIN_BITS != 0 {
        AdminState::Maint
    } else if bits & DRAIN_BITS != 0 {
        AdminState::Drain
    } else {
        AdminState::Ready
    }
}

fn operational_state(value: u32) -> Option<OperationalState> {
    Some(match value {
        0 => OperationalState::Stopped,
        1 => OperationalState::Starting,
        2 => OperationalState::Running,
        3 => OperationalState::Stopping,
        _ => return None,
    })
}
