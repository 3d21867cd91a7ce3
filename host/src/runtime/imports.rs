//! What a component's imports require, and whether the plan grants it.

use crate::plan::model::Grants;

use super::error::RuntimeError;

/// A capability the plan must grant before a plugin may import it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Capability {
    /// `sluice:deploy/http`: needs `grants.http`.
    Http,
    /// `sluice:deploy/secrets`: needs `grants.secrets`.
    Secrets,
    /// `sluice:deploy/containers`: needs `grants.containers` or `grants.images`.
    Containers,
    /// `sluice:deploy/sql`: needs `grants.databases`.
    Sql,
}

impl Capability {
    /// The grant's key in the plan.
    pub fn grant_key(self) -> &'static str {
        match self {
            Capability::Http => "http",
            Capability::Secrets => "secrets",
            Capability::Containers => "containers",
            Capability::Sql => "databases",
        }
    }

    fn granted_by(self, grants: &Grants) -> bool {
        match self {
            Capability::Http => grants.http_granted,
            Capability::Secrets => !grants.secrets.is_empty(),
            Capability::Containers => !grants.containers.is_empty() || !grants.images.is_empty(),
            Capability::Sql => !grants.databases.is_empty(),
        }
    }
}

/// What one import needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportNeed {
    /// Always provided (shared types, `log`, `plan-notes`, and WASI basics; files see only
    /// granted preopens).
    Provided,
    /// Provided when the plan grants this capability.
    Grant(Capability),
    /// Not provided by this sluice; the text says why and what to use instead.
    Unsupported(&'static str),
}

/// What the import named `name` (e.g. `wasi:cli/stdout@0.2.6`) needs.
pub fn classify(name: &str) -> ImportNeed {
    let interface = name.split('@').next().unwrap_or(name);
    match interface {
        "sluice:deploy/types" | "sluice:deploy/log" | "sluice:deploy/plan-notes" => {
            ImportNeed::Provided
        }
        "sluice:deploy/http" => ImportNeed::Grant(Capability::Http),
        "sluice:deploy/secrets" => ImportNeed::Grant(Capability::Secrets),
        "sluice:deploy/containers" => ImportNeed::Grant(Capability::Containers),
        "sluice:deploy/sql" => ImportNeed::Grant(Capability::Sql),
        _ if interface.starts_with("wasi:sockets/") || interface.starts_with("wasi:http/") => {
            ImportNeed::Unsupported(
                "plugins get no raw network access; use sluice:deploy/http with granted origins",
            )
        }
        _ if [
            "wasi:cli/",
            "wasi:io/",
            "wasi:clocks/",
            "wasi:random/",
            "wasi:filesystem/",
        ]
        .iter()
        .any(|p| interface.starts_with(p)) =>
        {
            ImportNeed::Provided
        }
        _ => ImportNeed::Unsupported("it is not part of the sluice:deploy world or WASI 0.2"),
    }
}

/// Refuses a plugin whose imports need something ungranted or unsupported, naming the first.
pub(super) fn check(plugin: &str, imports: &[String], grants: &Grants) -> Result<(), RuntimeError> {
    for import in imports {
        match classify(import) {
            ImportNeed::Provided => {}
            ImportNeed::Grant(cap) if cap.granted_by(grants) => {}
            ImportNeed::Grant(cap) => {
                return Err(RuntimeError::NotGranted {
                    plugin: plugin.to_owned(),
                    import: import.clone(),
                    capability: cap.grant_key().to_owned(),
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
            "sluice:deploy/plan-notes@0.1.1",
        ] {
            assert_eq!(classify(name), ImportNeed::Provided, "{name}");
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
    fn raw_sockets_are_refused_even_with_an_http_grant() {
        let grants = Grants {
            http: vec![HttpGrant {
                origin: "http://127.0.0.1:1".into(),
                internal: false,
            }],
            http_granted: true,
            ..Grants::default()
        };
        let err = check("p", &["wasi:sockets/tcp@0.2.6".into()], &grants).unwrap_err();
        assert!(err.to_string().contains("no raw network access"));
    }

    #[test]
    fn an_http_import_loads_with_an_empty_http_list_but_not_without_the_key() {
        let import = vec!["sluice:deploy/http@0.1.1".to_owned()];
        let err = check("api", &import, &Grants::default()).unwrap_err();
        assert!(err.to_string().contains("`http` grant"), "{err}");
        let no_origins = Grants {
            http_granted: true,
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
        let import = vec!["sluice:deploy/sql@0.1.1".to_owned()];
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
