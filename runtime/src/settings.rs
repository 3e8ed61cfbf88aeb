//! A [`Builder`] checked and completed: defaults filled in from the environment, contradictions refused with a message
//! that names the test.

use std::borrow::Cow;
use std::time::Duration;

use ws_test_config::{DEFAULT_TIMEOUT, DEFAULT_VIRTUAL_TIMEOUT};

use crate::builder::Builder;
use crate::environment;
use crate::{Deadlock, Flavor, Leaks, MaxBlocking, UnhandledPanic};

#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) test_name: Cow<'static, str>,
    pub(crate) flavor: Flavor,
    pub(crate) worker_threads: Option<usize>,
    pub(crate) start_paused: bool,
    pub(crate) unhandled_panic: UnhandledPanic,
    pub(crate) runtime_name: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) leaks: Leaks,
    pub(crate) virtual_timeout: Duration,
    pub(crate) deadlock: Deadlock,
    pub(crate) max_blocking: MaxBlocking,
}

impl Settings {
    pub(crate) fn resolve(builder: Builder) -> Result<Settings, String> {
        let test_name = builder.test_name;
        let refuse = |problem: &str| Err(format!("test `{test_name}` cannot start: {problem}"));
        let multi_thread = builder.flavor == Flavor::MultiThread;
        if builder.start_paused == Some(true) && multi_thread {
            return refuse(
                "start_paused(true) requires the current_thread or local flavor: \
                 tokio cannot pause the clock of a multi-thread runtime",
            );
        }
        if builder.worker_threads.is_some() && !multi_thread {
            return refuse("worker_threads requires the multi_thread flavor");
        }
        if builder.worker_threads == Some(0) {
            return refuse("worker_threads may not be 0");
        }
        if builder.unhandled_panic == UnhandledPanic::ShutdownRuntime && multi_thread {
            return refuse("unhandled_panic(ShutdownRuntime) requires the current_thread or local flavor, as in tokio");
        }
        if builder.runtime_name.as_deref() == Some("") {
            return refuse("runtime_name may not be empty: tokio refuses an empty runtime name");
        }
        if builder.timeout == Some(Duration::ZERO) {
            return refuse("a zero timeout would fail the test at once; give it a real-time budget such as 60s");
        }
        if builder.virtual_timeout == Some(Duration::ZERO) {
            return refuse("a zero virtual_timeout would fail the test at once; give it a budget such as 1h");
        }
        if builder.max_blocking == Some(MaxBlocking::Limit(Duration::ZERO)) {
            return refuse("a zero max_blocking would fail every test; give it a limit such as 250ms, or Off");
        }
        let environment = environment::defaults();
        let chosen = (|| {
            Ok::<_, String>((
                explicit_or_environment(builder.timeout, &environment.timeout, DEFAULT_TIMEOUT)?,
                explicit_or_environment(
                    builder.virtual_timeout,
                    &environment.virtual_timeout,
                    DEFAULT_VIRTUAL_TIMEOUT,
                )?,
                explicit_or_environment(builder.leaks, &environment.leaks, Leaks::default())?,
                explicit_or_environment(builder.deadlock, &environment.deadlock, Deadlock::default())?,
                explicit_or_environment(builder.max_blocking, &environment.max_blocking, MaxBlocking::default())?,
            ))
        })();
        let (timeout, virtual_timeout, leaks, deadlock, max_blocking) = match chosen {
            Ok(chosen) => chosen,
            Err(problem) => return refuse(&problem),
        };
        Ok(Settings {
            start_paused: builder.start_paused.unwrap_or(!multi_thread),
            flavor: builder.flavor,
            worker_threads: builder.worker_threads,
            unhandled_panic: builder.unhandled_panic,
            runtime_name: builder.runtime_name,
            timeout,
            leaks,
            virtual_timeout,
            deadlock,
            max_blocking,
            test_name,
        })
    }
}

/// The explicit setting; else the environment's, which may be malformed; else the default.
fn explicit_or_environment<T: Copy>(
    explicit: Option<T>,
    environment: &Result<Option<T>, String>,
    default: T,
) -> Result<T, String> {
    match (explicit, environment) {
        (Some(explicit), _) => Ok(explicit),
        (None, Ok(from_environment)) => Ok(from_environment.unwrap_or(default)),
        (None, Err(problem)) => Err(problem.clone()),
    }
}

impl Settings {
    /// Deadlocks are recognisable only on a current-thread runtime whose clock starts paused.
    pub(crate) fn detects_deadlocks(&self) -> bool {
        self.deadlock == Deadlock::Deny && self.start_paused && self.flavor != Flavor::MultiThread
    }
}
