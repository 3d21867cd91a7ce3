//! Facts about this machine that locks are built from: its host name and which processes live.

use std::path::Path;

/// This machine's host name (from `/proc/sys/kernel/hostname`), or `localhost` when unknown.
pub fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Whether process `pid` on this machine is alive. Without `/proc` there is no way to tell, so
/// every process counts as alive (a lock is then never taken over, only waited for).
pub(crate) fn process_is_alive(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return true;
    }
    Path::new("/proc").join(pid.to_string()).exists()
}
