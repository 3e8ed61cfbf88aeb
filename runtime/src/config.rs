//! The settings' vocabulary and what a [`Builder`](crate::Builder) collects. The choices, their names and defaults
//! come from `ws-test-config`, which the attribute reads its arguments with too; this crate re-exports the public
//! ones from here.

use std::borrow::Cow;
use std::time::Duration;

pub use ws_test_config::{Allowed, Deadlock, Flavor, IoGrace, Leaks, MaxBlocking, Network, UnhandledPanic};
pub(crate) use ws_test_config::{
    DEFAULT_IO_GRACE, DEFAULT_TIMEOUT, DEFAULT_VIRTUAL_TIMEOUT, MAX_BUDGET, Named, parse_duration,
};

/// The settings as given: `None` means "not given", to be taken from the environment or the default when the test
/// starts.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    pub(crate) test_name: Cow<'static, str>,
    pub(crate) flavor: Flavor,
    pub(crate) worker_threads: Option<usize>,
    pub(crate) start_paused: Option<bool>,
    pub(crate) unhandled_panic: UnhandledPanic,
    pub(crate) runtime_name: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) leaks: Option<Leaks>,
    pub(crate) virtual_timeout: Option<Duration>,
    pub(crate) deadlock: Option<Deadlock>,
    pub(crate) max_blocking: Option<MaxBlocking>,
    pub(crate) io_grace: Option<IoGrace>,
    pub(crate) network: Option<Network>,
    /// The attribute saw the body create a socket or a child process itself.
    pub(crate) real_io_in_body: bool,
}

impl Options {
    /// No option given yet. Always inlined, also in the debug builds tests run as, where each call of every test is a
    /// cold one (BENCHMARKS.md, "Cold code").
    #[inline(always)]
    pub(crate) fn new(test_name: Cow<'static, str>) -> Options {
        options_with_only_a_name!(test_name)
    }
}

/// The options of a test that gives only its name, written once for both of their uses: built by [`Options::new`], and
/// matched as a pattern by the settings' shortcut for such tests (`setup::settings`), so the two cannot drift apart.
/// Every field is named, so a new option must be added here to compile.
macro_rules! options_with_only_a_name {
    ($test_name:tt) => {
        $crate::config::Options {
            test_name: $test_name,
            flavor: $crate::config::Flavor::CurrentThread,
            worker_threads: None,
            start_paused: None,
            unhandled_panic: $crate::config::UnhandledPanic::FailAtEnd,
            runtime_name: None,
            timeout: None,
            leaks: None,
            virtual_timeout: None,
            deadlock: None,
            max_blocking: None,
            io_grace: None,
            network: None,
            real_io_in_body: false,
        }
    };
}
pub(crate) use options_with_only_a_name;
