//! One thread for the whole process that looks at every running test from outside, every few milliseconds, for the
//! guards that must notice what a test cannot report itself: a budget running out while the runtime is parked or
//! stuck, a runtime parked for good. A guard registers a [`Probe`]; the monitor calls it until the returned
//! [`Watching`] is dropped.

use std::sync::{Condvar, Mutex, MutexGuard, Once, PoisonError};
use std::time::{Duration, Instant};

/// How often each probe is checked: fine enough for budgets in milliseconds, cheap enough to go unnoticed.
const CHECK_INTERVAL: Duration = Duration::from_millis(20);

/// Something the monitor checks while a test runs. It acts through the test's interrupt (or, as a last resort, by
/// ending the process), from the monitor's thread, so it must not block.
pub(crate) trait Probe: Send {
    fn check(&mut self, now: Instant);
}

struct Probes {
    next_id: u64,
    running: Vec<(u64, Box<dyn Probe>)>,
}

static PROBES: Mutex<Probes> = Mutex::new(Probes {
    next_id: 0,
    running: Vec::new(),
});
static CHANGED: Condvar = Condvar::new();
static MONITOR_STARTED: Once = Once::new();

fn probes() -> MutexGuard<'static, Probes> {
    // Probes are only added, checked and removed; a panic in one leaves the list itself intact.
    PROBES.lock().unwrap_or_else(PoisonError::into_inner)
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
    probes.running.push((id, probe));
    CHANGED.notify_one();
    Watching { id }
}

fn monitor() {
    let mut probes = probes();
    loop {
        if probes.running.is_empty() {
            probes = CHANGED.wait(probes).unwrap_or_else(PoisonError::into_inner);
            continue;
        }
        let now = Instant::now();
        for (_, probe) in &mut probes.running {
            probe.check(now);
        }
        probes = CHANGED
            .wait_timeout(probes, CHECK_INTERVAL)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}
