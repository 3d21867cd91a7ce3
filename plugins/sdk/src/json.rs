//! Reading the config and the state strings the host hands to every call.

use crate::Error;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Parses the unit's config JSON into `T`; a mismatch is [`Error::InvalidConfig`] saying why.
pub fn parse_config<T: DeserializeOwned>(config: &str) -> Result<T, Error> {
    serde_json::from_str(config).map_err(|e| Error::InvalidConfig(e.to_string()))
}

/// Parses a state string this plugin returned earlier (`what` names it in the error, e.g.
/// `"staged state"`); a mismatch is [`Error::Failed`], since the host only hands back what the
/// plugin wrote.
pub fn parse_state<T: DeserializeOwned>(what: &str, state: &str) -> Result<T, Error> {
    serde_json::from_str(state).map_err(|e| Error::Failed(format!("unreadable {what}: {e}")))
}

/// Writes a state string (JSON) for the host to keep and hand back later.
pub fn to_state<T: Serialize>(state: &T) -> Result<String, Error> {
    serde_json::to_string(state).map_err(|e| Error::Failed(format!("cannot write state: {e}")))
}
