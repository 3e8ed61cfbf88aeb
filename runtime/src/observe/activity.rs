//! What the test's runtime is doing, seen through tokio's stable runtime hooks, for the guards that need it.
//!
//! `on_thread_park` runs inside the runtime right before it would park, that is when no task is ready. Waking a
//! future from there makes tokio park with a zero limit instead (tokio#8212), so the clock does not jump: this is how
//! the harness lets every ready task run to completion without advancing virtual time.

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Poll, Waker};
use std::time::Duration;

use crate::lock::lock;

/// What a guard keeps for the runtime's hooks: called by the runtime's thread, inside the runtime, at its idle point
/// right before it parks ([`Activity::on_park`]), or right after it wakes from parking ([`Activity::on_unpark`]; with
/// a paused clock, every jump of virtual time has just happened then). The activity reaches an observer only through
/// a `Weak` reference: an observer may hold this activity again (a guard's measurements, an interrupt whose waker
/// reaches the runtime), and a strong one would keep every finished test's runtime alive.
pub(crate) trait Observer: Send + Sync {
    fn observe(&self);
}

pub(crate) struct Activity {
    /// How often the runtime has reached its idle point, where it parks.
    idle_points: AtomicU64,
    /// How often it has woken from parking; fewer than `idle_points` while it is parked.
    unparks: AtomicU64,
    /// When the runtime last woke from parking, in nanoseconds since `created`: where the current stretch of polling
    /// began.
    last_unpark: AtomicU64,
    /// When it last parked, in nanoseconds since `created`, and the real time it has spent parked in all, parks that
    /// ended only: how long it has been idle, which the grace for real I/O measures.
    last_park: AtomicU64,
    parked_nanos: AtomicU64,
    /// Polls of the body, and (with `--cfg tokio_unstable`, through tokio's task hooks) of every task: whether the
    /// runtime did anything between two parks.
    polls: AtomicU64,
    /// When the activity was made, the origin of the times above.
    created: std::time::Instant,
    /// Time the runtime's thread spent in ws-test's own work with backtraces, in nanoseconds: in the panic hook,
    /// printing a panic's backtrace can take a quarter of a second on a loaded machine, and the network guard's
    /// capture of where a refused call was made waits for std's backtrace lock, which any thread printing one holds.
    /// Neither is the test blocking its event loop. `backtrace_nanos` counts work that finished, `backtrace_began` is
    /// when the one in progress began (nanoseconds since `created`, 0 for none), and `backtrace_nanos_at_unpark` is
    /// `backtrace_nanos` when the runtime last woke, where the current stretch began.
    backtrace_nanos: AtomicU64,
    backtrace_began: AtomicU64,
    backtrace_nanos_at_unpark: AtomicU64,
    /// Threads of the runtime's blocking pool that are alive, once [`observe_blocking_jobs`](Self::observe_blocking_jobs)
    /// made each live thread mean a running job.
    blocking_threads: AtomicUsize,
    /// Futures waiting for the next idle point; `has_idle_waiters` spares every park the lock when there are none.
    idle_waiters: Mutex<Vec<Waker>>,
    has_idle_waiters: AtomicBool,
    /// Observers of the idle point and of the wake after it: registered by the guards as the test starts, and by a
    /// probe the monitor thread makes later.
    park_observers: Observers,
    unpark_observers: Observers,
}

/// The observers of one point of the runtime's cycle, called in the order they came. Most tests have one or none, and
/// every park and wake calls them: the first is kept in place, read without a lock; any more wait in a list behind one.
struct Observers {
    first: OnceLock<Weak<dyn Observer>>,
    more: Mutex<Vec<Weak<dyn Observer>>>,
    has_more: AtomicBool,
}

impl Observers {
    const fn new() -> Observers {
        Observers {
            first: OnceLock::new(),
            more: Mutex::new(Vec::new()),
            has_more: AtomicBool::new(false),
        }
    }

