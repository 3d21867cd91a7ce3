//! Which addresses are not public: what a granted host *name* must not resolve to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The addresses of cloud instance-metadata services (credentials live there): AWS, GCP, Azure,
/// OCI and others at 169.254.169.254, AWS over IPv6, Alibaba Cloud, and Azure's platform address.
pub const METADATA_ADDRESSES: [IpAddr; 4] = [
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)),
    IpAddr::V4(Ipv4Addr::new(100, 100, 100, 200)),
    IpAddr::V4(Ipv4Addr::new(168, 63, 129, 16)),
];

/// Why an address is not public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// 10/8, 172.16/12, 192.168/16, fc00::/7 (unique local), fec0::/10 (site-local).
    Private,
    /// 169.254/16, fe80::/10.
    LinkLocal,
    /// 100.64/10, shared address space (carrier-grade NAT).
    Shared,
    /// One of [`METADATA_ADDRESSES`].
    CloudMetadata,
    /// 0.0.0.0/8, :: (on Linux, connecting to them reaches this machine).
    Unspecified,
    /// 255.255.255.255.
    Broadcast,
    /// 224/4, ff00::/8.
    Multicast,
    /// Reserved, documentation, benchmarking and discard ranges.
    Reserved,
}

impl AddressClass {
    /// `a loopback address` and so on, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            AddressClass::Loopback => "a loopback address",
            AddressClass::Private => "a private address",
            AddressClass::LinkLocal => "a link-local address",
            AddressClass::Shared => "a shared (carrier-grade NAT) address",
            AddressClass::CloudMetadata => "a cloud metadata address",
            AddressClass::Unspecified => "an unspecified address",
            AddressClass::Broadcast => "the broadcast address",
            AddressClass::Multicast => "a multicast address",
            AddressClass::Reserved => "a reserved address",
        }
    }

    /// Whether a grant marked `internal = true` may reach it: internal networks yes; metadata,
    /// unspecified, broadcast, multicast and reserved addresses never through a name.
    pub fn is_internal_network(self) -> bool {
        matches!(
            self,
            AddressClass::Loopback
                | AddressClass::Private
                | AddressClass::LinkLocal
                | AddressClass::Shared
        )
    }
}

/// The class of `ip` when it is not a public address; IPv4 addresses embedded in IPv6 ones
/// (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`)
/// are judged as the IPv4 address they reach.
pub fn classify(ip: IpAddr) -> Option<AddressClass> {
    if METADATA_ADDRESSES.contains(&ip) {
        return Some(AddressClass::CloudMetadata);
    }
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => classify(IpAddr::V4(v4)),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, c, _] = ip.octets();
    let class = match (a, b, c) {
        _ if ip.is_broadcast() => AddressClass::Broadcast,
        (0, ..) => AddressClass::Unspecified,
        (127, ..) => AddressClass::Loopback,
        (10, ..) | (192, 168, _) => AddressClass::Private,
        (172, 16..=31, _) => AddressClass::Private,
        (169, 254, _) => AddressClass::LinkLocal,
        (100, 64..=127, _) => AddressClass::Shared,
        (224..=239, ..) => AddressClass::Multicast,
        (240..=255, ..) | (192, 0, 0 | 2) | (198, 18 | 19, _) | (198, 51, 100) | (203, 0, 113) => {
            AddressClass::Reserved
        }
        _ => return None,
    };
    Some(class)
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressClass> {
    let segments = ip.segments();
    let class = match segments[0] {
        _ if ip.is_unspecified() => AddressClass::Unspecified,
        _ if ip.is_loopback() => AddressClass::Loopback,
        0xfe80..=0xfebf => AddressClass::LinkLocal,
        0xfec0..=0xfeff | 0xfc00..=0xfdff => AddressClass::Private,
        0xff00..=0xffff => AddressClass::Multicast,
        0x2001 if segments[1] == 0x0db8 => AddressClass::Reserved,
        0x0100 if segments[1..4] == [0, 0, 0] => AddressClass::Reserved,
        0x0064 if segments[1] == 0xff9b && segments[2] == 1 => AddressClass::Private,
        _ => return None,
    };
    Some(class)
}

/// The IPv4 address an IPv6 address stands for, if it embeds one.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, ..] => Some(low),
        [0, 0, 0, 0, 0, 0, ..] if !ip.is_unspecified() && !ip.is_loopback() => Some(low),
        [0x64, 0xff9b, 0, 0, 0, 0, ..] => Some(low),
        [0x2002, high, next, ..] => Some(Ipv4Addr::new(
            (high >> 8) as u8,
            high as u8,
            (next >> 8) as u8,
            next as u8,
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(text: &str) -> Option<AddressClass> {
        classify(text.parse().unwrap())
    }

    #[test]
    fn every_metadata_address_is_recognised_in_every_form() {
        for text in [
            "169.254.169.254",
            "fd00:ec2::254",
            "100.100.100.200",
            "168.63.129.16",
            "::ffff:169.254.169.254",
            "::169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
        ] {
            assert_eq!(class(text), Some(AddressClass::CloudMetadata), "{text}");
        }
    }

    #[test]
    fn loopback_private_link_local_shared_and_their_ipv6_forms_are_not_public() {
        for (text, expected) in [
            ("127.0.0.1", AddressClass::Loopback),
            ("127.255.1.2", AddressClass::Loopback),
            ("::1", AddressClass::Loopback),
            ("::ffff:127.0.0.1", AddressClass::Loopback),
            ("::127.0.0.1", AddressClass::Loopback),
            ("10.1.2.3", AddressClass::Private),
            ("172.16.0.1", AddressClass::Private),
            ("172.31.255.255", AddressClass::Private),
            ("192.168.1.1", AddressClass::Private),
            ("::ffff:10.0.0.1", AddressClass::Private),
            ("fd12:3456::1", AddressClass::Private),
            ("fc00::1", AddressClass::Private),
            ("169.254.1.1", AddressClass::LinkLocal),
            ("fe80::1", AddressClass::LinkLocal),
            ("100.64.0.1", AddressClass::Shared),
            ("100.127.255.254", AddressClass::Shared),
            ("0.0.0.0", AddressClass::Unspecified),
            ("::", AddressClass::Unspecified),
            ("::ffff:0.0.0.0", AddressClass::Unspecified),
            ("255.255.255.255", AddressClass::Broadcast),
            ("224.0.0.1", AddressClass::Multicast),
            ("ff02::1", AddressClass::Multicast),
            ("240.0.0.1", AddressClass::Reserved),
            ("2001:db8::1", AddressClass::Reserved),
        ] {
            assert_eq!(class(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn public_addresses_and_their_neighbours_are_public() {
        for text in [
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.1.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(class(text), None, "{text}");
        }
    }

    #[test]
    fn internal_grants_reach_internal_networks_but_never_metadata() {
        assert!(AddressClass::Loopback.is_internal_network());
        assert!(AddressClass::Private.is_internal_network());
        assert!(!AddressClass::CloudMetadata.is_internal_network());
        assert!(!AddressClass::Unspecified.is_internal_network());
    }
}
