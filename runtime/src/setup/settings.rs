//! The options of a [`Builder`](crate::Builder) checked and completed: defaults filled in from the environment,
//! contradictions refused with a message that names the test, and the questions every guard asks ("is the clock
//! paused?") answered once.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::Duration;

use crate::config::{
    DEFAULT_IO_GRACE, DEFAULT_TIMEOUT, DEFAULT_VIRTUAL_TIMEOUT, Deadlock, Flavor, IoGrace, Leaks, MAX_BUDGET,
    MaxBlocking, Network, Options, UnhandledPanic, options_with_only_a_name,
};
use crate::setup::environment;

#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) test_name: Cow<'static, str>,
    pub(crate) flavor: Flavor,
    pub(crate) worker_threads: Option<usize>,
    /// Whether the runtime's clock starts paused and advances by itself: the paused clock the guards of virtual
    /// time, deadlocks and runaway timers depend on. Never on `multi_thread`, which tokio cannot pause.
    pub(crate) paused_clock: bool,
    pub(crate) unhandled_panic: UnhandledPanic,
    pub(crate) runtime_name: Option<String>,
    /// At most [`MAX_BUDGET`], so that a deadline computed from it cannot overflow.
    pub(crate) timeout: Duration,
    pub(crate) leaks: Leaks,
    /// At most [`MAX_BUDGET`].
    pub(crate) virtual_timeout: Duration,
    pub(crate) deadlock: Deadlock,
    pub(crate) max_blocking: MaxBlocking,
    /// While real I/O is in play, how long the runtime must stay idle before its paused clock jumps; `None` when
    /// the clock jumps at once.
    pub(crate) io_grace: Option<Duration>,
    /// Real I/O is in play from the start (an explicit grace, or a body that creates sockets itself).
    pub(crate) real_io_from_start: bool,
    /// The hosts the test may reach; `None` when it may reach every host (`"allow"`).
    pub(crate) network: Option<Network>,
}

impl Settings {
    /// Borrows the options, so that the frames above the runtime's build need no copy of them (see the note on stack
    /// depth in `harness.rs`).
    pub(crate) fn resolve(options: &Options) -> Result<Settings, String> {
        // Most tests give their name and nothing else: their settings are the run's defaults, resolved once. A
        // malformed `WS_TEST_*` variable takes the long way, whose message names the test.
        if named_only(options) {
            static NAMED_ONLY: OnceLock<Result<Settings, String>> = OnceLock::new();
            let defaults = NAMED_ONLY.get_or_init(|| Settings::resolve_given(&Options::new(Cow::Borrowed(""))));
            if let Ok(defaults) = defaults {
                return Ok(defaults.named(options.test_name.clone()));
            }
        }
        Settings::resolve_given(options)
    }

    fn resolve_given(options: &Options) -> Result<Settings, String> {
        let test_name = options.test_name.clone();
        let refuse = |problem: &str| Err(format!("test `{test_name}` cannot start: {problem}"));
        let multi_thread = options.flavor == Flavor::MultiThread;
        if options.start_paused == Some(true) && multi_thread {
            return refuse(
                "start_paused(true) requires the current_thread or local flavor: \
                 tokio cannot pause the clock of a multi-thread runtime",
            );
        }
        if options.worker_threads.is_some() && !multi_thread {
            return refuse("worker_threads requires the multi_thread flavor");
        }
        if options.worker_threads == Some(0) {
            return refuse("worker_threads may not be 0");
        }
        if options.unhandled_panic == UnhandledPanic::ShutdownRuntime && multi_thread {
            return refuse("unhandled_panic(ShutdownRuntime) requires the current_thread or local flavor, as in tokio");
        }
        if options.runtime_name.as_deref() == Some("") {
            return refuse("runtime_name may not be empty: tokio refuses an empty runtime name");
        }
        if options.timeout == Some(Duration::ZERO) {
            return refuse("a zero timeout would fail the test at once; give it a real-time budget such as 60s");
        }
        if options.virtual_timeout == Some(Duration::ZERO) {
            return refuse("a zero virtual_timeout would fail the test at once; give it a budget such as 1h");
        }
        if options.max_blocking == Some(MaxBlocking::Limit(Duration::ZERO)) {
            return refuse("a zero max_blocking would fail every test; give it a limit such as 250ms, or Off");
        }
        let paused_clock = options.start_paused.unwrap_or(!multi_thread);
        // What the attribute refuses at compile time, said here too for a builder called by hand: a setting that
        // needs the paused clock would silently do nothing.
        let real_time = if multi_thread {
            Some("flavor(MultiThread)")
        } else {
            (!paused_clock).then_some("start_paused(false)")
        };
        if let Some(real_time) = real_time {
            let needs_paused_clock = [
                ("virtual_timeout", options.virtual_timeout.is_some()),
                ("deadlock(Deadlock::Deny)", options.deadlock == Some(Deadlock::Deny)),
                ("io_grace", options.io_grace.is_some_and(|grace| grace != IoGrace::Off)),
            ];
            if let Some((name, _)) = needs_paused_clock.iter().find(|(_, given)| *given) {
                return refuse(&format!(
                    "{name} needs the paused clock, and with {real_time} the test runs in real time: use timeout \
                     for its real-time budget"
                ));
            }
        }
        let environment = environment::defaults();
        let timeout = explicit_or_environment(options.timeout, &environment.timeout, DEFAULT_TIMEOUT);
        let virtual_timeout = explicit_or_environment(
            options.virtual_timeout,
            &environment.virtual_timeout,
            DEFAULT_VIRTUAL_TIMEOUT,
        );
        let leaks = explicit_or_environment(options.leaks, &environment.leaks, Leaks::default());
        let deadlock = explicit_or_environment(options.deadlock, &environment.deadlock, Deadlock::default());
        let max_blocking =
            explicit_or_environment(options.max_blocking, &environment.max_blocking, MaxBlocking::default());
        let io_grace = explicit_or_environment(options.io_grace, &environment.io_grace, IoGrace::default());
        // Real-time tests reach databases and other services legitimately: unguarded unless told otherwise.
        let network = match (&options.network, &environment.network) {
            (Some(explicit), _) => explicit.clone(),
            (None, Ok(Some(from_environment))) => from_environment.clone(),
            (None, Ok(None)) if paused_clock => Network::Local,
            (None, Ok(None)) => Network::Allow,
            (None, Err(problem)) => return refuse(problem),
        };
        let (timeout, virtual_timeout, leaks, deadlock, max_blocking, io_grace) =
            match (timeout, virtual_timeout, leaks, deadlock, max_blocking, io_grace) {
                (Ok(timeout), Ok(virtual_timeout), Ok(leaks), Ok(deadlock), Ok(max_blocking), Ok(io_grace)) => {
                    (timeout, virtual_timeout, leaks, deadlock, max_blocking, io_grace)
                }
                (timeout, virtual_timeout, leaks, deadlock, max_blocking, io_grace) => {
                    let problem = [
                        timeout.err(),
                        virtual_timeout.err(),
                        leaks.err(),
                        deadlock.err(),
                        max_blocking.err(),
                        io_grace.err(),
                    ];
                    let first = problem.into_iter().flatten().next().unwrap_or_default();
                    return refuse(first);
                }
            };
        Ok(Settings {
            paused_clock,
            flavor: options.flavor,
            worker_threads: options.worker_threads,
            unhandled_panic: options.unhandled_panic,
            runtime_name: options.runtime_name.clone(),
            // A builder may be given `Duration::MAX` to mean "no budget"; ten years is the same in practice.
            timeout: timeout.min(MAX_BUDGET),
            leaks,
            virtual_timeout: virtual_timeout.min(MAX_BUDGET),
            deadlock,
            max_blocking,
            io_grace: match io_grace {
                _ if !paused_clock => None,
                IoGrace::Always(grace) => Some(grace.min(MAX_BUDGET)),
                IoGrace::Off => None,
                _ => Some(DEFAULT_IO_GRACE),
            },
            real_io_from_start: matches!(io_grace, IoGrace::Always(_)) || options.real_io_in_body,
            network: match network {
                Network::Allow => None,
                guarded => Some(guarded),
            },
            test_name,
        })
    }

