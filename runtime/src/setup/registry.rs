//! The one registry of the tests running in this process, each found by the runtime it runs on: by what a test body
//! calls (`settle()`, `background()`), by the process-wide panic hook, and by assertions that show virtual time. An
//! entry holds everything about a running test that someone outside its harness may need, behind locks that are
//! never held together.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::runtime::{Handle, Id};
use tokio::task::AbortHandle;

use crate::config::{Flavor, UnhandledPanic};
use crate::lock::lock;
use crate::observe::activity::Activity;
use crate::observe::clock::Clocks;
use crate::setup::interrupt::Interrupt;
use crate::setup::settings::Settings;

pub(crate) struct RunningTest {
    pub(crate) runtime: Id,
    /// The thread that runs the body: on a current-thread or local runtime, the runtime's own thread.
    pub(crate) thread: std::thread::ThreadId,
    pub(crate) clocks: Clocks,
    pub(crate) flavor: Flavor,
    pub(crate) activity: Arc<Activity>,
    /// How a guard stops the body from outside it (a probe on the monitor's thread, the panic hook, a runtime hook).
    pub(crate) interrupt: Interrupt,
    /// The grace for real I/O under the paused clock (`io_grace`), for when real I/O comes into play after the start
    /// (with tokio's unstable metrics the grace watches from the start instead).
    #[cfg(not(tokio_unstable))]
    pub(crate) io_grace: Option<std::time::Duration>,
    /// What lives as long as the body: background services, and what is told when the body ends.
    body_scoped: Mutex<BodyScoped>,
    /// The test's task panics, recorded from its registration on; `None` for a test that ignores them
    /// (`unhandled_panic = "ignore"`).
    task_panics: Mutex<Option<TaskPanics>>,
    /// Real I/O is in play: a peer outside the runtime answers in real time.
    real_io: std::sync::atomic::AtomicBool,
}

struct BodyScoped {
    services: Vec<BackgroundService>,
    at_body_end: Vec<Box<dyn FnOnce() + Send>>,
    /// The body has ended: who asks to be told from now on is told at once.
    ended: bool,
}

// Constants, so that registering a test costs it no calls (BENCHMARKS.md, "Cold code").
impl BodyScoped {
    const fn new() -> BodyScoped {
        BodyScoped {
            services: Vec::new(),
            at_body_end: Vec::new(),
            ended: false,
        }
    }
}

impl TaskPanics {
    const fn new() -> TaskPanics {
        TaskPanics {
            recorded: Vec::new(),
            on_first: None,
        }
    }
}

/// A task started with `ws_test::background`.
struct BackgroundService {
    name: String,
    task: tokio::task::Id,
    abort: AbortHandle,
}

/// One panic of a spawned task, as the panic hook saw it.
#[derive(Clone, Debug)]
pub(crate) struct TaskPanic {
    pub(crate) location: String,
    pub(crate) message: String,
    /// The name given to `ws_test::background`, when the task is a background service.
    pub(crate) service: Option<String>,
}

/// Called with the first panic; it must not block (it runs on the panicking thread, inside its runtime).
pub(crate) type OnFirstPanic = Box<dyn Fn(&TaskPanic) + Send + Sync>;

struct TaskPanics {
    recorded: Vec<TaskPanic>,
    on_first: Option<OnFirstPanic>,
}

static RUNNING: Mutex<Vec<Arc<RunningTest>>> = Mutex::new(Vec::new());

fn running() -> MutexGuard<'static, Vec<Arc<RunningTest>>> {
    lock(&RUNNING)
}

impl RunningTest {
    pub(crate) fn add_service(&self, name: String, task: tokio::task::Id, abort: AbortHandle) {
        lock(&self.body_scoped)
            .services
            .push(BackgroundService { name, task, abort });
    }

    /// Calls `told` when the body has ended, before the harness looks for leaks; at once if it has (a task may still
    /// run while the harness lets ready tasks finish).
    pub(crate) fn at_body_end(&self, told: Box<dyn FnOnce() + Send>) {
        let mut body_scoped = lock(&self.body_scoped);
        if !body_scoped.ended {
            body_scoped.at_body_end.push(told);
            return;
        }
        drop(body_scoped);
        told();
    }

    /// The body has ended: aborts every background service (the harness then lets them finish before counting
    /// leaks) and tells those who asked.
    pub(crate) fn body_ended(&self) {
        let mut body_scoped = lock(&self.body_scoped);
        body_scoped.ended = true;
        // Most tests have neither, and every test pays for this.
        if body_scoped.services.is_empty() && body_scoped.at_body_end.is_empty() {
            return;
        }
        // Out of the lock before anyone is told: what they do may reach the registry again.
        let services = std::mem::take(&mut body_scoped.services);
        let at_body_end = std::mem::take(&mut body_scoped.at_body_end);
        drop(body_scoped);
        for service in services {
            service.abort.abort();
        }
        for told in at_body_end {
            told();
        }
    }

