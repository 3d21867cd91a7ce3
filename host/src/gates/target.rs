//! The gate target policy: where an `http` or `tcp` gate may probe when its URL or address holds
//! what a plugin produced (`${staged.endpoint}`, `${staged.endpoints.N}`).
//!
//! Threat model: a strategy's `stage` returns its endpoints, and the host itself — outside the
//! sandbox, with none of the `http` capability's checks — would probe them: a hostile plugin with
//! no grant at all could make the host GET `http://169.254.169.254/latest/meta-data/` or any
//! service on this machine or its network, and read the answer's status in the gate's verdict.
//! What stops it: before **every** probe, the target's host is resolved by the host (a literal
//! address as written, `localhost` as the loopback addresses, any other name through the system
//! resolver) and every address it resolves to is checked:
//!
//! - a link-local or cloud metadata address is refused always, whatever the plan says;
//! - otherwise the target must be within one of the plugin's own `http` grants, or one of the
//!   unit's `endpoints`, each reached as the `http` capability reaches a grant (a literal address
//!   exactly; a name only at public addresses unless marked `internal = true`), or
//! - be a loopback address written as such (`127.x.x.x`, `::1`, `localhost`) when the unit says
//!   `loopback_gates = true` (a *name* resolving to loopback is not).
//!
//! The probe then connects to exactly the addresses checked (no second lookup: DNS rebinding
//! cannot move it). A refusal fails the gate at once, naming the address and the rule. Gates
//! whose URL the plan author wrote literally are not checked: the plan is trusted.

use std::net::IpAddr;

use url::{Host, Url};

use super::probe::Observation;
use crate::caps::http::{
    AddressClass, Grant, LOOPBACK, Reach, classify, lookup, refuse_unless_allowed,
};
use crate::plan::Plan;
use crate::plan::model::{HttpGrant, LOCALHOST, Unit};
use crate::wit::error_text;

/// Where the gates of one unit may probe what its plugin staged.
#[derive(Debug, Clone)]
pub struct TargetPolicy {
    /// The unit, as refusals name it.
    unit: String,
    /// The unit's plugin.
    plugin: String,
    /// The plugin's `http` grants.
    grants: Vec<Grant>,
    /// The unit's `endpoints`.
    endpoints: Vec<Grant>,
    /// The unit's `loopback_gates`.
    loopback: bool,
}

/// A host and port a gate probes, as the probe names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `http`, `https`, or `None` for a `tcp` gate (any scheme of a granted origin).
    scheme: Option<String>,
    /// The host as parsed from the URL or address.
    host: Host<String>,
    /// The port.
    port: u16,
}

/// What the policy says of one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Probe it at exactly these addresses.
    Allowed(Vec<IpAddr>),
    /// Refused: the gate fails with this reason.
    Refused(String),
    /// The name could not be resolved: this probe fails, the next one looks again.
    Unresolved(String),
}

impl Target {
    /// The target of an `http` gate's URL.
    pub fn of_url(url: &Url) -> Option<Target> {
        Some(Target {
            scheme: Some(url.scheme().to_owned()),
            host: lowercase(url.host()?.to_owned()),
            port: url.port_or_known_default()?,
        })
    }

    /// The target of a `tcp` gate's `host:port`.
    pub fn of_address(address: &str) -> Option<Target> {
        let (host, port) = address.rsplit_once(':')?;
        Some(Target {
            scheme: None,
            host: lowercase(Host::parse(host).ok()?),
            port: port.parse().ok()?,
        })
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The host name to pin a client's connections to, or `None` for an address.
    pub fn name(&self) -> Option<&str> {
        match &self.host {
            Host::Domain(name) => Some(name),
            Host::Ipv4(_) | Host::Ipv6(_) => None,
        }
    }

    /// Whether `grant`'s origin covers this target: same host (or a subdomain of a `*.` host)
    /// and port, and same scheme unless this is a `tcp` target.
    fn within(&self, grant: &Grant) -> bool {
        let origin = &grant.origin;
        let host = self.host.to_string();
        let host_matches = match origin.host().strip_prefix('*') {
            Some(suffix) => host.len() > suffix.len() && host.ends_with(suffix),
            None => origin.host() == host,
        };
        host_matches
            && origin.port() == self.port
            && self.scheme.as_deref().is_none_or(|s| s == origin.scheme())
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.scheme {
            Some(scheme) => write!(f, "{scheme}://{}:{}", self.host, self.port),
            None => write!(f, "{}:{}", self.host, self.port),
        }
    }
}

/// `host` with a name lowercased (grants are kept lowercase).
fn lowercase(host: Host<String>) -> Host<String> {
    match host {
        Host::Domain(name) => Host::Domain(name.to_ascii_lowercase()),
        address => address,
    }
}

impl TargetPolicy {
    /// The policy of `unit`, deployed by `plugin` with `grants` (its `http` grants), listing
    /// `endpoints`, with `loopback_gates = loopback`. A grant that does not parse allows nothing
    /// (the plan was validated, so none does).
    pub fn new(
        unit: &str,
        plugin: &str,
        grants: &[HttpGrant],
        endpoints: &[HttpGrant],
        loopback: bool,
    ) -> TargetPolicy {
        let parse = |list: &[HttpGrant]| list.iter().filter_map(|g| Grant::parse(g).ok()).collect();
        TargetPolicy {
            unit: unit.to_owned(),
            plugin: plugin.to_owned(),
            grants: parse(grants),
            endpoints: parse(endpoints),
            loopback,
        }
    }

