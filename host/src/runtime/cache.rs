//! Compiled components on disk, keyed by the component's sha256 and the engine's
//! compatibility hash, so a second run deserializes instead of compiling.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use wasmtime::Engine;
use wasmtime::component::Component;

/// Whether a load compiled the component or found it in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheOutcome {
    /// Compiled now (and stored for next time).
    Compiled,
    /// Deserialized from the cache.
    Cached,
}

/// The cache directory and the engine fingerprint that partitions it.
pub(super) struct ComponentCache {
    dir: PathBuf,
    engine_key: String,
}

impl ComponentCache {
    pub(super) fn new(dir: PathBuf, engine: &Engine) -> ComponentCache {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ComponentCache {
            dir,
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    fn path_for(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// The component for `bytes` (whose digest is `sha256`), from the cache or compiled.
    /// A cache that cannot be read or written is skipped, never fatal.
    pub(super) fn load(
        &self,
        engine: &Engine,
        sha256: &str,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, CacheOutcome)> {
        let path = self.path_for(sha256);
        if path.is_file() {
            // SAFETY: the file was written by `Component::serialize` of an engine with the same
            // compatibility hash (part of its name), into a directory owned by this user, and is
            // replaced atomically (rename), so it is never read half-written.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, CacheOutcome::Cached)),
                Err(e) => tracing::warn!(
                    "ignoring unreadable compiled component {}: {e:#}",
                    path.display()
                ),
            }
        }
        let component = Component::new(engine, bytes)?;
        if let Err(e) = self.store(&path, &component) {
            tracing::warn!(
                "cannot cache compiled component at {}: {e:#}",
                path.display()
            );
        }
        Ok((component, CacheOutcome::Compiled))
    }

    fn store(&self, path: &PathBuf, component: &Component) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::write(&tmp, component.serialize()?)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}
