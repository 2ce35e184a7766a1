//! This machine's own names, read strictly from a request's `Host` header: for links in mail
//! when no public origin is configured, and for the development pages only this machine may see.

use http::uri::Authority;

/// `http://name[:port]` when `host` (a `Host` header) is exactly a loopback name or address and
/// an optional port: no user info (`localhost:1@evil.example` names `evil.example` to a
/// browser), path, query or anything else. The origin is rebuilt from the parsed parts, never
/// copied from the header.
pub fn loopback_origin(host: &str) -> Option<String> {
    let authority: Authority = host.parse().ok()?;
    let name = authority.host();
    let rebuilt = match authority.port_u16() {
        Some(port) => format!("{name}:{port}"),
        None => name.to_owned(),
    };
    // Anything the parts do not account for (user info, an unreadable port) refuses it.
    if rebuilt != host {
        return None;
    }
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    let loopback = bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback());
    loopback.then(|| format!("http://{rebuilt}"))
}

#[cfg(test)]
mod tests {
    use super::loopback_origin;

    #[test]
    fn only_this_machine_may_name_the_links_host() {
        for (host, origin) in [
            ("localhost:3000", "http://localhost:3000"),
            ("127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("127.0.0.1", "http://127.0.0.1"),
            ("[::1]:8080", "http://[::1]:8080"),
        ] {
            assert_eq!(loopback_origin(host).as_deref(), Some(origin), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:3000",
            "10.0.0.1:3000",
            "localhost.evil",
            "localhost:1@evil.example",
            "[::1]@evil.example",
            "127.0.0.1@evil.example",
            "localhost/evil.example",
            "localhost:3000/x",
            "localhost:3000?x",
            "localhost\\@evil.example",
            " localhost",
            "localhost:99999",
            "",
        ] {
            assert_eq!(loopback_origin(host), None, "{host}");
        }
    }
}
