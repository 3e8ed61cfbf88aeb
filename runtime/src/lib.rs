//! `#[ws_test]` replaces `#[tokio::test]` one for one and makes async test suites fast and impossible to hang.
//!
//! Every test gets a fresh tokio runtime of its own whose clock starts paused and advances by itself whenever every
//! task waits, so an hour of heartbeats, back-off and timeouts takes milliseconds of real time. Every test also has
//! a real-time budget (60 s unless told otherwise): a test still running when it runs out fails with a message that
//! names it and shows both clocks, instead of hanging the terminal.
//!
//! ```
//! use std::time::Duration;
//! use ws_test::ws_test;
//!
//! #[ws_test]
//! async fn heartbeat_every_30s_for_an_hour() {
//!     let start = tokio::time::Instant::now();
//!     let mut heartbeat = tokio::time::interval(Duration::from_secs(30));
//!     for _ in 0..=120 {
//!         heartbeat.tick().await;
//!     }
//!     assert_eq!(start.elapsed(), Duration::from_secs(3600)); // in about a millisecond of real time
//! }
//! # heartbeat_every_30s_for_an_hour();
//! ```
//!
//! Guards turn each silent failure of async tests into a fast, precise one, each with an opt-out: a panic in a spawned
//! task ([`UnhandledPanic`]), a task that keeps working after the body ([`Leaks`]), tasks waiting for each other
//! ([`Deadlock`]), a leaked ticker racing the paused clock (`virtual_timeout`), a blocking call on the event loop
//! ([`MaxBlocking`], and `std::thread::sleep` in the body is a compile error). Every failure message names the
//! test, says what happened and what to do, and shows both clocks.
//!
//! For the test bodies: stream assertions ([`assert_next!`], [`assert_next_eq!`], [`assert_next_matches!`],
//! [`assert_end!`], [`assert_pending!`]), [`settle()`] to wait until every other task is idle without moving the
//! clock, [`background()`] for services that live as long as the body, and an in-memory WebSocket transport
//! ([`ws`], feature `ws`) with [`assert_text!`], [`assert_binary!`] and [`assert_close!`].
//!
//! # Features
//!
//! - `ws` (default): the in-memory WebSocket transport ([`ws`]) and its assertions, on `tokio-tungstenite` (without
//!   TLS or its own TCP connector), and [`ws::Server`], a real one for clients that dial a URL. Without it, the crate
//!   depends on tokio and `futures-core` only.
//! - `http`: [`http::serve`], an axum app (any tower service) served in memory, WebSocket routes included, on hyper.
//! - `libc-hooks` (default): on Linux with glibc, dynamically linked, ws-test defines libc's `epoll_ctl`, `connect`,
//!   `sendto`, `sendmsg` and `getaddrinfo` in test binaries: real I/O is seen wherever the test makes it (`io_grace`,
//!   child processes in real time, what the I/O was in reports), and the network guard ([`Network`]) refuses
//!   connections outside the allowed hosts. Elsewhere, or without it, nothing is defined.
//! - `taskdump`: failure reports list the await each task is stuck at, from tokio's task dumps. It needs tokio's
//!   unstable APIs as well, `RUSTFLAGS="--cfg tokio_unstable"`, and Linux on x86, x86_64, aarch64 or s390x (where
//!   tokio has task dumps); without `tokio_unstable` it builds and does nothing.
//!
//! Building with `RUSTFLAGS="--cfg tokio_unstable"` adds each leaked task's spawn location to leak reports.
//!
//! The attribute translates its arguments into calls of [`Builder`], which can also be called by hand.
//! See the README for the migration from `#[tokio::test]` and a table of every argument.
#![deny(missing_docs)]
// docs.rs marks each item with the feature that brings it (`rustdoc-args = ["--cfg", "docsrs"]` in Cargo.toml).
#![cfg_attr(docsrs, feature(doc_cfg))]

// The modules form layers, each using only those below it: lock and config, report, observe, setup; then guards,
// assertions and body; harness and ws; builder and http. ARCHITECTURE.md draws them; tests/tests/layout.rs keeps them.
mod assertions;
mod body;
mod builder;
mod config;
mod guards;
mod harness;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
mod lock;
mod observe;
mod report;
mod setup;
#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub mod ws;

