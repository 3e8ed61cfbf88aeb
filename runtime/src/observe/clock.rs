//! The test's two clocks: virtual time (tokio's clock, paused and auto-advancing) and real time, read together for
//! failure messages.

use tokio::runtime::Handle;

use crate::report::ClockReading;

#[derive(Clone, Debug)]
pub(crate) struct Clocks {
    runtime: Handle,
    real_start: std::time::Instant,
    virtual_start: tokio::time::Instant,
}

impl Clocks {
    pub(crate) fn start(runtime: &Handle) -> Clocks {
        Clocks {
            virtual_start: Clocks::virtual_now(runtime),
            real_start: std::time::Instant::now(),
            runtime: runtime.clone(),
        }
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
            virtual_elapsed: Clocks::virtual_now(&self.runtime).saturating_duration_since(self.virtual_start),
            real_elapsed: self.real_start.elapsed(),
        }
    }

    fn virtual_now(runtime: &Handle) -> tokio::time::Instant {
        let _inside_runtime = runtime.enter();
        tokio::time::Instant::now()
    }
}
