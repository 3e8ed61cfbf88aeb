//! What the tasks still alive when the body returned do next: the look behind `leaks = "deny"` and `"warn"`. tokio
//! drops such tasks at shutdown, and with a runtime per test they cannot touch another test, so a task that only
//! waits (a server in `accept()`, a connection waiting for a frame, a worker on its inbox) is harmless. A task that
//! keeps working (a refresher, a heartbeat, a reconnect loop) is the service a test forgot to stop.
//!
//! On a runtime on one thread (current-thread, local) the leftovers run on with the paused clock, paused for the look
//! if the test ran in real time, and the runtime's idle points say what they do:
//! - when every one has ended, they ended by themselves;
//! - when the runtime goes idle with no timer of theirs due within [`STRETCH`], they are quiet;
//! - when their timers keep firing, each within [`STRETCH`] of the last, until [`STRETCH`] after the body's end, they
//!   keep working; and when the runtime does not go idle at all, a task never waits.
//!
//! "No timer of theirs due within the stretch" is seen without reading tokio's timer wheel: the look sets a timer of
//! its own, the probe, at or after that time, and watches where the clock's next jump lands. tokio's wheel reaches a
//! far timer in steps (the clock stops at the start of each level's slot on the way, waking the runtime with nothing
//! to run), so the probe is placed where the wheel reaches it in one jump: at a slot start of its level. Every jump
//! that lands before the probe's time is then the leftovers' own (see [`single_jump_tick`]).
//!
//! A multi-thread runtime's clock cannot be paused: its leftovers get a short look in real time, [`MULTI_THREAD_LOOK`]:
//! quiet when every worker stays parked through it.
//!
//! With real I/O in play each jump of the clock waits the grace (`io_grace`), so the look is bounded in real time too
//! ([`REAL_TIME_BOUND`]), and a look cut short says so.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;

use crate::config::{Flavor, Leaks};
use crate::guards::{BodyEnd, TestContext};
use crate::lock::lock;
use crate::observe::activity::{Activity, Observer};
#[cfg(target_os = "linux")]
use crate::observe::thread_usage::ThreadUsage;
use crate::setup::registry::Probe;
use crate::setup::runtime::TestRuntime;

/// How far ahead of the leftovers' last activity the look waits for their next timer, in virtual time, and how long
/// their timers must keep firing after the body's end to count as working. A refresher every minute and a heartbeat
/// every 30 s keep working; a keep-alive that closes its connection after 75 s ends by itself.
pub(crate) const STRETCH: Duration = Duration::from_secs(10 * 60);

/// The most real time the look may take. Without real I/O a quiet look takes microseconds, and even a leftover that
/// keeps firing for the whole stretch takes milliseconds; with real I/O in play every jump of the clock first waits
/// the grace.
pub(crate) const REAL_TIME_BOUND: Duration = Duration::from_secs(2);

/// A runtime that has not gone idle once for this long in real time, its thread computing for at least
/// [`KEPT_RUNNING_CPU`] of it, has a task that never waits. Far above what a quiet runtime needs to reach its idle
/// point, even on a loaded machine (CPU time, which a waiting thread does not spend).
const KEPT_RUNNING_AFTER: Duration = Duration::from_millis(100);
const KEPT_RUNNING_CPU: Duration = Duration::from_millis(50);

/// How long a multi-thread runtime's workers must all stay parked for its leftovers to count as quiet.
pub(crate) const MULTI_THREAD_LOOK: Duration = Duration::from_millis(50);

/// On a multi-thread runtime the count of alive tasks drops only after a finished task is released, which can lag
/// behind its `JoinHandle` resolving (tokio#7591): look again after these pauses before counting what is left.
const MULTI_THREAD_RECHECKS: [Duration; 4] = [
    Duration::from_millis(5),
    Duration::from_millis(10),
    Duration::from_millis(20),
    Duration::from_millis(40),
];

/// The tasks left when the body ended, and what they did next.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Leftovers {
    /// Alive once every task that was ready when the body ended had run as far as it could without the clock moving.
    pub(crate) at_body_end: usize,
    /// Alive after the look: when they are quiet, the tasks shutdown drops.
    pub(crate) alive: usize,
    pub(crate) verdict: Verdict,
}