    fn add(&self, observer: Weak<dyn Observer>) {
        if let Err(observer) = self.first.set(observer) {
            lock(&self.more).push(observer);
            self.has_more.store(true, Ordering::SeqCst);
        }
    }

    fn call_all(&self) {
        if let Some(first) = self.first.get() {
            call(first);
        }
        if self.has_more.load(Ordering::SeqCst) {
            for observer in lock(&self.more).iter() {
                call(observer);
            }
        }
    }
}

fn call(observer: &Weak<dyn Observer>) {
    if let Some(observer) = observer.upgrade() {
        observer.observe();
    }
}

impl Activity {
    /// A fresh activity, shared with the hooks; made here so that its value is not a temporary in the harness's frame.
    pub(crate) fn shared() -> Arc<Activity> {
        // Every field but the moment is made at compile time: a derived `Default` calls a function per field type,
        // and every test pays for each, cold, in the debug builds tests run as (BENCHMARKS.md, "Cold code").
        Arc::new(Activity {
            idle_points: const { AtomicU64::new(0) },
            unparks: const { AtomicU64::new(0) },
            last_unpark: const { AtomicU64::new(0) },
            last_park: const { AtomicU64::new(0) },
            parked_nanos: const { AtomicU64::new(0) },
            polls: const { AtomicU64::new(0) },
            created: std::time::Instant::now(),
            backtrace_nanos: const { AtomicU64::new(0) },
            backtrace_began: const { AtomicU64::new(0) },
            backtrace_nanos_at_unpark: const { AtomicU64::new(0) },
            blocking_threads: const { AtomicUsize::new(0) },
            idle_waiters: const { Mutex::new(Vec::new()) },
            has_idle_waiters: const { AtomicBool::new(false) },
            park_observers: const { Observers::new() },
            unpark_observers: const { Observers::new() },
        })
    }

    /// Installs the hooks on a current-thread runtime's builder (a multi-thread runtime has one idle point per
    /// worker, and none of them means the whole runtime is idle).
    pub(crate) fn observe_current_thread(self: &Arc<Self>, builder: &mut tokio::runtime::Builder) {
        let activity = Arc::clone(self);
        builder.on_thread_park(move || activity.reached_idle_point());
        let activity = Arc::clone(self);
        builder.on_thread_unpark(move || {
            let now = activity.nanos_since_created(std::time::Instant::now());
            activity.last_unpark.store(now, Ordering::SeqCst);
            let parked = now.saturating_sub(activity.last_park.load(Ordering::SeqCst));
            activity.parked_nanos.fetch_add(parked, Ordering::SeqCst);
            activity
                .backtrace_nanos_at_unpark
                .store(activity.backtrace_nanos.load(Ordering::SeqCst), Ordering::SeqCst);
            activity.unparks.fetch_add(1, Ordering::SeqCst);
            activity.unpark_observers.call_all();
        });
    }

    /// Counts the threads of the runtime's blocking pool, and lets each end as soon as its job is done (tokio keeps
    /// idle ones for ten seconds), so that a live thread means a running `spawn_blocking` job. On a current-thread
    /// runtime every thread the runtime starts is a blocking-pool thread.
    pub(crate) fn observe_blocking_jobs(self: &Arc<Self>, builder: &mut tokio::runtime::Builder) {
        let activity = Arc::clone(self);
        builder.on_thread_start(move || {
            activity.blocking_threads.fetch_add(1, Ordering::SeqCst);
            // Counted down by the thread's own end rather than by a second hook: every test builds its runtime's
            // hooks and drops them, and only a few tests ever start a thread.
            BLOCKING_THREAD.set(Some(BlockingThread(Arc::clone(&activity))));
        });
        builder.thread_keep_alive(Duration::ZERO);
    }

    /// `Some(n)` while the runtime is parked, where `n` identifies this one period of parking; `None` while it runs.
    pub(crate) fn parked_period(&self) -> Option<u64> {
        let idle_points = self.idle_points.load(Ordering::SeqCst);
        (idle_points > self.unparks.load(Ordering::SeqCst)).then_some(idle_points)
    }

