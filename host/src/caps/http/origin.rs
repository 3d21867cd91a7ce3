//! Origins, and how a granted origin's host may be reached.

use std::net::IpAddr;

use url::{Host, Url};

use super::super::CapError;
use crate::plan::model::{HttpGrant, LOCALHOST};

/// An origin: scheme, host and port. Two URLs may talk to each other's server iff equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of `url`, if it is an http(s) URL with a host.
    pub fn of(url: &Url) -> Option<Origin> {
        let scheme = url.scheme();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        Some(Origin {
            scheme: scheme.to_owned(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default()?,
        })
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The host, lowercase, as written (an IPv6 address in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// How the host of a granted origin is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The plan wrote an IP address: exactly that address, whatever kind it is.
    Literal(IpAddr),
    /// `localhost`: the loopback addresses, without a lookup.
    Localhost,
    /// A name the host looks up: every address it resolves to must be public, or (the grant says
    /// `internal = true`) may also be on an internal network.
    Name {
        /// The name, lowercase.
        name: String,
        /// `internal = true`.
        internal: bool,
    },
}

/// One granted origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The origin.
    pub origin: Origin,
    /// How its host is reached.
    pub reach: Reach,
}

impl Grant {
    /// The grant the plan wrote as `grant`.
    pub fn parse(grant: &HttpGrant) -> Result<Grant, CapError> {
        let invalid = || CapError::Origin(grant.origin.clone());
        let url = Url::parse(&grant.origin).map_err(|_| invalid())?;
        let origin = Origin::of(&url).ok_or_else(invalid)?;
        let reach = match url.host().ok_or_else(invalid)? {
            Host::Ipv4(ip) => Reach::Literal(IpAddr::V4(ip)),
            Host::Ipv6(ip) => Reach::Literal(IpAddr::V6(ip)),
            Host::Domain(name) if name.eq_ignore_ascii_case(LOCALHOST) => Reach::Localhost,
            Host::Domain(name) => Reach::Name {
                name: name.to_ascii_lowercase(),
                internal: grant.internal,
            },
        };
        Ok(Grant { origin, reach })
    }

    /// How the grant reads in messages: the origin, marked when internal.
    pub fn describe(&self) -> String {
        match self.reach {
            Reach::Name { internal: true, .. } => format!("{} (internal)", self.origin),
            _ => self.origin.to_string(),
        }
    }
}
