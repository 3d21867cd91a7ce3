//! The containers capability's registration: `sluice:deploy/containers` needs the plan's
//! `containers` or `images` grant; audits list containers, images and engines, flagging
//! wildcards.

use wasmtime::component::{HasSelf, Linker};

use super::ContainersCap;
use crate::caps::CapError;
use crate::caps::capability::{Access, CallSetup, Capability, Provide, SampleGrant, StoreView};
use crate::plan::model::Grants;

/// `sluice:deploy/containers`: needs the `containers` (or `images`) grant.
pub struct Containers;

impl Capability for Containers {
    fn name(&self) -> &'static str {
        "containers"
    }
    fn interfaces(&self) -> &'static [&'static str] {
        &["sluice:deploy/containers"]
    }
    fn access(&self) -> Access {
        Access::Granted {
            key: "containers",
            by: |grants| !grants.containers.is_empty() || !grants.images.is_empty(),
        }
    }
    fn sample_grant(&self) -> Option<SampleGrant> {
        Some(SampleGrant {
            grant: r#"containers = ["example-*"]"#,
            declarations: "",
        })
    }
    fn describe(&self, grants: &Grants) -> Vec<String> {
        entries(grants)
            .map(|(kind, name)| format!("{kind} {name}"))
            .collect()
    }
    fn warnings(&self, grants: &Grants) -> Vec<String> {
        entries(grants)
            .filter(|(_, name)| name.contains('*'))
            .map(|(kind, name)| format!("wildcard grant `{kind} {name}`"))
            .collect()
    }
}

/// Every granted container, image and engine, with its kind.
fn entries(grants: &Grants) -> impl Iterator<Item = (&'static str, &str)> {
    of_kind("container", &grants.containers)
        .chain(of_kind("image", &grants.images))
        .chain(of_kind("engine", &grants.docker))
}

fn of_kind<'a>(
    kind: &'static str,
    names: &'a [String],
) -> impl Iterator<Item = (&'static str, &'a str)> + 'a {
    names.iter().map(move |name| (kind, name.as_str()))
}

impl Provide for Containers {
    type State = ContainersCap;

    fn state(&self, call: &CallSetup<'_>) -> Result<ContainersCap, CapError> {
        let p = call.provision;
        Ok(ContainersCap::new(
            &p.plugin,
            &p.grants,
            &p.docker,
            &p.container_labels,
        ))
    }

    fn add_to_linker<T: StoreView + 'static>(
        linker: &mut Linker<T>,
        get: fn(&mut T) -> &mut ContainersCap,
    ) -> wasmtime::Result<()> {
        crate::wit::containers::add_to_linker::<T, HasSelf<ContainersCap>>(linker, get)
    }
}
