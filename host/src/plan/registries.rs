//! `[registries."HOST[:PORT]"]`: the credentials a Docker engine pulls images with when a plugin
//! asks it to (`containers.image-pull`). Converting checks the key is a registry as image
//! references name one and that the password comes from a secret; checking makes sure that
//! secret is declared.

use std::collections::BTreeMap;

use super::convert::Converter;
use super::error::PlanError;
use super::model::{Plan, Registry};
use super::raw::RawRegistry;

/// Converts every `[registries.HOST]` table.
pub(super) fn registries(
    cx: &Converter<'_>,
    raw: &BTreeMap<String, RawRegistry>,
) -> Result<BTreeMap<String, Registry>, PlanError> {
    raw.iter()
        .map(|(host, raw)| Ok((host.clone(), registry(cx, host, raw)?)))
        .collect()
}

fn registry(cx: &Converter<'_>, host: &str, raw: &RawRegistry) -> Result<Registry, PlanError> {
    if let Some(why) = host_problem(host) {
        return Err(cx.error_at_key(
            &["registries", host],
            format!(
                "invalid registry `{host}`: {why}; expected HOST or HOST:PORT as image \
                 references name it, e.g. `ghcr.io` or `registry.example.com:5000`"
            ),
        ));
    }
    if raw.username.get_ref().trim().is_empty() {
        return Err(cx.error_at_span(raw.username.span(), "empty registry username"));
    }
    Ok(Registry {
        host: host.to_owned(),
        username: raw.username.get_ref().clone(),
        password_secret: raw.password_secret.get_ref().clone(),
    })
}

/// Why `key` is not a registry host with an optional port, if it is not.
fn host_problem(key: &str) -> Option<String> {
    let (host, port) = match key.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') || host.ends_with(']') => (host, Some(port)),
        _ => (key, None),
    };
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |port| port == 0)
    {
        return Some(format!("`{port}` is not a port"));
    }
    if host.contains('/') {
        return Some("a registry has no path (grant repositories in `images`)".to_owned());
    }
    url::Host::parse(host)
        .err()
        .map(|e| format!("`{host}` is not a host name: {e}"))
}

/// Checks each registry's password secret is declared.
pub(super) fn check(plan: &Plan) -> Result<(), PlanError> {
    for (host, registry) in &plan.registries {
        let secret = &registry.password_secret;
        if !plan.secrets.contains_key(secret) {
            return Err(PlanError::at(
                plan,
                plan.locate(&["registries", host, "password_secret"]),
                format!("undeclared secret `{secret}`: declare it in a `[secrets.{secret}]` table"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_keys_are_hosts_with_an_optional_port() {
        for good in [
            "ghcr.io",
            "127.0.0.1:5000",
            "registry.example.com:443",
            "[::1]:5000",
        ] {
            assert_eq!(host_problem(good), None, "{good}");
        }
        for (bad, why) in [
            ("127.0.0.1:0", "`0` is not a port"),
            ("ghcr.io:http", "`http` is not a port"),
            ("ghcr.io/team", "a registry has no path"),
            ("bad host", "is not a host name"),
        ] {
            let problem = host_problem(bad).unwrap_or_default();
            assert!(problem.contains(why), "{bad}: {problem}");
        }
    }
}
