//! `sluice plugins new`: writes a ready strategy-plugin project from the templates embedded in
//! the binary (`host/templates/`, embedded by `host/build.rs` with the SDK each language
//! vendors).
//!
//! A project is a small real strategy (copies `site/` into `www/releases/<version>/` and switches
//! a `current` symlink; rolls back by switching it back), a copy of the SDK (and of the
//! `sluice:deploy` WIT where the toolchain needs it), a `build.sh` that builds the component and
//! pins its sha256 in the sample plan `sluice.toml`, one test in the language's own test runner,
//! and a README with the commands. The capabilities asked for, besides `log`, become the imports
//! of the project's own WIT world (where the language has one: `{{wit_imports}}`) and the sample
//! plan's grants (`{{grants}}`). Those offered are the registry's that have a `sluice:deploy`
//! interface ([`crate::caps::registry`]); each says how a sample plan grants it.

mod render;

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::caps::capability::Capability;
use crate::caps::registry;

/// One file of a project template, as embedded by `host/build.rs`.
pub struct File {
    /// Its path in the new project.
    pub path: &'static str,
    /// Its content.
    pub bytes: &'static [u8],
    /// Whether `{{key}}` placeholders are rendered in it (template files; not the vendored SDK).
    pub render: bool,
    /// Whether it is written executable (`build.sh`).
    pub executable: bool,
}

/// A language's project template.
pub struct Template {
    /// The language, as `--lang` names it.
    pub language: &'static str,
    /// Every file of a new project.
    pub files: &'static [File],
}

/// The embedded templates, one per language `host/scaffold_templates.rs` lists.
static TEMPLATES: &[Template] = include!(concat!(env!("OUT_DIR"), "/scaffold_templates.rs"));

/// The current contract's world, whose package line gives the version new projects import.
const CONTRACT_WORLD: &str = include_str!("../../../wit/world.wit");

/// The WIT package every capability interface of the contract is in.
const CONTRACT_PACKAGE: &str = "sluice:deploy/";

/// The languages `--lang` accepts; [`create`] says so when one has no embedded template yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Language {
    /// Rust, with the `sluice-sdk` crate.
    Rust,
    /// Python, with `sluice_sdk` and componentize-py.
    Python,
    /// TypeScript, with `@sluice/sdk` and componentize-js.
    Js,
    /// C, with the C SDK.
    C,
}

impl Language {
    /// Its name on the command line and in the template table.
    pub fn name(self) -> &'static str {
        match self {
            Language::Rust => "rust",
            Language::Python => "python",
            Language::Js => "js",
            Language::C => "c",
        }
    }
}

/// Why a project was not written.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The name cannot name the plugin, its package and its WIT package.
    #[error(
        "plugin name `{0}` is not allowed: use lowercase words of letters and digits joined by \
         `-`, each starting with a letter, at most {MAX_NAME} characters (e.g. `release-dir`): \
         it names the plugin in the plan, its package and its WIT package"
    )]
    Name(String),
    /// A capability the registry does not offer to plugins.
    #[error("unknown capability `{name}`: choose from {valid}")]
    UnknownCapability {
        /// What was asked for.
        name: String,
        /// The capabilities a project may import.
        valid: String,
    },
    /// No template for the language in this build.
    #[error(
        "`--lang {language}`: templates for this language are not available yet in this sluice \
         (available: {available})"
    )]
    Unavailable {
        /// The language asked for.
        language: &'static str,
        /// The languages with a template.
        available: String,
    },
    /// The project directory exists.
    #[error("{} already exists: `sluice plugins new` writes a new directory and never touches an existing one", .0.display())]
    Exists(PathBuf),
    /// An embedded template is broken (a defect of this build of sluice).
    #[error("template file {path}: {message}")]
    Template {
        /// The file in the project.
        path: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// Writing the project failed.
    #[error("writing {}", path.display())]
    Write {
        /// What was being written.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
}

impl ScaffoldError {
    /// Whether the command line asked for something impossible (rather than sluice or the
    /// machine failing).
    pub fn is_invalid_input(&self) -> bool {
        !matches!(
            self,
            ScaffoldError::Template { .. } | ScaffoldError::Write { .. }
        )
    }
}

/// The longest plugin name accepted.
const MAX_NAME: usize = 64;

/// What to write.
#[derive(Debug)]
pub struct Request<'a> {
    /// The plugin's name: kebab-case.
    pub name: &'a str,
    /// The language of the project.
    pub language: Language,
    /// The capabilities the plugin may call besides `log`, by registry name.
    pub capabilities: &'a [String],
    /// The directory to create.
    pub dir: &'a Path,
}