/// What the look found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Nobody looked: no task was left, the body was interrupted, or the leak policy (`strict`, `allow`) needs no look.
    NotWatched,
    /// Every task left ended by itself.
    Ended,
    /// The tasks left only wait: no timer of theirs is due within the stretch, or on a multi-thread runtime every
    /// worker stayed parked through the look.
    Quiet,
    /// Their timers kept firing through the whole stretch, `fires` times in it (see [`TimerWheel::fired`]).
    KeptFiring { fires: u32 },
    /// A task never waited: the runtime did not go idle once in `busy` of real time.
    KeptRunning { busy: Duration },
    /// On a multi-thread runtime, a worker woke during the look.
    WokeDuringLook,
    /// The look ended without an answer, after `real` of real time and `reached` of virtual time, in which their
    /// timers fired `fires` times.
    CutShort {
        why: CutShort,
        real: Duration,
        reached: Duration,
        fires: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CutShort {
    /// The look's own bound in real time ran out.
    RealTimeBound,
    /// A guard fired the test's interrupt (its real-time budget, a task panic under `"shutdown_runtime"`): its own
    /// report says why.
    Interrupted,
}

impl Verdict {
    /// The tasks left keep working: a leak under `"deny"`.
    pub(crate) fn keeps_working(self) -> bool {
        matches!(
            self,
            Verdict::KeptFiring { .. }
                | Verdict::KeptRunning { .. }
                | Verdict::WokeDuringLook
                | Verdict::CutShort {
                    why: CutShort::RealTimeBound,
                    ..
                }
        )
    }
}

impl Leftovers {
    /// No task was left.
    pub(crate) const fn none() -> Leftovers {
        Leftovers {
            at_body_end: 0,
            alive: 0,
            verdict: Verdict::NotWatched,
        }
    }

    /// The tasks shutdown drops without a word: those found quiet.
    pub(crate) fn quiet(&self) -> usize {
        if self.verdict == Verdict::Quiet { self.alive } else { 0 }
    }
}

/// Looks at what the `alive` tasks left when the body ended do next, when the leak policy asks for it.
pub(crate) fn watch(runtime: &TestRuntime, test: &TestContext, end: BodyEnd, alive: usize) -> Leftovers {
    let mut leftovers = Leftovers {
        at_body_end: alive,
        alive,
        verdict: Verdict::NotWatched,
    };
    // An interrupted body left its tasks where they were; the interruption's own report covers them.
    if alive == 0 || matches!(end, BodyEnd::Interrupted) || matches!(test.settings.leaks, Leaks::Allow) {
        return leftovers;
    }
    if matches!(test.settings.flavor, Flavor::MultiThread) {
        watch_multi_thread(test, &mut leftovers);
    } else if !matches!(test.settings.leaks, Leaks::Strict) {
        watch_one_thread(runtime, test, &mut leftovers);
    }
    leftovers
}

// ===== A multi-thread runtime: a short look in real time =====

fn watch_multi_thread(test: &TestContext, leftovers: &mut Leftovers) {
    let metrics = test.runtime.metrics();
    for pause in MULTI_THREAD_RECHECKS {
        if leftovers.alive == 0 {
            return;
        }
        std::thread::sleep(pause);
        leftovers.alive = metrics.num_alive_tasks();
    }
    if leftovers.alive == 0 || matches!(test.settings.leaks, Leaks::Strict) {
        return;
    }
    let workers = metrics.num_workers();
    // Odd while the worker is parked; it grows by one at every park and every wake.
    let parks = |worker| metrics.worker_park_unpark_count(worker);
    let before: Vec<u64> = (0..workers).map(parks).collect();
    std::thread::sleep(MULTI_THREAD_LOOK);
    let woke = (0..workers).any(|worker| before[worker] % 2 == 0 || parks(worker) != before[worker]);
    leftovers.alive = metrics.num_alive_tasks();
    leftovers.verdict = match (leftovers.alive, woke) {
        (0, _) => Verdict::Ended,
        (_, true) => Verdict::WokeDuringLook,
        (_, false) => Verdict::Quiet,
    };
}

// ===== A runtime on one thread: a stretch of virtual time =====

/// What the look shares with the runtime's idle points, where it judges, with the monitor thread, which wakes it
/// when the runtime never goes idle or the look runs out of real time, and with its own future, which moves the probe.
pub(crate) struct Watching {
    activity: Arc<Activity>,
    wheel: TimerWheel,
    state: Mutex<WatchState>,
    started: Instant,
}

struct WatchState {
    /// The look's future, woken when there is something to do: a verdict, or the probe to move.
    waker: Option<Waker>,
    verdict: Option<Verdict>,
    /// The clock when the look began, and when the stretch ends: the leftovers' timers must keep firing until then.
    began: tokio::time::Instant,
    stretch_end: tokio::time::Instant,
    /// The time the leftovers must get through without a timer of theirs to be quiet: [`STRETCH`] after their last.
    quiet_at: tokio::time::Instant,
    /// `quiet_at` moved: the probe must follow.
    probe_moved: bool,
    /// The clock and the count of polls at the last idle point.
    clock_then: tokio::time::Instant,
    polls_then: u64,
    /// Timers of theirs that fired within the stretch, and the millisecond window of the last one counted.
    fires: u32,
    last_fire_window: Option<u64>,
}

impl WatchState {
    fn decide(&mut self, verdict: Verdict) {
        if self.verdict.is_none() {
            self.verdict = Some(verdict);
            if let Some(waker) = self.waker.take() {
                waker.wake();
            }
        }
    }

    /// The look stops without an answer, after `real` of real time.
    fn cut_short(&self, why: CutShort, real: Duration) -> Verdict {
        Verdict::CutShort {
            why,
            real,
            reached: self.clock_then.saturating_duration_since(self.began),
            fires: self.fires,
        }
    }
}

fn watch_one_thread(runtime: &TestRuntime, test: &TestContext, leftovers: &mut Leftovers) {
    // The stretch is not the body's virtual time: its budget no longer applies.
    if let Some(deadline) = &test.virtual_deadline {
        deadline.disarm();
    }
    let verdict = runtime.block_on(Look {
        test,
        paused: false,
        watching: None,
        probe: None,
    });
    if let Some(watching) = test.leftovers.get() {
        // The monitor's probe has nothing more to do.
        lock(&watching.state).verdict = Some(verdict);
    }
    leftovers.verdict = verdict;
    leftovers.alive = match verdict {
        Verdict::Ended => 0,
        _ => test.runtime.metrics().num_alive_tasks(),
    };
}

/// The look's future, run by the harness on the test's runtime: it pauses the clock, starts the stretch, keeps the
/// probe where the idle points ask, and returns the verdict.
struct Look<'a> {
    test: &'a TestContext,
    /// The clock is paused (by the test, or by the look's first poll).
    paused: bool,
    /// Once the stretch has begun: what it shares, and the probe.
    watching: Option<Arc<Watching>>,
    probe: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Future for Look<'_> {
    type Output = Verdict;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Verdict> {
        let this = &mut *self;
        let interrupt = &this.test.running.interrupt;
        if interrupt.fired() {
            return Poll::Ready(match &this.watching {
                Some(watching) => lock(&watching.state).cut_short(CutShort::Interrupted, watching.started.elapsed()),
                None => Verdict::CutShort {
                    why: CutShort::Interrupted,
                    real: Duration::ZERO,
                    reached: Duration::ZERO,
                    fires: 0,
                },
            });
        }
        if !this.paused {
            // The clock is paused from here on. One pass of the scheduler lets the timer wheel catch up with it, so
            // that the probe's place is computed from where the wheel really is.
            if !clock_is_paused() {
                tokio::time::pause();
            }
            this.paused = true;
            context.waker().wake_by_ref();
            return Poll::Pending;
        }
        let watching = this.watching.get_or_insert_with(|| begin(this.test));
        let mut state = lock(&watching.state);
        if let Some(verdict) = state.verdict {
            return Poll::Ready(verdict);
        }
        state.waker = Some(context.waker().clone());
        let move_probe = std::mem::take(&mut state.probe_moved).then_some(state.quiet_at);
        drop(state);
        interrupt.wake_on_fire(context.waker());
        if let Some(quiet_at) = move_probe {
            // A new timer, not `Sleep::reset`: tokio moves a timer to a later time lazily, leaving it where it was in
            // the wheel, which would then stop the clock at the old time on its way.
            let probe = watching.wheel.probe(tokio::time::Instant::now(), quiet_at);
            this.probe = Some(Box::pin(tokio::time::sleep_until(probe)));
        }
        if let Some(probe) = &mut this.probe {
            // Polled to be woken when it fires: the idle point after its jump judges.
            let _ = probe.as_mut().poll(context);
        }
        Poll::Pending
    }
}

