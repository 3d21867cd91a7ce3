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
//! go to a bounded buffer the host reads after the call; sockets and name lookups are refused;
//! a request for random bytes is capped at [`MAX_RANDOM_BYTES`]. How many files it may hold open
//! at once is capped by the runtime (`runtime::MAX_OPEN_RESOURCES`).

use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use super::CapError;
use crate::plan::model::FileGrant;

/// How much of a plugin's stdout and stderr is kept per call.
pub const OUTPUT_CAPTURE_BYTES: usize = 64 * 1024;
/// The most random bytes one `wasi:random` call may ask the host for.
pub const MAX_RANDOM_BYTES: u64 = 1024 * 1024;

/// The WASI context for one call: the granted preopens, output captured into `output`.
pub fn wasi_ctx(files: &[FileGrant], output: &MemoryOutputPipe) -> Result<WasiCtx, CapError> {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdout(output.clone())
        .stderr(output.clone())
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .max_random_size(MAX_RANDOM_BYTES)
        // File calls run on the calling runtime thread instead of a blocking-pool hand-off each:
        // local file calls are short, and a plugin reading a thousand small files (migrations, a
        // site) otherwise spends most of its time in hand-offs (no-op migrate: 760 ms -> 100 ms).
        .allow_blocking_current_thread(true)
        .socket_addr_check(|_, _| Box::pin(async { false }));
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
