//! Deadlocks (`deadlock`). With the paused clock, tokio parks for good when every task waits and no timer is pending:
//! the test would hang until its real-time budget. The runtime can only stay parked in real time when no timer is
//! pending (the paused clock otherwise jumps to it at once) or while a `spawn_blocking` job holds the clock back. So a
//! runtime parked through one whole grace period, with its virtual clock still and no blocking job alive, is
//! deadlocked; the grace lets real I/O (a loopback socket) arrive first. Nothing here touches the clock: a
//! harness-owned far-future timer would make the same condition visible, but the jump to it would also corrupt the
//! clock of a test that is only waiting for real I/O.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::guards::TestContext;
use crate::guards::state_at_failure::StateAtFailure;
use crate::observe::task_dumps;
use crate::report::{self, Failure, Kind};
use crate::setup::registry::{Probe, RunningTest};

/// How long the runtime must stay parked, in real time, before that counts as a deadlock.
pub(crate) const DEADLOCK_GRACE: Duration = Duration::from_millis(500);

struct DeadlockProbe {
    test: Arc<TestContext>,
    /// The parking period being timed, when it began (real), and the virtual clock then.
    parked_period: Option<u64>,
    parked_since: Instant,
    virtual_then: Duration,
    fired: bool,
}

/// It acts only through the interrupt: nothing to report at the end.
pub(crate) fn probe(test: &Arc<TestContext>) -> Option<Box<dyn Probe>> {
    if !test.settings.detects_deadlocks() {
        return None;
    }
    Some(Box::new(DeadlockProbe {
        test: Arc::clone(test),
        parked_period: None,
        parked_since: Instant::now(),
        virtual_then: Duration::ZERO,
        fired: false,
    }))
}

impl Probe for DeadlockProbe {
    fn check(&mut self, now: Instant) {
        if self.fired {
            return;
        }
        let running = &self.test.running;
        let parked_period = running.activity.parked_period();
        let virtual_now = running.clocks.read().virtual_elapsed;
        let still_stuck = parked_period.is_some()
            && parked_period == self.parked_period
            && virtual_now == self.virtual_then
            && !running.activity.blocking_jobs_running();
        if !still_stuck {
            self.parked_period = parked_period;
            self.parked_since = now;
            self.virtual_then = virtual_now;
            return;
        }
        if now.duration_since(self.parked_since) >= DEADLOCK_GRACE {
            self.fired = true;
            let alive = self.test.runtime.metrics().num_alive_tasks();
            let state = StateAtFailure::read(running, Some(&running.activity));
            running.interrupt.fire(deadlock_failure(alive, running, &state));
        }
    }
}

fn deadlock_failure(alive: usize, running: &RunningTest, state: &StateAtFailure) -> Failure {
    let grace = report::budget_text(DEADLOCK_GRACE);
    let waiting = match alive {
        0 => "the body is waiting".to_string(),
        more => format!("the body and {} are all waiting", report::count(more, "task", "tasks")),
    };
    let real_io = if running.real_io_seen() {
        " Real I/O was in play (a socket, a child process): a peer outside the runtime did not answer either."
    } else {
        ""
    };
    Failure {
        kind: Kind::Deadlock,
        summary: format!("deadlocked: {waiting}, no timer is pending, and nothing arrived for {grace}"),
        // Named services say what is waiting: an in-memory connection waits for its handler's answer.
        details: state.details(),
        help: format!(
            "each waits for something only another waiting task could do (a message from a sender that is alive but \
             never sends, a lock, a Notify, a handler that never answers), so nothing will ever happen. Look at what \
             the body awaits and who should wake it.{real_io} If it waits for real I/O or a thread outside tokio that \
             needs more than {grace}, use start_paused = false, or deadlock = \"off\" for this test \
             (WS_TEST_DEADLOCK=off for a whole run).{}",
            task_dumps::HOW_TO_GET
        ),
    }
}