/// The stretch begins now: what the look shares, made and registered where the idle points and the monitor find it.
fn begin(test: &TestContext) -> Arc<Watching> {
    let now = tokio::time::Instant::now();
    let watching = Arc::new(Watching {
        activity: Arc::clone(&test.running.activity),
        wheel: TimerWheel {
            origin: test.running.clocks.wheel_origin(),
        },
        state: Mutex::new(WatchState {
            waker: None,
            verdict: None,
            began: now,
            stretch_end: now + STRETCH,
            quiet_at: now + STRETCH,
            // The first probe is placed by the look's next poll.
            probe_moved: true,
            clock_then: now,
            polls_then: test.running.activity.polls(),
            fires: 0,
            last_fire_window: None,
        }),
        started: Instant::now(),
    });
    // For the monitor's probe; a test looks at its leftovers once.
    let _ = test.leftovers.set(Arc::clone(&watching));
    test.running.activity.on_park(&watching);
    watching
}

impl Observer for Watching {
    /// At each idle point of the look, on the runtime's thread: every task woken at the clock's last jump has run.
    fn observe(&self) {
        let mut state = lock(&self.state);
        // The look is over: the runtime's idle points until the end of the test are not its own.
        if state.verdict.is_some() {
            return;
        }
        let now = tokio::time::Instant::now();
        let polls = self.activity.polls();
        let alive = Handle::current().metrics().num_alive_tasks();
        let jumped = now > state.clock_then;
        let fired = self.wheel.fired(now, polls != state.polls_then);
        state.clock_then = now;
        state.polls_then = polls;
        if alive == 0 {
            state.decide(Verdict::Ended);
            return;
        }
        // Out of real time; or woken without the clock moving (I/O, a blocking job, another thread): not a timer.
        if self.out_of_real_time(&mut state, Instant::now()) || !jumped {
            return;
        }
        if now >= state.quiet_at {
            // The clock jumped past the stretch without a timer of theirs on the way: the probe's.
            state.decide(Verdict::Quiet);
            return;
        }
        if !fired {
            return;
        }
        // A timer's last step (64 ms wide) and its own tick are one firing.
        let window = self.wheel.window(now);
        if now <= state.stretch_end && state.last_fire_window != Some(window) {
            state.fires += 1;
            state.last_fire_window = Some(window);
        }
        if now >= state.stretch_end {
            let fires = state.fires;
            state.decide(Verdict::KeptFiring { fires });
            return;
        }
        state.quiet_at = now + STRETCH;
        state.probe_moved = true;
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
    }
}

