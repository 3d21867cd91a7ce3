//! The containers capability's registration: `sluice:deploy/containers` and
//! `sluice:deploy/services` (since 0.1.4) need the plan's `containers`, `images` or `services`
//! grant; audits list containers, images, services and engines, flagging wildcards and the
//! services' ports, which Swarm publishes on every interface.

use wasmtime::component::{HasSelf, Linker};

use super::ContainersCap;
use crate::caps::CapError;
use crate::caps::capability::{Access, CallSetup, Capability, Provide, SampleGrant, StoreView};
use crate::plan::model::Grants;

/// `sluice:deploy/containers` and `sluice:deploy/services`: need the `containers` (or `images`,
/// or `services`) grant.
pub struct Containers;

impl Capability for Containers {
    fn name(&self) -> &'static str {
        "containers"
    }
    fn interfaces(&self) -> &'static [&'static str] {
        &["sluice:deploy/containers", "sluice:deploy/services"]
    }
    fn access(&self) -> Access {
        Access::Granted {
            key: "containers",
            by: Grants::reaches_docker,
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
        let wildcards = entries(grants)
            .filter(|(_, name)| name.contains('*'))
            .map(|(kind, name)| format!("wildcard grant `{kind} {name}`"));
        let published = (!grants.services.is_empty()).then(|| {
            "services publish their ports on every interface of every swarm node (Swarm binds \
             no address)"
                .to_owned()
        });
        wildcards.chain(published).collect()
    }
}

/// Every granted container, image and engine, with its kind.
fn entries(grants: &Grants) -> impl Iterator<Item = (&'static str, &str)> {
    of_kind("container", &grants.containers)
        .chain(of_kind("image", &grants.images))
        .chain(of_kind("service", &grants.services))
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
            &p.registries,
        ))
    }

    fn add_to_linker<T: StoreView + 'static>(
        linker: &mut Linker<T>,
        get: fn(&mut T) -> &mut ContainersCap,
    ) -> wasmtime::Result<()> {
        crate::wit::containers::add_to_linker::<T, HasSelf<ContainersCap>>(linker, get)?;
        crate::wit::services::add_to_linker::<T, HasSelf<ContainersCap>>(linker, get)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_services_grant_is_listed_and_warned_of_for_its_wildcard_and_its_published_ports() {
        let grants = Grants {
            services: vec!["web-*".into()],
            images: vec!["web".into()],
            ..Grants::default()
        };
        assert!(Containers.access().allows(&grants));
        assert_eq!(Containers.describe(&grants), ["image web", "service web-*"]);
        assert_eq!(
            Containers.warnings(&grants),
            [
                "wildcard grant `service web-*`",
                "services publish their ports on every interface of every swarm node (Swarm \
                 binds no address)"
            ]
        );
        assert!(Containers.provides("sluice:deploy/services"));
    }
}