    /// The policy of `unit` in `plan`: its plugin's `http` grants, its `endpoints` and
    /// `loopback_gates`.
    pub fn of_unit(plan: &Plan, unit: &Unit) -> TargetPolicy {
        let grants = plan
            .plugins
            .get(&unit.plugin)
            .and_then(|decl| decl.grants.http.as_deref())
            .unwrap_or_default();
        TargetPolicy::new(
            unit.plan_name(),
            &unit.plugin,
            grants,
            &unit.endpoints,
            unit.loopback_gates,
        )
    }

    /// Resolves `target` (a literal address as written, `localhost` as the loopback addresses,
    /// a name through the system resolver) and judges every address, for one probe.
    pub async fn check(&self, target: &Target) -> Decision {
        let addresses = match &target.host {
            Host::Ipv4(ip) => vec![IpAddr::V4(*ip)],
            Host::Ipv6(ip) => vec![IpAddr::V6(*ip)],
            Host::Domain(name) if name == LOCALHOST => LOOPBACK.to_vec(),
            Host::Domain(name) => match lookup(name, target.port).await {
                Ok(addresses) => addresses,
                Err(error) => return Decision::Unresolved(error_text(&error)),
            },
        };
        match self.judge(target, &addresses) {
            Ok(()) => Decision::Allowed(addresses),
            Err(reason) => Decision::Refused(reason),
        }
    }

    /// `Ok` when a probe of `target`, whose host resolved to `addresses`, is allowed; otherwise
    /// why not, naming the address and the rule.
    pub fn judge(&self, target: &Target, addresses: &[IpAddr]) -> Result<(), String> {
        for &ip in addresses {
            if let Some(class @ (AddressClass::LinkLocal | AddressClass::CloudMetadata)) =
                classify(ip)
            {
                return Err(format!(
                    "gate target {target} is {ip}, {}, which a gate probing what a plugin staged \
                     never reaches, whatever the plan says",
                    class.describe()
                ));
            }
        }
        let lists = [
            (&self.grants, format!("plugin `{}` is granted", self.plugin)),
            (
                &self.endpoints,
                format!("unit `{}` lists as an endpoint", self.unit),
            ),
        ];
        for (list, holder) in &lists {
            if let Some(grant) = list.iter().find(|grant| target.within(grant)) {
                return self.reach(target, grant, holder, addresses);
            }
        }
        let loopback = addresses
            .iter()
            .all(|&ip| classify(ip) == Some(AddressClass::Loopback));
        let written_as_loopback = match &target.host {
            Host::Domain(name) => name == LOCALHOST,
            Host::Ipv4(_) | Host::Ipv6(_) => loopback,
        };
        if self.loopback && loopback && written_as_loopback {
            return Ok(());
        }
        let resolved = match &target.host {
            Host::Domain(name) => format!(" (`{name}` resolves to {})", list(addresses)),
            Host::Ipv4(_) | Host::Ipv6(_) => String::new(),
        };
        let mut why = format!(
            "gate target {target}{resolved} is outside what unit `{}`'s gates may probe of what \
             its plugin staged: not within plugin `{}`'s http grants ({}) nor the unit's \
             `endpoints` ({})",
            self.unit,
            self.plugin,
            describe(&self.grants),
            describe(&self.endpoints)
        );
        if loopback {
            why.push_str(if !self.loopback {
                ", and the unit does not set `loopback_gates = true`"
            } else {
                ", and `loopback_gates` allows loopback addresses written as such (127.0.0.1, \
                 ::1, localhost), not a name resolving to one"
            });
        }
        Err(why)
    }