/// What was written.
#[derive(Debug)]
pub struct Created {
    /// The new project's directory.
    pub dir: PathBuf,
    /// The capabilities the project was made for, `log` first.
    pub capabilities: Vec<&'static str>,
}

/// Writes the project `request` describes into a new directory (its missing parents created);
/// writes nothing when the request is invalid or the directory exists, and removes the project
/// directory when writing into it fails.
pub fn create(request: &Request<'_>) -> Result<Created, ScaffoldError> {
    check_name(request.name)?;
    let template = template(request.language)?;
    let capabilities = choose(request.capabilities)?;
    let vars = variables(request.name, &capabilities)?;
    let files = template
        .files
        .iter()
        .map(|file| Ok((file, contents(file, &vars)?)))
        .collect::<Result<Vec<_>, ScaffoldError>>()?;

    let dir = request.dir;
    if let Some(parent) = dir.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| ScaffoldError::Write {
            path: parent.to_owned(),
            source,
        })?;
    }
    match std::fs::create_dir(dir) {
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            return Err(ScaffoldError::Exists(dir.to_owned()));
        }
        Err(source) => {
            return Err(ScaffoldError::Write {
                path: dir.to_owned(),
                source,
            });
        }
        Ok(()) => {}
    }
    let written = files
        .iter()
        .try_for_each(|(file, contents)| write(dir, file, contents));
    if let Err(e) = written {
        // Only what this call created: the directory did not exist before.
        let _ = std::fs::remove_dir_all(dir);
        return Err(e);
    }
    Ok(Created {
        dir: dir.to_owned(),
        capabilities: capabilities.iter().map(|cap| cap.name()).collect(),
    })
}