    /// How long the runtime has been parked, up to `now`; `None` while it runs.
    pub(crate) fn parked_for(&self, now: std::time::Instant) -> Option<Duration> {
        self.parked_period()?;
        let since = self.last_park.load(Ordering::SeqCst);
        Some(Duration::from_nanos(
            self.nanos_since_created(now).saturating_sub(since),
        ))
    }

    /// `Some(n)` while the runtime's thread is polling tasks, where `n` identifies this one stretch between two idle
    /// points; `None` while it is parked.
    pub(crate) fn busy_stretch(&self) -> Option<u64> {
        let unparks = self.unparks.load(Ordering::SeqCst);
        (self.idle_points.load(Ordering::SeqCst) == unparks).then_some(unparks)
    }

    /// When the current stretch of polling began: the last wake from parking, or the activity's creation before any.
    pub(crate) fn stretch_started(&self) -> std::time::Instant {
        self.created + Duration::from_nanos(self.last_unpark.load(Ordering::SeqCst))
    }

    /// The runtime's thread enters the panic hook or captures a backtrace; returns when, for
    /// [`backtrace_work_left`](Self::backtrace_work_left).
    pub(crate) fn backtrace_work_entered(&self) -> std::time::Instant {
        let now = std::time::Instant::now();
        self.backtrace_began
            .store(self.nanos_since_created(now).max(1), Ordering::SeqCst);
        now
    }

    /// The runtime's thread is done with the work it entered at `entered`.
    pub(crate) fn backtrace_work_left(&self, entered: std::time::Instant) {
        let spent = u64::try_from(entered.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.backtrace_nanos.fetch_add(spent, Ordering::SeqCst);
        self.backtrace_began.store(0, Ordering::SeqCst);
    }

    /// Whether the runtime's thread is inside the panic hook, or capturing a backtrace, right now.
    pub(crate) fn in_backtrace_work(&self) -> bool {
        self.backtrace_began.load(Ordering::SeqCst) != 0
    }

    /// The time the runtime's thread has spent in that work since the current stretch of polling began, work still
    /// running included.
    pub(crate) fn backtrace_time_in_stretch(&self, now: std::time::Instant) -> Duration {
        let finished = self
            .backtrace_nanos
            .load(Ordering::SeqCst)
            .saturating_sub(self.backtrace_nanos_at_unpark.load(Ordering::SeqCst));
        let began = self.backtrace_began.load(Ordering::SeqCst);
        let running = if began == 0 {
            0
        } else {
            self.nanos_since_created(now).saturating_sub(began)
        };
        Duration::from_nanos(finished.saturating_add(running))
    }

    fn nanos_since_created(&self, now: std::time::Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.created).as_nanos()).unwrap_or(u64::MAX)
    }

    /// Whether a `spawn_blocking` job may be running (see [`observe_blocking_jobs`](Self::observe_blocking_jobs)). A
    /// hold of the real-I/O grace is one: while it lasts, a timer may be pending behind it.
    pub(crate) fn blocking_jobs_running(&self) -> bool {
        self.blocking_threads.load(Ordering::SeqCst) > 0
    }

    /// The body or a task was polled.
    pub(crate) fn polled(&self) {
        self.polls.fetch_add(1, Ordering::Relaxed);
    }

    /// Polls so far (see `polls`).
    pub(crate) fn polls(&self) -> u64 {
        self.polls.load(Ordering::Relaxed)
    }

    /// Counts every task's polls too, through tokio's unstable task hooks.
    #[cfg(tokio_unstable)]
    pub(crate) fn observe_task_polls(self: &Arc<Self>, builder: &mut tokio::runtime::Builder) {
        let activity = Arc::clone(self);
        builder.on_before_task_poll(move |_| activity.polled());
    }

    /// How often the runtime has reached its idle point; read by an observer of the idle point, the number of the
    /// one in progress.
    pub(crate) fn idle_points(&self) -> u64 {
        self.idle_points.load(Ordering::SeqCst)
    }

    /// The real time the runtime has spent parked in all, up to `now`, a park in progress included.
    pub(crate) fn idle_time(&self, now: std::time::Instant) -> Duration {
        let mut parked = self.parked_nanos.load(Ordering::SeqCst);
        if self.parked_period().is_some() {
            let since = self.last_park.load(Ordering::SeqCst);
            parked = parked.saturating_add(self.nanos_since_created(now).saturating_sub(since));
        }
        Duration::from_nanos(parked)
    }

    /// Calls `observer` after every park of a runtime set up with
    /// [`observe_current_thread`](Self::observe_current_thread), for as long as it lives.
    pub(crate) fn on_unpark<T: Observer + 'static>(&self, observer: &Arc<T>) {
        let observer: Weak<dyn Observer> = Arc::downgrade(observer) as Weak<T>;
        self.unpark_observers.add(observer);
    }

    /// Calls `observer` at every idle point from the next one on, before the runtime parks, for as long as it lives.
    /// Waking the body from there stops it before the clock can move.
    pub(crate) fn on_park<T: Observer + 'static>(&self, observer: &Arc<T>) {
        let observer: Weak<dyn Observer> = Arc::downgrade(observer) as Weak<T>;
        self.park_observers.add(observer);
    }

    fn reached_idle_point(&self) {
        self.park_observers.call_all();
        self.last_park
            .store(self.nanos_since_created(std::time::Instant::now()), Ordering::SeqCst);
        self.idle_points.fetch_add(1, Ordering::SeqCst);
        if !self.has_idle_waiters.swap(false, Ordering::SeqCst) {
            return;
        }
        let waiters = std::mem::take(&mut *lock(&self.idle_waiters));
        for waiter in waiters {
            waiter.wake();
        }
    }

    /// Completes at the runtime's next idle point: every task that was ready has run as far as it can without the
    /// clock moving. Only for current-thread runtimes with [`observe_current_thread`](Self::observe_current_thread).
    pub(crate) fn next_idle_point(&self) -> impl Future<Output = ()> + '_ {
        let start = self.idle_points.load(Ordering::SeqCst);
        poll_fn(move |context| {
            if self.idle_points.load(Ordering::SeqCst) > start {
                return Poll::Ready(());
            }
            lock(&self.idle_waiters).push(context.waker().clone());
            self.has_idle_waiters.store(true, Ordering::SeqCst);
            Poll::Pending
        })
    }
}

