//! `hostile-haproxy`: in `stage`, asks the `haproxy` capability to set a server's weight with
//! the names it is given, unchecked. `attack = "set-weight"`, `args = [API, BACKEND, SERVER,
//! WEIGHT]`: a backend or server name may carry a newline, a space or a `;` to splice a second
//! runtime-API command in. Succeeds when the host lets the call through, or fails with the
//! host's error as it is.

use test_plugin_common::lifecycle::staged;
use test_plugin_common::sluice_sdk::haproxy::set_weight;
use test_plugin_common::sluice_sdk::{Context, Error, Staged, info};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

struct HostileHaproxy;

impl Stage for HostileHaproxy {
    const NAME: &'static str = "hostile-haproxy";
    const DESCRIPTION: &'static str =
        "Hostile test plugin: drives HAProxy with names that would splice commands.";

    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
        if config.attack.as_deref() != Some("set-weight") {
            return Err(Error::InvalidConfig(format!(
                "unknown attack {:?}",
                config.attack
            )));
        }
        let (api, backend, server) = (config.arg(0)?, config.arg(1)?, config.arg(2)?);
        let weight = config
            .arg(3)?
            .parse()
            .map_err(|_| Error::InvalidConfig("the weight is not a number".into()))?;
        set_weight(api, backend, server, weight)?;
        info!("set {backend}/{server:?} to weight {weight}");
        staged(ctx, config)
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<HostileHaproxy>);
