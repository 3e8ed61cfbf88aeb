//! The real-time budget (`timeout`). One thread for the whole process keeps every running test's deadline. When a
//! test's budget runs out it fires the test's interrupt, which wakes the runtime even while it is parked; the harness
//! then fails the test with a message. If the runtime's thread is stuck in a blocking call, waking it does nothing:
//! after a grace period the watchdog prints the same diagnosis to stderr and ends the process with exit code 124,
//! so the terminal never hangs.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Flavor;
use crate::guards::TestContext;
use crate::guards::state_at_failure::StateAtFailure;
use crate::observe::activity::Activity;
use crate::observe::task_dumps;
use crate::report::record::{self, Outcome, Record};
use crate::report::{self, Failure, Kind};
use crate::setup::environment;
use crate::setup::registry::Probe;

/// How long a woken test may take to return to the harness before its thread counts as stuck.
const STUCK_GRACE: Duration = Duration::from_secs(2);

/// The exit code of a process ended because a test's thread was stuck in a blocking call past its budget; the
/// `timeout` command's convention. A runner that re-runs tests in child processes can tell this end from a failure.
///
/// ```
/// let status = std::process::Command::new("true").status().unwrap();
/// if status.code() == Some(ws_test::STUCK_EXIT_CODE) {
///     eprintln!("a test was stuck in a blocking call; see its stderr");
/// }
/// ```
pub const STUCK_EXIT_CODE: i32 = 124;

struct Watch {
    /// `None` for a budget too long to reach.
    deadline: Option<Instant>,
    interrupted: bool,
    test_name: std::borrow::Cow<'static, str>,
    budget: Duration,
    real_time_only: bool,
    test: Arc<TestContext>,
    /// The runtime's idle points, where they mean the whole runtime is idle (a runtime on one thread: current-thread
    /// or local).
    activity: Option<Arc<Activity>>,
}

/// It acts only through the interrupt, or by ending the process: nothing to report at the end.
pub(crate) fn probe(test: &Arc<TestContext>) -> Option<Box<dyn Probe>> {
    let settings = &test.settings;
    Some(Box::new(Watch {
        deadline: test.running.clocks.real_start().checked_add(settings.timeout),
        interrupted: false,
        test_name: settings.test_name.clone(),
        budget: settings.timeout,
        real_time_only: !settings.paused_clock,
        activity: (settings.flavor != Flavor::MultiThread).then(|| Arc::clone(&test.running.activity)),
        test: Arc::clone(test),
    }))
}

impl Probe for Watch {
    fn check(&mut self, now: Instant) {
        if self.deadline.is_none_or(|deadline| now < deadline) {
            return;
        }
        if self.interrupted {
            end_process_for_stuck_test(self);
        }
        self.interrupted = true;
        self.deadline = Some(now + STUCK_GRACE);
        self.test.running.interrupt.fire(timeout_failure(self));
    }
}

fn timeout_failure(watch: &Watch) -> Failure {
    let budget = report::budget_text(watch.budget);
    let doubled = report::budget_text(watch.budget.saturating_mul(2));
    let waiting_on = if watch.real_time_only {
        "This runtime runs in real time, so its sleeps and timeouts take real time too."
    } else if watch.test.running.real_io_seen() {
        "The clock is paused and jumps to the next timer once the runtime has been idle for the real-I/O grace, so \
         the body was not waiting on a timer. Real I/O was in play (a socket, a child process): look for a peer that \
         never answers, a message nobody sends, or a task that never ends."
    } else {
        "The clock is paused and jumps to the next timer whenever every task waits, so the body was not waiting on a \
         timer: look for a message nobody sends, a task that never ends, or real I/O."
    };
    Failure {
        kind: Kind::Timeout,
        summary: format!("timed out: still running after its real-time budget of {budget}"),
        details: StateAtFailure::read(&watch.test.running, watch.activity.as_deref()).details(),
        help: format!(
            "{waiting_on} If the test needs more real time, raise its budget with #[ws_test(timeout = \"{doubled}\")] \
             or for a whole run with WS_TEST_TIMEOUT={doubled}.{}",
            task_dumps::HOW_TO_GET
        ),
    }
}

/// Exits the process: the test's thread did not come back from a blocking call, and nothing else can end it.
fn end_process_for_stuck_test(watch: &Watch) -> ! {
    let budget = report::budget_text(watch.budget);
    let grace = report::budget_text(STUCK_GRACE);
    let stuck = Failure {
        kind: Kind::Stuck,
        summary: format!(
            "timed out: still running after its real-time budget of {budget}, and its thread is stuck in a blocking call"
        ),
        details: Vec::new(),
        help: format!(
            "the test's thread did not return to the tokio scheduler within {grace} of being woken: it is inside a \
             blocking call (std::thread::sleep, blocking I/O, a std::sync lock, a busy loop). Use the async \
             counterpart (tokio::time::sleep(..).await, tokio::sync) or move the call into \
             tokio::task::spawn_blocking. ws-test ends the test process with exit code {STUCK_EXIT_CODE} so that the \
             terminal does not hang; other tests of this binary still running are not reported."
        ),
    };
    let clocks = watch.test.running.clocks.read();
    let report = report::render(&watch.test_name, clocks, &[stuck]);
    // Straight to the process's stderr: libtest captures `eprintln!` of test threads, and that capture is lost when
    // the process exits.
    let _ = writeln!(std::io::stderr(), "\n{report}");
    if let Some(path) = &environment::defaults().report {
        let record = Record {
            test_name: &watch.test_name,
            outcome: Outcome::Stuck,
            failures: &[Kind::Stuck],
            clocks,
            // The runtime's thread is stuck; its handle is not this thread's to ask.
            tasks_alive: None,
            quiet_tasks: None,
        };
        record::append(path, &record);
    }
    std::process::exit(STUCK_EXIT_CODE);
}
