//! One thread for the whole process that looks at every running test from outside, every few milliseconds, for the
//! guards that must notice what a test cannot report itself: a budget running out while the runtime is parked or
//! stuck, a runtime parked for good. A test registers itself once, as something [`Watched`]; the monitor makes the
//! test's [`Probe`]s at its first look, and calls them until the returned [`Watching`] is dropped.
//!
//! The probes are made by the monitor, not by the test, because most tests end before the monitor's first look: a
//! test that lasts a millisecond pays for one entry in a list, not for building and dropping every probe.

use std::sync::{Condvar, Mutex, MutexGuard, Once, PoisonError, Weak};

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

/// A running test, as the monitor sees it.
pub(crate) trait Watched: Send + Sync {
    /// The test's probes, made on the monitor's thread at its first look at the test.
    fn probes(&self) -> Vec<Box<dyn Probe>>;
}

struct Registered {
    next_id: u64,
    /// Held weakly: the monitor never keeps a finished test alive.
    running: Vec<(u64, Weak<dyn Watched>)>,
    /// The monitor is waiting for a first test and must be woken.
    monitor_waiting: bool,
}

static REGISTERED: Mutex<Registered> = Mutex::new(Registered {
    next_id: 0,
    running: Vec::new(),
    monitor_waiting: false,
});
static CHANGED: Condvar = Condvar::new();
static MONITOR_STARTED: Once = Once::new();

fn registered() -> MutexGuard<'static, Registered> {
    lock(&REGISTERED)
}

/// Stops the checks of the test's probes when dropped.
pub(crate) struct Watching {
    id: u64,
}

impl Drop for Watching {
    fn drop(&mut self) {
        let mut registered = registered();
        // A plain search, and the order is not kept: every test ends here, and the monitor looks at all of them.
        for index in 0..registered.running.len() {
            if registered.running[index].0 == self.id {
                registered.running.swap_remove(index);
                return;
            }
        }
    }
}

/// Checks the test's probes, in turn, until the returned [`Watching`] is dropped.
pub(crate) fn watch(test: Weak<dyn Watched>) -> Watching {
    MONITOR_STARTED.call_once(|| {
        if let Err(error) = std::thread::Builder::new()
            .name("ws-test-monitor".into())
            .spawn(monitor)
        {
            // Without the thread, a hung test would hang the terminal; better to say so loudly at once.
            panic!("ws-test could not start its monitor thread: {error}");
        }
    });
    let mut registered = registered();
    let id = registered.next_id;
    registered.next_id += 1;
    registered.running.push((id, test));
    // A lingering monitor finds the test within a check interval by itself.
    if registered.monitor_waiting {
        registered.monitor_waiting = false;
        CHANGED.notify_one();
    }
    Watching { id }
}

fn monitor() {
    let mut running: Vec<(u64, Weak<dyn Watched>)> = Vec::new();
    // The probes of each test the monitor has looked at, by the test's id; only this thread touches them.
    let mut probing: Vec<(u64, Vec<Box<dyn Probe>>)> = Vec::new();
    let mut last_busy = Instant::now();
    loop {
        {
            let mut registered = registered();
            // The probes of the tests that ended went at the first look after their end, long before this.
            if registered.running.is_empty() && last_busy.elapsed() >= LINGER {
                registered.monitor_waiting = true;
                while registered.running.is_empty() {
                    registered = CHANGED.wait(registered).unwrap_or_else(PoisonError::into_inner);
                }
            }
            if !registered.running.is_empty() {
                last_busy = Instant::now();
            }
            running.clear();
            running.extend(registered.running.iter().cloned());
        }
        // Made and dropped without the list's lock, which every test takes to start and to end.
        probing.retain(|(id, _)| running.iter().any(|(running_id, _)| running_id == id));
        for (id, test) in &running {
            if probing.iter().any(|(probed_id, _)| probed_id == id) {
                continue;
            }
            if let Some(test) = test.upgrade() {
                probing.push((*id, test.probes()));
            }
        }
        running.clear();
        let now = Instant::now();
        for (_, probes) in &mut probing {
            for probe in probes.iter_mut() {
                probe.check(now);
            }
        }
        std::thread::sleep(CHECK_INTERVAL);
    }
}
