//! The one list of capabilities. Everything that iterates capabilities (loading a plugin
//! against its grants, linking, a call's state, `plugins audit`, `plugins inspect`) reads it;
//! nothing else names them all. Adding a capability: write its module (with a unit struct
//! implementing [`Capability`] and [`Provide`]), then add one line below.

use wasmtime::component::Linker;

use super::CapError;
use super::capability::{CallSetup, Capability, Provide, StoreView};

/// Lists each capability once as `field: Type`, in the order audits show them, and generates
/// from it [`Capabilities`] (one field of state per capability), [`ALL`] and [`add_to_linker`].
macro_rules! registry {
    ($($field:ident: $capability:path),+ $(,)?) => {
        /// Every capability's state for one lifecycle call.
        pub struct Capabilities {
            $(
                #[doc = concat!("State of `", stringify!($capability), "`.")]
                pub $field: <$capability as Provide>::State,
            )+
        }

        impl Capabilities {
            /// Fresh state of every capability for one call.
            pub fn new(call: &CallSetup<'_>) -> Result<Capabilities, CapError> {
                Ok(Capabilities { $($field: $capability.state(call)?,)+ })
            }
        }

        /// Every capability, in the order audits show them.
        pub static ALL: &[&dyn Capability] = &[$(&$capability),+];

        /// Adds every capability's interfaces to `linker`; `get` finds the call's
        /// [`Capabilities`] in the store.
        pub fn add_to_linker<T: StoreView + HasCapabilities + 'static>(
            linker: &mut Linker<T>,
        ) -> wasmtime::Result<()> {
            $(<$capability as Provide>::add_to_linker(linker, |store: &mut T| {
                &mut store.capabilities().$field
            })?;)+
            Ok(())
        }
    };
}

registry! {
    log: super::log::Log,
    plan_notes: super::plan_notes::PlanNotes,
    http: super::http::Http,
    secrets: super::secrets::Secrets,
    files: super::files::Files,
    containers: super::containers::Containers,
    sql: super::sql::Sql,
    haproxy: super::haproxy::Haproxy,
    sockets: super::sockets::Sockets,
}

/// A store that holds a call's [`Capabilities`].
pub trait HasCapabilities {
    /// The call's capabilities.
    fn capabilities(&mut self) -> &mut Capabilities;
}

/// The capability that provides `interface` (unversioned: `sluice:deploy/http`), if any.
pub fn providing(interface: &str) -> Option<&'static dyn Capability> {
    ALL.iter().copied().find(|cap| cap.provides(interface))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An interface as a component imports it: versioned, and a prefix filled in.
    fn imported(interface: &str) -> String {
        match interface.strip_suffix('/') {
            Some(package) => format!("{package}/types@0.2.6"),
            None => format!("{interface}@0.1.4"),
        }
    }

    #[test]
    fn each_capability_is_found_by_every_interface_it_provides() {
        for cap in ALL {
            for interface in cap.interfaces() {
                let import = imported(interface);
                let unversioned = import.split('@').next().unwrap_or(&import);
                assert_eq!(
                    providing(unversioned).map(|found| found.name()),
                    Some(cap.name()),
                    "{import}"
                );
            }
        }
    }

    #[test]
    fn no_two_capabilities_share_a_name_or_an_interface() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert_ne!(a.name(), b.name());
                for interface in a.interfaces() {
                    let import = imported(interface);
                    let unversioned = import.split('@').next().unwrap_or(&import);
                    assert!(
                        !b.provides(unversioned),
                        "{} and {} both provide {interface}",
                        a.name(),
                        b.name()
                    );
                }
            }
        }
    }
}