impl Watching {
    /// Ends the look, cut short, once it has run for its bound in real time: checked at each idle point, and by the
    /// monitor when none comes.
    fn out_of_real_time(&self, state: &mut WatchState, now: Instant) -> bool {
        let real = now.saturating_duration_since(self.started);
        if real < REAL_TIME_BOUND {
            return false;
        }
        let cut_short = state.cut_short(CutShort::RealTimeBound, real);
        state.decide(cut_short);
        true
    }

    /// From the monitor: ends a look that runs out of real time, or whose runtime never goes idle (no idle point
    /// would ever judge it).
    fn look_from_outside(&self, now: Instant, busy: &mut Option<BusySince>, thread: &RuntimeThread) {
        let mut state = lock(&self.state);
        if state.verdict.is_some() || self.out_of_real_time(&mut state, now) {
            return;
        }
        let Some(stretch) = self.activity.busy_stretch() else {
            *busy = None;
            return;
        };
        // Busy since the look began at the earliest: what the body did before is not the leftovers'.
        let since = self.activity.stretch_started().max(self.started);
        let following = match busy.take() {
            Some(following) if following.stretch == stretch => following,
            _ => BusySince {
                stretch,
                cpu_at_first_look: thread.cpu(),
            },
        };
        let busy_for = now.saturating_duration_since(since);
        let computed = match (thread.cpu(), following.cpu_at_first_look) {
            (Some(now_cpu), Some(then_cpu)) => now_cpu.saturating_sub(then_cpu) >= KEPT_RUNNING_CPU,
            // Without the thread's CPU time, real time alone.
            _ => true,
        };
        if busy_for >= KEPT_RUNNING_AFTER && computed {
            state.decide(Verdict::KeptRunning { busy: busy_for });
            return;
        }
        *busy = Some(following);
    }
}

