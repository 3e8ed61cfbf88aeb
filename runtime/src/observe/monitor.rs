//! One thread for the whole process that looks at every running test from outside, every few milliseconds, for the
//! guards that must notice what a test cannot report itself: a budget running out while the runtime is parked or
//! stuck, a runtime parked for good. A guard registers a [`Probe`]; the monitor calls it until the returned
//! [`Watching`] is dropped.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once, PoisonError};

use crate::lock::lock;
use std::time::{Duration, Instant};

/// How often each probe is checked: fine enough for budgets in milliseconds, cheap enough to go unnoticed.
const CHECK_INTERVAL: Duration = Duration::from_millis(20);

/// Something the monitor checks while a test runs. It acts through the test's interrupt (or, as a last resort, by
/// ending the process), from the monitor's thread, so it must not block.
pub(crate) trait Probe: Send {
    fn check(&mut self, now: Instant);
}

/// Each probe behind a lock of its own, so that the monitor checks it (reading `/proc`, entering a runtime) without
/// holding the list's lock, which every test takes to start and to end.
type SharedProbe = Arc<Mutex<Box<dyn Probe>>>;

struct Probes {
    next_id: u64,
    running: Vec<(u64, SharedProbe)>,
}

static PROBES: Mutex<Probes> = Mutex::new(Probes {
    next_id: 0,
    running: Vec::new(),
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

pub(crate) fn watch(probe: Box<dyn Probe>) -> Watching {
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
    probes.running.push((id, Arc::new(Mutex::new(probe))));
    // A monitor with probes already wakes every CHECK_INTERVAL; waking it for each new test would cost every test a
    // round of checks. Only an idle monitor, waiting for its first probe, needs the nudge.
    if probes.running.len() == 1 {
        CHANGED.notify_one();
    }
    Watching { id }
}

fn monitor() {
    let mut to_check: Vec<SharedProbe> = Vec::new();
    loop {
        {
            let mut probes = probes();
            while probes.running.is_empty() {
                probes = CHANGED.wait(probes).unwrap_or_else(PoisonError::into_inner);
            }
            to_check.clear();
            to_check.extend(probes.running.iter().map(|(_, probe)| Arc::clone(probe)));
        }
        let now = Instant::now();
        for probe in &to_check {
            lock(probe).check(now);
        }
        // Dropped here, not while a test may be waiting for the list's lock.
        to_check.clear();
        std::thread::sleep(CHECK_INTERVAL);
    }
}
