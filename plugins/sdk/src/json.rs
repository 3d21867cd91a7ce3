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

/// What `rollback` makes live: `from_current` of the host's `current` state when there is one,
/// else `from_snapshot` of the snapshot `prepare` took, else nothing.
pub fn restore_target<C, S, T>(
    current: Option<&str>,
    snapshot: Option<&str>,
    from_current: impl FnOnce(C) -> T,
    from_snapshot: impl FnOnce(S) -> Option<T>,
) -> Result<Option<T>, Error>
where
    C: DeserializeOwned,
    S: DeserializeOwned,
{
    if let Some(current) = current {
        return Ok(Some(from_current(parse_state("current state", current)?)));
    }
    match snapshot {
        Some(snapshot) => Ok(from_snapshot(parse_state("snapshot", snapshot)?)),
        None => Ok(None),
    }
}
