//! `oci://HOST[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST]`: where a plugin is in a registry, and the
//! manifest digest that pins its bytes.

use std::fmt;
use std::str::FromStr;

/// The scheme of a plugin source in a registry.
pub const SCHEME: &str = "oci://";

/// A plugin's place in a registry, as the plan writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// `HOST[:PORT]`.
    pub registry: String,
    /// `team/plugin`.
    pub repository: String,
    /// The tag, if written.
    pub tag: Option<String>,
    /// The manifest digest (`sha256:` and 64 lowercase hex digits), if written.
    pub digest: Option<String>,
}

impl Reference {
    /// The same place without the digest: what `sluice plugins lock` resolves and the lockfile
    /// keys by.
    pub fn unpinned(&self) -> Reference {
        Reference {
            digest: None,
            ..self.clone()
        }
    }

    /// Whether the registry is on this machine (127.0.0.0/8, `::1`, `localhost`): such a registry
    /// is spoken to over plain HTTP, as Docker does; every other one over HTTPS.
    pub fn is_loopback(&self) -> bool {
        let host = match self.registry.rsplit_once(':') {
            Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
            _ => &self.registry,
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl FromStr for Reference {
    type Err = String;

    /// Parses `oci://HOST[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST]`; the error says what is wrong.
    fn from_str(text: &str) -> Result<Reference, String> {
        let rest = text
            .strip_prefix(SCHEME)
            .ok_or_else(|| format!("a registry reference starts with `{SCHEME}`"))?;
        let (rest, digest) = match rest.split_once('@') {
            Some((rest, digest)) => (rest, Some(parse_digest(digest)?)),
            None => (rest, None),
        };
        let (registry, path) = rest
            .split_once('/')
            .ok_or("expected HOST/REPOSITORY after `oci://`")?;
        if registry.is_empty() || registry.contains(['/', '@']) {
            return Err(format!("`{registry}` is not a registry host"));
        }
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repository, tag)) if !tag.contains('/') => (repository, Some(tag)),
            _ => (path, None),
        };
        if let Some(tag) = tag
            && !valid_tag(tag)
        {
            return Err(format!(
                "`{tag}` is not a tag: up to 128 letters, digits, `_`, `.` and `-`, not starting \
                 with `.` or `-`"
            ));
        }
        if !valid_repository(repository) {
            return Err(format!(
                "`{repository}` is not a repository: lowercase path components of letters, \
                 digits, `.`, `_` and `-`, separated by `/`"
            ));
        }
        if tag.is_none() && digest.is_none() {
            return Err("expected a tag (`:TAG`), a digest (`@sha256:...`) or both".to_owned());
        }
        Ok(Reference {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
            tag: tag.map(str::to_owned),
            digest,
        })
    }
}

/// `sha256:` and 64 hex digits, lowercased; the error says what is wrong.
pub fn parse_digest(text: &str) -> Result<String, String> {
    match text.strip_prefix("sha256:") {
        Some(hex) if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
            Ok(format!("sha256:{}", hex.to_ascii_lowercase()))
        }
        _ => Err(format!(
            "`{text}` is not a digest: expected `sha256:` and 64 hexadecimal digits"
        )),
    }
}

/// The distribution spec's tag grammar: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
fn valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    tag.len() <= 128
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The distribution spec's repository grammar, loosely: lowercase components of
/// `[a-z0-9._-]` that start and end with a letter or digit.
fn valid_repository(repository: &str) -> bool {
    !repository.is_empty()
        && repository.split('/').all(|component| {
            let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
            component.starts_with(alnum)
                && component.ends_with(alnum)
                && component
                    .chars()
                    .all(|c| alnum(c) || matches!(c, '.' | '_' | '-'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn a_reference_with_tag_and_digest_parses_and_prints_back() {
        let text = format!("oci://127.0.0.1:5000/team/canary:1.2.0@{DIGEST}");
        let reference: Reference = text.parse().unwrap();
        assert_eq!(reference.registry, "127.0.0.1:5000");
        assert_eq!(reference.repository, "team/canary");
        assert_eq!(reference.tag.as_deref(), Some("1.2.0"));
        assert_eq!(reference.digest.as_deref(), Some(DIGEST));
        assert_eq!(reference.to_string(), text);
        assert_eq!(
            reference.unpinned().to_string(),
            "oci://127.0.0.1:5000/team/canary:1.2.0"
        );
    }

    #[test]
    fn a_digest_alone_is_enough_and_an_uppercase_digest_is_lowercased() {
        let reference: Reference = format!(
            "oci://ghcr.io/acme/gate@{}",
            DIGEST.to_uppercase().replace("SHA256", "sha256")
        )
        .parse()
        .unwrap();
        assert_eq!(reference.tag, None);
        assert_eq!(reference.digest.as_deref(), Some(DIGEST));
    }

    #[test]
    fn malformed_references_say_what_is_wrong() {
        for (text, expected) in [
            ("ghcr.io/acme/gate:1", "starts with `oci://`"),
            ("oci://ghcr.io", "expected HOST/REPOSITORY"),
            ("oci://ghcr.io/acme/gate", "expected a tag"),
            ("oci://ghcr.io/Acme/gate:1", "is not a repository"),
            ("oci://ghcr.io/acme/gate:-x", "is not a tag"),
            ("oci://ghcr.io/acme/gate:1@sha256:abc", "is not a digest"),
            ("oci://ghcr.io/acme/gate:1@md5:abc", "is not a digest"),
        ] {
            let error = text.parse::<Reference>().unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn only_registries_on_this_machine_are_loopback() {
        for (registry, loopback) in [
            ("127.0.0.1:5000", true),
            ("localhost:5000", true),
            ("[::1]:5000", true),
            ("127.8.9.10", true),
            ("ghcr.io", false),
            ("10.0.0.1:5000", false),
            ("localhost.example.com", false),
        ] {
            let reference: Reference = format!("oci://{registry}/a:1").parse().unwrap();
            assert_eq!(reference.is_loopback(), loopback, "{registry}");
        }
    }
}
