//! The guards, one file each, and the one interface between them and the harness. A guard starts with the test: its
//! `start` takes the [`TestContext`], begins watching (observers of the runtime's idle points through
//! `test.running.activity`), and returns the part that reports at the two points where the harness asks, if it has one.
//! A guard that looks at the test from outside has a `probe` too, which the monitor thread makes at its first look at
//! the test (most tests are over before that). A guard may stop the body early by firing the test's interrupt, and
//! stops watching when the harness is done with the test, after the runtime has shut down.
//! Adding a guard: a new file with its `start` and/or `probe`, and one line in [`start_all`] or [`probes_of`]. Two of
//! them fail nothing and act on the clock instead: `busy_clock` keeps the clock of a runtime that never idles moving,
//! as real time would, and `io_grace` holds it back while real I/O is in play, so that a real reply lands before the
//! timer it races.

#[cfg(target_os = "linux")]
mod blocking;
mod busy_clock;
mod deadlock;
mod io_grace;
mod leaks;
pub(crate) mod leftovers;
mod network;
mod panics;
mod state_at_failure;
mod virtual_time;
mod watchdog;

use std::sync::{Arc, OnceLock};

use tokio::runtime::Handle;

#[cfg(feature = "ws")]
pub(crate) use io_grace::real_io_came_into_play;
pub(crate) use network::name_call_site;
pub use watchdog::STUCK_EXIT_CODE;

use crate::observe::activity::Activity;
use crate::observe::clock::Clocks;
use crate::observe::network_call::NetworkCall;
#[cfg(tokio_unstable)]
use crate::observe::spawn_locations::SpawnLocations;
#[cfg(target_os = "linux")]
use crate::observe::thread_usage::ThreadUsage;
use crate::report::Failure;
use crate::setup::registry::{Probe, Registered, RunningTest};
use crate::setup::settings::Settings;
use leftovers::Leftovers;

/// What every guard may know about the running test. The registry of running tests holds it, as what the monitor
/// makes the test's probes from and for the entry it keeps (`running`).
pub(crate) struct TestContext {
    /// On the heap, as the harness made it (see the note on stack depth in `harness.rs`).
    pub(crate) settings: Box<Settings>,
    pub(crate) runtime: Handle,
    /// The test's entry in the registry of running tests: its clocks, its runtime's activity, and the interrupt
    /// through which a guard stops the body.
    pub(crate) running: RunningTest,
    #[cfg(tokio_unstable)]
    pub(crate) spawn_locations: Arc<SpawnLocations>,
    /// The thread that runs the runtime, for the guards that measure it: the harness's own, where the test starts.
    #[cfg(target_os = "linux")]
    pub(crate) runtime_thread: ThreadUsage,
    /// What the blocked-event-loop guard measures, made by its probe at the monitor's first look and read by its
    /// report; `None` once the body finished before that look.
    #[cfg(target_os = "linux")]
    pub(crate) blocked_stretches: OnceLock<Option<Arc<blocking::Shared>>>,
    /// The virtual-time guard's deadline, when the clock is paused and the budget reachable.
    pub(crate) virtual_deadline: Option<virtual_time::Deadline>,
    /// The look at the tasks the body left, once it has begun: the monitor's probe ends it when the runtime never
    /// goes idle or it runs out of real time.
    pub(crate) leftovers: OnceLock<Arc<leftovers::Watching>>,
    /// What the network guard saw of the test's calls; made at the first, so that a test without any carries one
    /// pointer, not the state.
    pub(crate) network_calls: OnceLock<Box<network::Seen>>,
}

impl TestContext {
    /// The context of a test whose runtime is built and whose clocks started, with the guards' own parts made.
    pub(crate) fn new(
        settings: Box<Settings>,
        runtime: &Handle,
        clocks: Clocks,
        activity: Arc<Activity>,
        #[cfg(tokio_unstable)] spawn_locations: Arc<SpawnLocations>,
    ) -> TestContext {
        TestContext {
            virtual_deadline: virtual_time::deadline(&settings, &clocks),
            running: RunningTest::new(clocks, &settings, activity, io_grace::real_io_came_into_play),
            settings,
            runtime: runtime.clone(),
            #[cfg(tokio_unstable)]
            spawn_locations,
            #[cfg(target_os = "linux")]
            runtime_thread: ThreadUsage::current(),
            #[cfg(target_os = "linux")]
            blocked_stretches: const { OnceLock::new() },
            leftovers: const { OnceLock::new() },
            network_calls: const { OnceLock::new() },
        }
    }
}

