//! Real I/O under the paused clock (`io_grace`). A peer outside the test's runtime (a server on its own thread, a
//! child process, a real socket) answers in real time, but the paused clock jumps to the next timer the moment every
//! task waits: a `timeout(5s, ..)` around a real reply would elapse at once (tokio#2647, tokio#4522). Like
//! `busy_clock`, this fails nothing; it makes the clock wait.
//!
//! While real I/O is in play, every time the runtime is about to park this holds the clock back: it starts a
//! `spawn_blocking` job, which tokio documents as inhibiting the paused clock's auto-advance while it runs (the
//! runtime then parks in real time, and wakes for I/O as usual). The job itself watches the runtime's idle time and
//! ends once the runtime has been idle, in all, for the grace since the hold began: tokio then re-allows auto-advance
//! and unparks the driver, which jumps to the next timer. The next park after a jump holds again. Counting idle time
//! in all, rather than one unbroken park, means a runtime that wakes for nothing (its park timed out on the real clock)
//! still reaches the grace: it never hangs. While other threads of the process use the CPU (a server on a thread of
//! its own, answering), idle time counts at a tenth: such a peer gets up to ten times the grace. The threads of tests
//! running in parallel count too, which can only make a jump wait longer, never come early.
//!
//! Real I/O is in play when the settings say so from the start, when ws-test's own `ws::Server` is used, when a
//! socket, pipe or child process is registered with the runtime (on Linux with glibc, `setup/io_registrations.rs`
//! tells [`real_io_came_into_play`] from inside the registration), and, under `--cfg tokio_unstable`, as soon as the
//! runtime's I/O driver has more sources registered than it had at the start.
//!
//! While a child process the test started runs, every park is held, and the hold moves the paused clock on with real
//! time instead of waiting for the grace (`RealTimeClock`): a child gets the real time its timeouts give it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::guards::TestContext;
use crate::lock::lock;
use crate::observe::activity::{Activity, Observer};
use crate::observe::process_cpu;
use crate::setup::registry::{Registered, RunningTest};

/// How many parks after the end of a hold are let through (see `released_at`).
const PARKS_LET_THROUGH: u64 = 2;

/// How many times a step of the hold's job counts toward the grace at most, and how many times longer the hold may
/// last while another thread of the process works (see `IdleCredit`).
const STEPS: u32 = 4;
const SLOWEST_CREDIT: f64 = 1.0 / 10.0;

/// The shortest wait of the hold's job, so that a short grace does not make it spin.
const SHORTEST_WAIT: Duration = Duration::from_micros(500);

/// How often the clock is moved on while a child process runs: a timer fires at most this late in real time.
const REAL_TIME_STEP: Duration = Duration::from_millis(1);

/// Above this share of a step spent on the CPU by other threads of the process, the step counts as "the process was
/// working": the monitor thread and a few wake-ups stay well below it.
const WORKING_SHARE: f64 = 0.05;

/// The runtime's idle time since a hold began, as it counts toward the grace. A peer on a thread of the test's own
/// process (a server with a runtime of its own, a common fixture) needs CPU time to answer: a handshake in a debug
/// build takes milliseconds of it, many more on a loaded machine, where it may also wait for a CPU first. While other
/// threads of the process use the CPU, and when the grace would be reached while one waits for a CPU, idle time counts
/// at a tenth, so such a peer gets up to ten times the grace to answer; otherwise in full.
struct IdleCredit {
    grace: Duration,
    credited: Duration,
    /// The runtime's idle time in all, the process's CPU time and the moment, at the last update.
    idle: Duration,
    process_cpu: Option<Duration>,
    at: Instant,
}

impl IdleCredit {
    fn start(activity: &Activity, grace: Duration) -> IdleCredit {
        let at = Instant::now();
        IdleCredit {
            grace,
            credited: Duration::ZERO,
            idle: activity.idle_time(at),
            process_cpu: process_cpu::used(),
            at,
        }
    }

    /// Credits the idle time since the last update; returns the credit so far.
    fn update(&mut self, activity: &Activity) -> Duration {
        let at = Instant::now();
        let idle = activity.idle_time(at);
        let process_cpu = process_cpu::used();
        let elapsed = at.saturating_duration_since(self.at);
        let idle_since = idle.saturating_sub(self.idle);
        let share = match (self.process_cpu, process_cpu) {
            (Some(before), Some(after)) if !elapsed.is_zero() => {
                // The runtime's own thread used the CPU while it was not idle; the rest is other threads'.
                let others = after
                    .saturating_sub(before)
                    .saturating_sub(elapsed.saturating_sub(idle_since));
                if others.as_secs_f64() / elapsed.as_secs_f64() > WORKING_SHARE {
                    SLOWEST_CREDIT
                } else {
                    1.0
                }
            }
            _ => 1.0,
        };
        let mut credit = idle_since.mul_f64(share);
        if share == 1.0 && self.credited + credit >= self.grace && process_cpu::another_thread_runnable() {
            // About to let the clock jump while a thread of the process still waits for a CPU, perhaps to answer.
            credit = idle_since.mul_f64(SLOWEST_CREDIT);
        }
        self.credited += credit;
        (self.idle, self.process_cpu, self.at) = (idle, process_cpu, at);
        self.credited
    }
}

