//! A network call a test's thread made, as libc's hooks saw it (`setup/network_calls.rs`), for the network guard.

use std::net::SocketAddr;

// Made only by the hooks, which exist only where `cfg(ws_test_libc_hooks)` is set.
#[cfg_attr(not(ws_test_libc_hooks), allow(dead_code))]
pub(crate) enum NetworkCall {
    /// A TCP or UDP connect, or a UDP send to an address: `transport` is "TCP" or "UDP".
    Reach {
        address: SocketAddr,
        transport: &'static str,
    },
    /// A lookup of a host name (not of a numeric address).
    Lookup { name: String },
}
