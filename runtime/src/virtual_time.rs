//! Runaway virtual time (`virtual_timeout`). Under the paused clock a task that keeps scheduling timers, a leaked
//! `interval` or a retry loop that never gives up, makes the clock race ahead while the test waits for something
//! else: hundreds of virtual hours in seconds, and the test never ends. The clock only jumps while the runtime parks,
//! so checking it each time the runtime wakes catches the first jump past the budget, in milliseconds of real time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::runtime::Handle;

use crate::Flavor;
use crate::failure::{self, Failure};
use crate::guard::{Guard, TestContext};

struct VirtualTimeGuard;

impl Guard for VirtualTimeGuard {}

pub(crate) fn start(test: &TestContext) -> Option<Box<dyn Guard>> {
    // Only a clock that starts paused runs ahead; with real time the real-time budget covers it.
    if !test.settings.start_paused || test.settings.flavor == Flavor::MultiThread {
        return None;
    }
    let budget = test.settings.virtual_timeout;
    let deadline = test.clocks.virtual_start() + budget;
    let interrupt = Arc::clone(&test.interrupt);
    let fired = AtomicBool::new(false);
    test.activity.on_unpark(Box::new(move || {
        if tokio::time::Instant::now() > deadline && !fired.swap(true, Ordering::SeqCst) {
            let alive = Handle::current().metrics().num_alive_tasks();
            interrupt.fire(runaway_failure(budget, alive));
        }
    }));
    Some(Box::new(VirtualTimeGuard))
}

fn runaway_failure(budget: Duration, alive: usize) -> Failure {
    let budget_text = failure::budget_text(budget);
    let doubled = failure::budget_text(budget * 2);
    let tasks = match alive {
        1 => "1 task".to_string(),
        more => format!("{more} tasks"),
    };
    Failure {
        summary: format!(
            "ran past its virtual_timeout of {budget_text}: the virtual clock kept advancing with {tasks} alive"
        ),
        details: Vec::new(),
        help: format!(
            "something keeps scheduling timers (an interval nobody stops, a retry loop that never gives up) while \
             the body waits for something that does not come. Stop that task or find what the body waits for. If \
             the test really covers more protocol time, raise the budget with #[ws_test(virtual_timeout = \
             \"{doubled}\")] or for a whole run with WS_TEST_VIRTUAL_TIMEOUT={doubled}."
        ),
    }
}
