//! Which hosts a test may reach: the `network` argument and `WS_TEST_NETWORK`.

use std::net::{IpAddr, SocketAddr};

/// Which hosts a test may reach over the network: `network = "..."`, environment `WS_TEST_NETWORK`. A connection
/// outside them is refused before any packet leaves (`ECONNREFUSED`, or `EAI_FAIL` for a name lookup), and fails the
/// test at once: a real connection escaped the mocks. Guarded: TCP connects, UDP sends and connects, and name lookups
/// made on the test's runtime thread or its blocking pool (`spawn_blocking`, `lookup_host`), on Linux with glibc.
///
/// The default is `"local"` under the paused clock and `"allow"` for real-time tests (`start_paused = false`,
/// `multi_thread`), which legitimately reach databases and other services.
///
/// ```
/// // Under the paused clock only loopback is allowed, as here; 203.0.113.7 would fail the test at once.
/// ws_test::Builder::new("talks_to_loopback")
///     .network(ws_test::Network::Local)
///     .run(async {
///         let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///         tokio::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
///     });
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Network {
    /// Loopback addresses, Unix sockets, and names that resolve on this machine (`localhost`, the names in
    /// `/etc/hosts`); `"local"`, the default under the paused clock.
    #[default]
    Local,
    /// Everything: no guard; `"allow"`, the default for real-time tests.
    Allow,
    /// The hosts, addresses and CIDR ranges listed, each with an optional port:
    /// `"127.0.0.1, db.internal:5432, 10.0.0.0/8"`. `local` in the list adds what `"local"` allows.
    Only(Vec<Allowed>),
}

/// One entry of an allow-list: a host, an address or a range, and a port (any port without one).
///
/// ```
/// let ws_test::Network::Only(list) = ws_test::Network::from_text("db.internal:5432, 10.0.0.0/8").unwrap() else {
///     unreachable!("a list")
/// };
/// assert_eq!(list[0].to_string(), "db.internal:5432");
/// assert_eq!(list[1].to_string(), "10.0.0.0/8");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowed {
    host: Host,
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Host {
    /// What `"local"` allows.
    Local,
    Name(String),
    /// An address (a range of one) or a CIDR range.
    Range(IpAddr, u8),
}

/// How a mistake in the value is explained.
const FORMS: &str = "expected \"local\", \"allow\", or a list of hosts, addresses and CIDR ranges, each with an \
                     optional port, e.g. \"127.0.0.1, db.internal:5432, 10.0.0.0/8, [::1]:8080\"";

impl Network {
    /// `"local"`, `"allow"`, or an allow-list, as the attribute and `WS_TEST_NETWORK` write it.
    ///
    /// # Errors
    ///
    /// What is wrong with the text, with the forms accepted.
    ///
    /// ```
    /// use ws_test::Network;
    ///
    /// assert_eq!(Network::from_text("local"), Ok(Network::Local));
    /// let list = Network::from_text("127.0.0.1, db.internal:5432, 10.0.0.0/8").unwrap();
    /// assert!(list.allows_address("10.1.2.3:80".parse().unwrap(), None));
    /// assert!(!list.allows_address("127.0.0.2:80".parse().unwrap(), None));
    /// assert!(Network::from_text("db.internal:http").is_err());
    /// ```
    pub fn from_text(text: &str) -> Result<Network, String> {
        match text.trim() {
            "local" => return Ok(Network::Local),
            "allow" => return Ok(Network::Allow),
            "" => return Err(format!("the value is empty; {FORMS}")),
            _ => {}
        }
        let mut allowed = Vec::new();
        for entry in text.split(',') {
            allowed.push(Allowed::from_text(entry.trim()).map_err(|problem| format!("{problem}; {FORMS}"))?);
        }
        Ok(Network::Only(allowed))
    }

    /// Whether a connection to `address` is allowed; `name` is the name it was looked up by, if known.
    ///
    /// ```
    /// let list = ws_test::Network::from_text("db.internal:5432").unwrap();
    /// let address = "10.1.2.3:5432".parse().unwrap();
    /// assert!(list.allows_address(address, Some("db.internal")));
    /// assert!(!list.allows_address(address, None));
    /// ```
    pub fn allows_address(&self, address: SocketAddr, name: Option<&str>) -> bool {
        match self {
            Network::Allow => true,
            Network::Local => is_local(address.ip()),
            Network::Only(allowed) => allowed.iter().any(|entry| entry.allows(address, name)),
        }
    }