struct Holding {
    grace: Duration,
    activity: Arc<Activity>,
    /// Weak: the registry keeps this until the look at the tasks the body left ends (see `watch`), and must not be
    /// kept alive by it in turn.
    test: Weak<dyn Registered>,
    /// Sources registered with the runtime's I/O driver when the test started (its own wakers).
    #[cfg(tokio_unstable)]
    registered_at_start: u64,
    /// Ends the hold in progress early, when the harness is done with the clock.
    hold: Mutex<Option<Sender<()>>>,
    /// Shared with the hold's blocking job, which outlives neither the test nor this, but must not keep it alive.
    state: Arc<HoldState>,
    finished: AtomicBool,
}

struct HoldState {
    /// A hold is in progress.
    holding: AtomicBool,
    /// The runtime's idle point when the last hold ended (`u64::MAX` before any): the two parks that follow it are let
    /// through to jump. Two, because ending the hold unparks tokio's driver, which marks it woken: the first park after
    /// takes that mark for a wake and does not advance the clock; the second does.
    released_at: AtomicU64,
    /// The runtime's polls when the last hold ended: a park with none since is no new race.
    polls_at_release: AtomicU64,
}

/// Watches the runtime's idle points from the start when real I/O is in play from the start, or when tokio's unstable
/// metrics can show it coming into play (its I/O driver's sources). Otherwise only ws-test's own real sockets can say
/// so, and the grace starts watching then ([`real_io_came_into_play`]): until then it costs a test nothing. It reports
/// nothing either way, so it is no `Guard`.
pub(crate) fn start(test: &Arc<TestContext>) {
    let Some(grace) = test.settings.io_grace else {
        return;
    };
    if test.settings.real_io_from_start {
        test.running.real_io_in_play();
    } else if !cfg!(tokio_unstable) {
        return;
    }
    // Weakly, as `Holding` keeps it.
    let weak = Arc::downgrade(test);
    watch(
        grace,
        &test.running,
        weak,
        #[cfg(tokio_unstable)]
        registered_sources(&test.runtime),
    );
}

/// Real I/O is in play from now on: ws-test's own real sockets say so, and the first registration of a socket, pipe
/// or child process with the runtime. Without tokio's unstable metrics, the grace starts watching the runtime's idle
/// points here. Called from inside libc's `epoll_ctl` too: it takes no lock that a registration may be made under.
pub(crate) fn real_io_came_into_play(test: &Arc<dyn Registered>) {
    let running = test.running();
    let first = running.real_io_in_play();
    #[cfg(not(tokio_unstable))]
    if let (true, Some(grace)) = (first, running.io_grace) {
        watch(grace, running, Arc::downgrade(test));
    }
    // With them it watches from the start, and sees real I/O by itself.
    #[cfg(tokio_unstable)]
    let _ = first;
}

/// Holds the clock back at each idle point from the next one on, until the body and the look at its leftovers end.
fn watch(
    grace: Duration,
    running: &RunningTest,
    test: Weak<dyn Registered>,
    #[cfg(tokio_unstable)] registered_at_start: u64,
) {
    let holding = Arc::new(Holding {
        grace,
        activity: Arc::clone(&running.activity),
        test,
        #[cfg(tokio_unstable)]
        registered_at_start,
        hold: Mutex::new(None),
        state: Arc::new(HoldState {
            holding: AtomicBool::new(false),
            released_at: AtomicU64::new(u64::MAX),
            polls_at_release: AtomicU64::new(0),
        }),
        finished: AtomicBool::new(false),
    });
    running.activity.on_park(&holding);
    running.at_leftovers_watched(Box::new(move || holding.finish()));
}

/// The hold, on a thread of the runtime's blocking pool: until released (the harness is done with the clock), or until
/// the runtime has been idle for the grace, credited as `IdleCredit` says, with no child process running. While one
/// runs, the paused clock keeps to real time instead (`RealTimeClock`), and the grace counts from its end.
fn hold(activity: &Activity, grace: Duration, test: &Weak<dyn Registered>, released: &Receiver<()>) {
    let step = (grace / STEPS).max(SHORTEST_WAIT);
    let mut idle_credit = IdleCredit::start(activity, grace);
    let mut real_time: Option<RealTimeClock> = None;
    let mut wait = step.min(grace);
    while let Err(RecvTimeoutError::Timeout) = released.recv_timeout(wait) {
        if child_running(test) {
            real_time.get_or_insert_with(RealTimeClock::start).keep_up();
            idle_credit = IdleCredit::start(activity, grace);
            wait = REAL_TIME_STEP;
            continue;
        }
        real_time = None;
        let credited = idle_credit.update(activity);
        if credited >= grace {
            return;
        }
        wait = step.min(grace - credited);
    }
}

