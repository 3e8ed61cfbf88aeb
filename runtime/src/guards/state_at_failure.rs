//! Where the test's tasks were when a guard stopped it, as far as stable tokio lets anyone see without paying for it
//! while the test runs: which background services were alive, whether real I/O or a blocking job was in play, and
//! how long the runtime had been parked or busy. Listed under a deadlock, a real-time timeout, a runaway virtual
//! clock and a leak, where the user's next question is "waiting where?". (Each task's await chain needs tokio's task
//! dumps, which stable tokio does not have.)

use std::time::{Duration, Instant};

use crate::observe::activity::Activity;
use crate::report;
use crate::setup::registry::RunningTest;

pub(crate) struct StateAtFailure {
    services: Vec<String>,
    /// Real I/O was in play, and what it was when ws-test saw it registered (`None` inside: ws::Server or the body
    /// alone said so).
    real_io: Option<Option<String>>,
    blocking_job: bool,
    /// How long the runtime had been parked (`Ok`) or polling without a park (`Err`), where the runtime's idle points
    /// are observed (a runtime on one thread: current-thread or local); `None` elsewhere.
    parked_or_busy: Option<Result<Duration, Duration>>,
}

impl StateAtFailure {
    /// Reads the state now. `activity` is `None` where its idle points mean nothing (a multi-thread runtime) or where
    /// it is known already (a jump of the virtual clock has just woken the runtime).
    pub(crate) fn read(running: &RunningTest, activity: Option<&Activity>) -> StateAtFailure {
        let now = Instant::now();
        StateAtFailure {
            services: running.service_names(),
            real_io: running.real_io_seen().then(|| running.io.describe()),
            // The real-I/O grace holds the clock with a blocking job of its own: while real I/O is in play, a
            // running job may be that hold, not the user's.
            blocking_job: activity.is_some_and(|activity| activity.blocking_jobs_running()) && !running.real_io_seen(),
            parked_or_busy: activity.map(|activity| match activity.parked_for(now) {
                Some(parked) => Ok(parked),
                None => Err(now.saturating_duration_since(activity.stretch_started())),
            }),
        }
    }

    /// One line for each thing known, for a failure's details.
    pub(crate) fn details(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .services
            .iter()
            .map(|name| format!("still running: background service `{name}`"))
            .collect();
        match &self.real_io {
            Some(Some(what)) => lines.push(format!("real I/O was in play: {what}")),
            Some(None) => {
                lines.push("real I/O was in play: a socket, a listener, a child process or ws::Server".to_string())
            }
            None => {}
        }
        if self.blocking_job {
            lines.push("a spawn_blocking job was still running".to_string());
        }
        match self.parked_or_busy {
            Some(Ok(parked)) => lines.push(format!(
                "no task had run for the last {} (real): the runtime was parked, waiting to be woken",
                report::seconds(parked)
            )),
            Some(Err(busy)) => lines.push(format!(
                "the runtime was busy: its thread had been polling tasks for {} (real) without a pause",
                report::seconds(busy)
            )),
            None => {}
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_thing_is_one_line() {
        let state = StateAtFailure {
            services: vec!["presence".to_string(), "nonces".to_string()],
            real_io: Some(None),
            blocking_job: true,
            parked_or_busy: Some(Ok(Duration::from_millis(512))),
        };
        assert_eq!(
            state.details(),
            [
                "still running: background service `presence`",
                "still running: background service `nonces`",
                "real I/O was in play: a socket, a listener, a child process or ws::Server",
                "a spawn_blocking job was still running",
                "no task had run for the last 0.512s (real): the runtime was parked, waiting to be woken",
            ]
        );
    }

    #[test]
    fn real_io_seen_registered_is_said_as_it_was() {
        let state = StateAtFailure {
            services: Vec::new(),
            real_io: Some(Some("1 TCP socket to 127.0.0.1:41233".to_string())),
            blocking_job: false,
            parked_or_busy: None,
        };
        assert_eq!(
            state.details(),
            ["real I/O was in play: 1 TCP socket to 127.0.0.1:41233"]
        );
    }

    #[test]
    fn a_busy_runtime_says_so_and_nothing_unknown_is_said() {
        let state = StateAtFailure {
            services: Vec::new(),
            real_io: None,
            blocking_job: false,
            parked_or_busy: Some(Err(Duration::from_secs(2))),
        };
        assert_eq!(
            state.details(),
            ["the runtime was busy: its thread had been polling tasks for 2.000s (real) without a pause"]
        );
        let nothing = StateAtFailure {
            services: Vec::new(),
            real_io: None,
            blocking_job: false,
            parked_or_busy: None,
        };
        assert!(nothing.details().is_empty());
    }
}
