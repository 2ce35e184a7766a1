//! Where a request comes from, for throttling, the audit log and the device list.
//!
//! Behind a load balancer every connection comes from the balancer, so sign-in throttling by
//! connection address would count everyone's failures together and block everyone at once. With
//! `TRUSTED_PROXY_HOPS=N` the address is read from the forwarding header instead: the N-th entry
//! from the right, the one written by the outermost proxy we trust (entries further left were
//! written by the client itself and prove nothing). Without it (the default) the header is
//! ignored, since anyone can send one. `TRUSTED_PROXIES` names the proxies' own networks: the
//! header is then believed only on connections from them, so a client that reaches the app
//! directly, around the proxies, cannot choose its address.
//!
//! Throttling groups IPv6 addresses by their /64: one subscriber usually holds a whole /64 and can
//! change the rest of the address at will.

use http::{HeaderMap, HeaderName};
use std::net::{IpAddr, SocketAddr};

/// The proxies in front of the app, as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedProxies {
    /// The header the proxies append the client's address to (`x-forwarded-for` by default).
    pub header: HeaderName,
    /// How many proxies in front of the app append to it; 0 ignores the header.
    pub hops: usize,
    /// The networks connections from the proxies come from; empty: any peer (the app is
    /// reachable through the proxies only).
    pub networks: Vec<Network>,
}

impl Default for TrustedProxies {
    fn default() -> Self {
        Self {
            header: HeaderName::from_static("x-forwarded-for"),
            hops: 0,
            networks: Vec::new(),
        }
    }
}

/// An IP network: an address and how many leading bits of it count (`10.0.0.0/8`,
/// `2001:db8::/32`; a bare address is a network of one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Option<Network> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address.parse().ok()?, Some(prefix.parse().ok()?)),
            None => (text.trim().parse().ok()?, None),
        };
        let bits = match address {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Network { address, prefix })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let masked = |bits: u128, width: u8| match self.prefix {
            0 => 0,
            prefix => bits >> (width - prefix),
        };
        match (self.address, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                masked(u32::from(network).into(), 32) == masked(u32::from(address).into(), 32)
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                masked(u128::from(network), 128) == masked(u128::from(address), 128)
            }
            _ => false,
        }
    }
}

/// The request's client address: the connection's peer, or with trusted proxies the address the
/// outermost of them saw. A request with fewer forwarded entries than proxies did not pass through
/// all of them: its peer is used.
pub fn client_address(
    headers: &HeaderMap,
    peer: Option<IpAddr>,
    proxies: &TrustedProxies,
) -> Option<IpAddr> {
    if proxies.hops == 0 {
        return peer;
    }
    let from_a_proxy = proxies.networks.is_empty()
        || peer.is_some_and(|peer| proxies.networks.iter().any(|net| net.contains(peer)));
    if !from_a_proxy {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all(&proxies.header)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let Some(index) = entries.len().checked_sub(proxies.hops) else {
        return peer;
    };
    parse_entry(entries[index]).or(peer)
}

/// An address as proxies write it: bare, or with a port (`203.0.113.7:4711`, `[2001:db8::1]:443`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
}

/// The group of an address as a request's [`crate::ssr::sessions::ClientInfo`] records it (text);
/// text that is not an address is its own group.
pub fn group_of_recorded(ip: &str) -> String {
    ip.parse().map_or_else(|_| ip.to_owned(), throttle_group)
}

/// The name a client address is throttled under: an IPv4 address itself (an IPv4-mapped IPv6
/// address as its IPv4 address), an IPv6 address its /64 network.
pub fn throttle_group(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let segments = v6.segments();
                let network = std::net::Ipv6Addr::new(
                    segments[0],
                    segments[1],
                    segments[2],
                    segments[3],
                    0,
                    0,
                    0,
                    0,
                );
                format!("{network}/64")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn forwarded(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn networks_hold_the_addresses_their_prefix_covers() {
        let network = |text| Network::parse(text).unwrap();
        let address = |text: &str| text.parse::<IpAddr>().unwrap();
        assert!(network("10.0.0.0/8").contains(address("10.255.1.2")));
        assert!(!network("10.0.0.0/8").contains(address("11.0.0.1")));
        assert!(network("192.0.2.7").contains(address("192.0.2.7")));
        assert!(!network("192.0.2.7").contains(address("192.0.2.8")));
        assert!(network("2001:db8::/32").contains(address("2001:db8:ffff::1")));
        assert!(!network("2001:db8::/32").contains(address("2001:db9::1")));
        assert!(network("0.0.0.0/0").contains(address("203.0.113.1")));
        assert!(!network("10.0.0.0/8").contains(address("::ffff:10.0.0.1")));
        for bad in ["10.0.0.0/33", "::/129", "nonsense", "10.0.0.0/x", ""] {
            assert_eq!(Network::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_header_counts_only_on_connections_from_the_proxies_networks() {
        let proxies = TrustedProxies {
            networks: vec![Network::parse("10.0.0.0/8").unwrap()],
            ..proxies(1)
        };
        let headers = forwarded(&["203.0.113.7"]);
        let from = |peer: &str| client_address(&headers, Some(peer.parse().unwrap()), &proxies);
        assert_eq!(from("10.1.2.3"), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(from("198.51.100.9"), Some("198.51.100.9".parse().unwrap()));
    }

    fn proxies(hops: usize) -> TrustedProxies {
        TrustedProxies {
            hops,
            ..TrustedProxies::default()
        }
    }

    const PEER: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let headers = forwarded(&["203.0.113.7"]);
        assert_eq!(client_address(&headers, PEER, &proxies(0)), PEER);
    }

    #[test]
    fn the_entry_written_by_the_outermost_trusted_proxy_is_the_client() {
        // The client forged the first entry; the balancer appended the real one.
        let headers = forwarded(&["198.51.100.1, 203.0.113.7"]);
        assert_eq!(
            client_address(&headers, PEER, &proxies(1)),
            Some("203.0.113.7".parse().unwrap())
        );
        // Two proxies: a CDN, then the balancer, over two header lines.
        let headers = forwarded(&["198.51.100.1, 203.0.113.7", "192.0.2.9"]);
        assert_eq!(
            client_address(&headers, PEER, &proxies(2)),
            Some("203.0.113.7".parse().unwrap())
        );
        let headers = forwarded(&["[2001:db8::1]:443"]);
        assert_eq!(
            client_address(&headers, PEER, &proxies(1)),
            Some("2001:db8::1".parse().unwrap())
        );
    }

    #[test]
    fn a_request_that_skipped_the_proxies_or_sent_garbage_gets_its_peer() {
        assert_eq!(client_address(&HeaderMap::new(), PEER, &proxies(1)), PEER);
        assert_eq!(
            client_address(&forwarded(&["192.0.2.9"]), PEER, &proxies(2)),
            PEER
        );
        assert_eq!(
            client_address(&forwarded(&["not an address"]), PEER, &proxies(1)),
            PEER
        );
    }

    #[test]
    fn ipv6_addresses_are_throttled_by_their_64_and_ipv4_alone() {
        let group = |address: &str| throttle_group(address.parse().unwrap());
        assert_eq!(group("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(group("2001:db8:1:2:ffff:1:2:3"), "2001:db8:1:2::/64");
        assert_ne!(group("2001:db8:1:3::1"), group("2001:db8:1:2::1"));
        assert_eq!(group("203.0.113.7"), "203.0.113.7");
        assert_eq!(group("::ffff:203.0.113.7"), "203.0.113.7");
    }
}
