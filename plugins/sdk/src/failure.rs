//! Turning foreign errors into the contract's [`Error`] with a word of context.

use crate::Error;
use std::fmt::Display;

/// Adds context to a failed result and makes it an [`Error::Failed`].
pub trait OrFailed<T> {
    /// Maps the error `e` to `Error::Failed("{what}: {e}")`; `what` is only built on failure.
    ///
    /// ```
    /// use sluice_sdk::{Error, OrFailed};
    ///
    /// fn read(path: &std::path::Path) -> Result<Vec<u8>, Error> {
    ///     std::fs::read(path).or_failed(|| format!("reading {}", path.display()))
    /// }
    ///
    /// let missing = read(std::path::Path::new("/nonexistent/file")).unwrap_err();
    /// assert!(matches!(missing, Error::Failed(m) if m.starts_with("reading /nonexistent/file: ")));
    /// ```
    fn or_failed<S: Display>(self, what: impl FnOnce() -> S) -> Result<T, Error>;
}

impl<T, E: Display> OrFailed<T> for Result<T, E> {
    fn or_failed<S: Display>(self, what: impl FnOnce() -> S) -> Result<T, Error> {
        self.map_err(|e| Error::Failed(format!("{}: {e}", what())))
    }
}
