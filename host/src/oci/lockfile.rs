//! The plan's lockfile (`sluice.lock` beside `sluice.toml`): the manifest digest each registry
//! reference without one resolved to when `sluice plugins lock` ran. A plan that names a plugin
//! by tag alone loads only when its lockfile pins that tag; commit the lockfile beside the plan,
//! and the same bytes deploy until someone locks again.
//!
//! ```toml
//! [plugins]
//! "oci://registry.example.com/team/canary:1.2.0" = "sha256:0123..."
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::OciError;
use super::reference::{Reference, parse_digest};

/// What the lockfile begins with.
const HEADER: &str = "# Written by `sluice plugins lock`: the manifest digest each registry reference of the plan\n\
# named when it was locked. Commit it beside the plan; lock again to move to what the tags name now.\n";

/// A plan's lockfile.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lockfile {
    /// Reference without digest → its manifest digest.
    #[serde(default)]
    plugins: BTreeMap<String, String>,
}

impl Lockfile {
    /// The lockfile of the plan file `plan`: the same name with the extension `.lock`.
    pub fn path_for(plan: &Path) -> PathBuf {
        plan.with_extension("lock")
    }

    /// Reads the lockfile at `path`; an empty one when there is no file.
    pub fn read(path: &Path) -> Result<Lockfile, OciError> {
        let failed = |message: String| OciError::Lockfile {
            path: path.display().to_string(),
            message,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lockfile::default()),
            Err(e) => return Err(failed(e.to_string())),
        };
        let lock: Lockfile = toml::from_str(&text).map_err(|e| failed(e.to_string()))?;
        for (reference, digest) in &lock.plugins {
            reference
                .parse::<Reference>()
                .map_err(|why| failed(format!("`{reference}`: {why}")))?;
            parse_digest(digest).map_err(|why| failed(format!("`{reference}`: {why}")))?;
        }
        Ok(lock)
    }

    /// The digest the lockfile pins `reference` (without its digest) to, if any.
    pub fn digest(&self, reference: &Reference) -> Option<&str> {
        self.plugins
            .get(&reference.unpinned().to_string())
            .map(String::as_str)
    }

    /// Pins `reference` (without its digest) to `digest`.
    pub fn pin(&mut self, reference: &Reference, digest: String) {
        self.plugins
            .insert(reference.unpinned().to_string(), digest);
    }

    /// Writes the lockfile to `path` (replacing it whole).
    pub fn write(&self, path: &Path) -> Result<(), OciError> {
        let failed = |message: String| OciError::Lockfile {
            path: path.display().to_string(),
            message,
        };
        let body = toml::to_string(self).map_err(|e| failed(e.to_string()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let scratch = tempfile::NamedTempFile::new_in(dir).map_err(|e| failed(e.to_string()))?;
        std::fs::write(scratch.path(), format!("{HEADER}{body}"))
            .map_err(|e| failed(e.to_string()))?;
        scratch
            .persist(path)
            .map_err(|e| failed(e.error.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_lockfile_reads_back_and_pins_by_reference_without_digest() {
        let dir = tempfile::tempdir().unwrap();
        let path = Lockfile::path_for(&dir.path().join("sluice.toml"));
        assert_eq!(path.file_name().unwrap(), "sluice.lock");
        assert_eq!(Lockfile::read(&path).unwrap(), Lockfile::default());
        let reference: Reference = "oci://127.0.0.1:5000/team/canary:1.2.0".parse().unwrap();
        let digest = format!("sha256:{}", "ab".repeat(32));
        let mut lock = Lockfile::default();
        lock.pin(&reference, digest.clone());
        lock.write(&path).unwrap();
        let read = Lockfile::read(&path).unwrap();
        assert_eq!(read.digest(&reference), Some(digest.as_str()));
        let other: Reference = "oci://127.0.0.1:5000/team/canary:1.3.0".parse().unwrap();
        assert_eq!(read.digest(&other), None);
    }

    #[test]
    fn a_damaged_lockfile_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sluice.lock");
        std::fs::write(&path, "[plugins]\n\"oci://r/a:1\" = \"sha256:12\"\n").unwrap();
        let error = Lockfile::read(&path).unwrap_err().to_string();
        assert!(
            error.contains("sluice.lock") && error.contains("is not a digest"),
            "{error}"
        );
    }
}
