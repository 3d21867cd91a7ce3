//! A plugin built for the tests (by an SDK's build command), copied into a project and pinned
//! there by its sha256, as a user loads a plugin by path.

use std::path::Path;

/// A plugin built for the tests, copied into a project and pinned there.
pub struct PinnedPlugin {
    /// The file's name in the project (the plan's `source`).
    pub file: String,
    pub sha256: String,
}

impl PinnedPlugin {
    /// Copies the component `built` into `project` as `file`.
    pub fn copy(built: &Path, project: &Path, file: &str) -> PinnedPlugin {
        let wasm = project.join(file);
        std::fs::copy(built, &wasm).unwrap();
        PinnedPlugin {
            file: file.to_owned(),
            sha256: super::sha256_file(&wasm),
        }
    }
}
