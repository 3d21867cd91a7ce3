//! What can go wrong pulling, pushing, storing or locking a plugin from a registry.

/// Errors of the `oci` module. Each names what was wrong; none leaves anything half-downloaded
/// where a later run could load it.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// The registry could not be reached, or refused or failed the request.
    #[error("{0}")]
    Registry(String),
    /// What the registry served is not a Wasm component artifact.
    #[error("not a Wasm component artifact: {why}")]
    NotAComponent {
        /// What is wrong with it.
        why: String,
    },
    /// The component layer is larger than sluice pulls.
    #[error(
        "its component layer is {size} bytes, larger than sluice accepts ({limit} bytes); nothing \
         was downloaded"
    )]
    TooLarge {
        /// The size its manifest gives.
        size: i64,
        /// [`super::artifact::MAX_COMPONENT_BYTES`].
        limit: i64,
    },
    /// Bytes that do not hash to the digest that names them.
    #[error(
        "the {what} has digest {actual}, not {expected}: it changed after it was pinned, or the \
         registry or the local store is not to be trusted; it was not used"
    )]
    DigestMismatch {
        /// `manifest` or `component layer`, served or stored.
        what: &'static str,
        /// The digest that names it.
        expected: String,
        /// The digest of the bytes.
        actual: String,
    },
    /// The local store cannot be read or written.
    #[error("plugin store {path}: {message}")]
    Store {
        /// The file or directory.
        path: String,
        /// Why.
        message: String,
    },
    /// The lockfile cannot be read, parsed or written.
    #[error("lockfile {path}: {message}")]
    Lockfile {
        /// The lockfile.
        path: String,
        /// Why.
        message: String,
    },
}

impl OciError {
    /// A registry failure, with every cause in the chain (a refused connection is several
    /// errors deep in the HTTP client's).
    pub fn registry(error: &(dyn std::error::Error + 'static)) -> OciError {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        OciError::Registry(message)
    }
}
