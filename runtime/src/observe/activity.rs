//! What the test's runtime is doing, seen through tokio's stable runtime hooks, for the guards that need it.
//!
//! `on_thread_park` runs inside the runtime right before it would park, that is when no task is ready. Waking a
//! future from there makes tokio park with a zero limit instead (tokio#8212), so the clock does not jump: this is how
//! the harness lets every ready task run to completion without advancing virtual time.

use std::future::{Future, poll_fn};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Poll, Waker};
use std::time::Duration;

use crate::lock::lock;

/// Called by the runtime's thread, inside the runtime, at its idle point right before it parks, or right after it
/// wakes from parking (with a paused clock, every jump of virtual time has just happened then). An observer reaches
/// what it reports to only through a `Weak` reference: what it reports to may hold this activity again (a guard's
/// measurements, an interrupt whose waker reaches the runtime), and a strong one would keep every finished test's
/// runtime alive.
type Observer = Box<dyn Fn() + Send + Sync>;

#[derive(Default)]
pub(crate) struct Activity {
    /// How often the runtime has reached its idle point, where it parks.
    idle_points: AtomicU64,
    /// How often it has woken from parking; fewer than `idle_points` while it is parked.
    unparks: AtomicU64,
    /// When the runtime last woke from parking, in nanoseconds since `created`: where the current stretch of polling
    /// began.
    last_unpark: AtomicU64,
    created: CreatedAt,
    /// Threads of the runtime's blocking pool that are alive, once [`observe_blocking_jobs`](Self::observe_blocking_jobs)
    /// made each live thread mean a running job.
    blocking_threads: AtomicUsize,
    /// Futures waiting for the next idle point; `has_idle_waiters` spares every park the lock when there are none.
    idle_waiters: Mutex<Vec<Waker>>,
    has_idle_waiters: AtomicBool,
    /// Observers as the guards register them, when the test starts...
    registering: Mutex<Observers>,
    /// ...and from then on, read at every park and wake without a lock.
    sealed: OnceLock<Observers>,
}

#[derive(Default)]
struct Observers {
    park: Vec<Observer>,
    unpark: Vec<Observer>,
}

impl Activity {
    /// Installs the hooks on a current-thread runtime's builder (a multi-thread runtime has one idle point per
    /// worker, and none of them means the whole runtime is idle).
    pub(crate) fn observe_current_thread(self: &Arc<Self>, builder: &mut tokio::runtime::Builder) {
        let activity = Arc::clone(self);
        builder.on_thread_park(move || activity.reached_idle_point());
        let activity = Arc::clone(self);
        builder.on_thread_unpark(move || {
            let since_created = activity.created.get().elapsed();
            activity.last_unpark.store(
                u64::try_from(since_created.as_nanos()).unwrap_or(u64::MAX),
                Ordering::SeqCst,
            );
            activity.unparks.fetch_add(1, Ordering::SeqCst);
            if let Some(observers) = activity.sealed.get() {
                call_all(&observers.unpark);
            }
        });
    }

    /// Counts the threads of the runtime's blocking pool, and lets each end as soon as its job is done (tokio keeps
    /// idle ones for ten seconds), so that a live thread means a running `spawn_blocking` job. On a current-thread
    /// runtime every thread the runtime starts is a blocking-pool thread.
    pub(crate) fn observe_blocking_jobs(self: &Arc<Self>, builder: &mut tokio::runtime::Builder) {
        let activity = Arc::clone(self);
        builder.on_thread_start(move || {
            activity.blocking_threads.fetch_add(1, Ordering::SeqCst);
        });
        let activity = Arc::clone(self);
        builder.on_thread_stop(move || {
            activity.blocking_threads.fetch_sub(1, Ordering::SeqCst);
        });
        builder.thread_keep_alive(Duration::ZERO);
    }

    /// `Some(n)` while the runtime is parked, where `n` identifies this one period of parking; `None` while it runs.
    pub(crate) fn parked_period(&self) -> Option<u64> {
        let idle_points = self.idle_points.load(Ordering::SeqCst);
        (idle_points > self.unparks.load(Ordering::SeqCst)).then_some(idle_points)
    }

    /// `Some(n)` while the runtime's thread is polling tasks, where `n` identifies this one stretch between two idle
    /// points; `None` while it is parked.
    pub(crate) fn busy_stretch(&self) -> Option<u64> {
        let unparks = self.unparks.load(Ordering::SeqCst);
        (self.idle_points.load(Ordering::SeqCst) == unparks).then_some(unparks)
    }

    /// When the current stretch of polling began: the last wake from parking, or the activity's creation before any.
    pub(crate) fn stretch_started(&self) -> std::time::Instant {
        *self.created.get() + Duration::from_nanos(self.last_unpark.load(Ordering::SeqCst))
    }

    /// Whether a `spawn_blocking` job may be running (see [`observe_blocking_jobs`](Self::observe_blocking_jobs)).
    pub(crate) fn blocking_jobs_running(&self) -> bool {
        self.blocking_threads.load(Ordering::SeqCst) > 0
    }

    /// Calls `observe(target)` after every park of a runtime set up with
    /// [`observe_current_thread`](Self::observe_current_thread), for as long as `target` lives.
    pub(crate) fn on_unpark<T: Send + Sync + 'static>(&self, target: &Arc<T>, observe: fn(&T)) {
        lock(&self.registering).unpark.push(weakly(target, observe));
    }

    /// Calls `observe(target)` at every idle point, before the runtime parks, for as long as `target` lives. Waking
    /// the body from there stops it before the clock can move.
    pub(crate) fn on_park<T: Send + Sync + 'static>(&self, target: &Arc<T>, observe: fn(&T)) {
        lock(&self.registering).park.push(weakly(target, observe));
    }

    /// The observers registered so far are the test's: from now on they run without taking a lock. Called once every
    /// guard has started, before the body runs; an observer registered later would never run.
    pub(crate) fn seal_observers(&self) {
        let observers = std::mem::take(&mut *lock(&self.registering));
        let _ = self.sealed.set(observers);
    }

    fn reached_idle_point(&self) {
        if let Some(observers) = self.sealed.get() {
            call_all(&observers.park);
        }
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

fn weakly<T: Send + Sync + 'static>(target: &Arc<T>, observe: fn(&T)) -> Observer {
    let target: Weak<T> = Arc::downgrade(target);
    Box::new(move || {
        if let Some(target) = target.upgrade() {
            observe(&target);
        }
    })
}

fn call_all(observers: &[Observer]) {
    for observer in observers {
        observer();
    }
}

/// When an `Activity` was created: `Default` for it, so the derive marks the moment.
struct CreatedAt(std::time::Instant);

impl Default for CreatedAt {
    fn default() -> CreatedAt {
        CreatedAt(std::time::Instant::now())
    }
}

impl CreatedAt {
    fn get(&self) -> &std::time::Instant {
        &self.0
    }
}
