//! The vocabulary of ws-test's settings, in one place for the two crates that read them: the `#[ws_test]` attribute
//! reads them from its arguments at compile time, the runtime from `WS_TEST_*` environment variables and
//! `ws_test::Builder` calls. Each choice, its spelling, its default and the wording of a mistake are defined once
//! here, so a typo gets the same message wherever it is made.
//!
//! Use it through the `ws-test` crate, which re-exports the public items (`ws_test::Flavor`, `ws_test::Leaks`, ...).
//! What is hidden from the documentation is shared plumbing between ws-test's own crates.
//!
//! ```
//! let budget = ws_test_config::parse_duration("1m30s").unwrap();
//! assert_eq!(budget, std::time::Duration::from_secs(90));
//! assert_eq!(ws_test_config::budget_text(budget), "1m30s");
//! ```
#![deny(missing_docs)]

mod choices;
mod duration;
mod names;
mod network;

pub use choices::{
    DEFAULT_IO_GRACE, DEFAULT_TIMEOUT, DEFAULT_VIRTUAL_TIMEOUT, Deadlock, Flavor, IoGrace, Leaks, MaxBlocking,
    UnhandledPanic,
};
#[doc(hidden)]
pub use duration::DURATION_FORMAT_HELP;
pub use duration::{MAX_BUDGET, budget_text, parse_duration};
#[doc(hidden)]
pub use names::Named;
pub use network::{Allowed, Network};
