//! Adding context to the contract's errors without changing their kind.

use sluice_sdk::Error;
use std::fmt::Display;

/// Prefixes the error's message with `what`, keeping its kind (a `denied` stays `denied`).
pub fn within(what: impl Display) -> impl FnOnce(Error) -> Error {
    move |error| {
        let message = format!("{what}: {}", error.message());
        match error {
            Error::InvalidConfig(_) => Error::InvalidConfig(message),
            Error::Denied(_) => Error::Denied(message),
            Error::Unavailable(_) => Error::Unavailable(message),
            Error::Failed(_) => Error::Failed(message),
        }
    }
}
