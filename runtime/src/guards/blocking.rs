//! A blocked event loop (`max_blocking`). A blocking call on the runtime's thread (`std::thread::sleep`, blocking
//! I/O, a contended `std::sync::Mutex`) stalls every task without a word. Between two of its idle points the runtime's
//! thread is polling tasks; a probe on the monitor thread measures each such stretch and counts only the time the
//! thread was blocked: real time, less the CPU time it used and the time it waited in the run queue (so a loaded
//! machine is not mistaken for a blocking call). Where the kernel keeps no run-queue statistics, only time in which
//! the thread was seen asleep counts. A stretch blocked for longer than the limit fails the test when it ends.
//! Linux only, on current-thread runtimes; elsewhere only the real-time budget applies.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::config::{Flavor, MaxBlocking};
use crate::guards::leftovers::Leftovers;
use crate::guards::{BodyEnd, Guard, TestContext};
use crate::lock::lock;
use crate::observe::activity::{Activity, Observer};
use crate::observe::thread_usage::{ThreadUsage, UsageSample};
use crate::report::{self, Failure, Kind};
use crate::setup::registry::Probe;

/// One stretch of polling between two idle points, being measured.
struct Stretch {
    id: u64,
    started: Instant,
    at_start: UsageSample,
    last_look: Instant,
    /// Time in which the thread was seen asleep, for kernels without run-queue statistics.
    seen_asleep: Duration,
    blocked: Duration,
}

struct Measurements {
    activity: Arc<Activity>,
    thread: ThreadUsage,
    limit: Duration,
    stretch: Option<Stretch>,
    /// The body is over: stop measuring (the harness's own waiting at shutdown is not the test's).
    finished: bool,
    /// The blocked time of the stretch that went over the limit, once it has ended.
    found: Option<Duration>,
    /// Whether `found` already stopped the body through its interrupt.
    interrupted: bool,
}

/// What the monitor's probe, the runtime's idle point and the harness share.
pub(crate) struct Shared {
    measurements: Mutex<Measurements>,
    /// The current stretch has been blocked for longer than the limit: the runtime's next idle point reports it.
    over_limit: AtomicBool,
    /// Weakly: the test's context keeps this (`blocked_stretches`).
    test: Weak<TestContext>,
}

/// The monitor's side: measures each stretch while it lasts.
struct BlockingProbe {
    shared: Arc<Shared>,
}

/// The harness's side. Everything it reports was measured by the probe, so it has no state of its own: it finds the
/// measurements in the test's context, where the probe leaves them.
struct BlockingGuard;

pub(crate) fn start(test: &TestContext) -> Option<Box<dyn Guard>> {
    limit(test)?;
    Some(Box::new(BlockingGuard))
}

fn limit(test: &TestContext) -> Option<Duration> {
    let MaxBlocking::Limit(limit) = test.settings.max_blocking else {
        return None;
    };
    (!matches!(test.settings.flavor, Flavor::MultiThread)).then_some(limit)
}

/// Made by the monitor at its first look at the test, with the measurements: a test that ends before that (most do)
/// has had no stretch the monitor could measure, and pays for neither.
pub(crate) fn probe(test: &Arc<TestContext>) -> Option<Box<dyn Probe>> {
    let limit = limit(test)?;
    let thread = test.runtime_thread;
    let made = test.blocked_stretches.get_or_init(|| {
        Some(Arc::new(Shared {
            measurements: Mutex::new(Measurements {
                activity: Arc::clone(&test.running.activity),
                thread,
                limit,
                stretch: None,
                finished: false,
                found: None,
                interrupted: false,
            }),
            over_limit: AtomicBool::new(false),
            test: Arc::downgrade(test),
        }))
    });
    // `None` when the body finished first.
    let shared = made.as_ref()?;
    test.running.activity.on_park(shared);
    Some(Box::new(BlockingProbe {
        shared: Arc::clone(shared),
    }))
}

