//! The test's two clocks: virtual time (tokio's clock, paused and auto-advancing) and real time. Every failure message
//! shows both, so a reader sees at once whether the test was waiting (virtual far ahead) or stuck (real far ahead).

use std::fmt;
use std::time::Duration;

use tokio::runtime::Handle;

#[derive(Clone, Debug)]
pub(crate) struct Clocks {
    runtime: Handle,
    real_start: std::time::Instant,
    virtual_start: tokio::time::Instant,
}

/// Both clocks read at one moment, shown as `virtual 12.000s, real 0.004s`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClockReading {
    pub(crate) virtual_elapsed: Duration,
    pub(crate) real_elapsed: Duration,
}

impl Clocks {
    pub(crate) fn start(runtime: &Handle) -> Clocks {
        Clocks {
            virtual_start: Clocks::virtual_now(runtime),
            real_start: std::time::Instant::now(),
            runtime: runtime.clone(),
        }
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

impl fmt::Display for ClockReading {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Integer arithmetic: every passing test prints this, and float formatting would cost it more than tokio's
        // own runtime setup.
        let seconds_and_millis = |elapsed: Duration| (elapsed.as_secs(), elapsed.subsec_millis());
        let (virtual_seconds, virtual_millis) = seconds_and_millis(self.virtual_elapsed);
        let (real_seconds, real_millis) = seconds_and_millis(self.real_elapsed);
        write!(
            formatter,
            "virtual {virtual_seconds}.{virtual_millis:03}s, real {real_seconds}.{real_millis:03}s"
        )
    }
}
