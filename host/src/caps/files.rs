//! Files: WASI preopens, the only directories a plugin can see.
//!
//! Threat model: a hostile plugin could read outside its directories (`../`, absolute paths,
//! symlinks pointing out, a hard link to a file outside), write where it was only allowed to
//! read (directly, or by hard-linking a read-only file into a writable directory and writing
//! through the link), or reach the network through WASI sockets. What stops it: the plugin sees
//! only the directories the plan grants, each opened by the host as a capability handle
//! (cap-std: no path ever resolves outside it, symlinks included, whoever made them); a
//! directory is read-only unless the plan says `read-write`, and a hard link needs write access
//! to both directories;
//! the plugin gets no environment variables, no arguments and no stdin; its stdout and stderr
//! go to a bounded buffer the host reads after the call; every socket call and name lookup fails
//! (see `sockets`);
//! a request for random bytes is capped at [`MAX_RANDOM_BYTES`]; it may hold at most
//! [`MAX_OPEN_RESOURCES`] files, directories and streams open at once.
//!
//! wasmtime-wasi links WASI 0.2 as a whole, so this capability also links its basics (`cli`,
//! `io`, `clocks`, `random`: see `runtime::classify`) and the `sockets` interfaces, whose every
//! call its context denies.

use wasmtime::component::{Linker, ResourceTable};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use super::CapError;
use super::capability::{Access, CallSetup, Capability, Provide, StoreView};
use crate::plan::model::{FileGrant, Grants};

/// How much of a plugin's stdout and stderr is kept per call.
pub const OUTPUT_CAPTURE_BYTES: usize = 64 * 1024;
/// The most random bytes one `wasi:random` call may ask the host for.
pub const MAX_RANDOM_BYTES: u64 = 1024 * 1024;
/// The most host resources (open files and directories, streams, pollables) a plugin may hold
/// at once; opening one more traps the call. Each open file holds a host file descriptor.
pub const MAX_OPEN_RESOURCES: usize = 256;

/// Files (WASI 0.2): always provided; the `files` grant decides which directories it sees.
pub struct Files;

impl Capability for Files {
    fn name(&self) -> &'static str {
        "files"
    }
    fn interfaces(&self) -> &'static [&'static str] {
        &["wasi:filesystem/"]
    }
    fn access(&self) -> Access {
        Access::Scoped { key: "files" }
    }
    fn describe(&self, grants: &Grants) -> Vec<String> {
        grants.files.iter().map(describe_dir).collect()
    }
    fn warnings(&self, grants: &Grants) -> Vec<String> {
        grants
            .files
            .iter()
            .filter(|grant| grant.writable)
            .map(|grant| {
                format!(
                    "writable directory {} at {}",
                    grant.host.display(),
                    grant.guest
                )
            })
            .collect()
    }
}

fn describe_dir(grant: &FileGrant) -> String {
    let mode = if grant.writable {
        "read-write"
    } else {
        "read-only"
    };
    format!("{} at {} ({mode})", grant.host.display(), grant.guest)
}

/// The WASI state of one call: its context (preopens, output) and its resource table.
pub struct WasiState {
    /// The context.
    pub ctx: WasiCtx,
    /// Open files, directories, streams and pollables.
    pub table: ResourceTable,
}

impl Provide for Files {
    type State = WasiState;

    fn state(&self, call: &CallSetup<'_>) -> Result<WasiState, CapError> {
        let mut table = ResourceTable::new();
        table.set_max_capacity(MAX_OPEN_RESOURCES);
        Ok(WasiState {
            ctx: wasi_ctx(&call.provision.grants.files, call.output)?,
            table,
        })
    }

    /// Links all of WASI 0.2; the store's [`wasmtime_wasi::WasiView`] is expected to show this state.
    fn add_to_linker<T: StoreView + 'static>(
        linker: &mut Linker<T>,
        _get: fn(&mut T) -> &mut WasiState,
    ) -> wasmtime::Result<()> {
        wasmtime_wasi::p2::add_to_linker_async(linker)
    }
}

/// The WASI context for one call: the granted preopens, output captured into `output`.
fn wasi_ctx(files: &[FileGrant], output: &MemoryOutputPipe) -> Result<WasiCtx, CapError> {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdout(output.clone())
        .stderr(output.clone())
        .max_random_size(MAX_RANDOM_BYTES)
        // File calls run on the calling runtime thread instead of a blocking-pool hand-off each:
        // local file calls are short, and a plugin reading a thousand small files (migrations, a
        // site) otherwise spends most of its time in hand-offs (no-op migrate: 760 ms -> 100 ms).
        .allow_blocking_current_thread(true);
    super::sockets::deny_all(&mut builder);
    for grant in files {
        let perms = if grant.writable {
            FsPerms::ReadWrite
        } else {
            FsPerms::ReadOnly
        };
        builder
            .preopened_dir(&grant.host, &grant.guest, perms)
            .map_err(|e| CapError::Preopen {
                host: grant.host.display().to_string(),
                guest: grant.guest.clone(),
                message: format!("{e:#}"),
            })?;
    }
    Ok(builder.build())
}