/// A stretch of polling without an idle point, followed by the monitor.
struct BusySince {
    stretch: u64,
    cpu_at_first_look: Option<Duration>,
}

/// The runtime's thread, for its CPU time (Linux); elsewhere there is none to read.
struct RuntimeThread {
    #[cfg(target_os = "linux")]
    usage: ThreadUsage,
}

impl RuntimeThread {
    #[cfg(target_os = "linux")]
    fn cpu(&self) -> Option<Duration> {
        self.usage.sample().map(|sample| sample.cpu)
    }

    #[cfg(not(target_os = "linux"))]
    fn cpu(&self) -> Option<Duration> {
        None
    }
}

struct LeftoversProbe {
    test: Arc<TestContext>,
    thread: RuntimeThread,
    busy: Option<BusySince>,
}

/// The monitor's part of the look, on runtimes on one thread under a policy that looks: nothing until the look begins.
pub(crate) fn probe(test: &Arc<TestContext>) -> Option<Box<dyn Probe>> {
    let looks = matches!(test.settings.leaks, Leaks::Deny | Leaks::Warn);
    if !looks || matches!(test.settings.flavor, Flavor::MultiThread) {
        return None;
    }
    Some(Box::new(LeftoversProbe {
        test: Arc::clone(test),
        thread: RuntimeThread {
            #[cfg(target_os = "linux")]
            usage: test.runtime_thread,
        },
        busy: None,
    }))
}

impl Probe for LeftoversProbe {
    fn check(&mut self, now: Instant) {
        if let Some(watching) = self.test.leftovers.get() {
            watching.look_from_outside(now, &mut self.busy, &self.thread);
        }
    }
}

// ===== tokio's timer wheel =====

/// The test runtime's timer wheel, as far as the look needs it: where its milliseconds start.
struct TimerWheel {
    /// The moments between which it started counting (see [`Clocks::wheel_origin`](crate::observe::clock::Clocks)).
    origin: (tokio::time::Instant, tokio::time::Instant),
}

impl TimerWheel {
    /// The ticks `at` may be, counted from the latest and from the earliest possible origin.
    fn ticks(&self, at: tokio::time::Instant) -> (u64, u64) {
        let (earliest, latest) = self.origin;
        (
            whole_millis(at.saturating_duration_since(latest)),
            whole_millis(at.saturating_duration_since(earliest)),
        )
    }

    /// Whether the clock's jump to `now` was a timer of the leftovers firing, rather than a step of the wheel on its
    /// way to a later timer, which wakes the runtime with nothing to run. With tokio's task hooks the polls of tasks
    /// tell (`tasks_ran`). On stable Rust the wheel's geometry does: a step lands on the start of a slot of its level,
    /// and the steps of levels 2 and up land on whole multiples of 4.096 s since the wheel's origin, where a timer of
    /// round seconds hardly ever falls. (A level-1 step lands within 64 ms of its timer, and counts as it.)
    fn fired(&self, now: tokio::time::Instant, tasks_ran: bool) -> bool {
        if cfg!(tokio_unstable) {
            return tasks_ran;
        }
        let wide_slot = 1 << (2 * SLOT_BITS);
        let (lowest, highest) = self.ticks(now);
        // No multiple of the slot's width among the ticks it may be.
        highest / wide_slot * wide_slot < lowest
    }

    /// The 64-ms slot of level 1 that `now` falls in.
    fn window(&self, now: tokio::time::Instant) -> u64 {
        self.ticks(now).0 >> SLOT_BITS
    }
}

/// Whether tokio's clock is paused: it does not move while real time does. (tokio has no question for it, and a
/// second `pause()` panics.)
fn clock_is_paused() -> bool {
    let first = tokio::time::Instant::now();
    let real = Instant::now();
    // Real time moves on, in nanoseconds; a clock running with it moves as well.
    while Instant::now() == real {
        std::hint::spin_loop();
    }
    tokio::time::Instant::now() == first
}

