//! A small WebSocket chat service on axum, written as production code, and a client for it: ws-test's showcase for
//! testing a real service. Its suites test it three ways: in memory through `ws_test::http::serve` (the default),
//! over real loopback sockets under the paused clock, and the client against `ws_test::ws::Server`.

pub mod client;
pub mod server;

pub use client::ChatClient;
pub use server::{Chat, HISTORY_DELAY, IDLE_AFTER, PING_EVERY, PRESENCE_EVERY, app, presence};
