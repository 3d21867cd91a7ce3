//! Plugins pulled from registries, on disk by manifest digest (beside the compiled-component
//! cache): `sha256-HEX/manifest.json` and `sha256-HEX/component.wasm`. An entry appears whole
//! (written in a scratch directory, then renamed) and is verified every time it is read: the
//! manifest against its digest, the component against the digest the manifest gives it. So
//! nothing half-downloaded or changed on disk is ever compiled.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::artifact::{MAX_COMPONENT_BYTES, MAX_MANIFEST_BYTES, component_layer};
use super::error::OciError;

const MANIFEST: &str = "manifest.json";
const COMPONENT: &str = "component.wasm";

/// The store's directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The store in `dir` (created when first written).
    pub fn new(dir: PathBuf) -> Store {
        Store { dir }
    }

    fn entry(&self, digest: &str) -> PathBuf {
        self.dir.join(digest.replace(':', "-"))
    }

    /// The component pinned by the manifest `digest`, verified; `None` when it was never stored.
    pub fn component(&self, digest: &str) -> Result<Option<Vec<u8>>, OciError> {
        let entry = self.entry(digest);
        if !entry.join(COMPONENT).is_file() {
            return Ok(None);
        }
        let manifest = read_at_most(&entry.join(MANIFEST), MAX_MANIFEST_BYTES as u64)?;
        verify("stored manifest", digest, &manifest)?;
        let layer = component_layer(&manifest)?;
        let component = read_at_most(&entry.join(COMPONENT), MAX_COMPONENT_BYTES as u64)?;
        verify("stored component layer", &layer.digest, &component)?;
        Ok(Some(component))
    }

    /// Stores `component` under the manifest `digest`; the caller has verified both. Replaces an
    /// entry that failed verification.
    pub fn put(&self, digest: &str, manifest: &[u8], component: &[u8]) -> Result<(), OciError> {
        let failed = |path: &Path, e: std::io::Error| OciError::Store {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(&self.dir).map_err(|e| failed(&self.dir, e))?;
        let scratch = tempfile::Builder::new()
            .prefix(".pulling-")
            .tempdir_in(&self.dir)
            .map_err(|e| failed(&self.dir, e))?;
        for (name, bytes) in [(MANIFEST, manifest), (COMPONENT, component)] {
            let path = scratch.path().join(name);
            std::fs::write(&path, bytes).map_err(|e| failed(&path, e))?;
        }
        let entry = self.entry(digest);
        if entry.exists() {
            std::fs::remove_dir_all(&entry).map_err(|e| failed(&entry, e))?;
        }
        std::fs::rename(scratch.path(), &entry).map_err(|e| failed(&entry, e))?;
        // The scratch directory is the entry now; nothing is left to remove.
        let _ = scratch.keep();
        Ok(())
    }
}

/// The digest of `bytes`: `sha256:` and its sha256 in lowercase hex.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Checks that `bytes` hash to `digest` (`sha256:HEX`).
pub fn verify(what: &'static str, digest: &str, bytes: &[u8]) -> Result<(), OciError> {
    let actual = digest_of(bytes);
    if actual == digest {
        Ok(())
    } else {
        Err(OciError::DigestMismatch {
            what,
            expected: digest.to_owned(),
            actual,
        })
    }
}

fn read_at_most(path: &Path, limit: u64) -> Result<Vec<u8>, OciError> {
    let failed = |message: String| OciError::Store {
        path: path.display().to_string(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| failed(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| failed(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(failed(format!("larger than {limit} bytes")));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::super::artifact::{CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPE, MANIFEST_MEDIA_TYPE};
    use super::*;

    /// A manifest for `component`, and its digest.
    fn manifest_for(component: &[u8]) -> (Vec<u8>, String) {
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {"mediaType": CONFIG_MEDIA_TYPE, "size": 2, "digest": digest_of(b"{}")},
            "layers": [{"mediaType": LAYER_MEDIA_TYPE, "size": component.len(), "digest": digest_of(component)}],
        }))
        .unwrap();
        let pinned = digest_of(&manifest);
        (manifest, pinned)
    }

    #[test]
    fn a_stored_component_reads_back_and_an_unknown_digest_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("oci"));
        let (manifest, pinned) = manifest_for(b"\0asm component");
        assert!(store.component(&pinned).unwrap().is_none());
        store.put(&pinned, &manifest, b"\0asm component").unwrap();
        assert_eq!(
            store.component(&pinned).unwrap().as_deref(),
            Some(&b"\0asm component"[..])
        );
        // Storing again (a run that found the entry damaged) replaces it.
        store.put(&pinned, &manifest, b"\0asm component").unwrap();
        assert!(store.component(&pinned).unwrap().is_some());
    }

    #[test]
    fn a_component_changed_on_disk_is_refused_not_compiled() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_owned());
        let (manifest, pinned) = manifest_for(b"\0asm component");
        store.put(&pinned, &manifest, b"\0asm component").unwrap();
        let on_disk = store.entry(&pinned).join(COMPONENT);
        std::fs::write(&on_disk, b"\0asm c0mponent").unwrap();
        let error = store.component(&pinned).unwrap_err().to_string();
        assert!(
            error.contains("stored component layer has digest"),
            "{error}"
        );
        // A manifest swapped for another is refused too.
        let (other, _) = manifest_for(b"other");
        std::fs::write(store.entry(&pinned).join(MANIFEST), other).unwrap();
        let error = store.component(&pinned).unwrap_err().to_string();
        assert!(error.contains("stored manifest has digest"), "{error}");
    }
}
