//! `unhandled_panic = "shutdown_runtime"` on stable Rust: a panic in a task spawned on the test's runtime ends the
//! test at once. tokio's own option needs `--cfg tokio_unstable`; instead, one process-wide panic hook, chained to
//! the hook that was there before (its output is kept), recognises a task's panic by the runtime it runs on. The hook
//! runs on the panicking thread before tokio catches the unwind, so `Handle::try_current()` names the runtime, and
//! `task::try_id()` tells a spawned task (including `spawn_blocking` jobs) from the test's body.

use std::panic::PanicHookInfo;
use std::sync::{Arc, Mutex, MutexGuard, Once, PoisonError};

use tokio::runtime::{Handle, Id};

use crate::builder::UnhandledPanic;
use crate::failure::{self, Failure};
use crate::guard::{Guard, TestContext};
use crate::interrupt::Interrupt;

/// The runtimes of running tests that stop at the first task panic. Keyed by runtime, so that tests running in
/// parallel never see each other's panics.
static WATCHED_RUNTIMES: Mutex<Vec<(Id, Arc<Interrupt>)>> = Mutex::new(Vec::new());
static HOOK_INSTALLED: Once = Once::new();

fn watched_runtimes() -> MutexGuard<'static, Vec<(Id, Arc<Interrupt>)>> {
    WATCHED_RUNTIMES.lock().unwrap_or_else(PoisonError::into_inner)
}

struct PanicGuard {
    runtime: Id,
}

impl Guard for PanicGuard {}

impl Drop for PanicGuard {
    fn drop(&mut self) {
        watched_runtimes().retain(|(runtime, _)| *runtime != self.runtime);
    }
}

pub(crate) fn start(test: &TestContext) -> Option<Box<dyn Guard>> {
    if test.settings.unhandled_panic != UnhandledPanic::ShutdownRuntime {
        return None;
    }
    HOOK_INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            stop_test_of_panicking_task(info);
            previous(info);
        }));
    });
    let runtime = test.runtime.id();
    watched_runtimes().push((runtime, Arc::clone(&test.interrupt)));
    Some(Box::new(PanicGuard { runtime }))
}

fn stop_test_of_panicking_task(info: &PanicHookInfo<'_>) {
    if tokio::task::try_id().is_none() {
        // The body's own panic (or a panic outside any task): the harness reports it as the body's failure.
        return;
    }
    let Ok(runtime) = Handle::try_current() else {
        return;
    };
    let interrupt = watched_runtimes()
        .iter()
        .find(|(watched, _)| *watched == runtime.id())
        .map(|(_, interrupt)| Arc::clone(interrupt));
    if let Some(interrupt) = interrupt {
        let location = info
            .location()
            .map_or_else(|| "an unknown location".to_string(), ToString::to_string);
        let message = failure::panic_message(info.payload()).unwrap_or("a panic without a message");
        interrupt.fire(Failure {
            summary: format!("failed: a spawned task panicked at {location}: {message}"),
            help: "with unhandled_panic = \"shutdown_runtime\" the first panic of a spawned task ends the test. Fix \
                   the task, or use unhandled_panic = \"ignore\" to observe its panic through its JoinHandle instead."
                .to_string(),
        });
    }
}
