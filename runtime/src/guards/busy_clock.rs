//! A runtime that never idles. tokio's paused clock moves only when every task waits, so a task that never waits (a
//! loop over an always-ready future, a long computation) freezes virtual time: a `timeout(1ms, ..)` around it never
//! fires, and the test spins until its real-time budget. This is not a guard that fails a test; it keeps such a
//! runtime's clock moving the way real time would. Once the runtime has gone [`BUSY_AFTER`] without idling and its
//! thread has then spent another [`BUSY_AFTER`] of CPU time computing (CPU time, so that a loaded machine or a blocking
//! call does not count), the monitor advances the virtual clock by the CPU time the thread goes on spending, at every
//! check, until the runtime idles again. A test that waits on timers never computes that long between two waits, so
//! its virtual times stay exact, however loaded the machine. Time in the panic hook does not count: printing a
//! backtrace reports a failure, and must not move the clock the report shows.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;

use crate::guards::TestContext;
use crate::observe::activity::Activity;
use crate::observe::clock::Clocks;
#[cfg(target_os = "linux")]
use crate::observe::thread_usage::ThreadUsage;
use crate::setup::registry::Probe;

/// How long the runtime must have been busy, in real time and then in CPU time, in one stretch between two idle
/// points, before its clock moves.
pub(crate) const BUSY_AFTER: Duration = Duration::from_millis(100);

struct BusyClock {
    activity: std::sync::Arc<Activity>,
    clocks: Clocks,
    runtime: Handle,
    #[cfg(target_os = "linux")]
    thread: ThreadUsage,
    /// The busy stretch being followed: its id, the thread's time measure at the last look, and the virtual clock
    /// as the last look left it.
    following: Option<Following>,
    /// The body resumed real time (`tokio::time::resume()`): the clock is not ours to move.
    clock_not_paused: bool,
}

struct Following {
    stretch: u64,
    /// The thread's time measure at the first look at this stretch.
    measure_at_first_look: Duration,
    /// How far this probe has moved the clock during the stretch.
    advanced: Duration,
    /// The virtual clock as the last look left it.
    virtual_then: Duration,
}

/// It acts on the clock only: nothing to report at the end.
pub(crate) fn probe(test: &Arc<TestContext>) -> Option<Box<dyn Probe>> {
    if !test.settings.paused_clock {
        return None;
    }
    Some(Box::new(BusyClock {
        activity: Arc::clone(&test.running.activity),
        clocks: test.running.clocks.clone(),
        runtime: test.runtime.clone(),
        #[cfg(target_os = "linux")]
        thread: test.runtime_thread,
        following: None,
        clock_not_paused: false,
    }))
}

impl Probe for BusyClock {
    fn check(&mut self, now: Instant) {
        let busy = self.activity.busy_stretch();
        // Time in the panic hook (printing a backtrace can take half a second of CPU) is the report of a failure, not
        // a runtime that never idles: it neither counts towards the busy stretch nor moves the clock.
        let Some(stretch) = busy.filter(|_| !self.clock_not_paused && !self.activity.in_backtrace_work()) else {
            self.following = None;
            return;
        };
        let busy_for = now
            .saturating_duration_since(self.activity.stretch_started())
            .saturating_sub(self.activity.backtrace_time_in_stretch(now));
        if busy_for < BUSY_AFTER {
            return;
        }
        let Some(measure_now) = self.busy_time(now) else {
            return;
        };
        let virtual_now = self.clocks.read().virtual_elapsed;
        let following = match self.following.take() {
            Some(following) if following.stretch == stretch => following,
            // The first look at this stretch: the measure starts here.
            _ => Following {
                stretch,
                measure_at_first_look: measure_now,
                advanced: Duration::ZERO,
                virtual_then: virtual_now,
            },
        };
        if virtual_now != following.virtual_then {
            // Nothing but this probe moves a paused clock while the runtime is busy: the body resumed real time.
            self.clock_not_paused = true;
            return;
        }
        let due = measure_now
            .saturating_sub(following.measure_at_first_look)
            .saturating_sub(BUSY_AFTER);
        let step = due.saturating_sub(following.advanced);
        if !step.is_zero() && !self.advance(step) {
            self.clock_not_paused = true;
            return;
        }
        self.following = Some(Following {
            advanced: due.max(following.advanced),
            virtual_then: self.clocks.read().virtual_elapsed,
            ..following
        });
    }
}

impl BusyClock {
    /// What the runtime's thread has spent computing, as a running total: its CPU time, as Linux counts it.
    #[cfg(target_os = "linux")]
    fn busy_time(&self, _now: Instant) -> Option<Duration> {
        self.thread.sample().map(|sample| sample.cpu)
    }

    /// What the runtime's thread has spent computing, as a running total: without Linux's figures, real time.
    #[cfg(not(target_os = "linux"))]
    fn busy_time(&self, now: Instant) -> Option<Duration> {
        Some(now.saturating_duration_since(self.clocks.real_start()))
    }

    /// Moves the test's paused clock forward by `by`, from the monitor's thread: `tokio::time::advance` moves the
    /// clock in its first poll (what follows is a yield, which is not needed here). The busy runtime fires the timers
    /// that became due at its next driver poll, which it makes every few dozen task polls.
    /// `false` if the clock could not be moved.
    fn advance(&self, by: Duration) -> bool {
        let _inside_runtime = self.runtime.enter();
        let mut advancing = pin!(tokio::time::advance(by));
        // A clock resumed between the check above and this call makes tokio panic; the monitor thread must survive.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = advancing.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        }))
        .is_ok()
    }
}
