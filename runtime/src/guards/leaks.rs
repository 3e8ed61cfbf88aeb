//! Leaked tasks (`leaks`). Once the body has returned and every ready task has run as far as it can without the
//! clock moving, any task still alive on the test's runtime is a leak: a reader loop, a heartbeat, a background
//! service nobody stopped. tokio would drop it silently at shutdown; here the test fails (`deny`, the default), or
//! the report goes to stderr (`warn`).

use std::io::Write;
use std::time::Duration;

use crate::config::{Flavor, Leaks};
use crate::guards::state_at_failure::StateAtFailure;
use crate::guards::{BodyEnd, Guard, TestContext};
use crate::observe::task_dumps;
use crate::report::{self, Failure, Kind};

/// On a multi-thread runtime the count of alive tasks drops only after a finished task is released, which can lag
/// behind its `JoinHandle` resolving (tokio#7591): look again after these pauses before calling anything a leak.
const MULTI_THREAD_RECHECKS: [Duration; 4] = [
    Duration::from_millis(5),
    Duration::from_millis(10),
    Duration::from_millis(20),
    Duration::from_millis(40),
];

/// Its policy is in the test's settings: a guard without fields costs no allocation, and every test starts one.
struct LeakGuard;

pub(crate) fn start(test: &TestContext) -> Option<Box<dyn Guard>> {
    match test.settings.leaks {
        Leaks::Allow => None,
        _ => Some(Box::new(LeakGuard)),
    }
}

impl Guard for LeakGuard {
    fn body_finished(&mut self, test: &TestContext, end: BodyEnd, tasks_alive: usize) -> Option<Failure> {
        // An interrupted body left its tasks where they were; the interruption's own report covers them.
        if matches!(end, BodyEnd::Interrupted) || tasks_alive == 0 {
            return None;
        }
        let alive = alive_after_release(test, tasks_alive);
        if alive == 0 {
            return None;
        }
        let failure = leak_failure(test, alive);
        match test.settings.leaks {
            Leaks::Warn => {
                let report = report::render(&test.settings.test_name, test.running.clocks.read(), &[failure]);
                // Past libtest's capture, which would hide a warning of a passing test.
                let _ = writeln!(std::io::stderr(), "warning: {report}");
                None
            }
            _ => Some(failure),
        }
    }
}

/// The tasks alive of the `counted` the harness saw: the same on a runtime on one thread, where nothing runs between
/// the two; on a multi-thread runtime, counted again after the pauses a finished task may need to be released.
fn alive_after_release(test: &TestContext, counted: usize) -> usize {
    if !matches!(test.settings.flavor, Flavor::MultiThread) {
        return counted;
    }
    let metrics = test.runtime.metrics();
    let mut alive = counted;
    for pause in MULTI_THREAD_RECHECKS {
        if alive == 0 {
            break;
        }
        std::thread::sleep(pause);
        alive = metrics.num_alive_tasks();
    }
    alive
}

fn leak_failure(test: &TestContext, alive: usize) -> Failure {
    let tasks = report::count(alive, "task", "tasks");
    let (mut places, how_to_locate) = spawn_places(test);
    // Background services are stopped by now and no longer count; whether real I/O was in play still tells.
    places.extend(StateAtFailure::read(&test.running, None).details());
    Failure {
        kind: Kind::Leak,
        summary: format!("leaked {tasks}: still alive after the body returned"),
        details: places,
        help: format!(
            "every task a test spawns must end before the test does, or it is dropped silently at shutdown, \
             unfinished. Await its JoinHandle, or stop it (JoinHandle::abort, a JoinSet, a shutdown message). Start \
             a service that should live as long as the test with ws_test::background(\"name\", ..) instead of \
             tokio::spawn. To let this test leak, add leaks = \"allow\" (or \"warn\"); for a whole run, \
             WS_TEST_LEAKS=warn.{how_to_locate}{}",
            task_dumps::HOW_TO_GET
        ),
    }
}

/// The spawn location of each live task where tokio can tell (`--cfg tokio_unstable`), else how to get them.
#[cfg(tokio_unstable)]
fn spawn_places(test: &TestContext) -> (Vec<String>, &'static str) {
    // With task dumps, each task's line names its spawn location with the await it is stuck at.
    if task_dumps::AVAILABLE {
        return (Vec::new(), "");
    }
    let places = test.spawn_locations.of_live_tasks();
    (
        places.into_iter().map(|place| format!("spawned at {place}")).collect(),
        "",
    )
}

#[cfg(not(tokio_unstable))]
fn spawn_places(_test: &TestContext) -> (Vec<String>, &'static str) {
    (
        Vec::new(),
        " To see where each leaked task was spawned, run with RUSTFLAGS=\"--cfg tokio_unstable\".",
    )
}
