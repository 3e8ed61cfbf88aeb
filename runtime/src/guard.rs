//! The one interface between the harness and the guards. A guard starts with the test (its constructor takes the
//! [`TestContext`]), may stop the body early by firing the test's interrupt, reports what it found at the two points
//! where the harness asks, and stops watching when dropped, after the runtime has shut down. Adding a guard: a new
//! module implementing [`Guard`], and one line in [`start_all`].

use std::sync::Arc;

use tokio::runtime::Handle;

use crate::activity::Activity;
#[cfg(target_os = "linux")]
use crate::blocking;
use crate::clock::Clocks;
use crate::failure::Failure;
use crate::interrupt::Interrupt;
use crate::settings::Settings;
use crate::{deadlock, leaks, panics, virtual_time, watchdog};

/// What every guard may know about the running test.
pub(crate) struct TestContext {
    pub(crate) settings: Settings,
    pub(crate) runtime: Handle,
    pub(crate) clocks: Clocks,
    pub(crate) interrupt: Arc<Interrupt>,
    pub(crate) activity: Arc<Activity>,
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