impl TimerWheel {
    /// Where the probe goes so that the clock reaches it in one jump from `now`, at or after `quiet_at`: the
    /// leftovers' timers are then the only ones that can stop the clock before `quiet_at`. The wheel counts whole
    /// milliseconds from its origin, which is known exactly for a clock paused from the start, and otherwise to within
    /// the time the runtime took to build.
    fn probe(&self, now: tokio::time::Instant, quiet_at: tokio::time::Instant) -> tokio::time::Instant {
        let (earliest, latest) = self.origin;
        // The earliest tick the wheel can be at, and the latest tick `quiet_at` can fall in (tokio rounds a deadline
        // up to the next whole millisecond).
        let elapsed = self.ticks(now).0;
        let quiet_tick = whole_millis(quiet_at.saturating_duration_since(earliest) + Duration::from_nanos(999_999));
        // Counted from the latest possible origin, the probe falls on or just after that tick, whatever the origin
        // was: never before it, so every step of the wheel on the way to it is at or after `quiet_at`.
        latest + Duration::from_millis(single_jump_tick(elapsed, quiet_tick))
    }
}

fn whole_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// tokio's timer wheel: six levels of 64 slots, a slot of level `n` being `64^n` ms wide.
const LEVELS: u32 = 6;
const SLOT_BITS: u32 = 6;

/// The level of tokio's timer wheel that holds a timer due at `when`, with the wheel at `elapsed` (tokio's
/// `level_for`, `runtime/time/wheel/mod.rs`): the highest bit in which the two differ, in groups of six.
fn level_for(elapsed: u64, when: u64) -> u32 {
    let masked = (elapsed ^ when) | ((1 << SLOT_BITS) - 1);
    (masked.ilog2() / SLOT_BITS).min(LEVELS - 1)
}

/// The first tick at or after `at_least` that tokio's timer wheel, at `elapsed`, reaches in one jump. The wheel jumps
/// to the start of the first occupied slot of the lowest occupied level, so a timer whose tick is not a slot start of
/// its level is reached in steps: a 10-minute timer through the starts of slots 262 s, 4 s and 64 ms wide on the way.
/// A tick that is a slot start of its own level is reached at once.
fn single_jump_tick(elapsed: u64, at_least: u64) -> u64 {
    for level in 0..LEVELS {
        let slot = 1u64 << (SLOT_BITS * level);
        let tick = at_least.div_ceil(slot).saturating_mul(slot);
        if level_for(elapsed, tick) <= level {
            return tick;
        }
    }
    at_least
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tokio's wheel as it jumps: from `elapsed`, the start of the slot of `when`'s level that holds it, until `when`.
    fn jumps_to(mut elapsed: u64, when: u64) -> Vec<u64> {
        let mut jumps = Vec::new();
        while elapsed < when {
            let level = level_for(elapsed, when);
            let slot = 1u64 << (SLOT_BITS * level);
            elapsed = (when / slot * slot).max(elapsed + 1);
            jumps.push(elapsed);
        }
        jumps
    }

    #[test]
    fn a_ten_minute_timer_is_reached_in_steps_and_the_probe_in_one_jump() {
        // Measured on tokio 1.54 (a runtime paused at 0, 90 s into the test): a timer 10 minutes on woke the runtime
        // at 524288, 688128 and 689984 ms before its own 690000.
        assert_eq!(jumps_to(90_000, 690_000), [524_288, 688_128, 689_984, 690_000]);
        let probe = single_jump_tick(90_000, 690_000);
        assert_eq!(probe, 786_432);
        assert_eq!(jumps_to(90_000, probe), [probe]);
    }

    #[test]
    fn the_probe_is_never_before_the_time_asked_and_always_one_jump_away() {
        for elapsed in [0, 1, 63, 64, 4_095, 90_000, 262_143, 16_777_000, 1 << 30] {
            for ahead in [1, 63, 64, 65, 4_096, 600_000, 600_001, 16_777_216] {
                let at_least = elapsed + ahead;
                let probe = single_jump_tick(elapsed, at_least);
                assert!(probe >= at_least, "{probe} before {at_least}");
                assert_eq!(jumps_to(elapsed, probe), [probe], "from {elapsed} to {probe}");
            }
        }
    }
}
