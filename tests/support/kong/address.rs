//! Kong's address check (`kong/tools/ip.lua`, `normalize_ip`), used by the target and upstream
//! schemas: an IPv4 address, an IPv6 address (bracketed when it has a port) or a hostname, each
//! with an optional port up to 65535.

/// What an address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Ipv4,
    Ipv6,
    Name,
}

/// A valid address: its kind and whether it names a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    pub kind: Kind,
    pub has_port: bool,
}

/// `hostname_type`: more than one colon is IPv6, digits and dots are IPv4, anything else a name.
fn kind_of(address: &str) -> Kind {
    if address.matches(':').count() > 1 {
        Kind::Ipv6
    } else if address
        .replace(':', "")
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.')
        && !address.replace(':', "").is_empty()
    {
        Kind::Ipv4
    } else {
        Kind::Name
    }
}

/// A port of at most 65535 (Kong takes any run of digits, then compares).
fn port_ok(port: &str) -> bool {
    !port.is_empty()
        && port.chars().all(|c| c.is_ascii_digit())
        && port.trim_start_matches('0').len() <= 5
        && port.parse::<u32>().is_ok_and(|p| p <= 65535)
}

fn ipv4(address: &str) -> Option<bool> {
    let (ip, port) = match address.split_once(':') {
        Some((ip, port)) => (ip, Some(port)),
        None => (address, None),
    };
    let octets: Vec<&str> = ip.split('.').collect();
    let valid = octets.len() == 4
        && octets.iter().all(|o| {
            (1..=3).contains(&o.len())
                && o.chars().all(|c| c.is_ascii_digit())
                && o.parse::<u16>().is_ok_and(|n| n <= 255)
        });
    (valid && port.is_none_or(port_ok)).then_some(port.is_some())
}

fn ipv6(address: &str) -> Option<bool> {
    let (ip, port) = match address.strip_prefix('[') {
        Some(rest) => {
            let (ip, after) = rest.split_once(']')?;
            match after {
                "" => (ip, None),
                _ => (ip, Some(after.strip_prefix(':')?)),
            }
        }
        None => (address, None),
    };
    let group = |g: &str| (1..=4).contains(&g.len()) && g.chars().all(|c| c.is_ascii_hexdigit());
    let groups = |part: &str| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        let list: Vec<&str> = part.split(':').collect();
        list.iter().all(|g| group(g)).then_some(list.len())
    };
    let valid = match ip.split_once("::") {
        Some((head, tail)) => {
            !tail.contains("::")
                && groups(head)
                    .zip(groups(tail))
                    .is_some_and(|(h, t)| h + t <= 7)
        }
        None => groups(ip) == Some(8),
    };
    (valid && port.is_none_or(port_ok)).then_some(port.is_some())
}

/// `check_hostname`: letters, digits, `-`, `.` and `_`, no label ending in `-`, no empty label but
/// a last one (a trailing dot), an optional `:port`.
fn hostname(address: &str) -> Option<bool> {
    let (name, port) = match address.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => {
            (name, Some(port))
        }
        _ => (address, None),
    };
    if port.is_some_and(|p| !port_ok(p)) {
        return None;
    }
    let chars_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    let labels: Vec<&str> = name.split('.').collect();
    let labels_ok = labels
        .iter()
        .enumerate()
        .all(|(i, l)| !l.ends_with('-') && (!l.is_empty() || i + 1 == labels.len()));
    (chars_ok && labels_ok).then_some(port.is_some())
}

/// `normalize_ip`: the address's kind and whether it has a port, or none when Kong rejects it.
pub fn check(address: &str) -> Option<Address> {
    let kind = kind_of(address);
    let has_port = match kind {
        Kind::Ipv4 => ipv4(address)?,
        Kind::Ipv6 => ipv6(address)?,
        Kind::Name => hostname(address)?,
    };
    Some(Address { kind, has_port })
}
