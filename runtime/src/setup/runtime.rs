//! The test's own tokio runtime: built fresh for each test from its settings, never shared, and shut down with a
//! bound so that a stuck `spawn_blocking` job cannot hang the end of the test.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::{Handle, LocalOptions, LocalRuntime, Runtime};

use crate::config::Flavor;
use crate::observe::activity::Activity;
#[cfg(tokio_unstable)]
use crate::observe::spawn_locations::SpawnLocations;
use crate::setup::settings::Settings;

/// How long shutdown waits for `spawn_blocking` jobs that are still running; after that they are left to finish on
/// their own threads (tokio would otherwise wait for them without limit).
pub(crate) const SHUTDOWN_TIMEOUT: Duration = Duration::from_millis(500);

pub(crate) enum TestRuntime {
    Shared(Runtime),
    Local(LocalRuntime),
}

impl TestRuntime {
    /// The runtime, on the heap: see the note on stack depth in `harness.rs`.
    pub(crate) fn build(
        settings: &Settings,
        activity: &Arc<Activity>,
        #[cfg(tokio_unstable)] spawn_locations: &Arc<SpawnLocations>,
    ) -> std::io::Result<Box<TestRuntime>> {
        let mut builder = tokio_builder(
            settings,
            activity,
            #[cfg(tokio_unstable)]
            spawn_locations,
        );
        if matches!(settings.flavor, Flavor::Local) {
            TestRuntime::build_local(&mut builder)
        } else {
            TestRuntime::build_shared(&mut builder)
        }
    }

    // One function per kind, so that each frame tokio builds under holds one kind's temporaries.
    fn build_shared(builder: &mut tokio::runtime::Builder) -> std::io::Result<Box<TestRuntime>> {
        builder.build().map(|runtime| Box::new(TestRuntime::Shared(runtime)))
    }

    fn build_local(builder: &mut tokio::runtime::Builder) -> std::io::Result<Box<TestRuntime>> {
        builder
            .build_local(LocalOptions::default())
            .map(|runtime| Box::new(TestRuntime::Local(runtime)))
    }

    pub(crate) fn handle(&self) -> &Handle {
        match self {
            TestRuntime::Shared(runtime) => runtime.handle(),
            TestRuntime::Local(runtime) => runtime.handle(),
        }
    }

    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self {
            TestRuntime::Shared(runtime) => runtime.block_on(future),
            TestRuntime::Local(runtime) => runtime.block_on(future),
        }
    }

    pub(crate) fn shut_down(self) {
        match self {
            TestRuntime::Shared(runtime) => runtime.shutdown_timeout(SHUTDOWN_TIMEOUT),
            TestRuntime::Local(runtime) => runtime.shutdown_timeout(SHUTDOWN_TIMEOUT),
        }
    }
}

/// tokio's builder, configured from the settings with the activity's hooks; on the heap, so that the frames under
/// which tokio builds the runtime stay small.
fn tokio_builder(
    settings: &Settings,
    activity: &Arc<Activity>,
    #[cfg(tokio_unstable)] spawn_locations: &Arc<SpawnLocations>,
) -> Box<tokio::runtime::Builder> {
    let multi_thread = matches!(settings.flavor, Flavor::MultiThread);
    let mut builder = Box::new(if multi_thread {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    });
    builder.enable_all().start_paused(settings.paused_clock);
    if let Some(count) = settings.worker_threads {
        builder.worker_threads(count);
    }
    if let Some(name) = &settings.runtime_name {
        builder.name(name);
    }
    if !multi_thread {
        activity.observe_current_thread(&mut builder);
    }
    if settings.detects_deadlocks() {
        activity.observe_blocking_jobs(&mut builder);
    }
    #[cfg(tokio_unstable)]
    {
        spawn_locations.observe(&mut builder);
        activity.observe_task_polls(&mut builder);
    }
    builder
}
