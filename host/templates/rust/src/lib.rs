//! `{{name}}`: a sluice deployment strategy, in Rust.
//!
//! It publishes the unit's `source` directory as a release: `stage` copies it to
//! `target/releases/<version>/`, `shift(100)` points the `target/current` symlink at it (a new
//! link renamed over the old one: readers see the old release or the new one, never none), and
//! `rollback` points `current` back. Make it yours: sluice's `docs/writing-a-plugin.md` says
//! what each call must guarantee. Every call gets a fresh instance: keep nothing in memory, only
//! in the strings returned.
//!
//! Created importing {{capabilities}}: a Rust component imports exactly the capabilities it calls
//! (`sluice_sdk::http`, `sluice_sdk::secrets`, ...), and `sluice.toml` grants those.

mod naming;

use serde::{Deserialize, Serialize};
use sluice_sdk::{
    Context, Error, Feature, OrFailed, PluginInfo, Staged, Strategy, UnitConfig, parse_state,
    to_state,
};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The unit's `config` table.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// The directory to publish (granted read-only).
    source: PathBuf,
    /// Where `releases/` and `current` live (granted read-write).
    target: PathBuf,
}

impl UnitConfig for Config {}

const SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["source", "target"],
  "properties": {
    "source": { "type": "string", "description": "The directory to publish (granted read-only)." },
    "target": { "type": "string", "description": "Where releases/ and `current` live (granted read-write)." }
  }
}"#;

/// Every state string: the staged release, the `current` one, the snapshot of the live one.
#[derive(Serialize, Deserialize)]
struct Release {
    release: Option<String>,
}

struct Plugin;

impl Strategy for Plugin {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "{{name}}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Publishes a directory as releases/<version> and points a `current` \
                          symlink at it."
                .into(),
            config_schema: SCHEMA.into(),
            features: vec![Feature::Rollback],
        }
    }

    fn prepare(_ctx: &Context, config: &Config, _current: Option<&str>) -> Result<String, Error> {
        to_state(&Release {
            release: live(config)?,
        })
    }

    fn stage(ctx: &Context, config: &Config, _current: Option<&str>) -> Result<Staged, Error> {
        let name = naming::release_name(&ctx.version).map_err(Error::InvalidConfig)?;
        if live(config)?.as_deref() == Some(name) {
            return Err(Error::Failed(format!(
                "releases/{name} is live: deploy another version"
            )));
        }
        let release = config.target.join("releases").join(name);
        remove_tree(&release)?; // what an interrupted deployment left
        copy_tree(&config.source, &release)?;
        sluice_sdk::info!("copied {} to {}", config.source.display(), release.display());
        Ok(Staged {
            state: to_state(&Release {
                release: Some(name.to_owned()),
            })?,
            endpoints: Vec::new(),
            summary: format!("staged releases/{name}"),
        })
    }

    fn shift(_ctx: &Context, config: &Config, staged: &str, percent: u8) -> Result<(), Error> {
        if percent < 100 {
            return Ok(());
        }
        let staged: Release = parse_state("staged state", staged)?;
        point_current_at(config, staged.release.as_deref())
    }

    fn finalize(_ctx: &Context, _config: &Config, staged: &str) -> Result<String, Error> {
        Ok(staged.to_owned())
    }

    fn rollback(
        _ctx: &Context,
        config: &Config,
        staged: Option<&str>,
        snapshot: Option<&str>,
        current: Option<&str>,
    ) -> Result<(), Error> {
        let Some(kept) = current.or(snapshot) else {
            return Ok(()); // prepare never ran: nothing changed
        };
        let wanted = parse_state::<Release>("state", kept)?.release;
        point_current_at(config, wanted.as_deref())?;
        if let Some(staged) = staged {
            let dropped = parse_state::<Release>("staged state", staged)?.release;
            if let Some(dropped) = dropped.filter(|dropped| Some(dropped) != wanted.as_ref()) {
                remove_tree(&config.target.join("releases").join(dropped))?;
            }
        }
        Ok(())
    }
}

/// The release `current` points at, if any.
fn live(config: &Config) -> Result<Option<String>, Error> {
    let link = config.target.join("current");
    match fs::read_link(&link) {
        Ok(pointee) => Ok(pointee
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).or_failed(|| format!("reading {}", link.display())),
    }
}

/// Makes `releases/<name>` live in one rename; none removes `current`.
#[allow(deprecated)] // `std::fs::soft_link`: the stable spelling of WASI's `symlink-at`
fn point_current_at(config: &Config, name: Option<&str>) -> Result<(), Error> {
    let current = config.target.join("current");
    let Some(name) = name else {
        return remove_file(&current);
    };
    let next = config.target.join("current.next");
    remove_file(&next)?;
    fs::soft_link(format!("releases/{name}"), &next)
        .or_failed(|| format!("creating {}", next.display()))?;
    fs::rename(&next, &current).or_failed(|| format!("replacing {}", current.display()))
}

/// Copies the tree `from` to `to`.
fn copy_tree(from: &Path, to: &Path) -> Result<(), Error> {
    fs::create_dir_all(to).or_failed(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).or_failed(|| format!("reading {}", from.display()))? {
        let entry = entry.or_failed(|| format!("reading {}", from.display()))?;
        let (source, dest) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().or_failed(|| format!("reading {}", source.display()))?.is_dir() {
            copy_tree(&source, &dest)?;
        } else {
            fs::copy(&source, &dest).or_failed(|| format!("copying {}", source.display()))?;
        }
    }
    Ok(())
}

/// Removes the tree `path`, if there is one.
fn remove_tree(path: &Path) -> Result<(), Error> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => {
            Err(e).or_failed(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Removes the file or link `path`, if there is one.
fn remove_file(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => {
            Err(e).or_failed(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
    }
}

sluice_sdk::export!(Plugin);