impl Observer for Shared {
    /// The stretch ends at the runtime's idle point: measured to the end there, on the runtime's own thread, with the
    /// body stopped before the runtime parks, so the paused clock cannot carry it past its next wait.
    fn observe(&self) {
        if !self.over_limit.load(Ordering::SeqCst) {
            return;
        }
        let mut measurements = lock(&self.measurements);
        measurements.end_stretch(Instant::now(), &self.over_limit);
        if let (Some(blocked), false, Some(test)) = (measurements.found, measurements.interrupted, self.test.upgrade())
        {
            measurements.interrupted = true;
            test.running
                .interrupt
                .fire(blocked_failure(blocked, measurements.limit));
        }
    }
}

impl Probe for BlockingProbe {
    fn check(&mut self, now: Instant) {
        let mut measurements = lock(&self.shared.measurements);
        if !measurements.finished && measurements.found.is_none() {
            measurements.look(now, &self.shared.over_limit);
        }
    }
}

impl Guard for BlockingGuard {
    fn body_finished(&mut self, test: &TestContext, end: BodyEnd, _leftovers: &Leftovers) -> Option<Failure> {
        // Settled now: a probe the monitor makes from here on finds nothing to measure.
        let shared = test.blocked_stretches.get_or_init(|| None).as_ref()?;
        let mut measurements = lock(&shared.measurements);
        measurements.finished = true;
        // The body may have returned right after a blocking call, with no idle point in between.
        measurements.end_stretch(Instant::now(), &shared.over_limit);
        let reported = measurements.interrupted && end == BodyEnd::Interrupted;
        match measurements.found {
            Some(blocked) if !reported => Some(blocked_failure(blocked, measurements.limit)),
            _ => None,
        }
    }
}

impl Measurements {
    /// From the monitor: follows the stretch the runtime is in, starting a new one when the last has ended.
    fn look(&mut self, now: Instant, over_limit: &AtomicBool) {
        let busy = self.activity.busy_stretch();
        if busy.is_some() && busy == self.stretch.as_ref().map(|stretch| stretch.id) {
            self.measure(now, over_limit);
            return;
        }
        // The stretch already ended at an idle point; the time since is not its own.
        self.stretch = None;
        over_limit.store(false, Ordering::SeqCst);
        let Some(id) = busy else {
            return;
        };
        // Most stretches last microseconds. One too short to reach the limit yet is not sampled: reading /proc for
        // every stretch the monitor happens to see would cost more than the test itself.
        let started = self.activity.stretch_started().min(now);
        if now.duration_since(started) < self.limit / 4 {
            return;
        }
        if let Some(sample) = self.thread.sample() {
            self.stretch = Some(Stretch {
                id,
                started,
                // The CPU time the stretch used before this first sample counts as blocked: at most a quarter of the
                // limit, and on a blocked thread next to nothing.
                at_start: sample,
                last_look: now,
                seen_asleep: Duration::ZERO,
                blocked: Duration::ZERO,
            });
        }
    }

    fn measure(&mut self, now: Instant, over_limit: &AtomicBool) {
        let (Some(stretch), Some(sample)) = (self.stretch.as_mut(), self.thread.sample()) else {
            return;
        };
        if sample.asleep {
            stretch.seen_asleep += now.duration_since(stretch.last_look);
        }
        stretch.last_look = now;
        stretch.blocked = blocked_time(stretch, &sample, now, self.activity.backtrace_time_in_stretch(now));
        if stretch.blocked > self.limit {
            over_limit.store(true, Ordering::SeqCst);
        }
    }

    /// The current stretch ends now: measure it one last time and keep it if it went over the limit. A stretch that
    /// already ended at an idle point the monitor has not seen yet keeps its last measure: the time since is not its.
    fn end_stretch(&mut self, now: Instant, over_limit: &AtomicBool) {
        if self.stretch.as_ref().map(|stretch| stretch.id) == self.activity.busy_stretch() {
            self.measure(now, over_limit);
        }
        over_limit.store(false, Ordering::SeqCst);
        if let Some(stretch) = self.stretch.take() {
            if stretch.blocked > self.limit && self.found.is_none() {
                self.found = Some(stretch.blocked);
            }
        }
    }
}

