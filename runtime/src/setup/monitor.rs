//! One thread for the whole process that looks at every running test from outside, every few milliseconds, for the
//! guards that must notice what a test cannot report itself: a budget running out while the runtime is parked or
//! stuck, a runtime parked for good. It watches the tests in the registry of running tests, makes each test's
//! [`Probe`]s at its first look, and calls them until the test leaves the registry.
//!
//! The probes are made by the monitor, not by the test, because most tests end before the monitor's first look: a
//! test that lasts a millisecond pays for its entry in the registry, not for building and dropping every probe.

use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use crate::setup::io_registrations;
use crate::setup::registry::{self, Probe, Registered};

/// How often each probe is checked: fine enough for budgets in milliseconds, cheap enough to go unnoticed.
const CHECK_INTERVAL: Duration = Duration::from_millis(20);

/// How long the monitor keeps checking an empty registry before it waits to be woken. In a test run the registry
/// empties for an instant between two tests; waking a waiting monitor for each new test cost every test a system call
/// and a context switch.
const LINGER: Duration = Duration::from_secs(1);

static STARTED: Once = Once::new();

/// Starts the monitor thread, once per process.
pub(crate) fn start() {
    STARTED.call_once(|| {
        // Code that every test binary links and runs once: the place to name libc's hooks, so that the linker keeps
        // them, at no cost to each test.
        io_registrations::linked();
        if let Err(error) = std::thread::Builder::new()
            .name("ws-test-monitor".into())
            .spawn(monitor)
        {
            // Without the thread, a hung test would hang the terminal; better to say so loudly at once.
            panic!("ws-test could not start its monitor thread: {error}");
        }
    });
}

fn monitor() {
    let mut running: Vec<(u64, Arc<dyn Registered>)> = Vec::new();
    // The probes of each test the monitor has looked at, by the test's number; only this thread touches them.
    let mut probing: Vec<(u64, Vec<Box<dyn Probe>>)> = Vec::new();
    let mut last_busy = Instant::now();
    loop {
        // The probes of the tests that ended went at the first look after their end, long before a wait.
        registry::running_tests(&mut running, last_busy.elapsed() >= LINGER);
        if !running.is_empty() {
            last_busy = Instant::now();
        }
        // Made and dropped out of the registry's lock, which every test takes to start and to end.
        probing.retain(|(id, _)| running.iter().any(|(running_id, _)| running_id == id));
        for (id, test) in running.drain(..) {
            if !probing.iter().any(|(probed_id, _)| *probed_id == id) {
                probing.push((id, test.probes()));
            }
        }
        let now = Instant::now();
        for (_, probes) in &mut probing {
            for probe in probes.iter_mut() {
                probe.check(now);
            }
        }
        std::thread::sleep(CHECK_INTERVAL);
    }
}