/// Fails unless `name` is kebab-case words, each starting with a letter (a WIT package name, a
/// crate and npm package name, a plan's plugin name).
fn check_name(name: &str) -> Result<(), ScaffoldError> {
    let word_ok = |word: &str| {
        word.starts_with(|c: char| c.is_ascii_lowercase())
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    if name.len() <= MAX_NAME && name.split('-').all(word_ok) {
        Ok(())
    } else {
        Err(ScaffoldError::Name(name.to_owned()))
    }
}

/// The embedded template for `language`.
fn template(language: Language) -> Result<&'static Template, ScaffoldError> {
    TEMPLATES
        .iter()
        .find(|template| template.language == language.name())
        .ok_or_else(|| ScaffoldError::Unavailable {
            language: language.name(),
            available: TEMPLATES
                .iter()
                .map(|t| t.language)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// The `sluice:deploy` interface of a capability, if it has one (`files` and `sockets` are WASI).
fn contract_interface(cap: &dyn Capability) -> Option<&'static str> {
    cap.interfaces()
        .iter()
        .copied()
        .find(|interface| interface.starts_with(CONTRACT_PACKAGE))
}

/// The capabilities a project imports: `log`, then each of `names` (registry order, once).
fn choose(names: &[String]) -> Result<Vec<&'static dyn Capability>, ScaffoldError> {
    let offered: Vec<&'static dyn Capability> = registry::ALL
        .iter()
        .copied()
        .filter(|cap| contract_interface(*cap).is_some())
        .collect();
    if let Some(unknown) = names
        .iter()
        .find(|name| !offered.iter().any(|cap| cap.name() == name.as_str()))
    {
        return Err(ScaffoldError::UnknownCapability {
            name: unknown.clone(),
            valid: offered
                .iter()
                .map(|cap| cap.name())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(offered
        .into_iter()
        .filter(|cap| cap.name() == "log" || names.iter().any(|name| name == cap.name()))
        .collect())
}

/// The contract's version (`0.1.4`), from its world's package line.
fn contract_version() -> Result<&'static str, ScaffoldError> {
    CONTRACT_WORLD
        .lines()
        .find_map(|line| line.strip_prefix("package sluice:deploy@"))
        .and_then(|rest| rest.strip_suffix(';'))
        .ok_or_else(|| ScaffoldError::Template {
            path: "wit/world.wit",
            message: "no `package sluice:deploy@VERSION;` line".into(),
        })
}

/// The values of the placeholders for a project `name` importing `capabilities`.
fn variables(
    name: &str,
    capabilities: &[&'static dyn Capability],
) -> Result<BTreeMap<&'static str, String>, ScaffoldError> {
    let version = contract_version()?;
    let mut imports = String::new();
    let mut grants = String::new();
    let mut declarations = String::new();
    for cap in capabilities {
        if let Some(interface) = contract_interface(*cap) {
            imports.push_str(&format!("    import {interface}@{version};\n"));
        }
        if let Some(sample) = cap.sample_grant() {
            grants.push_str(&format!("{}\n", sample.grant));
            if !sample.declarations.is_empty() {
                declarations.push_str(&format!("\n{}\n", sample.declarations));
            }
        }
    }
    let names: Vec<&str> = capabilities.iter().map(|cap| cap.name()).collect();
    Ok(BTreeMap::from([
        ("name", name.to_owned()),
        ("snake_name", name.replace('-', "_")),
        ("contract_version", version.to_owned()),
        ("capabilities", names.join(", ")),
        ("wit_imports", imports),
        ("grants", grants),
        ("declarations", declarations),
    ]))
}

/// A file's bytes in the new project: rendered, or as embedded.
fn contents(
    file: &'static File,
    vars: &BTreeMap<&'static str, String>,
) -> Result<Vec<u8>, ScaffoldError> {
    if !file.render {
        return Ok(file.bytes.to_vec());
    }
    let broken = |message: String| ScaffoldError::Template {
        path: file.path,
        message,
    };
    let text = std::str::from_utf8(file.bytes).map_err(|e| broken(e.to_string()))?;
    Ok(render::render(text, vars).map_err(broken)?.into_bytes())
}

/// Writes one file under `dir`, creating its directory, executable when the template's is.
fn write(dir: &Path, file: &File, contents: &[u8]) -> Result<(), ScaffoldError> {
    use std::os::unix::fs::PermissionsExt;

    let path = dir.join(file.path);
    let failed = |source| ScaffoldError::Write {
        path: path.clone(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    std::fs::write(&path, contents).map_err(failed)?;
    if file.executable {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(failed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caps::capability::Access;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn kebab_case_names_are_accepted_and_anything_else_is_refused() {
        for good in ["web", "release-dir", "deploy2-eu"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Web",
            "release_dir",
            "2web",
            "web-",
            "-web",
            "web--x",
            "web-2",
            "../web",
            "a/b",
        ] {
            assert!(
                matches!(check_name(bad), Err(ScaffoldError::Name(_))),
                "{bad}"
            );
        }
        assert!(check_name(&"a".repeat(MAX_NAME + 1)).is_err());
    }

    #[test]
    fn a_project_imports_log_and_the_chosen_capabilities_in_registry_order() {
        let chosen = choose(&names(&["sql", "http", "log"])).unwrap();
        let chosen: Vec<&str> = chosen.iter().map(|cap| cap.name()).collect();
        assert_eq!(chosen, ["log", "http", "sql"]);
    }

    #[test]
    fn an_unknown_capability_is_refused_naming_those_a_project_may_import() {
        let error = choose(&names(&["http", "files"])).err().unwrap();
        assert_eq!(
            error.to_string(),
            "unknown capability `files`: choose from log, plan-notes, http, secrets, containers, sql, haproxy"
        );
    }

    #[test]
    fn every_capability_the_plan_must_grant_has_a_sample_grant() {
        for cap in registry::ALL {
            if matches!(cap.access(), Access::Granted { .. }) {
                assert!(cap.sample_grant().is_some(), "{}", cap.name());
            }
        }
    }

    #[test]
    fn every_embedded_template_renders_with_every_capability() {
        let all = names(&["plan-notes", "http", "secrets", "containers", "sql"]);
        let vars = variables("my-plugin", &choose(&all).unwrap()).unwrap();
        for template in TEMPLATES {
            for file in template.files.iter().filter(|file| file.render) {
                if let Err(e) = contents(file, &vars) {
                    panic!("{} {}: {e}", template.language, file.path);
                }
            }
        }
    }

    #[test]
    fn the_contract_version_comes_from_the_wit() {
        assert!(contract_version().unwrap().starts_with("0."));
    }

    #[test]
    fn every_language_has_a_template() {
        for language in <Language as clap::ValueEnum>::value_variants() {
            assert!(template(*language).is_ok(), "{}", language.name());
        }
    }

    #[test]
    fn an_existing_directory_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
        let request = Request {
            name: "web",
            language: Language::Python,
            capabilities: &[],
            dir: dir.path(),
        };
        assert!(matches!(create(&request), Err(ScaffoldError::Exists(_))));
        let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
            "mine"
        );
    }
}
