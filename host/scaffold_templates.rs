//! Embeds the project templates of `sluice plugins new` (`host/templates/`) and the SDKs they
//! vendor into the binary: writes `scaffold_templates.rs` into `OUT_DIR`, one
//! `Template { language, files }` per entry of [`TEMPLATES`], each file with its path in the new
//! project, its bytes (`include_bytes!`), whether placeholders are rendered in it and whether it
//! is executable. Adding a language is one template directory and one line in [`TEMPLATES`].

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Where a project's files come from, relative to the repository root.
enum Source {
    /// A template directory: every file under it, placeholders rendered, at the same path.
    Template(&'static str),
    /// An SDK directory, copied verbatim (but caches: [`SKIPPED`]) under `sluice-sdk/`.
    Sdk(&'static str),
    /// A file copied verbatim to `to`, or the files directly in a directory copied under `to`.
    Verbatim {
        from: &'static str,
        to: &'static str,
    },
}

use Source::{Sdk, Template, Verbatim};

/// What every project has: the sample plan, the site it deploys, `pin-sha256.sh`.
const COMMON: Source = Template("host/templates/common");

/// The sluice:deploy WIT (the current contract, without its frozen releases), as `sluice-wit/`.
const CONTRACT: Source = Verbatim {
    from: "wit",
    to: "sluice-wit",
};

/// The dependency versions sluice builds its own Rust plugins with.
const CARGO_LOCK: Source = Verbatim {
    from: "plugins/Cargo.lock",
    to: "Cargo.lock",
};

/// Each language's project, one line each: its template directory and the SDK it vendors.
#[rustfmt::skip]
const TEMPLATES: &[(&str, &[Source])] = &[
    ("rust", &[COMMON, Template("host/templates/rust"), Sdk("plugins/sdk"), CARGO_LOCK]),
    ("python", &[COMMON, Template("host/templates/python"), Sdk("sdk/python"), CONTRACT]),
    ("js", &[COMMON, Template("host/templates/js"), Sdk("sdk/js"), CONTRACT]),
    ("c", &[COMMON, Template("host/templates/c"), Sdk("sdk/c"), CONTRACT]),
];

/// Writes `OUT_DIR/scaffold_templates.rs`.
pub fn embed(root: &Path, out: &Path) {
    let mut code = String::from("&[\n");
    for (language, sources) in TEMPLATES {
        writeln!(code, "    Template {{ language: {language:?}, files: &[").unwrap();
        for source in *sources {
            let (from, to, render, flat) = match source {
                Template(dir) => (*dir, "", true, false),
                Sdk(dir) => (*dir, "sluice-sdk", false, false),
                Verbatim { from, to } => (*from, *to, false, true),
            };
            let source = root.join(from);
            println!("cargo:rerun-if-changed={}", source.display());
            let files = if source.is_file() {
                vec![source.clone()]
            } else {
                files_under(&source, flat)
            };
            for file in files {
                let relative = file.strip_prefix(&source).expect("under its directory");
                let path = if relative.as_os_str().is_empty() {
                    PathBuf::from(to)
                } else {
                    Path::new(to).join(relative)
                };
                let executable = std::fs::metadata(&file)
                    .expect("a template file is readable")
                    .permissions()
                    .mode()
                    & 0o111
                    != 0;
                writeln!(
                    code,
                    "        File {{ path: {:?}, bytes: include_bytes!({:?}), render: {render}, \
                     executable: {executable} }},",
                    path.to_str().expect("template paths are UTF-8"),
                    file.to_str().expect("template paths are UTF-8"),
                )
                .unwrap();
            }
        }
        code.push_str("    ] },\n");
    }
    code.push(']');
    std::fs::write(out.join("scaffold_templates.rs"), code).expect("write scaffold_templates.rs");
}

/// Directories that are never part of a project: caches and installed toolchains a developer's
/// checkout may hold.
const SKIPPED: &[&str] = &["__pycache__", "node_modules", "target"];

/// Every file under `dir`, sorted; subdirectories too unless `flat`, but not [`SKIPPED`] ones.
fn files_under(dir: &Path, flat: bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading the template directory {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a readable directory entry").path();
        if path.is_dir() {
            let skipped = path
                .file_name()
                .is_some_and(|name| SKIPPED.iter().any(|skip| name == *skip));
            if !flat && !skipped {
                files.extend(files_under(&path, false));
            }
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}
