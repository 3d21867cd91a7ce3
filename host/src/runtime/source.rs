//! A plugin's component bytes, from the binary (builtin), a file, or the store of plugins pulled
//! from registries, with their sha256.

use std::borrow::Cow;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::builtin::{builtin, builtin_names};
use super::error::RuntimeError;
use crate::oci;
use crate::plan::model::{OciSource, PluginDecl, PluginSource};

/// A component's bytes and their sha256 (hex).
pub struct ComponentBytes {
    /// The bytes.
    pub bytes: Cow<'static, [u8]>,
    /// sha256 of the bytes, lowercase hex.
    pub sha256: String,
}

impl ComponentBytes {
    /// The component the plan declares as plugin `name`: builtin, a file checked against its
    /// pinned sha256, or a registry's, verified in `pulled` (where it must be already).
    pub fn declared(
        name: &str,
        decl: &PluginDecl,
        pulled: &oci::Store,
    ) -> Result<ComponentBytes, RuntimeError> {
        match &decl.source {
            PluginSource::Builtin(builtin) => ComponentBytes::builtin(builtin),
            PluginSource::Path(path) => ComponentBytes::file(name, path, decl.sha256.as_deref()),
            PluginSource::Oci(source) => ComponentBytes::pulled(name, source, pulled),
        }
    }

    /// The component of `source`, read from `store` and verified against its digests.
    fn pulled(
        plugin: &str,
        source: &OciSource,
        store: &oci::Store,
    ) -> Result<ComponentBytes, RuntimeError> {
        let failed = |why: String| RuntimeError::Pulled {
            plugin: plugin.to_owned(),
            reference: source.reference.to_string(),
            why,
        };
        let digest = source.digest().ok_or_else(|| {
            failed("it is not pinned by digest (see `sluice plugins lock`)".to_owned())
        })?;
        let bytes = store
            .component(digest)
            .map_err(|e| failed(e.to_string()))?
            .ok_or_else(|| failed(format!("{digest} has not been pulled")))?;
        Ok(ComponentBytes {
            sha256: sha256_hex(&bytes),
            bytes: Cow::Owned(bytes),
        })
    }

    /// The builtin plugin `name`.
    pub fn builtin(name: &str) -> Result<ComponentBytes, RuntimeError> {
        let bytes = builtin(name).ok_or_else(|| RuntimeError::UnknownBuiltin {
            name: name.to_owned(),
            available: builtin_names().join(", "),
        })?;
        Ok(ComponentBytes {
            sha256: sha256_hex(bytes),
            bytes: Cow::Borrowed(bytes),
        })
    }

    /// The component in `path`, which must hash to `pinned` when given.
    pub fn file(
        plugin: &str,
        path: &Path,
        pinned: Option<&str>,
    ) -> Result<ComponentBytes, RuntimeError> {
        let bytes = std::fs::read(path).map_err(|e| RuntimeError::Read {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let sha256 = sha256_hex(&bytes);
        if let Some(expected) = pinned
            && !expected.eq_ignore_ascii_case(&sha256)
        {
            return Err(RuntimeError::DigestMismatch {
                plugin: plugin.to_owned(),
                path: path.display().to_string(),
                expected: expected.to_ascii_lowercase(),
                actual: sha256,
            });
        }
        Ok(ComponentBytes {
            bytes: Cow::Owned(bytes),
            sha256,
        })
    }
}

/// sha256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