/// Real time less CPU time less run-queue wait, less the time spent in the panic machinery (`in_panics`); without
/// run-queue figures, no more than the time seen asleep.
fn blocked_time(stretch: &Stretch, now_sample: &UsageSample, now: Instant, in_panics: Duration) -> Duration {
    let not_running = now
        .duration_since(stretch.started)
        .saturating_sub(now_sample.cpu.saturating_sub(stretch.at_start.cpu))
        .saturating_sub(in_panics);
    match (now_sample.run_queue_wait, stretch.at_start.run_queue_wait) {
        (Some(wait_now), Some(wait_then)) => not_running.saturating_sub(wait_now.saturating_sub(wait_then)),
        _ => not_running.min(stretch.seen_asleep),
    }
}

fn blocked_failure(blocked: Duration, limit: Duration) -> Failure {
    let limit_text = report::budget_text(limit);
    Failure {
        kind: Kind::BlockedEventLoop,
        summary: format!(
            "failed: event loop blocked for {:.2}s without using the CPU (limit {limit_text})",
            blocked.as_secs_f64()
        ),
        details: Vec::new(),
        help: "a blocking call ran on the runtime's thread (std::thread::sleep, blocking I/O, a contended \
               std::sync::Mutex), and no task could run meanwhile. Use tokio::time::sleep(..).await or the async \
               API, or move the call into tokio::task::spawn_blocking. To allow it, add max_blocking = \"off\" (or \
               a larger limit), or set WS_TEST_MAX_BLOCKING for a whole run."
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(cpu_millis: u64, run_queue_wait_millis: Option<u64>) -> UsageSample {
        UsageSample {
            cpu: Duration::from_millis(cpu_millis),
            run_queue_wait: run_queue_wait_millis.map(Duration::from_millis),
            asleep: false,
        }
    }

    fn stretch_from(at_start: UsageSample, started: Instant, seen_asleep_millis: u64) -> Stretch {
        Stretch {
            id: 0,
            started,
            at_start,
            last_look: started,
            seen_asleep: Duration::from_millis(seen_asleep_millis),
            blocked: Duration::ZERO,
        }
    }

    #[test]
    fn cpu_time_and_run_queue_wait_are_not_blocking() {
        let started = Instant::now();
        let one_second_later = started + Duration::from_secs(1);
        let stretch = stretch_from(sample(100, Some(50)), started, 0);
        // 1 s of real time: 300 ms on the CPU and 200 ms waiting for it leave 500 ms blocked.
        assert_eq!(
            blocked_time(&stretch, &sample(400, Some(250)), one_second_later, Duration::ZERO),
            Duration::from_millis(500)
        );
        // All of it on the CPU or in the run queue: nothing blocked, however long.
        assert_eq!(
            blocked_time(&stretch, &sample(700, Some(450)), one_second_later, Duration::ZERO),
            Duration::ZERO
        );
    }

    #[test]
    fn without_run_queue_figures_only_time_seen_asleep_counts() {
        let started = Instant::now();
        let one_second_later = started + Duration::from_secs(1);
        // A loaded machine: 900 ms neither on the CPU nor (as far as anyone can tell) asleep.
        let waiting = stretch_from(sample(100, None), started, 0);
        assert_eq!(
            blocked_time(&waiting, &sample(200, None), one_second_later, Duration::ZERO),
            Duration::ZERO
        );
        let sleeping = stretch_from(sample(100, None), started, 800);
        assert_eq!(
            blocked_time(&sleeping, &sample(200, None), one_second_later, Duration::ZERO),
            Duration::from_millis(800)
        );
    }

    #[test]
    fn time_in_the_panic_machinery_is_not_blocking() {
        let started = Instant::now();
        let one_second_later = started + Duration::from_secs(1);
        let stretch = stretch_from(sample(100, Some(50)), started, 0);
        // 500 ms blocked, 300 ms of which printing a panic's backtrace.
        assert_eq!(
            blocked_time(
                &stretch,
                &sample(400, Some(250)),
                one_second_later,
                Duration::from_millis(300)
            ),
            Duration::from_millis(200)
        );
    }
}