    /// The names of the background services still registered, in the order they started.
    pub(crate) fn service_names(&self) -> Vec<String> {
        lock(&self.body_scoped)
            .services
            .iter()
            .map(|service| service.name.clone())
            .collect()
    }

    /// The name of the background service that runs as `task`, if one does.
    pub(crate) fn service_name(&self, task: tokio::task::Id) -> Option<String> {
        lock(&self.body_scoped)
            .services
            .iter()
            .find(|service| service.task == task)
            .map(|service| service.name.clone())
    }

    /// Real I/O is in play from now on; `true` if it was not before.
    pub(crate) fn real_io_in_play(&self) -> bool {
        !self.real_io.swap(true, std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether real I/O has been seen in play.
    pub(crate) fn real_io_seen(&self) -> bool {
        self.real_io.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// `on_first` is told of the test's first task panic, if its task panics are recorded.
    pub(crate) fn on_first_task_panic(&self, on_first: OnFirstPanic) {
        if let Some(task_panics) = lock(&self.task_panics).as_mut() {
            task_panics.on_first = Some(on_first);
        }
    }

    /// Records a panic of `task`, when the test's task panics are watched.
    pub(crate) fn record_task_panic(&self, task: tokio::task::Id, location: String, message: String) {
        let service = self.service_name(task);
        let mut task_panics = lock(&self.task_panics);
        let Some(task_panics) = task_panics.as_mut() else {
            return;
        };
        let panic = TaskPanic {
            location,
            message,
            service,
        };
        if let (true, Some(on_first)) = (task_panics.recorded.is_empty(), &task_panics.on_first) {
            on_first(&panic);
        }
        task_panics.recorded.push(panic);
    }

    /// The task panics recorded after the first `skip`.
    pub(crate) fn task_panics_after(&self, skip: usize) -> Vec<TaskPanic> {
        // Written out rather than chained: every test asks, and adapters cost several times more in a debug build.
        match &*lock(&self.task_panics) {
            Some(task_panics) if task_panics.recorded.len() > skip => task_panics.recorded[skip..].to_vec(),
            _ => Vec::new(),
        }
    }
}

/// Keeps the test findable until dropped.
pub(crate) struct Registration {
    test: Arc<RunningTest>,
}

impl Registration {
    pub(crate) fn test(&self) -> &Arc<RunningTest> {
        &self.test
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut running = running();
        // A plain search, and the order is not kept: every test ends here, and a test is found by its runtime.
        for index in 0..running.len() {
            if Arc::ptr_eq(&running[index], &self.test) {
                running.swap_remove(index);
                return;
            }
        }
    }
}

pub(crate) fn register(
    runtime: &Handle,
    clocks: &Clocks,
    settings: &Settings,
    activity: &Arc<Activity>,
) -> Registration {
    let test = Arc::new(RunningTest {
        runtime: runtime.id(),
        thread: std::thread::current().id(),
        clocks: clocks.clone(),
        flavor: settings.flavor,
        activity: Arc::clone(activity),
        interrupt: const { Interrupt::new() },
        #[cfg(not(tokio_unstable))]
        io_grace: settings.io_grace,
        body_scoped: const { Mutex::new(BodyScoped::new()) },
        // Set here rather than by the panic guard as it starts: one lock less for every test.
        task_panics: Mutex::new(match settings.unhandled_panic {
            UnhandledPanic::Ignore => None,
            _ => Some(const { TaskPanics::new() }),
        }),
        real_io: const { std::sync::atomic::AtomicBool::new(false) },
    });
    running().push(Arc::clone(&test));
    Registration { test }
}

/// The test whose runtime the caller runs on.
pub(crate) fn current() -> Option<Arc<RunningTest>> {
    find(Handle::try_current().ok()?.id())
}

pub(crate) fn find(runtime: Id) -> Option<Arc<RunningTest>> {
    running().iter().find(|test| test.runtime == runtime).cloned()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::config::Options;

    fn told_count(test: &RunningTest, told: &Arc<AtomicUsize>) {
        let told = Arc::clone(told);
        test.at_body_end(Box::new(move || {
            told.fetch_add(1, Ordering::SeqCst);
        }));
    }

    /// Who asks before the body ends is told when it does, once; who asks after is told at once (a task that the
    /// harness lets finish may bind a `ws::Server` then).
    #[test]
    fn the_end_of_the_body_is_told_once_whenever_one_asks() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let settings = Settings::resolve(&Options::new("registry::told".into())).expect("settings");
        let clocks = Clocks::start(runtime.handle());
        let registration = register(runtime.handle(), &clocks, &settings, &Activity::shared());
        let test = registration.test();
        let (before, after) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        told_count(test, &before);
        assert_eq!(before.load(Ordering::SeqCst), 0, "told before the body ended");
        test.body_ended();
        assert_eq!(before.load(Ordering::SeqCst), 1);
        told_count(test, &after);
        assert_eq!(after.load(Ordering::SeqCst), 1, "not told after the body ended");
        test.body_ended();
        assert_eq!(
            (before.load(Ordering::SeqCst), after.load(Ordering::SeqCst)),
            (1, 1),
            "told twice"
        );
    }
}
