//! The run pipeline behind [`Builder::run`](crate::Builder::run): settings, a fresh runtime, the guards, the body
//! until it completes or is interrupted, the guards' findings, a bounded shutdown, and one report.

use std::any::Any;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::{Pin, pin};
use std::sync::Arc;

use crate::config::{Flavor, Options};
use crate::guards::leftovers::{self, Leftovers, Verdict};
use crate::guards::{self, BodyEnd, Guards, TestContext};
use crate::observe::activity::Activity;
use crate::observe::clock::{AtBodyEnd, Clocks};
#[cfg(tokio_unstable)]
use crate::observe::spawn_locations::SpawnLocations;
use crate::observe::task_dumps::{self, Origin};
use crate::report::record::{self, Outcome, Record};
use crate::report::{self, ClockReading, Failure, Kind};
use crate::setup::environment::{self, Defaults};
use crate::setup::monitor;
use crate::setup::registry::{self, Registered};
use crate::setup::runtime::TestRuntime;
use crate::setup::settings::Settings;

/// The text of tokio's panic when `time::pause()` runs on a clock that is already paused.
const TIME_ALREADY_FROZEN: &str = "time is already frozen";

#[track_caller]
pub(crate) fn run<T>(options: &Options, body: Pin<Box<dyn Future<Output = T> + '_>>) -> T {
    run_observed(options, body, Activity::shared())
}

// Every stage below keeps its stack frame small and hands the next what it built on the heap, for the speed of debug
// builds, where each local has its own stack slot: glibc hands a finished thread's stack back with madvise, and a
// page touched more than 16 KiB below where the thread ends must then be zapped (an interrupt to every other CPU to
// flush its TLB) and faulted in again by the next test. tokio's own runtime build goes deep enough by itself that
// ws-test's frames above it once crossed that line: with 4.4 KiB of them, debug tests took 1.39x the time of
// `#[tokio::test]`'s, against 1.22x with 0.9 KiB.
// `BENCHMARKS.md` ("Stack depth") has the measurement; keep the stages apart.

/// [`run`], with the activity handed in, so that a test can check that nothing keeps it alive afterwards.
#[track_caller]
fn run_observed<T>(options: &Options, body: Pin<Box<dyn Future<Output = T> + '_>>, activity: Arc<Activity>) -> T {
    let settings = resolve_settings(options);
    // A clock that is not paused from the start runs while the runtime is built: its timer wheel starts counting at
    // some moment of the build, which the look at leftover tasks needs to know.
    let building_since = (!settings.paused_clock).then(std::time::Instant::now);
    #[cfg(tokio_unstable)]
    let spawn_locations = Arc::new(SpawnLocations::default());
    let runtime = build_runtime(
        &settings,
        &activity,
        #[cfg(tokio_unstable)]
        &spawn_locations,
    );
    run_started(
        settings,
        runtime,
        building_since,
        activity,
        #[cfg(tokio_unstable)]
        spawn_locations,
        body,
    )
}

#[track_caller]
fn resolve_settings(options: &Options) -> Box<Settings> {
    match Settings::resolve(options) {
        Ok(settings) => Box::new(settings),
        Err(problem) => panic!("{problem}"),
    }
}

#[track_caller]
fn build_runtime(
    settings: &Settings,
    activity: &Arc<Activity>,
    #[cfg(tokio_unstable)] spawn_locations: &Arc<SpawnLocations>,
) -> Box<TestRuntime> {
    let built = TestRuntime::build(
        settings,
        activity,
        #[cfg(tokio_unstable)]
        spawn_locations,
    );
    match built {
        Ok(runtime) => runtime,
        Err(error) => runtime_failed(settings, &error),
    }
}

#[cold]
#[track_caller]
fn runtime_failed(settings: &Settings, error: &std::io::Error) -> ! {
    panic!(
        "test `{}` cannot start: building its tokio runtime failed: {error}",
        settings.test_name
    )
}

