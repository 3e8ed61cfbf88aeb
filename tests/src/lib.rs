//! Test-only crate. Its one library item is a re-export, through which the `crate = "..."` argument is proved.

/// `ws_test`, reachable under another path, as a crate that wraps it would offer it.
pub mod reexported {
    pub use ws_test;
}
