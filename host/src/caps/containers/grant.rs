//! Which container names and image repositories a plan grants, and how image references name
//! their repository.
//!
//! A granted entry is an exact name, or a prefix followed by a trailing `*`. A prefix matches
//! names that continue it with at least one character, and only with characters Docker allows in
//! a name (`[A-Za-z0-9_.-]`): `api-*` matches `api-blue` but not `api`, `apix`, `api-` or
//! `api-x/y`.

/// One granted entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// The name itself.
    Exact(String),
    /// Names that continue this prefix.
    Prefix(String),
}

impl Pattern {
    fn parse(entry: &str) -> Pattern {
        match entry.strip_suffix('*') {
            Some(prefix) => Pattern::Prefix(prefix.to_owned()),
            None => Pattern::Exact(entry.to_owned()),
        }
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::Exact(exact) => name == exact,
            Pattern::Prefix(prefix) => name.strip_prefix(prefix.as_str()).is_some_and(|rest| {
                !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            }),
        }
    }
}

/// The names granted for one kind of resource, as the plan lists them.
#[derive(Debug, Clone)]
pub struct NameGrant {
    entries: Vec<String>,
    patterns: Vec<Pattern>,
}

impl NameGrant {
    /// The grant of `entries` (each exact or `prefix*`).
    pub fn new(entries: &[String]) -> Self {
        NameGrant {
            entries: entries.to_vec(),
            patterns: entries.iter().map(|entry| Pattern::parse(entry)).collect(),
        }
    }

    /// Whether `name` is granted.
    pub fn allows(&self, name: &str) -> bool {
        self.patterns.iter().any(|pattern| pattern.matches(name))
    }

    /// The granted entries for an error message: `a, b-*`, or `none`.
    pub fn describe(&self) -> String {
        if self.entries.is_empty() {
            "none".to_owned()
        } else {
            self.entries.join(", ")
        }
    }
}

/// The repository an image reference names: the reference without its `@digest` and `:tag`.
/// A registry host (with its port) and namespaces are part of the repository
/// (`registry:5000/team/api:1` → `registry:5000/team/api`).
pub fn repository(reference: &str) -> &str {
    let name = reference
        .split_once('@')
        .map_or(reference, |(name, _)| name);
    let last_component = name.rfind('/').map_or(0, |slash| slash + 1);
    match name[last_component..].rfind(':') {
        Some(colon) => &name[..last_component + colon],
        None => name,
    }
}

/// Whether `reference` is an image id (`sha256:...`) rather than a name.
pub fn is_image_id(reference: &str) -> bool {
    reference.starts_with("sha256:")
}

/// The name Docker lists for a named reference (`repo:tag`, `repo@digest`, or `repo:latest` when
/// neither is given), in the short form Docker prints (`docker.io/library/` dropped).
pub fn listed_name(reference: &str) -> String {
    let short = short_form(reference);
    let has_tag = repository(short).len() < short.len();
    if has_tag {
        short.to_owned()
    } else {
        format!("{short}:latest")
    }
}

/// `reference` without the `docker.io/library/` or `docker.io/` Docker leaves out when it lists names.
pub fn short_form(reference: &str) -> &str {
    ["docker.io/library/", "docker.io/"]
        .iter()
        .find_map(|registry| reference.strip_prefix(registry))
        .unwrap_or(reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(entries: &[&str]) -> NameGrant {
        NameGrant::new(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn an_exact_grant_allows_only_that_name() {
        let g = grant(&["api"]);
        assert!(g.allows("api"));
        for near_miss in ["api2", "xapi", "api-blue", "API", "/api", "api "] {
            assert!(!g.allows(near_miss), "{near_miss} should be denied");
        }
    }

    #[test]
    fn a_prefix_grant_allows_longer_names_but_not_the_prefix_or_a_near_miss() {
        let g = grant(&["api-*"]);
        assert!(g.allows("api-blue"));
        assert!(g.allows("api-v1.2_b"));
        for denied in [
            "api",
            "apix",
            "api-",
            "xapi-blue",
            "api-x/y",
            "api-x:1",
            "api-a b",
        ] {
            assert!(!g.allows(denied), "{denied} should be denied");
        }
    }

    #[test]
    fn several_entries_combine() {
        let g = grant(&["shop-api", "shop-api-*"]);
        assert!(g.allows("shop-api"));
        assert!(g.allows("shop-api-green"));
        assert!(!g.allows("shop-apis"));
        assert_eq!(g.describe(), "shop-api, shop-api-*");
    }

    #[test]
    fn an_empty_grant_allows_nothing_and_says_none() {
        let g = grant(&[]);
        assert!(!g.allows(""));
        assert!(!g.allows("anything"));
        assert_eq!(g.describe(), "none");
    }

    #[test]
    fn the_repository_drops_the_tag_and_digest_but_keeps_registry_and_namespace() {
        assert_eq!(repository("shop-api"), "shop-api");
        assert_eq!(repository("shop-api:1.2"), "shop-api");
        assert_eq!(repository("shop-api@sha256:abcd"), "shop-api");
        assert_eq!(repository("shop-api:1@sha256:abcd"), "shop-api");
        assert_eq!(
            repository("registry:5000/team/api:1"),
            "registry:5000/team/api"
        );
        assert_eq!(
            repository("registry:5000/team/api"),
            "registry:5000/team/api"
        );
    }

    #[test]
    fn a_name_is_listed_with_its_tag_or_latest_in_short_form() {
        assert_eq!(listed_name("shop-api"), "shop-api:latest");
        assert_eq!(listed_name("shop-api:2"), "shop-api:2");
        assert_eq!(listed_name("docker.io/library/shop-api:2"), "shop-api:2");
        assert_eq!(listed_name("registry:5000/api"), "registry:5000/api:latest");
    }

    #[test]
    fn only_sha256_references_are_ids() {
        assert!(is_image_id("sha256:0123abcd"));
        assert!(!is_image_id("0123abcd"));
        assert!(!is_image_id("shop-api"));
    }
}
