//! One thread for the whole process that looks at every running test from outside, every few milliseconds, for the
//! guards that must notice what a test cannot report itself: a budget running out while the runtime is parked or
//! stuck, a runtime parked for good. Each test registers its guards' [`Probe`]s once, together; the monitor calls
//! them until the returned [`Watching`] is dropped.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once, PoisonError};

use crate::lock::lock;
use std::time::{Duration, Instant};

/// How often each probe is checked: fine enough for budgets in milliseconds, cheap enough to go unnoticed.
const CHECK_INTERVAL: Duration = Duration::from_millis(20);

/// How long the monitor keeps checking an empty list before it waits to be woken. In a test run the list empties
/// for an instant between two tests; waking a waiting monitor for each new test cost every test a system call and a
/// context switch.
const LINGER: Duration = Duration::from_secs(1);

/// Something the monitor checks while a test runs. It acts through the test's interrupt (or, as a last resort, by
/// ending the process), from the monitor's thread, so it must not block.
pub(crate) trait Probe: Send {
    fn check(&mut self, now: Instant);
}

/// Each test's probes behind a lock of their own, so that the monitor checks them (reading `/proc`, entering a
/// runtime) without holding the list's lock, which every test takes to start and to end.
type SharedProbe = Arc<Mutex<Vec<Box<dyn Probe>>>>;

struct Probes {
    next_id: u64,
    running: Vec<(u64, SharedProbe)>,
    /// The monitor is waiting for a first probe and must be woken.
    monitor_waiting: bool,
}

static PROBES: Mutex<Probes> = Mutex::new(Probes {
    next_id: 0,
    running: Vec::new(),
    monitor_waiting: false,
});
static CHANGED: Condvar = Condvar::new();
static MONITOR_STARTED: Once = Once::new();

fn probes() -> MutexGuard<'static, Probes> {
    lock(&PROBES)
}

/// Stops the checks of its probe when dropped.
pub(crate) struct Watching {
    id: u64,
}

impl Drop for Watching {
    fn drop(&mut self) {
        probes().running.retain(|(id, _)| *id != self.id);
    }
}

/// Checks a test's probes, in turn, until the returned [`Watching`] is dropped.
pub(crate) fn watch(test_probes: Vec<Box<dyn Probe>>) -> Watching {
    MONITOR_STARTED.call_once(|| {
        if let Err(error) = std::thread::Builder::new()
            .name("ws-test-monitor".into())
            .spawn(monitor)
        {
            // Without the thread, a hung test would hang the terminal; better to say so loudly at once.
            panic!("ws-test could not start its monitor thread: {error}");
        }
    });
    let mut probes = probes();
    let id = probes.next_id;
    probes.next_id += 1;
    probes.running.push((id, Arc::new(Mutex::new(test_probes))));
    // A lingering monitor finds the probe within a check interval by itself.
    if probes.monitor_waiting {
        probes.monitor_waiting = false;
        CHANGED.notify_one();
    }
    Watching { id }
}

fn monitor() {
    let mut to_check: Vec<SharedProbe> = Vec::new();
    let mut last_busy = Instant::now();
    loop {
        {
            let mut probes = probes();
            if probes.running.is_empty() && last_busy.elapsed() >= LINGER {
                probes.monitor_waiting = true;
                while probes.running.is_empty() {
                    probes = CHANGED.wait(probes).unwrap_or_else(PoisonError::into_inner);
                }
            }
            if !probes.running.is_empty() {
                last_busy = Instant::now();
            }
            to_check.clear();
            to_check.extend(probes.running.iter().map(|(_, probe)| Arc::clone(probe)));
        }
        let now = Instant::now();
        for test_probes in &to_check {
            for probe in lock(test_probes).iter_mut() {
                probe.check(now);
            }
        }
        // Dropped here, not while a test may be waiting for the list's lock.
        to_check.clear();
        std::thread::sleep(CHECK_INTERVAL);
    }
}
