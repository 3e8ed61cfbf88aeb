//! Panicking tasks (`unhandled_panic`). A panic in a task spawned on the test's runtime, including `spawn_blocking`
//! jobs and tasks that panic while being dropped at shutdown, fails the test at its end, listing each panic; with
//! `"shutdown_runtime"` the first one ends the test at once; `"ignore"` keeps tokio's behaviour.
//!
//! It works on stable Rust through one process-wide panic hook, installed once and chained to the hook that was there
//! before (whose output is kept). The hook runs on the panicking thread before tokio catches the unwind, so
//! `Handle::try_current()` names the runtime the task runs on, and `task::try_id()` tells a spawned task from the
//! test's body (the body's own panic is the harness's to report). Records are kept per runtime, so tests running in
//! parallel never see each other's panics.

use std::panic::PanicHookInfo;
use std::sync::{Arc, Mutex, MutexGuard, Once, PoisonError};

use tokio::runtime::{Handle, Id};

use crate::UnhandledPanic;
use crate::background;
use crate::failure::{self, Failure};
use crate::guard::{Guard, TestContext};
use crate::interrupt::Interrupt;

/// One panic of a spawned task, as the hook saw it.
#[derive(Clone, Debug)]
struct TaskPanic {
    location: String,
    message: String,
    /// The name given to `ws_test::background`, when the task is a background service.
    service: Option<String>,
}

impl TaskPanic {
    fn describe(&self) -> String {
        match &self.service {
            Some(name) => format!("background service `{name}` at {}: {}", self.location, self.message),
            None => format!("at {}: {}", self.location, self.message),
        }
    }
}

/// The runtime of a running test, and where its tasks' panics go.
struct WatchedRuntime {
    runtime: Id,
    panics: Arc<Mutex<Vec<TaskPanic>>>,
    /// Set for `shutdown_runtime`: the first panic interrupts the test.
    stop_at_first: Option<Arc<Interrupt>>,
}

static WATCHED_RUNTIMES: Mutex<Vec<WatchedRuntime>> = Mutex::new(Vec::new());
static HOOK_INSTALLED: Once = Once::new();

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks cannot leave the data half-written (pushes and removals only), so a
    // poisoned lock is still sound to use; refusing it would hide every later panic.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

struct PanicGuard {
    runtime: Id,
    panics: Arc<Mutex<Vec<TaskPanic>>>,
    /// Panics already reported by interrupting the test, so the report does not list them twice.
    already_reported: usize,
}

pub(crate) fn start(test: &TestContext) -> Option<Box<dyn Guard>> {
    let behaviour = test.settings.unhandled_panic;
    if behaviour == UnhandledPanic::Ignore {
        return None;
    }
    let stop_at_first = (behaviour == UnhandledPanic::ShutdownRuntime).then(|| Arc::clone(&test.interrupt));
    HOOK_INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            record_task_panic(info);
            previous(info);
        }));
    });
    let panics = Arc::new(Mutex::new(Vec::new()));
    let already_reported = usize::from(stop_at_first.is_some());
    lock(&WATCHED_RUNTIMES).push(WatchedRuntime {
        runtime: test.runtime.id(),
        panics: Arc::clone(&panics),
        stop_at_first,
    });
    Some(Box::new(PanicGuard {
        runtime: test.runtime.id(),
        panics,
        already_reported,
    }))
}

impl Guard for PanicGuard {
    /// After shutdown, so that panics of tasks dropped at shutdown are included.
    fn runtime_shut_down(&mut self, _test: &TestContext) -> Option<Failure> {
        let panics = lock(&self.panics);
        let unreported = panics.get(self.already_reported..).unwrap_or_default();
        if unreported.is_empty() {
            return None;
        }
        // "spawned task panicked" stays word for word, so that a search for it finds every such failure.
        let count = match unreported.len() {
            1 => "a spawned task panicked".to_string(),
            more => format!("a spawned task panicked ({more} panics in all)"),
        };
        Some(Failure {
            summary: format!("failed: {count}"),
            details: unreported.iter().map(TaskPanic::describe).collect(),
            help: "a panic in a spawned task fails the test even when nobody awaits its JoinHandle (tokio would only \
                   print it). Fix the task; if the test expects the panic, observe it through the JoinHandle and add \
                   unhandled_panic = \"ignore\"."
                .to_string(),
        })
    }
}

impl Drop for PanicGuard {
    fn drop(&mut self) {
        lock(&WATCHED_RUNTIMES).retain(|watched| watched.runtime != self.runtime);
    }
}

fn record_task_panic(info: &PanicHookInfo<'_>) {
    let Some(task) = tokio::task::try_id() else {
        return;
    };
    let Ok(runtime) = Handle::try_current() else {
        return;
    };
    let runtime = runtime.id();
    // Looked up before taking this module's lock, so that the two registries are never locked together.
    let service = background::name_of(runtime, task);
    let watched = lock(&WATCHED_RUNTIMES);
    let Some(watched) = watched.iter().find(|watched| watched.runtime == runtime) else {
        return;
    };
    let panic = TaskPanic {
        location: info
            .location()
            .map_or_else(|| "an unknown location".to_string(), ToString::to_string),
        message: failure::panic_message(info.payload())
            .unwrap_or("a panic without a message")
            .to_string(),
        service,
    };
    let first = {
        let mut panics = lock(&watched.panics);
        panics.push(panic.clone());
        panics.len() == 1
    };
    if let (true, Some(interrupt)) = (first, &watched.stop_at_first) {
        interrupt.fire(Failure {
            summary: "failed: a spawned task panicked".to_string(),
            details: vec![panic.describe()],
            help: "with unhandled_panic = \"shutdown_runtime\" the first panic of a spawned task ends the test. Fix \
                   the task, or use unhandled_panic = \"ignore\" to observe its panic through its JoinHandle instead."
                .to_string(),
        });
    }
}
