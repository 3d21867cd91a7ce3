//! `[plugins.NAME]`: source, pinned digest, grants and limits.

use serde_spanned::Spanned;

use super::convert::Converter;
use super::error::PlanError;
use super::model::{
    FileGrant, Grants, HaproxyGrant, HaproxyName, HttpGrant, LOCALHOST, Limits, OciSource,
    PluginDecl, PluginSource,
};
use super::quantity::parse_size;
use super::raw::{RawFileGrant, RawFileMode, RawGrants, RawHttpGrant, RawLimits, RawPlugin};

/// Converts one `[plugins.NAME]` table.
pub(super) fn plugin(
    cx: &Converter<'_>,
    name: &str,
    raw: &RawPlugin,
) -> Result<PluginDecl, PlanError> {
    let source = source(cx, &raw.source)?;
    let sha256 = raw
        .sha256
        .as_ref()
        .map(|digest| sha256(cx, digest))
        .transpose()?;
    if matches!(source, PluginSource::Path(_)) && sha256.is_none() {
        return Err(cx.error_at_span(
            raw.source.span(),
            "a plugin loaded from a path must pin its digest: expected `sha256 = \"<64 hex digits>\"` \
             beside `source` (see `sha256sum FILE`)",
        ));
    }
    Ok(PluginDecl {
        name: name.to_owned(),
        source,
        sha256,
        grants: grants(cx, &raw.grants)?,
        limits: limits(cx, &raw.limits)?,
    })
}

fn source(cx: &Converter<'_>, raw: &Spanned<String>) -> Result<PluginSource, PlanError> {
    let text = raw.get_ref().trim();
    if text.starts_with(crate::oci::reference::SCHEME) {
        let reference: crate::oci::Reference = text.parse().map_err(|why| {
            cx.error_at_span(
                raw.span(),
                format!(
                    "invalid plugin source `{text}`: {why}; expected \
                     `oci://HOST/REPOSITORY:TAG@sha256:DIGEST`"
                ),
            )
        })?;
        let locked = cx.lock.digest(&reference).map(str::to_owned);
        return Ok(PluginSource::Oci(OciSource { reference, locked }));
    }
    match text.strip_prefix("builtin:") {
        Some(builtin) if !builtin.is_empty() => Ok(PluginSource::Builtin(builtin.to_owned())),
        None if !text.is_empty() => Ok(PluginSource::Path(cx.resolve(text))),
        _ => Err(cx.error_at_span(
            raw.span(),
            format!(
                "invalid plugin source `{text}`: expected `builtin:NAME`, a path to a .wasm \
                 component or `oci://HOST/REPOSITORY:TAG@sha256:DIGEST`"
            ),
        )),
    }
}

fn sha256(cx: &Converter<'_>, raw: &Spanned<String>) -> Result<String, PlanError> {
    let digest = raw.get_ref();
    if digest.len() == 64 && digest.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(digest.to_ascii_lowercase())
    } else {
        Err(cx.error_at_span(
            raw.span(),
            format!("invalid sha256 `{digest}`: expected 64 hexadecimal digits"),
        ))
    }
}

fn grants(cx: &Converter<'_>, raw: &RawGrants) -> Result<Grants, PlanError> {
    Ok(Grants {
        http: raw
            .http
            .as_ref()
            .map(|entries| {
                entries
                    .iter()
                    .map(|entry| http_grant(cx, entry, OriginList::HttpGrant))
                    .collect()
            })
            .transpose()?,
        secrets: raw.secrets.clone(),
        files: raw
            .files
            .iter()
            .map(|entry| file_grant(cx, entry))
            .collect::<Result<_, _>>()?,
        containers: names(cx, &raw.containers, "container")?,
        images: names(cx, &raw.images, "image")?,
        services: names(cx, &raw.services, "service")?,
        databases: raw.databases.clone(),
        docker: raw.docker.clone(),
        haproxy: raw
            .haproxy
            .iter()
            .map(|entry| haproxy_grant(cx, entry))
            .collect::<Result<_, _>>()?,
    })
}

