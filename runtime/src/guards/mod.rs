//! The guards, one file each, and the one interface between them and the harness. A guard starts with the test (its
//! `start` takes the [`TestContext`] and returns the guard, or `None` when it does not apply), may stop the body early
//! by firing the test's interrupt, reports what it found at the two points where the harness asks, and stops watching
//! when dropped, after the runtime has shut down. Adding a guard: a new file implementing [`Guard`], and one line in
//! [`start_all`].

#[cfg(target_os = "linux")]
mod blocking;
mod deadlock;
mod leaks;
mod panics;
mod virtual_time;
mod watchdog;

use std::sync::Arc;

use tokio::runtime::Handle;

pub use watchdog::STUCK_EXIT_CODE;

use crate::observe::activity::Activity;
use crate::observe::clock::Clocks;
#[cfg(tokio_unstable)]
use crate::observe::spawn_locations::SpawnLocations;
use crate::report::Failure;
use crate::setup::interrupt::Interrupt;
use crate::setup::registry::RunningTest;
use crate::setup::settings::Settings;

/// What every guard may know about the running test.
pub(crate) struct TestContext {
    pub(crate) settings: Settings,
    pub(crate) runtime: Handle,
    pub(crate) clocks: Clocks,
    pub(crate) interrupt: Arc<Interrupt>,
    pub(crate) activity: Arc<Activity>,
    /// The test's entry in the registry of running tests.
    pub(crate) running: Arc<RunningTest>,
    #[cfg(tokio_unstable)]
    pub(crate) spawn_locations: Arc<SpawnLocations>,
}

/// How the body ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyEnd {
    Completed,
    Panicked,
    /// A guard stopped it (budget, first task panic, ...).
    Interrupted,
}

pub(crate) trait Guard {
    /// The body has completed or been interrupted and the runtime is still up: what is left on it can be inspected.
    fn body_finished(&mut self, _test: &TestContext, _end: BodyEnd) -> Option<Failure> {
        None
    }

    /// The runtime has shut down and dropped its tasks: what happened up to the very end can be reported.
    fn runtime_shut_down(&mut self, _test: &TestContext) -> Option<Failure> {
        None
    }
}

/// Every guard that applies to this test, in the order they report.
pub(crate) fn start_all(test: &TestContext) -> Vec<Box<dyn Guard>> {
    [
        watchdog::start(test),
        panics::start(test),
        leaks::start(test),
        virtual_time::start(test),
        deadlock::start(test),
        #[cfg(target_os = "linux")]
        blocking::start(test),
    ]
    .into_iter()
    .flatten()
    .collect()
}