thread_local! {
    /// On a thread of a test runtime's blocking pool: the activity that counts it, until the thread ends.
    static BLOCKING_THREAD: Cell<Option<BlockingThread>> = const { Cell::new(None) };
}

/// Counts a blocking-pool thread out of its activity when the thread ends, and with it the thread-local.
struct BlockingThread(Arc<Activity>);

impl Drop for BlockingThread {
    fn drop(&mut self) {
        self.0.blocking_threads.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    struct Recorder {
        name: &'static str,
        calls: Arc<Mutex<Vec<&'static str>>>,
    }

    impl Observer for Recorder {
        fn observe(&self) {
            lock(&self.calls).push(self.name);
        }
    }

    /// The first observer sits in place and the others in the list behind it: all are called, in the order they came,
    /// and one that is gone is skipped.
    #[test]
    fn every_live_observer_is_called_in_the_order_it_came() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let recorder = |name| {
            Arc::new(Recorder {
                name,
                calls: Arc::clone(&calls),
            })
        };
        let observers = Observers::new();
        let (first, second, third) = (recorder("first"), recorder("second"), recorder("third"));
        for observer in [&first, &second, &third] {
            let observer: Weak<dyn Observer> = Arc::downgrade(observer) as Weak<Recorder>;
            observers.add(observer);
        }
        observers.call_all();
        assert_eq!(*lock(&calls), ["first", "second", "third"]);
        drop(second);
        observers.call_all();
        assert_eq!(*lock(&calls), ["first", "second", "third", "first", "third"]);
    }
}