/// Checks an haproxy grant is `ADDRESS:PORT/BACKEND` (an IP address, a port, and an HAProxy name
/// or `*`).
fn haproxy_grant(cx: &Converter<'_>, raw: &Spanned<String>) -> Result<HaproxyGrant, PlanError> {
    let text = raw.get_ref();
    let invalid = |why: String| {
        cx.error_at_span(
            raw.span(),
            format!(
                "invalid haproxy grant `{text}`: {why}; expected the runtime API's address and a \
                 backend, such as \"127.0.0.1:9999/web\" (or \"127.0.0.1:9999/*\" for every backend)"
            ),
        )
    };
    let (api, backend) = text
        .split_once('/')
        .ok_or_else(|| invalid("it has no `/BACKEND`".to_owned()))?;
    let api = api
        .parse()
        .map_err(|_| invalid(format!("`{api}` is not an IP address and port")))?;
    let backend = match backend {
        "*" => None,
        name => Some(HaproxyName::new(name).map_err(invalid)?),
    };
    Ok(HaproxyGrant { api, backend })
}

/// Where the plan writes an origin: a plugin's `grants.http`, or a unit's `endpoints`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OriginList {
    /// `grants.http`: exact origins.
    HttpGrant,
    /// A unit's `endpoints`: exact origins, or a host `*.example.com` standing for its
    /// subdomains.
    Endpoints,
}