/// The test from its guards' start to its report, in a frame beside the runtime's build, not above it: the started
/// test lives here by value, without a trip through the heap.
#[track_caller]
fn run_started<T>(
    settings: Box<Settings>,
    runtime: Box<TestRuntime>,
    building_since: Option<std::time::Instant>,
    activity: Arc<Activity>,
    #[cfg(tokio_unstable)] spawn_locations: Arc<SpawnLocations>,
    body: Pin<Box<dyn Future<Output = T> + '_>>,
) -> T {
    let mut started = Started::new(
        settings,
        runtime,
        building_since,
        activity,
        #[cfg(tokio_unstable)]
        spawn_locations,
    );
    let outcome = started.run_body(body);
    started.finish(outcome)
}

/// A test from the moment its guards watch it to its report.
struct Started {
    runtime: Box<TestRuntime>,
    test: Arc<TestContext>,
    guards: Guards,
    /// Keeps the test findable by its runtime, and watched by the monitor thread.
    registration: registry::Registration,
}

impl Started {
    fn new(
        settings: Box<Settings>,
        runtime: Box<TestRuntime>,
        building_since: Option<std::time::Instant>,
        activity: Arc<Activity>,
        #[cfg(tokio_unstable)] spawn_locations: Arc<SpawnLocations>,
    ) -> Started {
        let test = TestContext::new(
            settings,
            runtime.handle(),
            Clocks::start(runtime.handle(), building_since),
            activity,
            #[cfg(tokio_unstable)]
            spawn_locations,
        );
        // Shared with the registry, where the monitor thread makes the test's probes from it if the test lasts until
        // its first look, and with the runtime's hooks, weakly, through the guards that observe it.
        let test = Arc::new(test);
        let guards = guards::start_all(&test);
        // Once the guards watch it: the monitor may make the test's probes at once.
        monitor::start();
        let registration = registry::register(runtime.handle(), Arc::clone(&test) as Arc<dyn Registered>);
        Started {
            runtime,
            test,
            guards,
            registration,
        }
    }

    /// The body, until it completes, panics or a guard interrupts it. Polled through a `dyn` reference, so that
    /// tokio's `block_on` frames, which every poll of the body sits under, do not carry the future by value.
    fn run_body<T>(
        &mut self,
        body: Pin<Box<dyn Future<Output = T> + '_>>,
    ) -> Result<Result<T, Failure>, Box<dyn Any + Send>> {
        let (runtime, test) = (&self.runtime, &self.test);
        panic::catch_unwind(AssertUnwindSafe(|| {
            let until_fired = pin!(test.running.interrupt.run_until_fired(body, &test.running.activity));
            let until_fired: Pin<&mut dyn Future<Output = Result<T, Failure>>> = until_fired;
            runtime.block_on(until_fired)
        }))
    }

    /// The guards' findings once the body has ended, a bounded shutdown, and the report.
    #[track_caller]
    fn finish<T>(self, mut outcome: Result<Result<T, Failure>, Box<dyn Any + Send>>) -> T {
        let Started {
            runtime,
            test,
            mut guards,
            registration,
        } = self;
        // The report shows the clocks when the body ended.
        let clocks_at_end = test.running.clocks.at_body_end(test.settings.paused_clock);
        let end = match &outcome {
            Ok(Ok(_)) => BodyEnd::Completed,
            Ok(Err(_)) => BodyEnd::Interrupted,
            Err(_) => BodyEnd::Panicked,
        };
        // Dumped before the services stop, so that they are still there to be seen waiting.
        if let Ok(Err(interruption)) = &mut outcome {
            add_where_tasks_wait(&runtime, &test, interruption);
        }
        // What lives as long as the body ends here: background services stop, gone before the leak check.
        test.running.body_ended();
        let tasks_alive = match end {
            BodyEnd::Interrupted => alive_tasks(&test),
            BodyEnd::Completed | BodyEnd::Panicked => let_ready_tasks_finish(&runtime, &test),
        };
        let (leftovers, fired_during_look) = if tasks_alive == 0 {
            (Leftovers::none(), None)
        } else {
            look_at_leftovers(&runtime, &test, &clocks_at_end, end, tasks_alive)
        };
        // A hold of the real-I/O grace ends once nothing more runs on the clock, so that the shutdown is free.
        test.running.leftovers_watched();
        let mut findings = Vec::new();
        guards.body_finished(&test, end, &leftovers, &mut findings);
        // A guard that fired while the body was ending anyway (it panicked on the error a refused connection
        // returned, or returned before its next poll): what the guard saw is reported too.
        let fired = match (fired_during_look, end) {
            (None, BodyEnd::Completed | BodyEnd::Panicked) => test.running.interrupt.take_failure(),
            (fired, _) => fired,
        };
        if let Some(fired) = fired {
            // Unless its guard reports it itself (a blocked event loop).
            if !findings.iter().any(|finding| finding.kind == fired.kind) {
                findings.insert(0, fired);
            }
        }
        // Most tests find nothing, and skip the search (every call is a cold one in a debug build).
        if !findings.is_empty() {
            if let Some(leak) = findings.iter_mut().find(|finding| finding.kind == Kind::Leak) {
                add_where_tasks_wait(&runtime, &test, leak);
            }
        }
        runtime.shut_down();
        guards.runtime_shut_down(&test, &mut findings);
        // In this order: the guards, then the test's registration, which ends the monitor's watch.
        drop((guards, registration));
        // Out of the monitor's sight: reading the debug info to name a call site takes a while.
        if !findings.is_empty() || matches!(outcome, Ok(Err(_))) {
            name_call_sites(&test, &mut outcome, &mut findings);
        }
        conclude(&test, &clocks_at_end, &leftovers, outcome, findings)
    }
}

