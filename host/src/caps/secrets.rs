//! `sluice:deploy/secrets`: named secrets the plan grants to a plugin.
//!
//! Threat model: a hostile plugin could ask for secrets it was not granted (another plugin's
//! token), or leak a granted one through its logs, errors or returned state. What stops it: the
//! host resolves only the names granted to this plugin, so any other name is `denied` without the
//! value ever being read; every granted value is registered with the run's redactor, which
//! replaces it in everything sluice writes (terminal, JSON events, state, journal, errors).

use wasmtime::component::{HasSelf, Linker};

use super::capability::{Access, CallSetup, Capability, Provide, SampleGrant, StoreView};
use super::{CapError, calls};
use crate::plan::model::Grants;
use std::collections::BTreeMap;

use crate::wit::secrets::Host;
use crate::wit::types::Error;

/// The secrets capability of one lifecycle call.
pub struct SecretsCap {
    plugin: String,
    granted: BTreeMap<String, Option<String>>,
}

impl SecretsCap {
    /// Secrets for `plugin`: the granted names and their values (none when unset).
    pub fn new(plugin: &str, granted: BTreeMap<String, Option<String>>) -> Self {
        SecretsCap {
            plugin: plugin.to_owned(),
            granted,
        }
    }

    /// The value of `name`, if granted and set.
    pub fn get(&self, name: &str) -> Result<String, Error> {
        match self.granted.get(name) {
            None => Err(Error::Denied(format!(
                "secrets: `{name}` is not granted to plugin `{}` (grant it in [plugins.{}.grants] secrets)",
                self.plugin, self.plugin
            ))),
            Some(None) => Err(Error::Unavailable(format!(
                "secrets: `{name}` is granted but has no value in this environment"
            ))),
            Some(Some(value)) => Ok(value.clone()),
        }
    }
}

impl Host for SecretsCap {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, Error>> {
        // The bindings do not trace this call (its result is the value): the record gets the
        // span they would have opened, with the secret's name.
        let _call = tracing::trace_span!(
            calls::BINDINGS_SPAN,
            module = "secrets",
            function = "get",
            name = ?name
        )
        .entered();
        let value = SecretsCap::get(self, &name);
        if let Err(Error::Denied(why)) = &value {
            calls::note(calls::Note::Denied(why));
        }
        Ok(value)
    }
}

/// `sluice:deploy/secrets`: needs the `secrets` grant.
pub struct Secrets;

impl Capability for Secrets {
    fn name(&self) -> &'static str {
        "secrets"
    }
    fn interfaces(&self) -> &'static [&'static str] {
        &["sluice:deploy/secrets"]
    }
    fn access(&self) -> Access {
        Access::Granted {
            key: "secrets",
            by: |grants| !grants.secrets.is_empty(),
        }
    }
    fn sample_grant(&self) -> Option<SampleGrant> {
        Some(SampleGrant {
            grant: r#"secrets = ["api_token"]"#,
            declarations: "[secrets.api_token]\nenv = \"API_TOKEN\"",
        })
    }
    fn describe(&self, grants: &Grants) -> Vec<String> {
        grants.secrets.clone()
    }
}

impl Provide for Secrets {
    type State = SecretsCap;

    fn state(&self, call: &CallSetup<'_>) -> Result<SecretsCap, CapError> {
        let p = call.provision;
        Ok(SecretsCap::new(&p.plugin, p.secrets.clone()))
    }

    fn add_to_linker<T: StoreView + 'static>(
        linker: &mut Linker<T>,
        get: fn(&mut T) -> &mut SecretsCap,
    ) -> wasmtime::Result<()> {
        crate::wit::secrets::add_to_linker::<T, HasSelf<SecretsCap>>(linker, get)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap() -> SecretsCap {
        SecretsCap::new(
            "pages",
            BTreeMap::from([
                ("token".to_owned(), Some("t0k3n".to_owned())),
                ("unset".to_owned(), None),
            ]),
        )
    }

    #[test]
    fn a_granted_secret_is_returned() {
        assert_eq!(cap().get("token").unwrap(), "t0k3n");
    }

    #[test]
    fn a_secret_not_granted_is_denied_with_its_name() {
        let err = cap().get("db_password").unwrap_err();
        assert!(
            matches!(&err, Error::Denied(m) if m.contains("`db_password` is not granted to plugin `pages`"))
        );
    }

    #[test]
    fn a_granted_secret_without_value_is_unavailable() {
        assert!(matches!(cap().get("unset"), Err(Error::Unavailable(_))));
    }
}