    /// Whether looking `name` up is allowed; `local_names` are the names that resolve on this machine.
    ///
    /// ```
    /// let local = ws_test::Network::Local;
    /// assert!(local.allows_lookup("localhost", &[]));
    /// assert!(!local.allows_lookup("api.exchange.example", &[]));
    /// ```
    pub fn allows_lookup(&self, name: &str, local_names: &[String]) -> bool {
        let local = || is_local_name(name, local_names);
        match self {
            Network::Allow => true,
            Network::Local => local(),
            Network::Only(allowed) => allowed.iter().any(|entry| match &entry.host {
                Host::Local => local(),
                Host::Name(allowed) => allowed.eq_ignore_ascii_case(name),
                Host::Range(..) => false,
            }),
        }
    }

    /// The allowed hosts in a message: "loopback", or the list as written.
    ///
    /// ```
    /// assert_eq!(ws_test::Network::Local.describe(), "loopback");
    /// ```
    pub fn describe(&self) -> String {
        match self {
            Network::Allow => "everything".to_string(),
            Network::Local => "loopback".to_string(),
            Network::Only(allowed) => allowed.iter().map(Allowed::to_string).collect::<Vec<_>>().join(", "),
        }
    }

    /// How the attribute writes it.
    #[doc(hidden)]
    pub fn text(&self) -> String {
        match self {
            Network::Allow => "allow".to_string(),
            Network::Local => "local".to_string(),
            Network::Only(_) => self.describe(),
        }
    }
}

impl Allowed {
    fn from_text(entry: &str) -> Result<Allowed, String> {
        if entry.is_empty() {
            return Err("an entry of the list is empty".to_string());
        }
        if entry == "local" {
            return Ok(Allowed {
                host: Host::Local,
                port: None,
            });
        }
        // `[v6]:port`, `[v6]`, a bare IPv6 address (more than one colon), or `host:port`.
        let (host, port) = if let Some(bracketed) = entry.strip_prefix('[') {
            let (host, rest) = bracketed
                .split_once(']')
                .ok_or_else(|| format!("`{entry}` opens a bracket it does not close"))?;
            let port = match rest {
                "" => None,
                rest => Some(
                    rest.strip_prefix(':')
                        .ok_or_else(|| format!("`{entry}`: expected `:port` after `]`"))?,
                ),
            };
            (host, port)
        } else if entry.matches(':').count() > 1 {
            (entry, None)
        } else {
            match entry.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (entry, None),
            }
        };
        let port = match port {
            None => None,
            Some(port) => Some(
                port.parse::<u16>()
                    .ok()
                    .filter(|port| *port != 0)
                    .ok_or_else(|| format!("`{entry}`: `{port}` is not a port (1-65535)"))?,
            ),
        };
        let host = if let Some((address, prefix)) = host.split_once('/') {
            let address: IpAddr = address
                .parse()
                .map_err(|_| format!("`{entry}`: `{address}` is not an IP address"))?;
            let longest = if address.is_ipv4() { 32 } else { 128 };
            let prefix = prefix
                .parse::<u8>()
                .ok()
                .filter(|prefix| *prefix <= longest)
                .ok_or_else(|| format!("`{entry}`: `/{prefix}` is not a prefix length (0-{longest})"))?;
            Host::Range(address, prefix)
        } else if let Ok(address) = host.parse::<IpAddr>() {
            Host::Range(address, if address.is_ipv4() { 32 } else { 128 })
        } else if is_host_name(host) {
            Host::Name(host.to_ascii_lowercase())
        } else {
            return Err(format!("`{entry}`: `{host}` is neither a host name nor an IP address"));
        };
        Ok(Allowed { host, port })
    }

    fn allows(&self, address: SocketAddr, name: Option<&str>) -> bool {
        if self.port.is_some_and(|port| port != address.port()) {
            return false;
        }
        match &self.host {
            Host::Local => is_local(address.ip()),
            Host::Name(allowed) => name.is_some_and(|name| allowed.eq_ignore_ascii_case(name)),
            Host::Range(network, prefix) => in_range(address.ip(), *network, *prefix),
        }
    }
}

impl std::fmt::Display for Allowed {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = match &self.host {
            Host::Local => "local".to_string(),
            Host::Name(name) => name.clone(),
            Host::Range(address, prefix) if *prefix == if address.is_ipv4() { 32 } else { 128 } => match address {
                IpAddr::V6(_) if self.port.is_some() => format!("[{address}]"),
                _ => address.to_string(),
            },
            Host::Range(address, prefix) => format!("{address}/{prefix}"),
        };
        match self.port {
            Some(port) => write!(formatter, "{host}:{port}"),
            None => write!(formatter, "{host}"),
        }
    }
}