/// The call sites the guards captured while the runtime ran, named in their failures (cold: most tests fail nothing).
#[cold]
fn name_call_sites<T>(
    test: &TestContext,
    outcome: &mut Result<Result<T, Failure>, Box<dyn Any + Send>>,
    findings: &mut [Failure],
) {
    if let Ok(Err(interruption)) = outcome {
        guards::name_call_site(test, interruption);
    }
    for finding in findings {
        guards::name_call_site(test, finding);
    }
}

/// Runs every task that is ready, and those they wake, as far as they get without the clock moving, so that a task
/// about to finish on its own is not taken for a leak. On a multi-thread runtime the workers go on by themselves.
/// Returns how many tasks are still alive.
fn let_ready_tasks_finish(runtime: &TestRuntime, test: &TestContext) -> usize {
    let mut before = alive_tasks(test);
    if matches!(test.settings.flavor, Flavor::MultiThread) {
        return before;
    }
    // Each scheduler pass runs what became ready in the last; finished and aborted tasks leave the count only after
    // the scheduler has run again. Passes go on while the count keeps falling, and stop after a few without a fall:
    // enough for any ordinary chain of wake-ups. Passes, not idle points: a task that keeps waking itself (a loop
    // around `yield_now()`) never lets the runtime go idle, and waiting for that would hang the test instead of
    // reporting the task as leaked. Counted one by one, since most tests settle in the first (every test pays).
    let mut passes_without_fewer = 0;
    for _ in 0..MOST_PASSES {
        if before == 0 || passes_without_fewer == PASSES_WITHOUT_FEWER {
            break;
        }
        runtime.block_on(tokio::task::yield_now());
        let after = alive_tasks(test);
        passes_without_fewer = if after < before { 0 } else { passes_without_fewer + 1 };
        before = after;
    }
    before
}

/// The look at the tasks left alive once the ready ones ran: what they do next, on the test's runtime (see
/// `guards/leftovers.rs`), and the failure of a guard that fired during it (a task panic under "shutdown_runtime",
/// the real-time budget), which stopped no body and is reported with the others.
#[cold]
fn look_at_leftovers(
    runtime: &TestRuntime,
    test: &TestContext,
    clocks_at_end: &AtBodyEnd,
    end: BodyEnd,
    tasks_alive: usize,
) -> (Leftovers, Option<Failure>) {
    // The look runs on with the clock; the report keeps the body's.
    clocks_at_end.read();
    let leftovers = leftovers::watch(runtime, test, end, tasks_alive);
    let fired = match leftovers.verdict {
        Verdict::NotWatched => None,
        _ => test.running.interrupt.take_failure(),
    };
    (leftovers, fired)
}

fn alive_tasks(test: &TestContext) -> usize {
    test.runtime.metrics().num_alive_tasks()
}

/// Scheduler passes without a task ending after which the tasks still alive count as settled, and the most passes in
/// all (tasks that keep spawning others). `yield_now` in `block_on` returns once the scheduler has run its ready tasks
/// and polled its drivers without waiting, so the clock does not move.
const PASSES_WITHOUT_FEWER: usize = 16;
const MOST_PASSES: usize = 256;

