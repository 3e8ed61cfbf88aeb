//! Test-only crate. Its one library item is a re-export, through which the `crate = "..."` argument is proved; its
//! documentation shows `#[ws_test]` in a doctest, where the function stays callable:
//!
//! ```
//! use std::time::Duration;
//!
//! #[ws_test::test]
//! async fn a_doctest_covers_an_hour() {
//!     let start = tokio::time::Instant::now();
//!     tokio::time::sleep(Duration::from_secs(3600)).await;
//!     assert_eq!(start.elapsed(), Duration::from_secs(3600));
//! }
//!
//! a_doctest_covers_an_hour();
//! ```
//!
//! A failing one fails the doctest:
//!
//! ```should_panic
//! #[ws_test::test]
//! async fn a_doctest_that_leaks() {
//!     tokio::spawn(async {
//!         loop {
//!             tokio::time::sleep(std::time::Duration::from_secs(1)).await;
//!         }
//!     });
//! }
//!
//! a_doctest_that_leaks();
//! ```

/// `ws_test`, reachable under another path, as a crate that wraps it would offer it.
pub mod reexported {
    pub use ws_test;
}