fn child_running(test: &Weak<dyn Registered>) -> bool {
    test.upgrade().is_some_and(|test| test.running().io.child_running())
}

/// The paused clock, moved on with real time while a child process runs: a timer then fires no earlier than its real
/// deadline, as under `#[tokio::test]`, so `timeout(5s, child.output())` gives the child 5 real seconds. Moved from
/// the hold's thread, while the hold keeps the clock from jumping by itself; only when the clock has not moved since
/// the last step (someone else moving it, the body's `advance()` or a clock resumed with `resume()`, is left alone).
struct RealTimeClock {
    runtime: tokio::runtime::Handle,
    real: Instant,
    clock: tokio::time::Instant,
}

impl RealTimeClock {
    /// On a thread of the test runtime's blocking pool, inside the runtime's context.
    fn start() -> RealTimeClock {
        RealTimeClock {
            runtime: tokio::runtime::Handle::current(),
            real: Instant::now(),
            clock: tokio::time::Instant::now(),
        }
    }

    fn keep_up(&mut self) {
        let real = Instant::now();
        if tokio::time::Instant::now() == self.clock {
            // The runtime, parked with its timers' distances as real timeouts (tokio does so while a blocking job
            // holds its clock), wakes when the first is due and finds the clock there.
            self.runtime
                .block_on(tokio::time::advance(real.saturating_duration_since(self.real)));
        }
        self.real = real;
        self.clock = tokio::time::Instant::now();
    }
}

#[cfg(tokio_unstable)]
fn registered_sources(runtime: &tokio::runtime::Handle) -> u64 {
    let metrics = runtime.metrics();
    metrics
        .io_driver_fd_registered_count()
        .saturating_sub(metrics.io_driver_fd_deregistered_count())
}

impl Observer for Holding {
    fn observe(&self) {
        self.before_park();
    }
}

impl Holding {
    fn real_io_in_play(&self) -> bool {
        let Some(test) = self.test.upgrade() else {
            return false;
        };
        let running = test.running();
        if running.real_io_seen() {
            return true;
        }
        #[cfg(tokio_unstable)]
        if registered_sources(&tokio::runtime::Handle::current()) > self.registered_at_start {
            running.real_io_in_play();
            return true;
        }
        false
    }

    /// At the runtime's idle point, on its thread, right before it parks (and may jump the clock).
    fn before_park(&self) {
        if self.finished.load(Ordering::SeqCst) || self.state.holding.load(Ordering::SeqCst) || !self.real_io_in_play()
        {
            return;
        }
        // While a child process runs, every park is held: the clock keeps to real time until it ends.
        if !child_running(&self.test) {
            let released_at = self.state.released_at.load(Ordering::SeqCst);
            let since_release = self.activity.idle_points().checked_sub(released_at);
            if since_release.is_some_and(|parks| parks < PARKS_LET_THROUGH) {
                // The hold just ended, to let this park jump.
                return;
            }
            if since_release.is_some() && self.nothing_ran_since_release() {
                // The jump was one step of tokio's timer wheel on the way to its timer (a 30 s timer is reached in
                // several), or the runtime has nothing to wait for: nothing ran and nothing arrived since the runtime
                // was last idle for the grace, so there is no new reply to wait for.
                return;
            }
        }
        let (release, released) = mpsc::channel::<()>();
        *lock(&self.hold) = Some(release);
        self.state.holding.store(true, Ordering::SeqCst);
        let (activity, grace, state) = (Arc::clone(&self.activity), self.grace, Arc::clone(&self.state));
        let test = Weak::clone(&self.test);
        // Spawned here, before the park, so that this very park is already held.
        tokio::task::spawn_blocking(move || {
            hold(&activity, grace, &test, &released);
            // Parked at this idle point, the runtime wakes when the job ends, and parks again from the same count.
            state.polls_at_release.store(activity.polls(), Ordering::SeqCst);
            state.released_at.store(activity.idle_points(), Ordering::SeqCst);
            state.holding.store(false, Ordering::SeqCst);
        });
    }

    /// Whether nothing was polled since the last hold ended. Without tokio's unstable task hooks only the body's
    /// polls are counted, which answers only when the body is the test's one task.
    fn nothing_ran_since_release(&self) -> bool {
        if self.activity.polls() != self.state.polls_at_release.load(Ordering::SeqCst) {
            return false;
        }
        cfg!(tokio_unstable) || tokio::runtime::Handle::current().metrics().num_alive_tasks() == 0
    }

    /// Ends the hold in progress and holds no more: the body and the look at its leftovers are over, and the runtime
    /// must be free to shut down.
    fn finish(&self) {
        self.finished.store(true, Ordering::SeqCst);
        lock(&self.hold).take();
    }
}
