//! The tests running in this process, found by the runtime they run on, for the functions a test body calls
//! (`settle()`, `background()`) and for the panic hook.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::runtime::{Handle, Id};
use tokio::task::AbortHandle;

use crate::Flavor;
use crate::activity::Activity;
use crate::clock::Clocks;

pub(crate) struct RunningTest {
    pub(crate) runtime: Id,
    pub(crate) clocks: Clocks,
    pub(crate) flavor: Flavor,
    pub(crate) activity: Arc<Activity>,
    pub(crate) services: Mutex<Vec<BackgroundService>>,
}

/// A task started with `ws_test::background`.
pub(crate) struct BackgroundService {
    pub(crate) name: String,
    pub(crate) task: tokio::task::Id,
    pub(crate) abort: AbortHandle,
}

static RUNNING: Mutex<Vec<Arc<RunningTest>>> = Mutex::new(Vec::new());

fn running() -> MutexGuard<'static, Vec<Arc<RunningTest>>> {
    // Entries are only pushed and removed; a panic elsewhere cannot leave the list half-changed.
    RUNNING.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RunningTest {
    pub(crate) fn services(&self) -> MutexGuard<'_, Vec<BackgroundService>> {
        self.services.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Keeps the test findable until dropped.
pub(crate) struct Registration {
    test: Arc<RunningTest>,
}

impl Registration {
    pub(crate) fn test(&self) -> &Arc<RunningTest> {
        &self.test
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        running().retain(|test| !Arc::ptr_eq(test, &self.test));
    }
}

pub(crate) fn register(runtime: &Handle, clocks: &Clocks, flavor: Flavor, activity: &Arc<Activity>) -> Registration {
    let test = Arc::new(RunningTest {
        runtime: runtime.id(),
        clocks: clocks.clone(),
        flavor,
        activity: Arc::clone(activity),
        services: Mutex::new(Vec::new()),
    });
    running().push(Arc::clone(&test));
    Registration { test }
}

/// The test whose runtime the caller runs on.
pub(crate) fn current() -> Option<Arc<RunningTest>> {
    find(Handle::try_current().ok()?.id())
}

pub(crate) fn find(runtime: Id) -> Option<Arc<RunningTest>> {
    running().iter().find(|test| test.runtime == runtime).cloned()
}