pub use assertions::stream::DEFAULT_DEADLINE;
pub use body::background::background;
pub use body::settle::settle;
pub use builder::Builder;
#[doc(inline)]
pub use config::{Allowed, Deadlock, Flavor, IoGrace, Leaks, MaxBlocking, Network, UnhandledPanic};
pub use guards::STUCK_EXIT_CODE;

/// Runs an `async fn` test on a fresh tokio runtime with a paused, auto-advancing clock and a real-time budget.
///
/// Write it where you wrote `#[tokio::test]`; it takes tokio's arguments with tokio's meaning, and its own:
///
/// | argument | values | default |
/// |---|---|---|
/// | `flavor` | `"current_thread"`, `"multi_thread"`, `"local"` | `"current_thread"` |
/// | `worker_threads` | a number above 0 (multi_thread only) | one per core |
/// | `start_paused` | `true`, `false` (not with multi_thread) | `true`; `false` when the body calls `time::pause()` |
/// | `unhandled_panic` | `"fail_at_end"`, `"shutdown_runtime"` (not with multi_thread), `"ignore"` | `"fail_at_end"` |
/// | `name` | the runtime's name | none |
/// | `crate` | tokio's path, as in tokio (`"tokio1"`); ending in `ws_test`, this crate's (`"my_reexports::ws_test"`) | `"::tokio"`, `"::ws_test"` |
/// | `timeout` | real-time budget: `"250ms"`, `"10s"`, `"2m"`, `"1h"` | `WS_TEST_TIMEOUT`, else `"60s"` |
/// | `virtual_timeout` | budget in virtual time (paused clock only) | `WS_TEST_VIRTUAL_TIMEOUT`, else `"1h"` |
/// | `deadlock` | `"deny"`, `"off"` (paused clock only) | `WS_TEST_DEADLOCK`, else `"deny"` |
/// | `max_blocking` | `"250ms"`, `"off"`: how long the runtime's thread may be blocked (Linux) | `WS_TEST_MAX_BLOCKING`, else `"250ms"` |
/// | `leaks` | `"deny"` (tasks that keep working after the body fail it), `"strict"` (any task still alive), `"warn"`, `"allow"` | `WS_TEST_LEAKS`, else `"deny"` |
/// | `io_grace` | `"auto"`, `"off"`, `"20ms"`: how long the paused clock waits for real I/O | `WS_TEST_IO_GRACE`, else `"auto"` |
/// | `network` | `"local"`, `"allow"`, `"127.0.0.1, db.internal:5432, 10.0.0.0/8"`: the hosts the test may reach (Linux with glibc) | `WS_TEST_NETWORK`, else `"local"` (`"allow"` in real time) |
///
/// ```
/// use std::time::Duration;
/// use ws_test::ws_test;
///
/// #[ws_test(timeout = "5s")]
/// async fn reconnect_backoff_doubles() -> Result<(), tokio::time::error::Elapsed> {
///     let start = tokio::time::Instant::now();
///     for delay in [1, 2, 4, 8] {
///         tokio::time::sleep(Duration::from_secs(delay)).await;
///     }
///     assert_eq!(start.elapsed(), Duration::from_secs(15));
///     tokio::time::timeout(Duration::from_secs(1), async {}).await
/// }
/// # reconnect_backoff_doubles().unwrap();
/// ```
///
/// The same attribute is also exported as [`test`], so `#[ws_test::test]` mirrors `#[tokio::test]`.
pub use ws_test_macros::ws_test;

/// `#[ws_test::test]`: the same attribute as [`ws_test`](macro@ws_test), named to mirror `#[tokio::test]`.
///
/// ```
/// #[ws_test::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn runs_on_two_workers() {
///     assert_eq!(tokio::runtime::Handle::current().metrics().num_workers(), 2);
/// }
/// # runs_on_two_workers();
/// ```
pub use ws_test_macros::ws_test as test;

/// What the assertion macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::assertions::stream::{end, mismatch, next_equal, next_item, pending};
    #[cfg(feature = "ws")]
    pub use crate::ws::{expect_binary, expect_close, expect_text};
}

// The README's Rust examples are compiled and run as doctests, so the README stays true. They use every feature.
#[cfg(all(doctest, feature = "http"))]
#[doc = include_str!("../../README.md")]
struct ReadmeExamples;
