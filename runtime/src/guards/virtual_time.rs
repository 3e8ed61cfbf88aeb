//! Runaway virtual time (`virtual_timeout`). Under the paused clock a task that keeps scheduling timers, a leaked
//! `interval` or a retry loop that never gives up, makes the clock race ahead while the test waits for something
//! else: hundreds of virtual hours in seconds, and the test never ends. The clock only jumps while the runtime parks,
//! so checking it each time the runtime wakes catches the first jump past the budget, in milliseconds of real time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::runtime::Handle;

use crate::guards::state_at_failure::StateAtFailure;
use crate::guards::{Guard, TestContext};
use crate::observe::activity::Observer;
use crate::observe::task_dumps;
use crate::report::{self, Failure, Kind};
use crate::setup::interrupt::Interrupt;
use crate::setup::registry::RunningTest;

/// What the runtime's unpark hook checks; it reaches it weakly, and the guard keeps it alive.
struct Deadline {
    deadline: tokio::time::Instant,
    budget: Duration,
    interrupt: Arc<Interrupt>,
    running: Arc<RunningTest>,
    fired: AtomicBool,
}

struct VirtualTimeGuard {
    _deadline: Arc<Deadline>,
}

impl Guard for VirtualTimeGuard {}

pub(crate) fn start(test: &TestContext) -> Option<Box<dyn Guard>> {
    // Only a paused clock runs ahead; with real time the real-time budget covers it.
    if !test.settings.paused_clock {
        return None;
    }
    let budget = test.settings.virtual_timeout;
    // A budget too long to reach needs no watching.
    let at = test.clocks.virtual_start().checked_add(budget)?;
    let deadline = Arc::new(Deadline {
        deadline: at,
        budget,
        interrupt: Arc::clone(&test.interrupt),
        running: Arc::clone(&test.running),
        fired: AtomicBool::new(false),
    });
    test.activity.on_unpark(&deadline);
    Some(Box::new(VirtualTimeGuard { _deadline: deadline }))
}

impl Observer for Deadline {
    /// At every wake of the runtime: with the paused clock, right after each jump of virtual time.
    fn observe(&self) {
        if tokio::time::Instant::now() > self.deadline && !self.fired.swap(true, Ordering::SeqCst) {
            let alive = Handle::current().metrics().num_alive_tasks();
            // Read as the clock's jump wakes the runtime: whether it was parked or busy is known.
            let state = StateAtFailure::read(&self.running, None);
            self.interrupt.fire(runaway_failure(self.budget, alive, &state));
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
