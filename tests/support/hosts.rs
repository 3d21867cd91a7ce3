//! A host name that resolves to an address of the test's choosing, through an `/etc/hosts` line
//! the test adds and takes back (tests run as root).
//!
//! Other processes (sluice runs of parallel tests) read the file at any moment, so it is never
//! truncated or replaced: every line this module writes has the same length, and taking a line
//! back overwrites it in place with a blank comment of that length, which the next name reuses.
//! An exclusive lock on the file orders the writers.

use std::fs::File;
use std::io::Read;
use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;

const HOSTS: &str = "/etc/hosts";
/// Every line written here is this long, newline excluded.
const WIDTH: usize = 96;

/// What the http capability says when plugin `plugin`, granted the origin `origin` (port `port`)
/// by a name of `named` resolving to 127.0.0.1, asks for it.
pub fn loopback_name_denial(named: &HostsName, origin: &str, plugin: &str, port: u16) -> String {
    format!(
        "http: `{}` resolves to 127.0.0.1, a loopback address; plugin `{plugin}` is granted \
         {origin} by name, and a granted name may reach only public addresses (to allow it on \
         purpose, grant the literal address, e.g. http://127.0.0.1:{port}, or mark the grant \
         `internal = true`)",
        named.name
    )
}

/// A name in `/etc/hosts` for as long as this lives.
pub struct HostsName {
    /// The name, unique to this test run.
    pub name: String,
    line: String,
}

impl HostsName {
    /// Adds a fresh name resolving to `ip`.
    pub fn resolving_to(ip: IpAddr) -> HostsName {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!("sluice-test-{}-{nanos}.example", std::process::id());
        let line = padded(&format!("{ip} {name}"));
        replace_line(&blank(), &line);
        HostsName { name, line }
    }
}

impl Drop for HostsName {
    fn drop(&mut self) {
        replace_line(&self.line, &blank());
    }
}

fn padded(text: &str) -> String {
    assert!(text.len() < WIDTH, "hosts line too long: {text}");
    format!("{text:<WIDTH$}\n")
}

fn blank() -> String {
    padded("#")
}

/// Overwrites the first line equal to `old` with `new` (same length), or appends `new` when
/// there is none, under an exclusive lock.
fn replace_line(old: &str, new: &str) {
    let mut file = File::options().read(true).append(true).open(HOSTS).unwrap();
    // SAFETY: flock on a descriptor this function owns; closing it releases the lock.
    assert_eq!(unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) }, 0);
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    let at = text
        .match_indices(old)
        .map(|(at, _)| at)
        .find(|&at| at == 0 || text.as_bytes()[at - 1] == b'\n');
    match at {
        Some(at) => {
            let slot = File::options().write(true).open(HOSTS).unwrap();
            slot.write_all_at(new.as_bytes(), at as u64).unwrap();
        }
        None => {
            let separator = if text.is_empty() || text.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            std::io::Write::write_all(&mut file, format!("{separator}{new}").as_bytes()).unwrap();
        }
    }
}
