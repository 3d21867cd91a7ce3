//! The `tcp` check: a connection must be accepted.

use std::time::Duration;

use tokio::net::TcpStream;

use super::probe::{Observation, describe_io_error, timed_out};

/// Connects to `address` (`host:port`) once, within `timeout`.
pub(super) async fn probe(address: &str, timeout: Duration) -> Observation {
    match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
        Ok(Ok(_)) => Observation::success(format!("connected to {address}")),
        Ok(Err(error)) => Observation::failure(describe_io_error(&error)),
        Err(_) => Observation::failure(timed_out(timeout)),
    }
}
