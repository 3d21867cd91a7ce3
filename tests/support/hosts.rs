//! A host name that resolves to an address of the test's choosing, through an `/etc/hosts` line
//! the test adds and removes again (tests run as root). Every change holds an exclusive lock, so
//! test processes running at the same time never lose each other's lines.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::IpAddr;
use std::os::fd::AsRawFd;

const HOSTS: &str = "/etc/hosts";

/// A name in `/etc/hosts` for as long as this lives.
pub struct HostsName {
    /// The name, unique to this test run.
    pub name: String,
    line: String,
}

impl HostsName {
    /// Adds a fresh name resolving to `ip`.
    pub fn resolving_to(ip: IpAddr) -> HostsName {
        let name = format!("sluice-test-{}-{}.example", std::process::id(), uuid_like());
        let line = format!("{ip} {name} # added by a sluice test\n");
        edit(|text| text.push_str(&line));
        HostsName { name, line }
    }
}

impl Drop for HostsName {
    fn drop(&mut self) {
        edit(|text| *text = text.replace(&self.line, ""));
    }
}

/// Rewrites /etc/hosts in place (it may be a bind mount, which a rename would break), under an
/// exclusive lock on the file itself.
fn edit(change: impl FnOnce(&mut String)) {
    let mut file = File::options().read(true).write(true).open(HOSTS).unwrap();
    // SAFETY: flock on a file descriptor this function owns for the whole call.
    assert_eq!(unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) }, 0);
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    change(&mut text);
    file.seek(SeekFrom::Start(0)).unwrap();
    file.set_len(0).unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file.sync_all().unwrap();
}

/// A short random-enough suffix: the nanoseconds of the clock.
fn uuid_like() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default()
}
