//! Panicking tasks (`unhandled_panic`). A panic in a task spawned on the test's runtime, including `spawn_blocking`
//! jobs and tasks that panic while being dropped at shutdown, fails the test at its end, listing each panic; with
//! `"shutdown_runtime"` the first one ends the test at once; `"ignore"` keeps tokio's behaviour.
//!
//! It works on stable Rust through one process-wide panic hook, installed once and chained to the hook that was there
//! before (whose output is kept). The hook runs on the panicking thread before tokio catches the unwind, so
//! `Handle::try_current()` names the runtime the task runs on, and `task::try_id()` tells a spawned task from the
//! test's body (the body's own panic is the harness's to report). Records are kept in the test's entry of the
//! registry of running tests, so tests running in parallel never see each other's panics.
//!
//! The hook also times the hooks it chains to on the runtime's own thread (printing a backtrace can take a quarter of
//! a second on a loaded machine), so that the blocked-event-loop guard does not take that time for the test's.

use std::panic::PanicHookInfo;
use std::sync::Once;

use tokio::runtime::Handle;

use crate::config::UnhandledPanic;
use crate::guards::{Guard, TestContext};
use crate::report::{self, Failure, Kind};
use crate::setup::registry::{self, RunningTest, TaskPanic};

static HOOK_INSTALLED: Once = Once::new();

/// Its policy is in the test's settings: a guard without fields costs no allocation, and every test starts one.
struct PanicGuard;

/// Panics already reported by interrupting the test (the first, with `"shutdown_runtime"`), so that the report at the
/// end does not list them twice.
fn already_reported(behaviour: UnhandledPanic) -> usize {
    usize::from(matches!(behaviour, UnhandledPanic::ShutdownRuntime))
}

pub(crate) fn start(test: &TestContext) -> Option<Box<dyn Guard>> {
    // Installed whatever the policy: the hook's timing serves the blocked-event-loop guard too.
    HOOK_INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let test = Handle::try_current()
                .ok()
                .and_then(|runtime| registry::find(runtime.id()));
            let test = test.as_ref().map(|test| test.running());
            let on_runtime_thread = test.filter(|test| test.thread == std::thread::current().id());
            let entered = on_runtime_thread.map(|test| test.activity.backtrace_work_entered());
            if let Some(test) = test {
                record_task_panic(test, info);
            }
            previous(info);
            if let (Some(test), Some(entered)) = (on_runtime_thread, entered) {
                test.activity.backtrace_work_left(entered);
            }
        }));
    });
    let behaviour = test.settings.unhandled_panic;
    if matches!(behaviour, UnhandledPanic::Ignore) {
        return None;
    }
    // The test's entry records its task panics from its registration on; with "shutdown_runtime" the first stops it.
    if matches!(behaviour, UnhandledPanic::ShutdownRuntime) {
        test.running.on_first_task_panic(|running, panic| {
            running.interrupt.fire(first_panic_failure(panic));
        });
    }
    Some(Box::new(PanicGuard))
}

impl Guard for PanicGuard {
    /// After shutdown, so that panics of tasks dropped at shutdown are included.
    fn runtime_shut_down(&mut self, test: &TestContext) -> Option<Failure> {
        let unreported = test
            .running
            .task_panics_after(already_reported(test.settings.unhandled_panic));
        if unreported.is_empty() {
            return None;
        }
        // "spawned task panicked" stays word for word, so that a search for it finds every such failure.
        let count = match unreported.len() {
            1 => "a spawned task panicked".to_string(),
            more => format!(
                "a spawned task panicked ({} in all)",
                report::count(more, "panic", "panics")
            ),
        };
        Some(Failure {
            kind: Kind::TaskPanic,
            summary: format!("failed: {count}"),
            details: unreported.iter().map(describe).collect(),
            help: "a panic in a spawned task fails the test even when nobody awaits its JoinHandle (tokio would only \
                   print it). Fix the task; if the test expects the panic, observe it through the JoinHandle and add \
                   unhandled_panic = \"ignore\"."
                .to_string(),
        })
    }
}

fn describe(panic: &TaskPanic) -> String {
    // A task left behind by the body, panicking while the harness looked at it or dropped it at shutdown.
    let when = if panic.after_body {
        ", after the body returned"
    } else {
        ""
    };
    match &panic.service {
        Some(name) => format!(
            "background service `{name}` at {}{when}: {}",
            panic.location, panic.message
        ),
        None => format!("at {}{when}: {}", panic.location, panic.message),
    }
}

fn first_panic_failure(panic: &TaskPanic) -> Failure {
    Failure {
        kind: Kind::TaskPanic,
        summary: "failed: a spawned task panicked".to_string(),
        details: vec![describe(panic)],
        help: "with unhandled_panic = \"shutdown_runtime\" the first panic of a spawned task ends the test. Fix the \
               task, or use unhandled_panic = \"ignore\" to observe its panic through its JoinHandle instead."
            .to_string(),
    }
}

/// From the process-wide hook, on the panicking thread: a panic of a task (not of a test's body) on a running test's
/// runtime is recorded in the test's entry.
fn record_task_panic(test: &RunningTest, info: &PanicHookInfo<'_>) {
    let Some(task) = tokio::task::try_id() else {
        return;
    };
    let location = info
        .location()
        .map_or_else(|| "an unknown location".to_string(), ToString::to_string);
    test.record_task_panic(task, location, report::panic_text(info.payload()).to_string());
}
