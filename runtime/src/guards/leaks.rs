//! Leaked tasks (`leaks`). Once the body has returned and every ready task has run as far as it can without the
//! clock moving, the tasks still alive are looked at (`leftovers.rs`). Under `deny`, the default, those that keep
//! working (a heartbeat, a refresher, a loop that never waits) are a leak, and those that only wait (a server in
//! `accept()`, a connection waiting for a frame) are dropped at shutdown as tokio drops them. Under `strict` every task
//! still alive is a leak. `warn` sends the report of `deny` to stderr and passes.

use std::io::Write;

use crate::config::Leaks;
use crate::guards::leftovers::{self, Leftovers, Verdict};
use crate::guards::state_at_failure::StateAtFailure;
use crate::guards::{BodyEnd, Guard, TestContext};
use crate::observe::task_dumps;
use crate::report::{self, Failure, Kind};

/// Its policy is in the test's settings: a guard without fields costs no allocation, and every test starts one.
struct LeakGuard;

pub(crate) fn start(test: &TestContext) -> Option<Box<dyn Guard>> {
    match test.settings.leaks {
        Leaks::Allow => None,
        _ => Some(Box::new(LeakGuard)),
    }
}

impl Guard for LeakGuard {
    fn body_finished(&mut self, test: &TestContext, end: BodyEnd, leftovers: &Leftovers) -> Option<Failure> {
        // An interrupted body left its tasks where they were; the interruption's own report covers them.
        if matches!(end, BodyEnd::Interrupted) || leftovers.alive == 0 {
            return None;
        }
        let failure = match test.settings.leaks {
            Leaks::Strict => still_alive_failure(test, leftovers.alive),
            _ if leftovers.verdict.keeps_working() => kept_working_failure(test, leftovers),
            _ => return None,
        };
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

/// Under `strict`: every task still alive.
fn still_alive_failure(test: &TestContext, alive: usize) -> Failure {
    let tasks = report::count(alive, "task", "tasks");
    Failure {
        kind: Kind::Leak,
        summary: format!("leaked {tasks}: still alive after the body returned"),
        details: places(test),
        help: help(
            "with leaks = \"strict\" every task a test spawns must end before the test does, even one that only \
             waits: tokio would drop it silently at shutdown, unfinished. Await its JoinHandle, or stop it \
             (JoinHandle::abort, a JoinSet, a shutdown message, dropping the sender it waits on). The default, leaks \
             = \"deny\", lets tasks that only wait (a server in accept(), a connection waiting for a frame) be \
             dropped at shutdown.",
        ),
    }
}

/// Under `deny` and `warn`: tasks that kept working after the body returned.
fn kept_working_failure(test: &TestContext, leftovers: &Leftovers) -> Failure {
    let tasks = report::count(leftovers.alive, "task", "tasks");
    let stretch = report::budget_text(leftovers::STRETCH);
    let (what, first) = match leftovers.verdict {
        Verdict::KeptFiring { fires } => (
            format!(
                "timers fired {} in the next {stretch} of virtual time",
                report::count(fires as usize, "time", "times")
            ),
            KEEPS_FIRING.to_string(),
        ),
        Verdict::KeptRunning { busy } => (
            format!(
                "the runtime did not go idle once in {} of real time",
                report::seconds(busy)
            ),
            NEVER_WAITS.to_string(),
        ),
        Verdict::WokeDuringLook => (
            format!(
                "the runtime's workers kept waking through a look of {} of real time",
                report::budget_text(leftovers::MULTI_THREAD_LOOK)
            ),
            KEEPS_FIRING.to_string(),
        ),
        Verdict::CutShort {
            real, reached, fires, ..
        } => (
            format!(
                "timers fired {} in the {} of virtual time ws-test could look at, when the look was cut short after {} \
                 of real time",
                report::count(fires as usize, "time", "times"),
                report::seconds(reached),
                report::seconds(real)
            ),
            cut_short_help(),
        ),
        Verdict::NotWatched | Verdict::Ended | Verdict::Quiet => (String::new(), KEEPS_FIRING.to_string()),
    };
    let mut details = places(test);
    if let Verdict::WokeDuringLook = leftovers.verdict {
        details.push(format!(
            "a multi-thread runtime's clock cannot be paused: its tasks are watched for {} of real time, and a timer \
             that fires less often is not seen (leaks = \"strict\" counts every task still alive)",
            report::budget_text(leftovers::MULTI_THREAD_LOOK)
        ));
    }
    Failure {
        kind: Kind::Leak,
        summary: format!("leaked {tasks} that kept working after the body returned: {what}"),
        details,
        help: help(&first),
    }
}

const KEEPS_FIRING: &str = "a task that keeps working once the body has returned is a service nobody stopped (a \
    heartbeat, a refresher, a reconnect loop): tokio would drop it silently at shutdown, mid-work.";

const NEVER_WAITS: &str = "a task that never waits (a loop around yield_now(), a poll that is always ready) keeps the \
    runtime's thread busy for good: tokio would drop it silently at shutdown, mid-work.";

/// The first sentences of the help of a look cut short, which say its bounds.
fn cut_short_help() -> String {
    format!(
        "ws-test looks at what the tasks left do for {} of virtual time, and for {} of real time at most: with real \
         I/O in play each jump of the clock first waits io_grace, and a running spawn_blocking job holds the clock \
         until it ends. They had not stopped or gone quiet when the look ran out, and whether they would have later \
         is not known. A task that keeps working once the body has returned is a service nobody stopped (a \
         heartbeat, a refresher, a reconnect loop).",
        report::budget_text(leftovers::STRETCH),
        report::budget_text(leftovers::REAL_TIME_BOUND)
    )
}

/// The help of a leak: what happened first, then the common fixes and the ways to opt out.
fn help(first: &str) -> String {
    format!(
        "{first} Stop it before the body ends (JoinHandle::abort, a JoinSet, a shutdown message), or start it with \
         ws_test::background(\"name\", ..), which stops it when the body returns. To let this test leak, add leaks = \
         \"allow\" (or \"warn\"); for a whole run, WS_TEST_LEAKS=warn.{}{}",
        how_to_locate(),
        task_dumps::HOW_TO_GET
    )
}

/// Where each live task was spawned, where tokio can tell, and what else was known.
fn places(test: &TestContext) -> Vec<String> {
    let mut places = spawn_places(test);
    // Background services are stopped by now and no longer count; whether real I/O was in play still tells.
    places.extend(StateAtFailure::read(&test.running, None).details());
    places
}

/// The spawn location of each live task where tokio can tell (`--cfg tokio_unstable`).
#[cfg(tokio_unstable)]
fn spawn_places(test: &TestContext) -> Vec<String> {
    // With task dumps, each task's line names its spawn location with the await it is stuck at.
    if task_dumps::AVAILABLE {
        return Vec::new();
    }
    let places = test.spawn_locations.of_live_tasks();
    places.into_iter().map(|place| format!("spawned at {place}")).collect()
}

#[cfg(not(tokio_unstable))]
fn spawn_places(_test: &TestContext) -> Vec<String> {
    Vec::new()
}

/// How to see where each task was spawned, where the build cannot say.
fn how_to_locate() -> &'static str {
    if cfg!(tokio_unstable) {
        ""
    } else {
        " To see where each leaked task was spawned, run with RUSTFLAGS=\"--cfg tokio_unstable\"."
    }
}