/// Loopback, or the unspecified address (which Linux connects to this machine); IPv4 inside IPv6 counts as IPv4.
fn is_local(address: IpAddr) -> bool {
    let address = match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    };
    address.is_loopback() || address.is_unspecified()
}

fn is_local_name(name: &str, local_names: &[String]) -> bool {
    let name = name.trim_end_matches('.');
    name.eq_ignore_ascii_case("localhost")
        || name.to_ascii_lowercase().ends_with(".localhost")
        || local_names.iter().any(|local| local.eq_ignore_ascii_case(name))
}

fn in_range(address: IpAddr, network: IpAddr, prefix: u8) -> bool {
    let address = match address {
        IpAddr::V6(v6) if network.is_ipv4() => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        other => other,
    };
    match (address, network) {
        (IpAddr::V4(address), IpAddr::V4(network)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(address) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(address), IpAddr::V6(network)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(address) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> SocketAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn local_allows_loopback_and_local_names_only() {
        let local = Network::Local;
        for allowed in [
            "127.0.0.1:80",
            "127.0.0.2:443",
            "[::1]:80",
            "[::ffff:127.0.0.1]:80",
            "0.0.0.0:80",
        ] {
            assert!(local.allows_address(address(allowed), None), "{allowed}");
        }
        for refused in ["203.0.113.7:443", "10.0.0.1:80", "[2001:db8::1]:80", "192.0.2.2:80"] {
            assert!(!local.allows_address(address(refused), None), "{refused}");
        }
        let hosts = ["vm".to_string()];
        assert!(local.allows_lookup("localhost", &hosts));
        assert!(local.allows_lookup("api.localhost", &hosts));
        assert!(local.allows_lookup("VM", &hosts));
        assert!(!local.allows_lookup("api.exchange.example", &hosts));
        assert_eq!(local.describe(), "loopback");
    }

    #[test]
    fn a_list_allows_what_it_names_with_its_ports() {
        let list = Network::from_text(" 127.0.0.1, db.internal:5432, 10.0.0.0/8, [::1]:8080, fd00::/8, local ")
            .expect("a list");
        assert!(list.allows_address(address("127.0.0.1:1"), None));
        assert!(list.allows_address(address("127.0.0.2:1"), None), "`local` in the list");
        assert!(list.allows_address(address("10.200.0.1:80"), None));
        assert!(!list.allows_address(address("11.0.0.1:80"), None));
        assert!(list.allows_address(address("[::1]:8080"), None));
        assert!(list.allows_address(address("[fd12::1]:8080"), None));
        assert!(list.allows_address(address("192.0.2.9:5432"), Some("DB.internal")));
        assert!(!list.allows_address(address("192.0.2.9:5433"), Some("db.internal")));
        assert!(list.allows_lookup("db.internal", &[]));
        assert!(!list.allows_lookup("cache.internal", &[]));
        assert_eq!(
            list.describe(),
            "127.0.0.1, db.internal:5432, 10.0.0.0/8, [::1]:8080, fd00::/8, local"
        );
        let strict = Network::from_text("127.0.0.1").expect("a list");
        assert!(!strict.allows_address(address("127.0.0.2:80"), None));
        assert!(!strict.allows_lookup("localhost", &["localhost".to_string()]));
    }

    #[test]
    fn keywords_and_mistakes() {
        assert_eq!(Network::from_text("allow"), Ok(Network::Allow));
        assert!(Network::Allow.allows_address(address("203.0.113.7:443"), None));
        for (text, problem) in [
            ("", "the value is empty"),
            ("127.0.0.1,", "an entry of the list is empty"),
            ("db.internal:http", "`db.internal:http`: `http` is not a port (1-65535)"),
            ("db.internal:0", "`db.internal:0`: `0` is not a port (1-65535)"),
            ("10.0.0.0/33", "`10.0.0.0/33`: `/33` is not a prefix length (0-32)"),
            ("300.1.1.1/8", "`300.1.1.1/8`: `300.1.1.1` is not an IP address"),
            ("[::1", "`[::1` opens a bracket it does not close"),
            (
                "db internal",
                "`db internal`: `db internal` is neither a host name nor an IP address",
            ),
        ] {
            assert_eq!(Network::from_text(text), Err(format!("{problem}; {FORMS}")), "{text}");
        }
    }
}