/// How the body ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyEnd {
    Completed,
    Panicked,
    /// A guard stopped it (budget, first task panic, ...).
    Interrupted,
}

pub(crate) trait Guard {
    /// The body has completed or been interrupted and the runtime is still up: what is left on it can be inspected.
    /// `leftovers` says which tasks were still alive once the harness let the ready ones run, and what they did next.
    fn body_finished(&mut self, _test: &TestContext, _end: BodyEnd, _leftovers: &Leftovers) -> Option<Failure> {
        None
    }

    /// The runtime has shut down and dropped its tasks: what happened up to the very end can be reported.
    fn runtime_shut_down(&mut self, _test: &TestContext) -> Option<Failure> {
        None
    }
}

/// Every guard that reports on this test, in the order they report: at most one of each, so that a fixed array holds
/// them and starting them allocates nothing (every test pays for this).
pub(crate) struct Guards([Option<Box<dyn Guard>>; GUARDS_THAT_REPORT]);

/// panics, leaks and, on Linux, blocking.
const GUARDS_THAT_REPORT: usize = 3;

// Plain loops, each written out: every test runs both, and in the debug builds tests run as, each function called is
// a cold call, a shared helper and its closures included (BENCHMARKS.md, "Cold code").
impl Guards {
    /// Adds what each guard finds once the body has ended to `findings`, in order.
    pub(crate) fn body_finished(
        &mut self,
        test: &TestContext,
        end: BodyEnd,
        leftovers: &Leftovers,
        findings: &mut Vec<Failure>,
    ) {
        for slot in &mut self.0 {
            let Some(guard) = slot else {
                continue;
            };
            if let Some(finding) = guard.body_finished(test, end, leftovers) {
                findings.push(finding);
            }
        }
    }

    /// Adds what each guard finds once the runtime has shut down to `findings`, in order.
    pub(crate) fn runtime_shut_down(&mut self, test: &TestContext, findings: &mut Vec<Failure>) {
        for slot in &mut self.0 {
            let Some(guard) = slot else {
                continue;
            };
            if let Some(finding) = guard.runtime_shut_down(test) {
                findings.push(finding);
            }
        }
    }
}

/// Starts every guard. (Written out one by one: every test pays for this, and an iterator chain costs several times
/// more in the debug builds tests run as.)
pub(crate) fn start_all(test: &Arc<TestContext>) -> Guards {
    let mut guards = Guards([const { None }; GUARDS_THAT_REPORT]);
    guards.0[0] = panics::start(test);
    guards.0[1] = leaks::start(test);
    #[cfg(target_os = "linux")]
    {
        guards.0[2] = blocking::start(test);
    }
    // These two report nothing at the end. The first interrupts a body whose clock runs away; the second holds the
    // clock back while real I/O is in play, and stops when the body ends.
    virtual_time::start(test);
    io_grace::start(test);
    guards
}

impl Registered for TestContext {
    fn running(&self) -> &RunningTest {
        &self.running
    }

    fn probes(self: Arc<Self>) -> Vec<Box<dyn Probe>> {
        probes_of(&self)
    }

    fn network_call(&self, call: &NetworkCall) -> bool {
        network::judge(self, call)
    }

    fn name_resolved(&self, name: &str, addresses: &[std::net::IpAddr]) {
        network::name_resolved(self, name, addresses);
    }
}

/// Every probe that applies to this test, made by the monitor thread at its first look.
fn probes_of(test: &Arc<TestContext>) -> Vec<Box<dyn Probe>> {
    let mut probes = Vec::with_capacity(5);
    let mut add = |probe: Option<Box<dyn Probe>>| {
        if let Some(probe) = probe {
            probes.push(probe);
        }
    };
    add(watchdog::probe(test));
    add(deadlock::probe(test));
    #[cfg(target_os = "linux")]
    add(blocking::probe(test));
    add(busy_clock::probe(test));
    add(leftovers::probe(test));
    probes
}
