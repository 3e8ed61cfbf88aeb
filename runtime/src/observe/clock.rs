//! The test's two clocks: virtual time (tokio's clock, paused and auto-advancing) and real time, read together for
//! failure messages.

use std::cell::Cell;
use std::time::Duration;

use tokio::runtime::Handle;

use crate::report::ClockReading;

#[derive(Clone, Debug)]
pub(crate) struct Clocks {
    runtime: Handle,
    real_start: std::time::Instant,
    virtual_start: tokio::time::Instant,
    /// The earliest moment the runtime's timer wheel may count from (see [`wheel_origin`](Self::wheel_origin)).
    wheel_origin_earliest: tokio::time::Instant,
}

impl Clocks {
    /// The clocks of a runtime just built. `building_since` is when its build began, for a clock that was not paused
    /// from the start: its timer wheel started counting at some moment of the build.
    pub(crate) fn start(runtime: &Handle, building_since: Option<std::time::Instant>) -> Clocks {
        let virtual_start = Clocks::virtual_now(runtime);
        Clocks {
            virtual_start,
            wheel_origin_earliest: building_since.map_or(virtual_start, tokio::time::Instant::from_std),
            real_start: std::time::Instant::now(),
            runtime: runtime.clone(),
        }
    }

    /// The moments between which tokio's timer wheel started counting its milliseconds: its runtime's clock when its
    /// time driver was made. A clock paused from the start stood still until the test read it, so both are that
    /// reading; a clock that ran in real time had moved on by then, by at most the time the build took.
    pub(crate) fn wheel_origin(&self) -> (tokio::time::Instant, tokio::time::Instant) {
        (self.wheel_origin_earliest, self.virtual_start)
    }

    /// The real clock when the test started.
    pub(crate) fn real_start(&self) -> std::time::Instant {
        self.real_start
    }

    /// tokio's clock when the test started.
    pub(crate) fn virtual_start(&self) -> tokio::time::Instant {
        self.virtual_start
    }

    /// Readable from any thread, including the watchdog's while the test's thread is blocked: tokio's clock is read
    /// through the runtime's handle, not through the test's thread.
    pub(crate) fn read(&self) -> ClockReading {
        ClockReading {
            virtual_elapsed: self.virtual_elapsed(),
            real_elapsed: self.real_start.elapsed(),
        }
    }

    /// The clocks as the body ends, read when someone shows them (see [`AtBodyEnd`]).
    pub(crate) fn at_body_end(&self, paused: bool) -> AtBodyEnd<'_> {
        AtBodyEnd {
            clocks: self,
            real_elapsed: self.real_start.elapsed(),
            virtual_elapsed: Cell::new((!paused).then(|| self.virtual_elapsed())),
        }
    }

    fn virtual_elapsed(&self) -> Duration {
        Clocks::virtual_now(&self.runtime).saturating_duration_since(self.virtual_start)
    }

    fn virtual_now(runtime: &Handle) -> tokio::time::Instant {
        let _inside_runtime = runtime.enter();
        tokio::time::Instant::now()
    }
}

/// Both clocks as the body ended, for the test's report, its passed line and its record. Real time is read then.
/// tokio's clock costs as much to read as a guard's work (it enters the runtime), and most passing tests show
/// nothing, so a paused one is read only when asked: it stays where the body left it, since nothing that runs after
/// the body (ready tasks let finish, a dump of where tasks wait, the shutdown) parks the runtime with a timeout it
/// could jump by. A clock that runs in real time is read at once. Read once either way: a failing test's record and
/// its report show the same figures.
pub(crate) struct AtBodyEnd<'a> {
    clocks: &'a Clocks,
    real_elapsed: Duration,
    virtual_elapsed: Cell<Option<Duration>>,
}

impl AtBodyEnd<'_> {
    pub(crate) fn read(&self) -> ClockReading {
        let virtual_elapsed = match self.virtual_elapsed.get() {
            Some(read) => read,
            None => {
                let read = self.clocks.virtual_elapsed();
                self.virtual_elapsed.set(Some(read));
                read
            }
        };
        ClockReading {
            virtual_elapsed,
            real_elapsed: self.real_elapsed,
        }
    }
}
