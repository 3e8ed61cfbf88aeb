//! The one registry of the tests running in this process, each found by the runtime it runs on: by what a test body
//! calls (`settle()`, `background()`), by the process-wide panic hook, by assertions that show virtual time, and by
//! the monitor thread (`monitor.rs`), which looks at every running test from outside. An entry holds everything
//! about a running test that someone outside its harness may need, behind locks that are never held together.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio::runtime::{Handle, Id};
use tokio::task::AbortHandle;

use crate::config::{Flavor, UnhandledPanic};
use crate::lock::lock;
use crate::observe::activity::Activity;
use crate::observe::clock::Clocks;
use crate::observe::network_call::NetworkCall;
use crate::observe::real_io::RealIo;
use crate::setup::interrupt::Interrupt;
use crate::setup::settings::Settings;

/// A running test as the registry holds it: the guards' view of the test, which keeps its entry by value, so that a
/// test is one allocation and one place in one list.
pub(crate) trait Registered: Send + Sync {
    /// The test's entry.
    fn running(&self) -> &RunningTest;

    /// The test's probes, made on the monitor's thread at its first look at the test.
    fn probes(self: Arc<Self>) -> Vec<Box<dyn Probe>>;

    /// Whether a network call of the test's threads may go on; one that may not fails the test. Called from inside
    /// libc (`network_calls.rs`): it must not block.
    fn network_call(&self, _call: &NetworkCall) -> bool {
        true
    }

    /// A lookup of the test's threads resolved `name` to `addresses`.
    fn name_resolved(&self, _name: &str, _addresses: &[std::net::IpAddr]) {}
}

/// Something the monitor checks while a test runs. It acts through the test's interrupt (or, as a last resort, by
/// ending the process), from the monitor's thread, so it must not block.
pub(crate) trait Probe: Send {
    fn check(&mut self, now: Instant);
}

pub(crate) struct RunningTest {
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
    /// What lives as long as the body: background services, and what is told when nothing more runs on the clock.
    body_scoped: Mutex<BodyScoped>,
    /// The test's task panics, recorded from its creation on; `None` for a test that ignores them
    /// (`unhandled_panic = "ignore"`).
    task_panics: Mutex<Option<TaskPanics>>,
    /// Real I/O is in play: a peer outside the runtime answers in real time.
    real_io: std::sync::atomic::AtomicBool,
    /// The runtime's real I/O, where each registration with its I/O driver is seen (`io_registrations.rs`).
    pub(crate) io: RealIo,
    /// Told of the first real I/O seen there, from the thread that registered it.
    on_real_io: OnRealIo,
    /// The network guard watches the test's calls (`network_calls.rs`).
    network_guarded: bool,
}

/// Called with the test when its runtime's first real I/O is registered, on the registering thread (inside libc's
/// `epoll_ctl`): it must not block, and must not register I/O itself.
pub(crate) type OnRealIo = fn(&Arc<dyn Registered>);

struct BodyScoped {
    services: Vec<BackgroundService>,
    at_leftovers_watched: Vec<Box<dyn FnOnce() + Send>>,
    /// The body has ended: a task panic from now on happened after it.
    body_ended: bool,
    /// The look at the tasks the body left is over: who asks to be told from now on is told at once.
    leftovers_watched: bool,
}

