//! What a component's imports require, and whether the plan grants it: each import is either
//! one of the capabilities in [`crate::caps::registry`], one of the few interfaces every plugin
//! has besides them, or refused.

use crate::caps::capability::{Access, Capability, interface_matches};
use crate::caps::registry;
use crate::plan::model::Grants;

use super::error::RuntimeError;

/// Interfaces every plugin has that are not capabilities: the contract's shared types, and the
/// basics of WASI 0.2 (linked with the `files` capability) that every toolchain's output imports.
const ALWAYS_PROVIDED: &[&str] = &[
    "sluice:deploy/types",
    "wasi:cli/",
    "wasi:io/",
    "wasi:clocks/",
    "wasi:random/",
];

/// Interfaces refused at load, with why: they would give a plugin a way around the capabilities.
/// (`wasi:http/outgoing-handler` and `wasi:http/types` are the `http` capability's, found first.)
const REFUSED: &[(&str, &str)] = &[(
    "wasi:http/",
    "of wasi:http, only outgoing-handler and types are provided (under the `http` grant)",
)];

/// What one import needs.
#[derive(Clone, Copy)]
pub enum ImportNeed {
    /// Always provided (shared types, WASI basics, and the capabilities every plugin has; files
    /// see only granted directories).
    Provided,
    /// Provided when the plan has the capability's grant.
    Grant {
        /// The capability.
        capability: &'static dyn Capability,
        /// The grant's key in the plan.
        key: &'static str,
    },
    /// Linked, and every call fails (`wasi:sockets`).
    Inert,
    /// Not provided by this sluice; the text says why and what to use instead.
    Unsupported(&'static str),
}

impl std::fmt::Debug for ImportNeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportNeed::Provided => f.write_str("Provided"),
            ImportNeed::Inert => f.write_str("Inert"),
            ImportNeed::Grant { capability, key } => {
                write!(f, "Grant({} by `{key}`)", capability.name())
            }
            ImportNeed::Unsupported(why) => write!(f, "Unsupported({why:?})"),
        }
    }
}

/// What the import named `name` (e.g. `wasi:cli/stdout@0.2.6`) needs.
pub fn classify(name: &str) -> ImportNeed {
    let interface = name.split('@').next().unwrap_or(name);
    if let Some(cap) = registry::providing(interface) {
        return match cap.access() {
            Access::Always | Access::Scoped { .. } => ImportNeed::Provided,
            Access::Inert => ImportNeed::Inert,
            Access::Granted { key, .. } => ImportNeed::Grant {
                capability: cap,
                key,
            },
        };
    }
    if ALWAYS_PROVIDED
        .iter()
        .any(|p| interface_matches(interface, p))
    {
        return ImportNeed::Provided;
    }
    match REFUSED
        .iter()
        .find(|(p, _)| interface_matches(interface, p))
    {
        Some((_, why)) => ImportNeed::Unsupported(why),
        None => ImportNeed::Unsupported("it is not part of the sluice:deploy world or WASI 0.2"),
    }
}