    /// `Ok` when every address of `addresses` may be reached through `grant` (held by `holder`),
    /// as the `http` capability reaches it.
    fn reach(
        &self,
        target: &Target,
        grant: &Grant,
        holder: &str,
        addresses: &[IpAddr],
    ) -> Result<(), String> {
        let (name, internal) = match (&grant.reach, target.name()) {
            (Reach::Literal(_), _) | (_, None) => return Ok(()),
            (Reach::Localhost, Some(name)) => (name, true),
            (Reach::Name { internal, .. }, Some(name)) => (name, *internal),
        };
        for &ip in addresses {
            refuse_unless_allowed(holder, grant, name, ip, internal)
                .map_err(|e| format!("gate target {target}: {}", error_text(&e)))?;
        }
        Ok(())
    }

    /// Whether no target at all is allowed (no grant, no endpoint, no loopback).
    pub fn allows_nothing(&self) -> bool {
        self.grants.is_empty() && self.endpoints.is_empty() && !self.loopback
    }

    /// What the unit's gates may probe of what its plugin staged, one line each, for
    /// `sluice plugins audit`.
    pub fn describe(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .grants
            .iter()
            .map(|g| format!("{}  (http grant of plugin `{}`)", g.describe(), self.plugin))
            .collect();
        lines.extend(
            self.endpoints
                .iter()
                .map(|g| format!("{}  (endpoints)", g.describe())),
        );
        if self.loopback {
            lines.push("loopback: 127.0.0.0/8, ::1, localhost  (loopback_gates = true)".to_owned());
        }
        if self.allows_nothing() {
            lines.push(
                "nothing a plugin stages (no http grant, endpoints or loopback_gates)".to_owned(),
            );
        }
        lines.push("never: link-local and cloud metadata addresses".to_owned());
        lines
    }
}

/// A target a gate probes under a policy: checked before every probe.
pub(super) struct Guarded<'a> {
    /// The unit's policy.
    pub policy: &'a TargetPolicy,
    /// What the gate probes.
    pub target: Target,
}

impl Guarded<'_> {
    /// The addresses this probe may connect to, or what the probe saw instead: a refusal (which
    /// fails the gate) or a name that does not resolve.
    pub async fn addresses(&self) -> Result<Vec<IpAddr>, Observation> {
        match self.policy.check(&self.target).await {
            Decision::Allowed(addresses) => Ok(addresses),
            Decision::Refused(reason) => Err(Observation::refused(reason)),
            Decision::Unresolved(why) => Err(Observation::failure(why)),
        }
    }
}

