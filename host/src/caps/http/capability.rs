//! The http capability's registration: `sluice:deploy/http` needs the plan's `http` grant (an
//! empty list loads and reaches nothing), and audits flag origins that reach this machine or an
//! internal network.

use std::net::IpAddr;

use wasmtime::component::{HasSelf, Linker};
use wasmtime_wasi::WasiView;

use super::{HttpCap, classify};
use crate::caps::CapError;
use crate::caps::capability::{Access, CallSetup, Capability, Provide, SampleGrant};
use crate::plan::model::{Grants, HttpGrant, LOCALHOST};

/// `sluice:deploy/http`: needs the `http` grant.
pub struct Http;

impl Capability for Http {
    fn name(&self) -> &'static str {
        "http"
    }
    fn interfaces(&self) -> &'static [&'static str] {
        &["sluice:deploy/http"]
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
    type State = HttpCap;

    fn state(&self, call: &CallSetup<'_>) -> Result<HttpCap, CapError> {
        let p = call.provision;
        HttpCap::new(&p.plugin, p.grants.http.as_deref().unwrap_or_default())
    }

    fn add_to_linker<T: WasiView + 'static>(
        linker: &mut Linker<T>,
        get: fn(&mut T) -> &mut HttpCap,
    ) -> wasmtime::Result<()> {
        crate::wit::http::add_to_linker::<T, HasSelf<HttpCap>>(linker, get)
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
