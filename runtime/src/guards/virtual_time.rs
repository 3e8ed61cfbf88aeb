//! Runaway virtual time (`virtual_timeout`). Under the paused clock a task that keeps scheduling timers, a leaked
//! `interval` or a retry loop that never gives up, makes the clock race ahead while the test waits for something
//! else: hundreds of virtual hours in seconds, and the test never ends. The clock only jumps while the runtime parks,
//! so checking it each time the runtime wakes catches the first jump past the budget, in milliseconds of real time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::runtime::Handle;

use crate::guards::TestContext;
use crate::guards::state_at_failure::StateAtFailure;
use crate::observe::activity::Observer;
use crate::observe::clock::Clocks;
use crate::observe::task_dumps;
use crate::report::{self, Failure, Kind};
use crate::setup::settings::Settings;

/// What the runtime's unpark hook checks. Kept in the test's context, which is the observer: every test with a
/// paused clock has one, and it needs no allocation of its own, nor a guard to keep it alive (it reports nothing at
/// the end).
pub(crate) struct Deadline {
    deadline: tokio::time::Instant,
    budget: Duration,
    fired: AtomicBool,
}

/// The deadline of a test whose clock is paused; `None` with real time, which the real-time budget covers, and for
/// a budget too long to reach.
pub(crate) fn deadline(settings: &Settings, clocks: &Clocks) -> Option<Deadline> {
    if !settings.paused_clock {
        return None;
    }
    let budget = settings.virtual_timeout;
    Some(Deadline {
        deadline: clocks.virtual_start().checked_add(budget)?,
        budget,
        fired: AtomicBool::new(false),
    })
}

impl Deadline {
    /// The body is over: what runs after it (the look at the tasks it left) is not held to its budget.
    pub(crate) fn disarm(&self) {
        self.fired.store(true, Ordering::SeqCst);
    }
}

pub(crate) fn start(test: &Arc<TestContext>) {
    if test.virtual_deadline.is_some() {
        test.running.activity.on_unpark(test);
    }
}

/// The test's context observes the runtime's wakes for the virtual-time guard, the one guard that keeps its state
/// there.
impl Observer for TestContext {
    /// At every wake of the runtime: with the paused clock, right after each jump of virtual time.
    fn observe(&self) {
        let Some(deadline) = &self.virtual_deadline else {
            return;
        };
        if tokio::time::Instant::now() > deadline.deadline && !deadline.fired.swap(true, Ordering::SeqCst) {
            let alive = Handle::current().metrics().num_alive_tasks();
            // Read as the clock's jump wakes the runtime: whether it was parked or busy is known.
            let state = StateAtFailure::read(&self.running, None);
            self.running
                .interrupt
                .fire(runaway_failure(deadline.budget, alive, &state));
        }
    }
}

fn runaway_failure(budget: Duration, alive: usize, state: &StateAtFailure) -> Failure {
    let budget_text = report::budget_text(budget);
    let doubled = report::budget_text(budget.saturating_mul(2));
    let tasks = report::count(alive, "task", "tasks");
    Failure {
        kind: Kind::VirtualTimeout,
        summary: format!(
            "ran past its virtual_timeout of {budget_text}: the virtual clock kept advancing with {tasks} alive"
        ),
        details: state.details(),
        help: format!(
            "something keeps scheduling timers (an interval nobody stops, a retry loop that never gives up) while \
             the body waits for something that does not come. Stop that task or find what the body waits for. If \
             the test really covers more protocol time, raise the budget with #[ws_test(virtual_timeout = \
             \"{doubled}\")] or for a whole run with WS_TEST_VIRTUAL_TIMEOUT={doubled}.{}",
            task_dumps::HOW_TO_GET
        ),
    }
}