/// `none`, or the grants' origins.
fn describe(grants: &[Grant]) -> String {
    if grants.is_empty() {
        return "none".to_owned();
    }
    grants
        .iter()
        .map(Grant::describe)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `127.0.0.1, ::1`.
fn list(addresses: &[IpAddr]) -> String {
    addresses
        .iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(origin: &str, internal: bool) -> HttpGrant {
        HttpGrant {
            origin: origin.to_owned(),
            internal,
        }
    }

    /// Plugin `p` of unit `web`, granted `grants`, listing `endpoints`, with `loopback_gates`.
    fn policy(grants: &[&str], endpoints: &[&str], loopback: bool) -> TargetPolicy {
        let list = |l: &[&str]| l.iter().map(|o| grant(o, false)).collect::<Vec<_>>();
        TargetPolicy::new("web", "p", &list(grants), &list(endpoints), loopback)
    }

    fn url(text: &str) -> Target {
        Target::of_url(&Url::parse(text).unwrap()).unwrap()
    }

    fn ips(list: &[&str]) -> Vec<IpAddr> {
        list.iter().map(|ip| ip.parse().unwrap()).collect()
    }

    #[test]
    fn metadata_and_link_local_addresses_are_refused_whatever_the_plan_allows() {
        let everything = policy(
            &["http://169.254.169.254"],
            &["http://[fe80::1]:8080", "https://*.example.com"],
            true,
        );
        for (target, addresses, class) in [
            (
                "http://169.254.169.254/latest",
                vec!["169.254.169.254"],
                "a cloud metadata address",
            ),
            (
                "http://[fe80::1]:8080/",
                vec!["fe80::1"],
                "a link-local address",
            ),
            (
                "https://a.example.com/",
                vec!["1.1.1.1", "100.100.100.200"],
                "a cloud metadata address",
            ),
            (
                "https://b.example.com/",
                vec!["::ffff:169.254.1.1"],
                "a link-local address",
            ),
        ] {
            let why = everything
                .judge(&url(target), &ips(&addresses))
                .unwrap_err();
            assert!(why.contains(class), "{target}: {why}");
            assert!(why.contains("whatever the plan says"), "{why}");
        }
    }

    #[test]
    fn a_target_within_the_plugins_grants_or_the_units_endpoints_is_allowed() {
        let p = policy(
            &["http://10.0.0.5:8080"],
            &["https://*.shop.pages.dev"],
            false,
        );
        assert_eq!(
            p.judge(&url("http://10.0.0.5:8080/health"), &ips(&["10.0.0.5"])),
            Ok(())
        );
        assert_eq!(
            p.judge(
                &url("https://abc123.shop.pages.dev/v"),
                &ips(&["104.16.1.1"])
            ),
            Ok(())
        );
        let tcp = Target::of_address("10.0.0.5:8080").unwrap();
        assert_eq!(
            p.judge(&tcp, &ips(&["10.0.0.5"])),
            Ok(()),
            "any scheme of a grant"
        );
    }

    #[test]
    fn another_port_scheme_or_host_than_granted_is_refused_naming_the_rule() {
        let p = policy(
            &["http://10.0.0.5:8080"],
            &["https://*.shop.pages.dev"],
            false,
        );
        for (target, address) in [
            ("http://10.0.0.5:8081/", "10.0.0.5"),
            ("https://10.0.0.5:8080/", "10.0.0.5"),
            ("https://shop.pages.dev/", "104.16.1.1"),
            ("http://abc.shop.pages.dev/", "104.16.1.1"),
        ] {
            let why = p.judge(&url(target), &ips(&[address])).unwrap_err();
            assert!(
                why.contains(
                    "not within plugin `p`'s http grants (http://10.0.0.5:8080) nor the \
                     unit's `endpoints` (https://*.shop.pages.dev:443)"
                ),
                "{target}: {why}"
            );
        }
    }

    #[test]
    fn a_listed_name_must_resolve_to_public_addresses_as_the_http_capability_requires() {
        let p = policy(&[], &["https://*.shop.pages.dev"], true);
        let why = p
            .judge(&url("https://abc.shop.pages.dev/"), &ips(&["127.0.0.1"]))
            .unwrap_err();
        assert!(
            why.contains(
                "`abc.shop.pages.dev` resolves to 127.0.0.1, a loopback address; unit \
                 `web` lists as an endpoint https://*.shop.pages.dev:443 by name"
            ),
            "{why}"
        );
    }

    #[test]
    fn loopback_is_allowed_only_when_the_unit_says_so_and_only_written_as_loopback() {
        let allowed = policy(&[], &[], true);
        let refused = policy(&[], &[], false);
        for (target, addresses) in [
            ("http://127.0.0.1:18080/", vec!["127.0.0.1"]),
            ("http://[::1]:18080/", vec!["::1"]),
            ("http://localhost:18080/", vec!["127.0.0.1", "::1"]),
        ] {
            assert_eq!(
                allowed.judge(&url(target), &ips(&addresses)),
                Ok(()),
                "{target}"
            );
            let why = refused.judge(&url(target), &ips(&addresses)).unwrap_err();
            assert!(
                why.contains("does not set `loopback_gates = true`"),
                "{why}"
            );
        }
        let why = allowed
            .judge(&url("http://sneaky.example:18080/"), &ips(&["127.0.0.1"]))
            .unwrap_err();
        assert!(
            why.contains("(`sneaky.example` resolves to 127.0.0.1)"),
            "{why}"
        );
        assert!(why.contains("not a name resolving to one"), "{why}");
        let why = allowed
            .judge(&url("http://10.1.2.3:80/"), &ips(&["10.1.2.3"]))
            .unwrap_err();
        assert!(
            why.contains("is outside what unit `web`'s gates may probe"),
            "{why}"
        );
    }

    #[test]
    fn tcp_addresses_parse_with_names_and_ipv6() {
        assert_eq!(
            Target::of_address("[::1]:5432").unwrap().to_string(),
            "[::1]:5432"
        );
        assert_eq!(
            Target::of_address("DB.Example:5432").unwrap().name(),
            Some("db.example")
        );
        assert_eq!(Target::of_address("no-port"), None);
    }
}