/// Refuses a plugin whose imports need something ungranted or unsupported, naming the first.
pub(super) fn check(plugin: &str, imports: &[String], grants: &Grants) -> Result<(), RuntimeError> {
    for import in imports {
        match classify(import) {
            ImportNeed::Provided | ImportNeed::Inert => {}
            ImportNeed::Grant { capability, .. } if capability.access().allows(grants) => {}
            ImportNeed::Grant { key, .. } => {
                return Err(RuntimeError::NotGranted {
                    plugin: plugin.to_owned(),
                    import: import.clone(),
                    capability: key.to_owned(),
                });
            }
            ImportNeed::Unsupported(why) => {
                return Err(RuntimeError::Unsupported {
                    plugin: plugin.to_owned(),
                    import: import.clone(),
                    why: why.to_owned(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::HttpGrant;

    #[test]
    fn wasi_basics_and_log_are_always_provided() {
        for name in [
            "wasi:cli/stderr@0.2.6",
            "wasi:filesystem/types@0.2.0",
            "sluice:deploy/log@0.1.0",
            "sluice:deploy/plan-notes@0.1.4",
        ] {
            assert!(matches!(classify(name), ImportNeed::Provided), "{name}");
        }
    }

    #[test]
    fn an_http_import_without_an_http_grant_is_refused_naming_both() {
        let err = check(
            "site",
            &["sluice:deploy/http@0.1.0".into()],
            &Grants::default(),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("`sluice:deploy/http@0.1.0`") && text.contains("`http` grant"),
            "{text}"
        );
    }

    #[test]
    fn raw_sockets_load_without_any_grant_and_are_inert() {
        let imports = [
            "wasi:sockets/tcp@0.2.6",
            "wasi:sockets/ip-name-lookup@0.2.9",
        ];
        for import in imports {
            assert!(matches!(classify(import), ImportNeed::Inert), "{import}");
        }
        let imports: Vec<String> = imports.iter().map(|i| i.to_string()).collect();
        assert!(check("p", &imports, &Grants::default()).is_ok());
    }

    #[test]
    fn wasi_http_outgoing_requests_need_the_http_grant_and_the_rest_of_wasi_http_is_refused() {
        let grants = Grants {
            http: Some(vec![HttpGrant {
                origin: "http://127.0.0.1:1".into(),
                internal: false,
            }]),
            ..Grants::default()
        };
        let outgoing: Vec<String> = [
            "wasi:http/outgoing-handler@0.2.10",
            "wasi:http/types@0.2.10",
        ]
        .map(str::to_owned)
        .to_vec();
        assert!(check("p", &outgoing, &grants).is_ok());
        let err = check("p", &outgoing, &Grants::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("`wasi:http/outgoing-handler@0.2.10`")
                && err.to_string().contains("`http` grant"),
            "{err}"
        );
        let incoming = ["wasi:http/incoming-handler@0.2.10".to_owned()];
        let err = check("p", &incoming, &grants).unwrap_err();
        assert!(
            err.to_string()
                .contains("only outgoing-handler and types are provided"),
            "{err}"
        );
    }

    #[test]
    fn an_http_import_loads_with_an_empty_http_list_but_not_without_the_key() {
        let import = vec!["sluice:deploy/http@0.1.4".to_owned()];
        let err = check("api", &import, &Grants::default()).unwrap_err();
        assert!(err.to_string().contains("`http` grant"), "{err}");
        let no_origins = Grants {
            http: Some(Vec::new()),
            ..Grants::default()
        };
        assert!(check("api", &import, &no_origins).is_ok());
    }

    #[test]
    fn a_containers_import_needs_a_containers_or_images_grant() {
        let import = vec!["sluice:deploy/containers@0.1.0".to_owned()];
        let err = check("api", &import, &Grants::default()).unwrap_err();
        assert!(err.to_string().contains("`containers` grant"), "{err}");
        let images_only = Grants {
            images: vec!["shop-api".into()],
            ..Grants::default()
        };
        assert!(check("api", &import, &images_only).is_ok());
    }

    #[test]
    fn an_sql_import_needs_a_databases_grant() {
        let import = vec!["sluice:deploy/sql@0.1.4".to_owned()];
        let err = check("schema", &import, &Grants::default()).unwrap_err();
        assert!(
            err.to_string().contains("needs the `databases` grant"),
            "{err}"
        );
        let granted = Grants {
            databases: vec!["main".into()],
            ..Grants::default()
        };
        assert!(check("schema", &import, &granted).is_ok());
    }

    #[test]
    fn an_unknown_interface_is_refused() {
        assert!(matches!(
            classify("acme:evil/backdoor@1.0.0"),
            ImportNeed::Unsupported(_)
        ));
    }
}