/// With tokio's task dumps, a failure that asks "waiting where?" lists where each task waits: a dump of the runtime,
/// still up, from inside it (tokio requires that of a current-thread runtime). Not on a multi-thread runtime, whose
/// dump can wait forever for a worker stuck in a blocking call.
fn add_where_tasks_wait(runtime: &TestRuntime, test: &TestContext, failure: &mut Failure) {
    if !task_dumps::AVAILABLE || test.settings.flavor == Flavor::MultiThread || !failure.kind.asks_where_tasks_wait() {
        return;
    }
    let origin = |task| match test.running.service_name(task) {
        Some(name) => Some(Origin::Service(name)),
        #[cfg(tokio_unstable)]
        None => test
            .spawn_locations
            .location_of(task)
            .map(|place| Origin::Spawned(place.to_string())),
        #[cfg(not(tokio_unstable))]
        None => None,
    };
    failure.details.extend(runtime.block_on(task_dumps::tasks(origin)));
}

/// The body's output when nothing failed; otherwise one panic that reports every failure, the body's first.
#[track_caller]
fn conclude<T>(
    test: &TestContext,
    clocks: &AtBodyEnd,
    leftovers: &Leftovers,
    outcome: Result<Result<T, Failure>, Box<dyn Any + Send>>,
    findings: Vec<Failure>,
) -> T {
    let environment = environment::defaults();
    let first = match outcome {
        Ok(Ok(output)) if findings.is_empty() => {
            // Only when libtest shows a passing test's output: anywhere else it would be formatted for nobody.
            if environment.passing_output_shown {
                print_passed(test, clocks.read(), leftovers.quiet());
            }
            write_record(environment, test, clocks, leftovers, Outcome::Passed, &[]);
            return output;
        }
        Ok(Ok(_)) => None,
        Ok(Err(interruption)) => Some(interruption),
        Err(payload) => match body_panic_failure(test, payload.as_ref()) {
            Some(failure) => Some(failure),
            // An ordinary panic of the body alone passes through untouched: its message was printed already, and
            // `#[should_panic(expected = ...)]` sees the payload it expects.
            None if findings.is_empty() => {
                write_record(environment, test, clocks, leftovers, Outcome::Panicked, &[Kind::Panic]);
                panic::resume_unwind(payload)
            }
            None => Some(Failure {
                kind: Kind::Panic,
                summary: format!("panicked: {}", report::panic_text(payload.as_ref())),
                details: Vec::new(),
                help: "the body's own panic; see its message and location above.".to_string(),
            }),
        },
    };
    let failures: Vec<Failure> = first.into_iter().chain(findings).collect();
    let kinds: Vec<Kind> = failures.iter().map(|failure| failure.kind).collect();
    write_record(environment, test, clocks, leftovers, Outcome::Failed, &kinds);
    panic!("{}", report::render(&test.settings.test_name, clocks.read(), &failures));
}

/// The line a passing test prints, e.g. ``ws-test: `module::t` passed (virtual 3600.000s, real 0.004s)``, through
/// libtest's capture: with `--nocapture` a run shows what virtual time saves, and which tasks were left waiting.
/// Written with plain integers in one call, the cheapest way that was measured.
fn print_passed(test: &TestContext, clocks: ClockReading, quiet_tasks: usize) {
    let (virtual_elapsed, real_elapsed) = (clocks.virtual_elapsed, clocks.real_elapsed);
    println!(
        "ws-test: `{}` passed (virtual {}.{:03}s, real {}.{:03}s){}",
        test.settings.test_name,
        virtual_elapsed.as_secs(),
        virtual_elapsed.subsec_millis(),
        real_elapsed.as_secs(),
        real_elapsed.subsec_millis(),
        QuietTasks(quiet_tasks),
    );
}

/// `; 2 quiet tasks left, dropped at shutdown` after a passed line, when tasks were left waiting; nothing otherwise.
struct QuietTasks(usize);

impl std::fmt::Display for QuietTasks {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            0 => Ok(()),
            1 => formatter.write_str("; 1 quiet task left, dropped at shutdown"),
            more => write!(formatter, "; {more} quiet tasks left, dropped at shutdown"),
        }
    }
}

