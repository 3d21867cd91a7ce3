//! Connecting only to checked addresses: the host looks a granted name up itself, checks every
//! address it resolves to, and sends the name's requests through a client pinned to exactly
//! those addresses, so a second lookup (DNS rebinding) can never change where a request goes.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Name, Resolve, Resolving};

use super::CONNECT_TIMEOUT;
use super::address::classify;
use super::origin::{Grant, Reach};
use crate::plan::model::LOCALHOST;
use crate::wit::types::Error;

/// What `localhost` resolves to, without asking anyone.
pub const LOOPBACK: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::LOCALHOST),
    IpAddr::V6(Ipv6Addr::LOCALHOST),
];

/// The HTTP clients of one lifecycle call, built when first needed.
pub struct Connector {
    /// Who holds the grants, as denials name them: `plugin `p` is granted`.
    holder: String,
    /// For hosts the plan wrote as IP addresses (nothing to look up).
    literal: Option<reqwest::Client>,
    /// What each name resolved to, looked up once per call.
    answers: HashMap<String, Vec<IpAddr>>,
    /// Per name, a client pinned to its answer.
    pinned: HashMap<String, reqwest::Client>,
}

impl Connector {
    /// Clients for the grants of `holder` (`plugin `p` is granted`, as denials say it).
    pub fn new(holder: String) -> Connector {
        Connector {
            holder,
            literal: None,
            answers: HashMap::new(),
            pinned: HashMap::new(),
        }
    }

    /// A client that connects to `grant`'s host only at addresses the grant allows.
    pub async fn client(&mut self, grant: &Grant) -> Result<reqwest::Client, Error> {
        let (name, internal) = match &grant.reach {
            Reach::Literal(_) => return self.literal_client(),
            Reach::Localhost => (LOCALHOST, true),
            Reach::Name { name, internal } => (name.as_str(), *internal),
        };
        if !self.answers.contains_key(name) {
            let addresses = match &grant.reach {
                Reach::Localhost => LOOPBACK.to_vec(),
                _ => lookup(name, grant.origin.port()).await?,
            };
            self.answers.insert(name.to_owned(), addresses);
        }
        let addresses = &self.answers[name];
        for &ip in addresses {
            refuse_unless_allowed(&self.holder, grant, name, ip, internal)?;
        }
        if let Some(client) = self.pinned.get(name) {
            return Ok(client.clone());
        }
        let client = build(Some((name, addresses)))?;
        self.pinned.insert(name.to_owned(), client.clone());
        Ok(client)
    }

    fn literal_client(&mut self) -> Result<reqwest::Client, Error> {
        if let Some(client) = &self.literal {
            return Ok(client.clone());
        }
        let client = build(None)?;
        self.literal = Some(client.clone());
        Ok(client)
    }
}

/// `Err(denied)` when `ip`, an address `name` resolved to, is not one `grant` may reach;
/// `holder` names who holds the grant (`plugin `p` is granted`).
pub fn refuse_unless_allowed(
    holder: &str,
    grant: &Grant,
    name: &str,
    ip: IpAddr,
    internal: bool,
) -> Result<(), Error> {
    let Some(class) = classify(ip) else {
        return Ok(());
    };
    if internal && class.is_internal_network() {
        return Ok(());
    }
    let literal = SocketAddr::new(ip, grant.origin.port());
    let how = if internal {
        "which no name may reach, not even one marked internal; grant the literal address if the \
         plugin must reach it"
            .to_owned()
    } else {
        format!(
            "and a granted name may reach only public addresses (to allow it on purpose, grant \
             the literal address, e.g. http://{literal}, or mark the grant `internal = true`)"
        )
    };
    Err(Error::Denied(format!(
        "http: `{name}` resolves to {ip}, {}; {holder} {} by name, {how}",
        class.describe(),
        grant.describe(),
    )))
}

/// Every address `name` resolves to (the system resolver: /etc/hosts, then DNS).
pub async fn lookup(name: &str, port: u16) -> Result<Vec<IpAddr>, Error> {
    let found = tokio::net::lookup_host((name, port))
        .await
        .map_err(|e| Error::Unavailable(format!("http: cannot resolve `{name}`: {e}")))?;
    let mut addresses: Vec<IpAddr> = Vec::new();
    for ip in found.map(|socket| socket.ip()) {
        if !addresses.contains(&ip) {
            addresses.push(ip);
        }
    }
    if addresses.is_empty() {
        return Err(Error::Unavailable(format!(
            "http: `{name}` resolves to no address"
        )));
    }
    Ok(addresses)
}

/// A client that follows no redirect, ignores proxy settings, looks no name up, and sends
/// `pinned`'s name (if any) to exactly its addresses.
pub fn build(pinned: Option<(&str, &[IpAddr])>) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .no_proxy()
        .dns_resolver(Arc::new(NoLookups));
    if let Some((name, addresses)) = pinned {
        // Port 0: the URL's port is used.
        let sockets: Vec<SocketAddr> = addresses.iter().map(|&ip| SocketAddr::new(ip, 0)).collect();
        builder = builder.resolve_to_addrs(name, &sockets);
    }
    builder
        .build()
        .map_err(|e| Error::Failed(format!("http: cannot set up a client: {e}")))
}

/// The resolver of every client: refuses, because every name a client may reach is pinned.
struct NoLookups;

impl Resolve for NoLookups {
    fn resolve(&self, name: Name) -> Resolving {
        let message = format!(
            "`{}` was not checked by sluice, which looks every name up itself",
            name.as_str()
        );
        Box::pin(async move { Err(message.into()) })
    }
}
