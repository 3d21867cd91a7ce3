//! One probe of a gate's check, whatever its kind.

use std::io;
use std::time::Duration;

use super::http::HttpCheck;
use super::plugin::PluginGate;
use super::target::{Guarded, Target, TargetPolicy};
use super::tcp;
use crate::plan::model::GateCheck;

/// One probe as it happened, handed to the observer for live progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Which probe of the gate this was, from 1.
    pub attempt: u32,
    /// Whether it succeeded.
    pub ok: bool,
    /// What it saw: `HTTP 200`, `connection refused`, `timed out after 5s`.
    pub detail: String,
}

/// What one probe saw.
pub(super) struct Observation {
    /// Whether it succeeded.
    pub ok: bool,
    /// Whether the gate target policy refused the target (the gate fails at once).
    pub refused: bool,
    /// What it saw, in words.
    pub detail: String,
}

impl Observation {
    /// A successful probe.
    pub fn success(detail: String) -> Observation {
        Observation {
            ok: true,
            refused: false,
            detail,
        }
    }

    /// A failed probe.
    pub fn failure(detail: String) -> Observation {
        Observation {
            ok: false,
            refused: false,
            detail,
        }
    }

    /// A target the gate target policy refused: nothing was sent.
    pub fn refused(reason: String) -> Observation {
        Observation {
            ok: false,
            refused: true,
            detail: reason,
        }
    }
}

/// A check ready to be probed again and again.
pub(super) enum Prober<'a> {
    /// An HTTP GET.
    Http(HttpCheck<'a>),
    /// A TCP connect to this address (`host:port`), under the policy when it holds what a
    /// plugin staged.
    Tcp(&'a str, Option<Guarded<'a>>),
    /// A gate plugin's `check`.
    Plugin(&'a PluginGate),
}

/// Why a check cannot be probed at all.
#[derive(Debug, thiserror::Error)]
pub(super) enum SetupError {
    /// A `tcp` gate's address is not `host:port`.
    #[error("invalid address `{0}`: expected host:port")]
    InvalidAddress(String),
    /// The URL does not parse, or is not `http`/`https`.
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot build an HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    /// A plugin gate evaluated without its loaded plugin (see [`super::evaluate_plugin`]).
    #[error("gate plugin `{0}` is not loaded")]
    PluginNotLoaded(String),
}

impl<'a> Prober<'a> {
    /// Prepares `check`; `timeout` is the longest one probe may take. With `policy` (the check
    /// holds what a plugin staged), every probe's target is checked by it first.
    pub fn new(
        check: &'a GateCheck,
        timeout: Duration,
        policy: Option<&'a TargetPolicy>,
    ) -> Result<Prober<'a>, SetupError> {
        Ok(match check {
            GateCheck::Http { url, status, body } => {
                let http = HttpCheck::new(url, *status, body.as_deref(), timeout)?;
                Prober::Http(http.guarded(policy)?)
            }
            GateCheck::Tcp { address } => {
                let guard = match policy {
                    Some(policy) => Some(Guarded {
                        policy,
                        target: Target::of_address(address)
                            .ok_or_else(|| SetupError::InvalidAddress(address.clone()))?,
                    }),
                    None => None,
                };
                Prober::Tcp(address, guard)
            }
            GateCheck::Plugin { plugin, .. } => {
                return Err(SetupError::PluginNotLoaded(plugin.clone()));
            }
        })
    }

    /// Probes once, as probe number `attempt`, giving up after `timeout`.
    pub async fn probe(&self, attempt: u32, timeout: Duration) -> Observation {
        match self {
            Prober::Http(check) => check.probe(timeout).await,
            Prober::Tcp(address, guard) => tcp::probe(address, guard.as_ref(), timeout).await,
            Prober::Plugin(gate) => gate.probe(attempt, timeout).await,
        }
    }
}

/// An I/O error as a probe detail: `connection refused` rather than `Connection refused (os error 111)`.
pub(super) fn describe_io_error(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        io::ErrorKind::ConnectionReset => "connection reset".to_owned(),
        io::ErrorKind::TimedOut => "timed out".to_owned(),
        _ => error.to_string(),
    }
}

/// `timed out after 5s`.
pub(super) fn timed_out(timeout: Duration) -> String {
    format!("timed out after {}", humantime::format_duration(timeout))
}
