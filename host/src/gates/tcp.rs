//! The `tcp` check: a connection must be accepted.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

use super::probe::{Observation, describe_io_error, timed_out};
use super::target::Guarded;

/// Connects to `address` (`host:port`) once, within `timeout`; with `guard`, only to the
/// addresses its policy allows for this probe.
pub(super) async fn probe(
    address: &str,
    guard: Option<&Guarded<'_>>,
    timeout: Duration,
) -> Observation {
    let connecting = async {
        match guard {
            None => TcpStream::connect(address).await,
            Some(guard) => {
                let port = guard.target.port();
                let checked: Vec<SocketAddr> = match guard.addresses().await {
                    Ok(ips) => ips
                        .into_iter()
                        .map(|ip| SocketAddr::new(ip, port))
                        .collect(),
                    Err(observation) => return Err(observation),
                };
                TcpStream::connect(checked.as_slice()).await
            }
        }
        .map_err(|error| Observation::failure(describe_io_error(&error)))
    };
    match tokio::time::timeout(timeout, connecting).await {
        Ok(Ok(_)) => Observation::success(format!("connected to {address}")),
        Ok(Err(observation)) => observation,
        Err(_) => Observation::failure(timed_out(timeout)),
    }
}
