//! `raw-sockets`: in `stage`, looks a name up and opens a TCP connection with the standard
//! library, which makes the component import `wasi:sockets/*`; sluice links those imports but
//! must deny every call.

use std::net::{TcpStream, ToSocketAddrs};

use test_plugin_common::lifecycle::staged;
use test_plugin_common::sluice_sdk::{Context, Error, OrFailed, Staged, info};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

struct RawSockets;

impl Stage for RawSockets {
    const NAME: &'static str = "raw-sockets";
    const DESCRIPTION: &'static str = "Hostile test plugin: uses raw sockets and name lookups.";

    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
        connect(ctx, config)
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<RawSockets>);

fn connect(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
    let target = config.arg(0)?;
    let addresses: Vec<_> = target
        .to_socket_addrs()
        .or_failed(|| format!("looking {target} up"))?
        .collect();
    TcpStream::connect(&addresses[..]).or_failed(|| format!("connecting to {target}"))?;
    info!("ESCAPED: connected to {target}");
    staged(ctx, config)
}