// Constants, so that registering a test costs it no calls (BENCHMARKS.md, "Cold code").
impl BodyScoped {
    const fn new() -> BodyScoped {
        BodyScoped {
            services: Vec::new(),
            at_leftovers_watched: Vec::new(),
            body_ended: false,
            leftovers_watched: false,
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
    /// The body had returned: a task left behind panicked.
    pub(crate) after_body: bool,
}

/// Called with the test's entry and its first task panic; it must not block (it runs on the panicking thread, inside
/// its runtime).
pub(crate) type OnFirstPanic = fn(&RunningTest, &TaskPanic);

struct TaskPanics {
    recorded: Vec<TaskPanic>,
    on_first: Option<OnFirstPanic>,
}

impl RunningTest {
    /// The entry of a test whose runtime is built and whose clocks started; the test is registered by [`register`].
    pub(crate) fn new(
        clocks: Clocks,
        settings: &Settings,
        activity: Arc<Activity>,
        on_real_io: OnRealIo,
    ) -> RunningTest {
        RunningTest {
            thread: std::thread::current().id(),
            clocks,
            flavor: settings.flavor,
            activity,
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
            io: const { RealIo::new() },
            on_real_io,
            network_guarded: settings.network.is_some(),
        }
    }

    pub(crate) fn add_service(&self, name: String, task: tokio::task::Id, abort: AbortHandle) {
        lock(&self.body_scoped)
            .services
            .push(BackgroundService { name, task, abort });
    }

    /// Calls `told` when nothing more runs on the test's clock: after the body and the look at the tasks it left,
    /// before the shutdown; at once if that time has come (a task may still run while the harness looks).
    pub(crate) fn at_leftovers_watched(&self, told: Box<dyn FnOnce() + Send>) {
        let mut body_scoped = lock(&self.body_scoped);
        if !body_scoped.leftovers_watched {
            body_scoped.at_leftovers_watched.push(told);
            return;
        }
        drop(body_scoped);
        told();
    }

    /// The body has ended: aborts every background service (the harness then lets them finish before counting
    /// leaks).
    pub(crate) fn body_ended(&self) {
        let mut body_scoped = lock(&self.body_scoped);
        body_scoped.body_ended = true;
        // Most tests have none, and every test pays for this.
        if body_scoped.services.is_empty() {
            return;
        }
        // Out of the lock: an aborted task may be dropped here, and its destructor reach the registry again.
        let services = std::mem::take(&mut body_scoped.services);
        drop(body_scoped);
        for service in services {
            service.abort.abort();
        }
    }

    /// The harness is done with the tasks the body left: tells those who asked.
    pub(crate) fn leftovers_watched(&self) {
        let mut body_scoped = lock(&self.body_scoped);
        body_scoped.leftovers_watched = true;
        // Most tests have none, and every test pays for this.
        if body_scoped.at_leftovers_watched.is_empty() {
            return;
        }
        // Out of the lock before anyone is told: what they do may reach the registry again.
        let told = std::mem::take(&mut body_scoped.at_leftovers_watched);
        drop(body_scoped);
        for told in told {
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

    /// Whether the body has ended.
    fn body_has_ended(&self) -> bool {
        lock(&self.body_scoped).body_ended
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

    /// Records a panic of `task`, when the test's task panics are watched; the first is told to `on_first`, out of
    /// the lock (it fires the interrupt, which takes its own).
    pub(crate) fn record_task_panic(&self, task: tokio::task::Id, location: String, message: String) {
        let service = self.service_name(task);
        let after_body = self.body_has_ended();
        let mut guard = lock(&self.task_panics);
        let Some(task_panics) = guard.as_mut() else {
            return;
        };
        let panic = TaskPanic {
            location,
            message,
            service,
            after_body,
        };
        let first = match (task_panics.recorded.is_empty(), task_panics.on_first) {
            (true, Some(on_first)) => Some((on_first, panic.clone())),
            _ => None,
        };
        task_panics.recorded.push(panic);
        drop(guard);
        if let Some((on_first, panic)) = first {
            on_first(self, &panic);
        }
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

/// The running tests, each by a number of its own (the monitor tells them apart by it: a test's place in memory may
/// be taken by the next one) and by its runtime.
struct Running {
    next_id: u64,
    tests: Vec<Entry>,
    /// The monitor thread waits for a first test, and must be woken.
    monitor_waiting: bool,
}

struct Entry {
    id: u64,
    runtime: Id,
    test: Arc<dyn Registered>,
}

static RUNNING: Mutex<Running> = Mutex::new(Running {
    next_id: 0,
    tests: Vec::new(),
    monitor_waiting: false,
});
static FIRST_ADDED: Condvar = Condvar::new();

fn running() -> MutexGuard<'static, Running> {
    lock(&RUNNING)
}

/// Keeps the test findable, and watched by the monitor, until dropped.
pub(crate) struct Registration {
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut running = running();
        // A plain search, and the order is not kept: every test ends here, and a test is found by its runtime.
        for index in 0..running.tests.len() {
            if running.tests[index].id == self.id {
                let gone = running.tests.swap_remove(index);
                let io = &gone.test.running().io;
                if io.any() {
                    disown_epolls(io, self.id);
                }
                if gone.test.running().network_guarded {
                    NETWORKS_GUARDED.fetch_sub(1, Ordering::SeqCst);
                }
                return;
            }
        }
    }
}

/// Which running test each epoll instance belongs to, by its number: the test's id + 1, 0 for none. Set at the first
/// registration through it in the test's runtime; libc's `epoll_ctl` asks it for every deregistration in the process
/// (which may be made on any thread, where the I/O is dropped), so it is read without the registry's lock. A number is
/// taken back only by the test that holds it (a finished test's runtime closes its epoll before its registration is
/// dropped, and the number may be a new test's by then). A runtime whose epoll's number is too large for it is not
/// watched for deregistrations (the process has a thousand files open).
static EPOLL_OWNERS: [AtomicU64; 1024] = [const { AtomicU64::new(0) }; 1024];

/// The slot of `epoll`'s number, if it has one.
fn owner_slot(epoll: i32) -> Option<&'static AtomicU64> {
    EPOLL_OWNERS.get(usize::try_from(epoll).ok()?)
}

/// The test that owns `epoll`, as its id + 1; 0 for none.
fn owner_of(epoll: i32) -> u64 {
    owner_slot(epoll).map_or(0, |slot| slot.load(Ordering::SeqCst))
}

#[cfg_attr(not(ws_test_libc_hooks), allow(dead_code))]
/// Whether `epoll` is a running test's runtime's epoll instance.
pub(crate) fn epoll_watched(epoll: i32) -> bool {
    owner_of(epoll) != 0
}

fn disown_epolls(io: &RealIo, id: u64) {
    for epoll in io.runtimes_epolls() {
        if let Some(slot) = owner_slot(epoll) {
            let _ = slot.compare_exchange(id + 1, 0, Ordering::SeqCst, Ordering::SeqCst);
        }
    }
}

#[cfg_attr(not(ws_test_libc_hooks), allow(dead_code))]
/// `fd` was registered with `epoll`, on any thread: the test's when the thread is in a test's runtime (tokio registers
/// with the driver of the runtime the caller is in). Called from inside libc's `epoll_ctl`.
pub(crate) fn io_added(epoll: i32, fd: i32) {
    let Some((id, test)) = current_entry() else {
        return;
    };
    let running = test.running();
    let Some(added) = running.io.added(epoll, fd) else {
        return;
    };
    if added.new_epoll {
        if let Some(slot) = owner_slot(epoll) {
            slot.store(id + 1, Ordering::SeqCst);
        }
    }
    if added.first {
        (running.on_real_io)(&test);
    }
}

#[cfg_attr(not(ws_test_libc_hooks), allow(dead_code))]
/// `fd` was deregistered from `epoll`, a running test's (`epoll_watched`), on any thread. Called from inside libc's
/// `epoll_ctl`.
pub(crate) fn io_removed(epoll: i32, fd: i32) {
    let owner = owner_of(epoll);
    let test = running()
        .tests
        .iter()
        .find(|entry| owner == entry.id + 1)
        .map(|entry| Arc::clone(&entry.test));
    if let Some(test) = test {
        test.running().io.removed(fd);
    }
}

/// Makes the test findable by its runtime, and watched by the monitor thread, until the returned [`Registration`] is
/// dropped.
pub(crate) fn register(runtime: &Handle, test: Arc<dyn Registered>) -> Registration {
    let runtime = runtime.id();
    let mut running = running();
    let id = running.next_id;
    running.next_id += 1;
    if test.running().network_guarded {
        NETWORKS_GUARDED.fetch_add(1, Ordering::SeqCst);
    }
    running.tests.push(Entry { id, runtime, test });
    // A lingering monitor finds the test within a check interval by itself. (All waiters are woken: there is one,
    // the monitor, but a unit test may wait beside it.)
    if running.monitor_waiting {
        running.monitor_waiting = false;
        FIRST_ADDED.notify_all();
    }
    Registration { id }
}

/// How many running tests' network calls are guarded: libc's hooks ask first, and go on at once when none are.
static NETWORKS_GUARDED: AtomicUsize = AtomicUsize::new(0);

#[cfg_attr(not(ws_test_libc_hooks), allow(dead_code))]
/// Whether any running test's network calls are guarded.
pub(crate) fn networks_guarded() -> bool {
    NETWORKS_GUARDED.load(Ordering::SeqCst) > 0
}

#[cfg_attr(not(ws_test_libc_hooks), allow(dead_code))]
/// Whether the caller's network call may go on: it is, when the caller is in no running test's runtime, or in one
/// whose guard allows it. Called from inside libc.
pub(crate) fn network_call(call: &NetworkCall) -> bool {
    match current() {
        Some(test) if test.running().network_guarded => test.network_call(call),
        _ => true,
    }
}

#[cfg_attr(not(ws_test_libc_hooks), allow(dead_code))]
/// The caller's lookup of `name` resolved to `addresses`. Called from inside libc.
pub(crate) fn name_resolved(name: &str, addresses: &[std::net::IpAddr]) {
    if let Some(test) = current() {
        if test.running().network_guarded {
            test.name_resolved(name, addresses);
        }
    }
}

/// The test whose runtime the caller runs on.
pub(crate) fn current() -> Option<Arc<dyn Registered>> {
    current_entry().map(|(_, test)| test)
}

/// The test whose runtime the caller runs on, with its number.
fn current_entry() -> Option<(u64, Arc<dyn Registered>)> {
    find_entry(Handle::try_current().ok()?.id())
}

pub(crate) fn find(runtime: Id) -> Option<Arc<dyn Registered>> {
    find_entry(runtime).map(|(_, test)| test)
}

/// The test whose runtime is `runtime`, with its number.
fn find_entry(runtime: Id) -> Option<(u64, Arc<dyn Registered>)> {
    let running = running();
    for entry in &running.tests {
        if entry.runtime == runtime {
            return Some((entry.id, Arc::clone(&entry.test)));
        }
    }
    None
}

/// For the monitor thread: every running test with its number, into `tests`. With `wait_for_one`, when none runs,
/// first waits until one is registered.
pub(crate) fn running_tests(tests: &mut Vec<(u64, Arc<dyn Registered>)>, wait_for_one: bool) {
    let mut running = running();
    if wait_for_one && running.tests.is_empty() {
        running.monitor_waiting = true;
        while running.tests.is_empty() {
            running = FIRST_ADDED.wait(running).unwrap_or_else(PoisonError::into_inner);
        }
    }
    for entry in &running.tests {
        tests.push((entry.id, Arc::clone(&entry.test)));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::config::Options;

    /// A registered test without guards: its entry and no probes.
    struct Bare(RunningTest);

    impl Registered for Bare {
        fn running(&self) -> &RunningTest {
            &self.0
        }

        fn probes(self: Arc<Self>) -> Vec<Box<dyn Probe>> {
            Vec::new()
        }
    }

    fn bare(runtime: &tokio::runtime::Runtime, name: &str) -> Arc<Bare> {
        let settings = Settings::resolve(&Options::new(name.to_string().into())).expect("settings");
        Arc::new(Bare(RunningTest::new(
            Clocks::start(runtime.handle(), None),
            &settings,
            Activity::shared(),
            |_| {},
        )))
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    }

    /// A test is found by its runtime, from inside it, until its registration is dropped; and only then leaves the
    /// monitor's view.
    #[test]
    fn a_test_is_found_by_its_runtime_until_its_registration_is_dropped() {
        let (first, second) = (runtime(), runtime());
        let (test, other) = (bare(&first, "registry::found"), bare(&second, "registry::other"));
        let registration = register(first.handle(), Arc::clone(&test) as Arc<dyn Registered>);
        let other_registration = register(second.handle(), Arc::clone(&other) as Arc<dyn Registered>);
        let found = first
            .block_on(async { current() })
            .expect("found from inside its runtime");
        assert!(std::ptr::eq(found.running(), &test.0), "another test was found");
        let found = find(second.handle().id()).expect("found by its runtime");
        assert!(std::ptr::eq(found.running(), &other.0), "another test was found");
        let watched = |test: &Arc<Bare>| {
            let mut tests = Vec::new();
            running_tests(&mut tests, false);
            tests
                .iter()
                .any(|(_, watched)| std::ptr::eq(watched.running(), &test.0))
        };
        assert!(watched(&test) && watched(&other), "the monitor does not see both tests");
        drop(registration);
        assert!(
            find(first.handle().id()).is_none(),
            "found after its registration was dropped"
        );
        assert!(
            !watched(&test),
            "the monitor still sees a test whose registration was dropped"
        );
        assert!(watched(&other), "the other test went with it");
        drop(other_registration);
        assert!(current().is_none(), "found outside any runtime");
    }

    /// A monitor waiting for a first test is woken by the next registration (it must not sleep through it, or a hung
    /// test would never be noticed).
    #[test]
    fn a_monitor_waiting_for_a_first_test_is_woken_by_the_next_one() {
        let runtime = runtime();
        let test = bare(&runtime, "registry::woken");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tests = Vec::new();
            running_tests(&mut tests, true);
            let _ = sender.send(tests.len());
        });
        // Long enough for the waiter to wait, when no other test of this binary runs now.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let registration = register(runtime.handle(), test as Arc<dyn Registered>);
        let seen = receiver.recv_timeout(std::time::Duration::from_secs(10));
        drop(registration);
        assert!(
            seen.is_ok_and(|tests| tests > 0),
            "the waiting monitor was not woken by a registration: {seen:?}"
        );
    }

    fn told_count(test: &RunningTest, told: &Arc<AtomicUsize>) {
        let told = Arc::clone(told);
        test.at_leftovers_watched(Box::new(move || {
            told.fetch_add(1, Ordering::SeqCst);
        }));
    }

    /// Who asks before the look at the body's leftovers is over is told when it is, once, and not at the body's end;
    /// who asks after is told at once (a leftover task may bind a `ws::Server` during the look).
    #[test]
    fn the_end_of_the_look_is_told_once_whenever_one_asks() {
        let runtime = runtime();
        let test = &bare(&runtime, "registry::told").0;
        let (before, after) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        told_count(test, &before);
        test.body_ended();
        assert_eq!(
            before.load(Ordering::SeqCst),
            0,
            "told when the body ended, before the look"
        );
        test.leftovers_watched();
        assert_eq!(before.load(Ordering::SeqCst), 1);
        told_count(test, &after);
        assert_eq!(after.load(Ordering::SeqCst), 1, "not told after the look ended");
        test.leftovers_watched();
        assert_eq!(
            (before.load(Ordering::SeqCst), after.load(Ordering::SeqCst)),
            (1, 1),
            "told twice"
        );
    }

    /// What is registered in the test's runtime is the test's, on whatever thread, and is seen to go when it is
    /// deregistered; what another runtime registers is not, nor the build of a runtime inside the test's (a
    /// fixture's). Without the hooks nothing is seen at all.
    #[cfg(ws_test_libc_hooks)]
    #[test]
    fn a_registration_is_the_tests_whose_runtime_makes_it() {
        let runtime = runtime();
        let settings = Settings::resolve(&Options::new("registry::real_io".to_string().into())).expect("settings");
        let test = Arc::new(Bare(RunningTest::new(
            Clocks::start(runtime.handle(), None),
            &settings,
            Activity::shared(),
            |test| {
                test.running().real_io_in_play();
            },
        )));
        let registration = register(runtime.handle(), Arc::clone(&test) as Arc<dyn Registered>);
        let other = self::runtime();
        let other_listener = other
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a port");
        assert!(
            !test.0.real_io_seen(),
            "another runtime's socket was taken for the test's"
        );
        let (fixture, listener) = runtime.block_on(async {
            let fixture = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime");
            let fixture_listener = fixture
                .spawn(async { tokio::net::TcpListener::bind("127.0.0.1:0").await })
                .await
                .expect("bound")
                .expect("a port");
            assert!(
                !test.0.real_io_seen(),
                "a runtime built in the test's runtime was taken for the test's I/O"
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
            drop(fixture_listener);
            (fixture, listener)
        });
        assert!(test.0.real_io_seen(), "the test's own socket was not seen");
        let address = listener.local_addr().expect("an address");
        assert_eq!(
            test.0.io.describe().as_deref(),
            Some(&*format!("1 TCP listener on {address}"))
        );
        // Dropped on another thread than the runtime's, outside it.
        std::thread::spawn(move || drop(listener)).join().expect("dropped");
        assert_eq!(test.0.io.describe().as_deref(), Some("1 more closed earlier"));
        drop((fixture, other_listener, other, registration));
        assert!(
            test.0.io.runtimes_epolls().iter().all(|&epoll| !epoll_watched(epoll)),
            "the test's epoll is still watched after its registration was dropped"
        );
    }
}