/// The test's line in the `WS_TEST_REPORT` file, when a run asks for one.
fn write_record(
    environment: &Defaults,
    test: &TestContext,
    clocks: &AtBodyEnd,
    leftovers: &Leftovers,
    outcome: Outcome,
    failures: &[Kind],
) {
    if let Some(path) = &environment.report {
        let record = Record {
            test_name: &test.settings.test_name,
            outcome,
            failures,
            clocks: clocks.read(),
            tasks_alive: Some(leftovers.at_body_end),
            quiet_tasks: Some(leftovers.quiet()),
        };
        record::append(path, &record);
    }
}

/// A panic of the body that needs explaining: `tokio::time::pause()` on the clock `#[ws_test]` paused already,
/// called from somewhere the macro cannot see.
fn body_panic_failure(test: &TestContext, payload: &(dyn Any + Send)) -> Option<Failure> {
    let message = report::panic_text(payload);
    if !(test.settings.paused_clock && message.contains(TIME_ALREADY_FROZEN)) {
        return None;
    }
    Some(Failure {
        kind: Kind::Panic,
        summary: format!("panicked: {message}"),
        details: Vec::new(),
        help: "tokio::time::pause() was called on a clock that #[ws_test] had already paused. A pause() call written \
               directly in the test's body makes #[ws_test] start the clock unpaused, but this one is inside a helper \
               the macro cannot see. Add `start_paused = false` to the attribute, e.g. \
               #[ws_test(start_paused = false)], or drop the pause() call: the clock is paused and auto-advancing \
               already."
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Weak;
    use std::time::Duration;

    use super::*;

    /// Every guard on, including the ones that observe the runtime from its hooks: nothing of a finished test may
    /// stay alive (a cycle through an observer once kept each test's runtime state, about 9 KB, forever).
    #[test]
    fn a_finished_test_leaves_nothing_alive() {
        let body = Box::pin(async {
            tokio::spawn(async {}).await.expect("a task");
            tokio::time::sleep(Duration::from_secs(1)).await;
        });
        assert_nothing_left_alive("harness::leaves_nothing", body);
    }

    /// The same for a test that lasts long enough for the monitor thread to make its probes: they hold the test's
    /// state until the monitor's next look after the test ends.
    #[test]
    fn a_test_the_monitor_looked_at_leaves_nothing_alive_either() {
        let body = Box::pin(async {
            // Real time, without blocking the event loop: several of the monitor's looks.
            tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(100)))
                .await
                .expect("the blocking job");
        });
        assert_nothing_left_alive("harness::looked_at", body);
    }

    /// The look at the tasks a body left keeps its state in the test's context, and observes the runtime's idle
    /// points: a quiet task left, and a task that never waits (whose look the monitor thread ends, failing the test),
    /// leave nothing alive once the test has ended.
    #[test]
    fn a_test_whose_leftovers_were_looked_at_leaves_nothing_alive() {
        let quiet = Box::pin(async {
            tokio::spawn(std::future::pending::<()>());
        });
        assert_nothing_left_alive("harness::quiet_leftover", quiet);
        let never_waits = Box::pin(async {
            tokio::spawn(async {
                loop {
                    tokio::task::yield_now().await;
                }
            });
        });
        assert_nothing_left_alive("harness::busy_leftover", never_waits);
    }

    /// Runs `body` as a test named `name` (a failure of the test is fine) and checks that nothing it made is still
    /// alive a moment after.
    fn assert_nothing_left_alive(name: &'static str, body: Pin<Box<dyn Future<Output = ()>>>) {
        let activity = Activity::shared();
        let weak: Weak<Activity> = Arc::downgrade(&activity);
        let _ = panic::catch_unwind(AssertUnwindSafe(|| {
            run_observed(&Options::new(name.into()), body, activity);
        }));
        // The monitor thread lets go of a finished test's probes (and so of its activity) at its next look, 20 ms on;
        // generous for a loaded machine, and still short of the second it lingers before it lets go of everything.
        let deadline = std::time::Instant::now() + Duration::from_millis(600);
        while weak.upgrade().is_some() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            weak.upgrade().is_none(),
            "the activity of `{name}` is still referenced after it ended"
        );
    }
}
