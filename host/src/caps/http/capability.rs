//! The http capability's registration: `sluice:deploy/http`, and `wasi:http/outgoing-handler`
//! with the `wasi:http/types` it uses, need the plan's `http` grant (an empty list loads and
//! reaches nothing), and audits flag origins that reach this machine or an internal network.

use std::net::IpAddr;

use wasmtime::component::{HasSelf, Linker};

use super::{HttpState, classify};
use crate::caps::CapError;
use crate::caps::capability::{Access, CallSetup, Capability, Provide, SampleGrant, StoreView};
use crate::caps::log::LogCap;
use crate::plan::model::{Grants, HttpGrant, LOCALHOST};

/// `sluice:deploy/http` and `wasi:http/outgoing-handler`: need the `http` grant.
pub struct Http;

impl Capability for Http {
    fn name(&self) -> &'static str {
        "http"
    }
    fn interfaces(&self) -> &'static [&'static str] {
        &[
            "sluice:deploy/http",
            "wasi:http/outgoing-handler",
            "wasi:http/types",
        ]
    }
    fn access(&self) -> Access {
        Access::Granted {
            key: "http",
            by: |grants| grants.http.is_some(),
        }
    }
    fn sample_grant(&self) -> Option<SampleGrant> {
        Some(SampleGrant {
            grant: "http = []",
            declarations: "",
        })
    }
    fn describe(&self, grants: &Grants) -> Vec<String> {
        match grants.http.as_deref() {
            None => Vec::new(),
            Some([]) => vec!["no origin (`http = []`: loads, reaches nothing)".to_owned()],
            Some(origins) => origins.iter().map(describe_origin).collect(),
        }
    }
    fn warnings(&self, grants: &Grants) -> Vec<String> {
        grants
            .http
            .iter()
            .flatten()
            .filter_map(reach_warning)
            .collect()
    }
}

impl Provide for Http {
    type State = HttpState;

    fn state(&self, call: &CallSetup<'_>) -> Result<HttpState, CapError> {
        let p = call.provision;
        let log = LogCap::new(&p.unit, p.log.clone(), p.log_budget.clone());
        HttpState::new(&p.plugin, p.grants.http.as_deref().unwrap_or_default(), log)
    }

    /// Links `sluice:deploy/http` to `get`'s state, and `wasi:http/outgoing-handler` and
    /// `wasi:http/types`; the store's [`wasmtime_wasi_http::WasiHttpView`] is expected to show
    /// the same state ([`HttpState::wasi_view`]).
    fn add_to_linker<T: StoreView + 'static>(
        linker: &mut Linker<T>,
        get: fn(&mut T) -> &mut HttpState,
    ) -> wasmtime::Result<()> {
        crate::wit::http::add_to_linker::<T, HasSelf<HttpState>>(linker, get)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)
    }
}

fn describe_origin(grant: &HttpGrant) -> String {
    if grant.internal {
        format!("{} (internal)", grant.origin)
    } else {
        grant.origin.clone()
    }
}

/// A warning when `grant` reaches this machine or an internal network.
fn reach_warning(grant: &HttpGrant) -> Option<String> {
    let origin = &grant.origin;
    if grant.internal {
        return Some(format!(
            "{origin} is marked internal: its name may resolve to this machine or an internal \
             network (never to a metadata address)"
        ));
    }
    let host = url::Url::parse(origin).ok()?.host_str()?.to_owned();
    if host == LOCALHOST {
        return Some(format!(
            "{origin} reaches a service on this machine (loopback)"
        ));
    }
    let ip: IpAddr = host.trim_matches(['[', ']']).parse().ok()?;
    classify(ip).map(|class| {
        format!(
            "{origin} reaches {} (not the public internet)",
            class.describe()
        )
    })
}
