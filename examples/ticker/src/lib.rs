//! A WebSocket market-ticker client, written as production code, and a small server: the showcase of ws-test. Its
//! test suite (`tests/`) covers hours of protocol time (heartbeats, back-off, nonce refresh) in well under a second.

pub mod backoff;
pub mod client;
pub mod nonce;
pub mod protocol;
pub mod server;
pub mod tcp;
