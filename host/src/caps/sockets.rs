//! `wasi:sockets/*`: linked, and every call denied. Toolchains import it whether a plugin uses
//! the network or not (CPython's runtime does, and so does Rust's `std::net`), so refusing the
//! import would refuse every such plugin; a plugin reaches the network only through
//! `sluice:deploy/http`.
//!
//! Threat model: a hostile plugin could open a TCP or UDP socket to any address (exfiltration,
//! internal services, cloud metadata), bind and listen on this machine, or look names up to learn
//! about internal networks or signal out through DNS queries. What stops it: wasmtime-wasi's own
//! switches in the call's WASI context ([`deny_all`]): TCP and UDP are not allowed, so creating a
//! socket fails with `access-denied`; the address check refuses every address, so a bind or
//! connect on any socket fails with `access-denied`; name lookups are not allowed, so each fails
//! with `permanent-resolver-failure` before anything is sent. No socket reaches the host's
//! network stack. The interfaces are linked by wasmtime-wasi together with the rest of WASI 0.2
//! (see `files`), in the context `files` builds with these switches.

use wasmtime::component::Linker;
use wasmtime_wasi::WasiCtxBuilder;

use super::CapError;
use super::capability::{Access, CallSetup, Capability, Provide, StoreView};

/// `wasi:sockets/*`: every plugin may import it; every call fails.
pub struct Sockets;

impl Capability for Sockets {
    fn name(&self) -> &'static str {
        "sockets"
    }
    fn interfaces(&self) -> &'static [&'static str] {
        &["wasi:sockets/"]
    }
    fn access(&self) -> Access {
        Access::Inert
    }
}

impl Provide for Sockets {
    type State = ();

    fn state(&self, _call: &CallSetup<'_>) -> Result<(), CapError> {
        Ok(())
    }

    /// Nothing of its own: wasmtime-wasi links the sockets interfaces with the rest of WASI 0.2
    /// (`files`), answered by the context [`deny_all`] configured.
    fn add_to_linker<T: StoreView + 'static>(
        _linker: &mut Linker<T>,
        _get: fn(&mut T) -> &mut (),
    ) -> wasmtime::Result<()> {
        Ok(())
    }
}

/// Sets the switches of a call's WASI context that make every socket call fail.
pub fn deny_all(builder: &mut WasiCtxBuilder) {
    builder
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .socket_addr_check(|_, _| Box::pin(async { false }));
}
