//! The sql capability's registration: `sluice:deploy/sql` needs the plan's `databases` grant.

use wasmtime::component::{HasSelf, Linker};

use super::SqlCap;
use crate::caps::CapError;
use crate::caps::capability::{Access, CallSetup, Capability, Provide, SampleGrant, StoreView};
use crate::plan::model::Grants;

/// `sluice:deploy/sql`: needs the `databases` grant.
pub struct Sql;

impl Capability for Sql {
    fn name(&self) -> &'static str {
        "sql"
    }
    fn interfaces(&self) -> &'static [&'static str] {
        &["sluice:deploy/sql"]
    }
    fn access(&self) -> Access {
        Access::Granted {
            key: "databases",
            by: |grants| !grants.databases.is_empty(),
        }
    }
    fn sample_grant(&self) -> Option<SampleGrant> {
        Some(SampleGrant {
            grant: r#"databases = ["main"]"#,
            declarations: "[databases.main]\nurl = \"sqlite:data/main.db\"",
        })
    }
    fn describe(&self, grants: &Grants) -> Vec<String> {
        grants.databases.clone()
    }
}

impl Provide for Sql {
    type State = SqlCap;

    fn state(&self, call: &CallSetup<'_>) -> Result<SqlCap, CapError> {
        let p = call.provision;
        Ok(SqlCap::new(&p.plugin, p.sql.clone()))
    }

    fn add_to_linker<T: StoreView + 'static>(
        linker: &mut Linker<T>,
        get: fn(&mut T) -> &mut SqlCap,
    ) -> wasmtime::Result<()> {
        crate::wit::sql::add_to_linker::<T, HasSelf<SqlCap>>(linker, get)
    }
}