/// Checks an http grant (or endpoint) is an origin (`scheme://host[:port]`) and returns it
/// normalized; `internal = true` only on a host name that is looked up (not an address, not
/// `localhost`).
pub(super) fn http_grant(
    cx: &Converter<'_>,
    raw: &Spanned<RawHttpGrant>,
    list: OriginList,
) -> Result<HttpGrant, PlanError> {
    let grant = raw.get_ref();
    let text = &grant.origin;
    let what = match list {
        OriginList::HttpGrant => "http grant",
        OriginList::Endpoints => "endpoint",
    };
    let invalid = |why: &str| {
        cx.error_at_span(
            raw.span(),
            format!(
                "invalid {what} `{text}`: {why}; expected an origin such as \
                 https://api.example.com or http://127.0.0.1:2019"
            ),
        )
    };
    let url = url::Url::parse(text).map_err(|error| invalid(&error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    let Some(host) = url.host_str() else {
        return Err(invalid("it has no host"));
    };
    let wildcard_ok = list == OriginList::Endpoints
        && host
            .strip_prefix("*.")
            .is_some_and(|rest| rest.contains('.') && !rest.contains('*'));
    if host.contains('*') && !wildcard_ok {
        return Err(invalid(match list {
            OriginList::HttpGrant => "a wildcard is not allowed",
            OriginList::Endpoints => {
                "a wildcard is allowed only as the first label of a name with at least two more \
                 (https://*.shop.pages.dev)"
            }
        }));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("user info is not allowed"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a path, query or fragment is not allowed"));
    }
    let looked_up = matches!(url.host(), Some(url::Host::Domain(name)) if !name.eq_ignore_ascii_case(LOCALHOST));
    if grant.internal && !looked_up {
        return Err(cx.error_at_span(
            raw.span(),
            format!(
                "`internal = true` on {what} `{text}` has no effect: it is for host names \
                 the host looks up; an IP address or `localhost` is reached exactly as written, \
                 so remove `internal`"
            ),
        ));
    }
    Ok(HttpGrant {
        origin: url.origin().ascii_serialization(),
        internal: grant.internal,
    })
}

fn file_grant(cx: &Converter<'_>, raw: &RawFileGrant) -> Result<FileGrant, PlanError> {
    let guest = raw.at.get_ref();
    let escapes = guest.split('/').any(|part| part == "..");
    if !guest.starts_with('/') || escapes {
        return Err(cx.error_at_span(
            raw.at.span(),
            format!("invalid guest path `{guest}`: expected an absolute path such as \"/site\", without `..`"),
        ));
    }
    Ok(FileGrant {
        host: cx.resolve(&raw.path),
        guest: guest.clone(),
        writable: raw.mode == RawFileMode::ReadWrite,
    })
}

/// Container or image names: exact, or a prefix followed by one trailing `*`.
fn names(
    cx: &Converter<'_>,
    raw: &[Spanned<String>],
    kind: &str,
) -> Result<Vec<String>, PlanError> {
    raw.iter()
        .map(|entry| {
            let name = entry.get_ref();
            let stem = name.strip_suffix('*').unwrap_or(name);
            let valid =
                !name.is_empty() && !stem.contains('*') && !name.chars().any(char::is_whitespace);
            if valid {
                Ok(name.clone())
            } else {
                Err(cx.error_at_span(
                    entry.span(),
                    format!(
                        "invalid {kind} name `{name}`: expected a name, or a prefix ending in `*`"
                    ),
                ))
            }
        })
        .collect()
}

fn limits(cx: &Converter<'_>, raw: &RawLimits) -> Result<Limits, PlanError> {
    let defaults = Limits::default();
    let memory = match &raw.memory {
        None => defaults.memory,
        Some(value) => memory(value).map_err(|message| cx.error_at_span(value.span(), message))?,
    };
    Ok(Limits {
        deadline: cx.duration(raw.deadline.as_ref(), defaults.deadline)?,
        memory,
    })
}

fn memory(value: &Spanned<toml::Value>) -> Result<u64, String> {
    match value.get_ref() {
        toml::Value::String(text) => parse_size(text),
        toml::Value::Integer(bytes) => u64::try_from(*bytes)
            .ok()
            .filter(|&bytes| bytes > 0)
            .ok_or_else(|| {
                format!("invalid memory limit {bytes}: expected a positive number of bytes")
            }),
        other => Err(format!(
            "invalid memory limit of type {}: expected a size such as \"256MiB\" or a number of bytes",
            other.type_str()
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::plan::test_support::{error_of, parse_with};

    fn http_grant(origin: &str) -> String {
        format!("[plugins.p]\nsource = \"builtin:x\"\n[plugins.p.grants]\nhttp = [\"{origin}\"]\n")
    }

    fn granted_origins(body: &str) -> Vec<(String, bool)> {
        parse_with(body).unwrap().plugins["p"]
            .grants
            .http
            .iter()
            .flatten()
            .map(|g| (g.origin.clone(), g.internal))
            .collect()
    }

    #[test]
    fn an_haproxy_grant_is_an_address_and_a_backend_or_every_backend() {
        let body = "[plugins.p]\nsource = \"builtin:x\"\n[plugins.p.grants]\nhaproxy = [\"127.0.0.1:9999/web\", \"[::1]:9999/*\"]\n";
        let grants = parse_with(body).unwrap().plugins["p"]
            .grants
            .haproxy
            .clone();
        let shown: Vec<String> = grants.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["127.0.0.1:9999/web", "[::1]:9999/*"]);
    }

    #[test]
    fn an_haproxy_grant_without_a_backend_with_a_host_name_or_a_spliced_name_is_refused_at_it() {
        for (grant, why) in [
            ("127.0.0.1:9999", "no `/BACKEND`"),
            ("haproxy.internal:9999/web", "not an IP address and port"),
            ("127.0.0.1:9999/web; shutdown", "not an HAProxy name"),
            ("127.0.0.1:9999/", "not an HAProxy name"),
        ] {
            let body = format!(
                "[plugins.p]\nsource = \"builtin:x\"\n[plugins.p.grants]\nhaproxy = [{grant:?}]\n"
            );
            let error = error_of(&body).to_string();
            assert!(
                error.contains(&format!("invalid haproxy grant `{grant}`")) && error.contains(why),
                "{error}"
            );
            assert!(error.contains("plan.toml:9:"), "{error}");
        }
    }

    #[test]
    fn http_grants_are_normalized_origins() {
        assert_eq!(
            granted_origins(&http_grant("HTTP://Example.com:80/")),
            vec![("http://example.com".to_owned(), false)]
        );
        assert_eq!(
            granted_origins(&http_grant("http://127.0.0.1:2019")),
            vec![("http://127.0.0.1:2019".to_owned(), false)]
        );
    }

    #[test]
    fn a_units_endpoints_are_origins_that_may_name_subdomains_but_a_grant_may_not() {
        let unit = |endpoints: &str| {
            format!(
                "[plugins.p]\nsource = \"builtin:x\"\n[units.web]\nplugin = \"p\"\nloopback_gates = true\nendpoints = {endpoints}\n"
            )
        };
        let plan = parse_with(&unit(
            r#"["https://*.Shop.pages.dev", "http://10.0.0.5:8080"]"#,
        ))
        .unwrap();
        let web = &plan.units["web"];
        let origins: Vec<&str> = web.endpoints.iter().map(|e| e.origin.as_str()).collect();
        assert_eq!(
            origins,
            ["https://*.shop.pages.dev", "http://10.0.0.5:8080"]
        );
        assert!(web.loopback_gates);

        for (endpoint, why) in [
            (
                "https://*.dev",
                "a wildcard is allowed only as the first label",
            ),
            (
                "https://a.*.dev",
                "a wildcard is allowed only as the first label",
            ),
            (
                "http://10.0.0.5:8080/health",
                "a path, query or fragment is not allowed",
            ),
        ] {
            let error = error_of(&unit(&format!("[{endpoint:?}]")));
            assert!(
                error
                    .message
                    .contains(&format!("invalid endpoint `{endpoint}`: {why}")),
                "{error}"
            );
        }
        let error = error_of(&http_grant("https://*.example.com"));
        assert!(
            error
                .message
                .contains("invalid http grant `https://*.example.com`: a wildcard is not allowed"),
            "{error}"
        );
    }

    #[test]
    fn an_http_grant_may_be_a_table_marking_a_name_internal() {
        let body = "[plugins.p]\nsource = \"builtin:x\"\n[plugins.p.grants]\nhttp = [\"https://a.example\", { origin = \"http://Kong.Internal:8001\", internal = true }]\n";
        assert_eq!(
            granted_origins(body),
            vec![
                ("https://a.example".to_owned(), false),
                ("http://kong.internal:8001".to_owned(), true)
            ]
        );
    }

    #[test]
    fn internal_on_an_address_or_localhost_is_refused_at_the_entry() {
        for origin in [
            "http://10.0.0.5:8080",
            "http://localhost:2019",
            "http://[::1]:80",
        ] {
            let body = format!(
                "[plugins.p]\nsource = \"builtin:x\"\n[plugins.p.grants]\nhttp = [{{ origin = \"{origin}\", internal = true }}]\n"
            );
            let error = error_of(&body);
            assert!(
                error.message.contains("`internal = true` on http grant")
                    && error.message.contains("remove `internal`"),
                "{error}"
            );
            assert_eq!((error.line, error.col), (9, 9), "{error}");
        }
    }

    #[test]
    fn an_http_grant_table_with_an_unknown_key_or_no_origin_is_refused() {
        for entry in [
            "{ origin = \"http://a.example\", intern = true }",
            "{ internal = true }",
            "42",
        ] {
            let body = format!(
                "[plugins.p]\nsource = \"builtin:x\"\n[plugins.p.grants]\nhttp = [{entry}]\n"
            );
            let error = error_of(&body);
            assert_eq!(error.line, 9, "{error}");
        }
    }

    #[test]
    fn an_http_grant_with_a_path_query_user_or_other_scheme_is_refused() {
        for bad in [
            "http://a.example/api",
            "http://a.example?x=1",
            "http://u:p@a.example",
            "ftp://a.example",
            "a.example",
        ] {
            let error = error_of(&http_grant(bad));
            assert!(
                error
                    .message
                    .starts_with(&format!("invalid http grant `{bad}`")),
                "{error}"
            );
            assert_eq!((error.line, error.col), (9, 9), "{error}");
        }
    }

    #[test]
    fn a_path_source_without_a_digest_is_refused() {
        let error = error_of("[plugins.p]\nsource = \"plugins/p.wasm\"\n");
        assert!(error.message.contains("must pin its digest"), "{error}");
    }

    #[test]
    fn a_path_source_resolves_against_the_plan_directory() {
        let digest = "AB".repeat(32);
        let plan = parse_with(&format!(
            "[plugins.p]\nsource = \"p.wasm\"\nsha256 = \"{digest}\"\n"
        ))
        .unwrap();
        let plugin = &plan.plugins["p"];
        assert_eq!(
            plugin.source,
            crate::plan::PluginSource::Path("/demo/p.wasm".into())
        );
        assert_eq!(plugin.sha256.as_deref(), Some("ab".repeat(32).as_str()));
    }

    #[test]
    fn a_digest_that_is_not_64_hex_digits_is_refused() {
        let error = error_of("[plugins.p]\nsource = \"builtin:x\"\nsha256 = \"abc\"\n");
        assert!(
            error.message.contains("expected 64 hexadecimal digits"),
            "{error}"
        );
    }

    #[test]
    fn a_registry_source_keeps_its_reference_and_a_malformed_one_is_refused_at_its_value() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        let plan = parse_with(&format!(
            "[plugins.p]\nsource = \"oci://ghcr.io/acme/gate:1.0@{digest}\"\n"
        ))
        .unwrap();
        match &plan.plugins["p"].source {
            crate::plan::PluginSource::Oci(source) => {
                assert_eq!(source.reference.repository, "acme/gate");
                assert_eq!(source.digest(), Some(digest.as_str()));
            }
            other => panic!("{other:?}"),
        }
        let error = error_of("[plugins.p]\nsource = \"oci://ghcr.io/acme/gate:1@sha256:12\"\n");
        assert!(
            error.to_string().contains(":7:10: invalid plugin source")
                && error.message.contains("is not a digest"),
            "{error}"
        );
    }
}
