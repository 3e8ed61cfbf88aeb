//! The real-time budget (`timeout`). One thread for the whole process keeps every running test's deadline. When a
//! test's budget runs out it fires the test's interrupt, which wakes the runtime even while it is parked; the harness
//! then fails the test with a message. If the runtime's thread is stuck in a blocking call, waking it does nothing:
//! after a grace period the watchdog prints the same diagnosis to stderr and ends the process with exit code 124,
//! so the terminal never hangs.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once, PoisonError};
use std::time::{Duration, Instant};

use crate::builder::Flavor;
use crate::clock::Clocks;
use crate::failure::{self, Failure};
use crate::guard::{Guard, TestContext};
use crate::interrupt::Interrupt;

/// How long a woken test may take to return to the harness before its thread counts as stuck.
const STUCK_GRACE: Duration = Duration::from_secs(2);

/// The exit code of a process ended because a test's thread was stuck; the `timeout` command's convention.
pub const STUCK_EXIT_CODE: i32 = 124;

struct Watch {
    id: u64,
    deadline: Instant,
    interrupted: bool,
    test_name: String,
    budget: Duration,
    real_time_only: bool,
    clocks: Clocks,
    interrupt: Arc<Interrupt>,
}

struct Watches {
    next_id: u64,
    running: Vec<Watch>,
}

static WATCHES: Mutex<Watches> = Mutex::new(Watches {
    next_id: 0,
    running: Vec::new(),
});
static CHANGED: Condvar = Condvar::new();
static PATROL_STARTED: Once = Once::new();

fn watches() -> MutexGuard<'static, Watches> {
    WATCHES.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Removes the test's deadline when dropped, after the runtime has shut down.
struct WatchdogGuard {
    id: u64,
}

impl Guard for WatchdogGuard {}

impl Drop for WatchdogGuard {
    fn drop(&mut self) {
        watches().running.retain(|watch| watch.id != self.id);
    }
}

pub(crate) fn start(test: &TestContext) -> Option<Box<dyn Guard>> {
    PATROL_STARTED.call_once(|| {
        if let Err(error) = std::thread::Builder::new()
            .name("ws-test-watchdog".into())
            .spawn(patrol)
        {
            // Without the thread, a hung test would hang the terminal; better to say so loudly at once.
            panic!("ws-test could not start its watchdog thread: {error}");
        }
    });
    let settings = &test.settings;
    let mut watches = watches();
    let id = watches.next_id;
    watches.next_id += 1;
    watches.running.push(Watch {
        id,
        deadline: Instant::now() + settings.timeout,
        interrupted: false,
        test_name: settings.test_name.to_string(),
        budget: settings.timeout,
        real_time_only: !settings.start_paused || settings.flavor == Flavor::MultiThread,
        clocks: test.clocks.clone(),
        interrupt: Arc::clone(&test.interrupt),
    });
    CHANGED.notify_one();
    Some(Box::new(WatchdogGuard { id }))
}

fn patrol() {
    let mut watches = watches();
    loop {
        let now = Instant::now();
        for watch in watches.running.iter_mut().filter(|watch| watch.deadline <= now) {
            if watch.interrupted {
                end_process_for_stuck_test(watch);
            }
            watch.interrupted = true;
            watch.deadline = now + STUCK_GRACE;
            watch.interrupt.fire(timeout_failure(watch));
        }
        let next_deadline = watches.running.iter().map(|watch| watch.deadline).min();
        watches = match next_deadline {
            None => CHANGED.wait(watches).unwrap_or_else(PoisonError::into_inner),
            Some(deadline) => {
                CHANGED
                    .wait_timeout(watches, deadline.saturating_duration_since(now))
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
    }
}

fn timeout_failure(watch: &Watch) -> Failure {
    let budget = failure::budget_text(watch.budget);
    let doubled = failure::budget_text(watch.budget * 2);
    let waiting_on = if watch.real_time_only {
        "This runtime runs in real time, so its sleeps and timeouts take real time too."
    } else {
        "The clock is paused and jumps to the next timer whenever every task waits, so the body was not waiting on a \
         timer: look for a message nobody sends, a task that never ends, or real I/O."
    };
    Failure {
        summary: format!("timed out: still running after its real-time budget of {budget}"),
        details: Vec::new(),
        help: format!(
            "{waiting_on} If the test needs more real time, raise its budget with #[ws_test(timeout = \"{doubled}\")] \
             or for a whole run with WS_TEST_TIMEOUT={doubled}."
        ),
    }
}

/// Exits the process: the test's thread did not come back from a blocking call, and nothing else can end it.
fn end_process_for_stuck_test(watch: &Watch) -> ! {
    let budget = failure::budget_text(watch.budget);
    let grace = failure::budget_text(STUCK_GRACE);
    let stuck = Failure {
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
    let report = failure::render(&watch.test_name, watch.clocks.read(), &[stuck]);
    // Straight to the process's stderr: libtest captures `eprintln!` of test threads, and that capture is lost when
    // the process exits.
    let _ = writeln!(std::io::stderr(), "\n{report}");
    std::process::exit(STUCK_EXIT_CODE);
}
