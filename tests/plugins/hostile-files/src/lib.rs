//! `hostile-files`: in `stage`, tries to reach files it was not granted, or to change a
//! directory it was granted read-only. `attack` (with `args`):
//!
//! - `read PATH`: reads `PATH` (`..`, an absolute path, a symlink pointing out) and logs it;
//! - `symlink-and-read LINK POINTS_TO`: creates a symlink in a writable directory, reads it;
//! - `hardlink-and-write ORIGINAL LINK`: hard-links `ORIGINAL` (outside, or in a read-only
//!   directory) as `LINK` in a writable directory, then writes through the link;
//! - `write PATH`, `create PATH`, `truncate PATH`, `remove PATH`: changes a file;
//! - `rename FROM TO`: renames a file.
//!
//! When the host refuses, `stage` fails with `denied` quoting the error; when the attack works,
//! it logs `ESCAPED` and what it read, and succeeds.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};

use test_plugin_common::lifecycle::staged;
use test_plugin_common::sluice_sdk::{Context, Error, Staged, info};
use test_plugin_common::{Stage, TestConfig, TestPlugin};

struct HostileFiles;

impl Stage for HostileFiles {
    const NAME: &'static str = "hostile-files";
    const DESCRIPTION: &'static str = "Hostile test plugin: tries to escape its directories.";

    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
        attack(ctx, config)
    }
}

test_plugin_common::sluice_sdk::export!(TestPlugin<HostileFiles>);

fn attack(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
    let attack = config.attack.as_deref().unwrap_or_default();
    let outcome = match attack {
        "read" => fs::read_to_string(config.arg(0)?),
        "symlink-and-read" => symlink_and_read(config.arg(0)?, config.arg(1)?),
        "hardlink-and-write" => hardlink_and_write(config.arg(0)?, config.arg(1)?),
        "write" => write_into(config.arg(0)?),
        "create" => fs::File::create_new(config.arg(0)?).map(|_| "created".to_owned()),
        "truncate" => truncate(config.arg(0)?),
        "remove" => fs::remove_file(config.arg(0)?).map(|()| "removed".to_owned()),
        "rename" => fs::rename(config.arg(0)?, config.arg(1)?).map(|()| "renamed".to_owned()),
        other => return Err(Error::InvalidConfig(format!("unknown attack {other:?}"))),
    };
    match outcome {
        Ok(what) => {
            info!("ESCAPED: {attack} {:?}: {what}", config.args);
            staged(ctx, config)
        }
        Err(e) => Err(Error::Denied(format!(
            "files: {attack} {:?} was refused: {e}",
            config.args
        ))),
    }
}

#[allow(deprecated)] // `soft_link` is the portable way to make a symlink on wasm32-wasip2
fn symlink_and_read(link: &str, points_to: &str) -> io::Result<String> {
    fs::soft_link(points_to, link)?;
    fs::read_to_string(link)
}

fn hardlink_and_write(original: &str, link: &str) -> io::Result<String> {
    fs::hard_link(original, link)?;
    write_into(link)
}

fn write_into(path: &str) -> io::Result<String> {
    OpenOptions::new()
        .write(true)
        .open(path)?
        .write_all(b"changed by hostile-files\n")?;
    Ok(format!("wrote {path}"))
}

fn truncate(path: &str) -> io::Result<String> {
    OpenOptions::new().write(true).truncate(true).open(path)?;
    Ok(format!("truncated {path}"))
}
