//! The haproxy capability's registration: every plugin may import `sluice:deploy/haproxy` (the
//! `container` plugin does, whichever router a unit uses); the plan's `haproxy` grant decides
//! which backends it reaches: none without it. Audits list the granted backends and flag `*`.

use wasmtime::component::{HasSelf, Linker};

use super::HaproxyCap;
use crate::caps::CapError;
use crate::caps::capability::{Access, CallSetup, Capability, Provide, SampleGrant, StoreView};
use crate::plan::model::Grants;

/// `sluice:deploy/haproxy`: reaches the backends of the `haproxy` grant.
pub struct Haproxy;

impl Capability for Haproxy {
    fn name(&self) -> &'static str {
        "haproxy"
    }
    fn interfaces(&self) -> &'static [&'static str] {
        &["sluice:deploy/haproxy"]
    }
    fn access(&self) -> Access {
        Access::Scoped { key: "haproxy" }
    }
    fn sample_grant(&self) -> Option<SampleGrant> {
        Some(SampleGrant {
            grant: r#"haproxy = ["127.0.0.1:9999/web"]"#,
            declarations: "",
        })
    }
    fn describe(&self, grants: &Grants) -> Vec<String> {
        grants
            .haproxy
            .iter()
            .map(|grant| format!("backend {grant}"))
            .collect()
    }
    fn warnings(&self, grants: &Grants) -> Vec<String> {
        grants
            .haproxy
            .iter()
            .filter(|grant| grant.backend.is_none())
            .map(|grant| format!("every backend of the HAProxy at {} (`{grant}`)", grant.api))
            .collect()
    }
}

impl Provide for Haproxy {
    type State = HaproxyCap;

    fn state(&self, call: &CallSetup<'_>) -> Result<HaproxyCap, CapError> {
        let p = call.provision;
        Ok(HaproxyCap::new(&p.plugin, &p.grants.haproxy))
    }

    fn add_to_linker<T: StoreView + 'static>(
        linker: &mut Linker<T>,
        get: fn(&mut T) -> &mut HaproxyCap,
    ) -> wasmtime::Result<()> {
        crate::wit::haproxy::add_to_linker::<T, HasSelf<HaproxyCap>>(linker, get)
    }
}