    /// These settings for another test. Field by field, not a derived `Clone`, which calls a function per field.
    fn named(&self, test_name: Cow<'static, str>) -> Settings {
        Settings {
            test_name,
            flavor: self.flavor,
            worker_threads: self.worker_threads,
            paused_clock: self.paused_clock,
            unhandled_panic: self.unhandled_panic,
            runtime_name: self.runtime_name.clone(),
            timeout: self.timeout,
            leaks: self.leaks,
            virtual_timeout: self.virtual_timeout,
            deadlock: self.deadlock,
            max_blocking: self.max_blocking,
            io_grace: self.io_grace,
            real_io_from_start: self.real_io_from_start,
            // Matched rather than cloned: the common guards are copied without a call (see above).
            network: match &self.network {
                None => None,
                Some(Network::Local) => Some(Network::Local),
                Some(other) => Some(other.clone()),
            },
        }
    }

    /// Deadlocks are recognisable only on a runtime whose clock is paused.
    pub(crate) fn detects_deadlocks(&self) -> bool {
        matches!(self.deadlock, Deadlock::Deny) && self.paused_clock
    }
}

/// Whether the options are those of `Options::new`: a name and nothing else.
fn named_only(options: &Options) -> bool {
    // One pattern, not a call per field: every test asks, and each call is a cold one in a debug build.
    matches!(options, options_with_only_a_name!(_))
}

/// The explicit setting; else the environment's, which may be malformed; else the default.
fn explicit_or_environment<T: Copy>(
    explicit: Option<T>,
    environment: &Result<Option<T>, String>,
    default: T,
) -> Result<T, &str> {
    match (explicit, environment) {
        (Some(explicit), _) => Ok(explicit),
        (None, Ok(from_environment)) => Ok(from_environment.unwrap_or(default)),
        (None, Err(problem)) => Err(problem),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test that gives only its name gets the run's defaults resolved once; they must be what the long way gives.
    #[test]
    fn a_test_with_only_its_name_gets_what_the_long_way_gives() {
        let options = Options::new("settings::named_only".into());
        assert!(named_only(&options));
        let quick = Settings::resolve(&options).expect("settings");
        let long_way = Settings::resolve_given(&options).expect("settings");
        assert_eq!(format!("{quick:?}"), format!("{long_way:?}"));
        assert_eq!(quick.test_name, "settings::named_only");
    }

    /// Any option given takes the long way, so that its checks apply.
    #[test]
    fn any_option_given_takes_the_long_way() {
        let mut options = Options::new("settings::given".into());
        options.start_paused = Some(true);
        options.flavor = Flavor::MultiThread;
        assert!(!named_only(&options));
        let refused = Settings::resolve(&options).expect_err("a paused multi-thread runtime");
        assert!(
            refused.starts_with("test `settings::given` cannot start: start_paused(true) requires"),
            "{refused}"
        );
    }
}
