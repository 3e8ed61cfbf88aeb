//! Each setting's choices, their names and their defaults.

use std::time::Duration;

use crate::names::Named;

/// The real-time budget when neither the attribute, the builder nor `WS_TEST_TIMEOUT` sets one.
///
/// ```
/// assert_eq!(ws_test_config::DEFAULT_TIMEOUT, std::time::Duration::from_secs(60));
/// ```
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The virtual-time budget when neither the attribute, the builder nor `WS_TEST_VIRTUAL_TIMEOUT` sets one.
///
/// ```
/// assert_eq!(ws_test_config::budget_text(ws_test_config::DEFAULT_VIRTUAL_TIMEOUT), "1h");
/// ```
pub const DEFAULT_VIRTUAL_TIMEOUT: Duration = Duration::from_secs(3600);

/// Which tokio scheduler runs the test. Same meaning as `#[tokio::test(flavor = ...)]`.
///
/// ```
/// let threads = ws_test::Builder::new("two_workers")
///     .flavor(ws_test::Flavor::MultiThread)
///     .worker_threads(2)
///     .run(async { tokio::runtime::Handle::current().metrics().num_workers() });
/// assert_eq!(threads, 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Flavor {
    /// Everything on the test's own thread; the clock starts paused. The default.
    #[default]
    CurrentThread,
    /// A pool of worker threads; always real time, because tokio cannot pause a multi-thread runtime's clock.
    MultiThread,
    /// tokio's `LocalRuntime`: like `CurrentThread`, and `tokio::task::spawn_local` works without a `LocalSet`.
    Local,
}

impl Named for Flavor {
    const KIND: (&'static str, &'static str) = ("runtime flavor", "runtime flavors");
    const CHOICES: &'static [(&'static str, &'static str, Flavor)] = &[
        ("current_thread", "CurrentThread", Flavor::CurrentThread),
        ("multi_thread", "MultiThread", Flavor::MultiThread),
        ("local", "Local", Flavor::Local),
    ];

    /// tokio's own messages, renamed flavors included.
    fn unknown(name: &str) -> String {
        match name {
            "single_thread" => "The single threaded runtime flavor is called `current_thread`.".to_string(),
            "basic_scheduler" => {
                "The `basic_scheduler` runtime flavor has been renamed to `current_thread`.".to_string()
            }
            "threaded_scheduler" => {
                "The `threaded_scheduler` runtime flavor has been renamed to `multi_thread`.".to_string()
            }
            _ => format!(
                "No such runtime flavor `{name}`. The runtime flavors are `current_thread`, `local`, and `multi_thread`."
            ),
        }
    }
}

/// What a panic in a spawned task does to the test. `ShutdownRuntime` and `Ignore` have the meaning of
/// `#[tokio::test(unhandled_panic = ...)]`, on stable Rust (tokio's own option needs `--cfg tokio_unstable`).
///
/// ```should_panic
/// // The default: nobody awaits the task, and the test still fails, naming the panic.
/// ws_test::Builder::new("task_panic_fails_the_test").run(async {
///     tokio::spawn(async { panic!("boom") });
///     tokio::task::yield_now().await;
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// A panic in any task spawned on the test's runtime, including `spawn_blocking` jobs and tasks that panic
    /// while being dropped at shutdown, fails the test when it ends, with each panic's message and location, even
    /// when the panic was also observed through the task's `JoinHandle`. The default; `"fail_at_end"`.
    #[default]
    FailAtEnd,
    /// The first panic of a spawned task ends the test at once, failing it with the panic's message and location;
    /// `"shutdown_runtime"`.
    ShutdownRuntime,
    /// tokio's default: the panic ends only that task, and whoever awaits its `JoinHandle` sees the error;
    /// `"ignore"`. For tests that expect a task to panic.
    Ignore,
}

impl Named for UnhandledPanic {
    const KIND: (&'static str, &'static str) = ("unhandled panic behavior", "unhandled panic behaviors");
    const CHOICES: &'static [(&'static str, &'static str, UnhandledPanic)] = &[
        ("fail_at_end", "FailAtEnd", UnhandledPanic::FailAtEnd),
        ("shutdown_runtime", "ShutdownRuntime", UnhandledPanic::ShutdownRuntime),
        ("ignore", "Ignore", UnhandledPanic::Ignore),
    ];
}

/// What happens to tasks still alive when the body has returned; `leaks = "..."`, environment `WS_TEST_LEAKS`.
///
/// Under `"deny"` and `"warn"`, the tasks left are watched for ten more minutes of virtual time (the clock is paused
/// for it, whatever the test's): those that only wait (a server in `accept()`, a connection waiting for a frame, a
/// worker on its inbox) are quiet, and dropped at shutdown as tokio drops them; those that keep working (a timer that
/// keeps firing, a task that never waits) are a leak. `"strict"` counts every task still alive as a leak.
///
/// ```should_panic
/// // A refresher nobody stops: its timer keeps firing after the body returned, and the test fails, naming the leak.
/// ws_test::Builder::new("refresher_never_stopped").run(async {
///     tokio::spawn(async {
///         loop {
///             tokio::time::sleep(std::time::Duration::from_secs(60)).await;
///         }
///     });
/// });
/// ```
///
/// ```
/// // A worker waiting on an inbox whose sender is still held only waits: it is dropped at shutdown.
/// ws_test::Builder::new("worker_left_waiting").run(async {
///     let (sender, mut inbox) = tokio::sync::mpsc::channel::<u32>(1);
///     tokio::spawn(async move { while inbox.recv().await.is_some() {} });
///     std::mem::forget(sender);
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Leaks {
    /// Tasks that keep working after the body returned fail the test; tasks that only wait are dropped at shutdown;
    /// `"deny"`, the default.
    #[default]
    Deny,
    /// Every task still alive when the body returned fails the test, working or waiting; `"strict"`.
    Strict,
    /// What `"deny"` reports goes to stderr and the test passes; `"warn"`.
    Warn,
    /// Tasks still alive are dropped at shutdown, as with tokio, without a look; `"allow"`.
    Allow,
}

impl Named for Leaks {
    const KIND: (&'static str, &'static str) = ("leak policy", "leak policies");
    const CHOICES: &'static [(&'static str, &'static str, Leaks)] = &[
        ("deny", "Deny", Leaks::Deny),
        ("strict", "Strict", Leaks::Strict),
        ("warn", "Warn", Leaks::Warn),
        ("allow", "Allow", Leaks::Allow),
    ];
}

/// Whether a test whose tasks all wait for each other fails at once; `deadlock = "..."`, environment
/// `WS_TEST_DEADLOCK`. Applies when the clock starts paused: every other runtime waits in real time, and only the
/// real-time budget applies.
///
/// ```should_panic
/// // The body waits for a message its own sender never sends: fails in about half a second, not at the budget.
/// ws_test::Builder::new("waits_for_itself").run(async {
///     let (sender, mut receiver) = tokio::sync::mpsc::channel::<u32>(1);
///     receiver.recv().await;
///     drop(sender);
/// });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Deadlock {
    /// Every task waiting, no timer pending and nothing arriving for half a second of real time fails the test;
    /// `"deny"`, the default.
    #[default]
    Deny,
    /// Only the real-time budget applies; `"off"`. For a test that waits for real I/O or a thread outside tokio for
    /// longer than half a second.
    Off,
}

impl Named for Deadlock {
    const KIND: (&'static str, &'static str) = ("deadlock setting", "deadlock settings");
    const CHOICES: &'static [(&'static str, &'static str, Deadlock)] =
        &[("deny", "Deny", Deadlock::Deny), ("off", "Off", Deadlock::Off)];
}

/// How long the runtime's thread may stay inside task polls while not using the CPU (asleep in
/// `std::thread::sleep`, blocking I/O, a contended `std::sync::Mutex`) before the test fails; `max_blocking = "..."`,
/// environment `WS_TEST_MAX_BLOCKING`. Applies to current-thread and local runtimes on Linux. A long CPU-bound
/// stretch is not blocking; only the real-time budget applies to it.
///
/// ```should_panic
/// fn load_fixture() {
///     std::thread::sleep(std::time::Duration::from_secs(1)); // blocks the event loop
/// }
///
/// ws_test::Builder::new("blocks_the_event_loop").run(async { load_fixture() });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MaxBlocking {
    /// Fail when the thread was blocked for longer than this, in one stretch between two idle points;
    /// `"250ms"`. The default is [`MaxBlocking::DEFAULT`].
    Limit(Duration),
    /// Allow blocking calls on the runtime's thread; `"off"`. Also allows `std::thread::sleep` in the body.
    Off,
}

impl MaxBlocking {
    /// 250 ms: far above any scheduling hiccup, far below what a blocking call costs a suite.
    ///
    /// ```
    /// assert_eq!(ws_test::MaxBlocking::default(), ws_test::MaxBlocking::DEFAULT);
    /// ```
    pub const DEFAULT: MaxBlocking = MaxBlocking::Limit(Duration::from_millis(250));

    /// `"off"` or a limit, as the attribute and `WS_TEST_MAX_BLOCKING` write it.
    ///
    /// # Errors
    ///
    /// What is wrong with the text, listing what is accepted.
    #[doc(hidden)]
    pub fn from_text(text: &str) -> Result<MaxBlocking, String> {
        match text {
            "off" => Ok(MaxBlocking::Off),
            limit => crate::parse_duration(limit)
                .map(MaxBlocking::Limit)
                .map_err(|problem| format!("expected \"off\" or a limit; {problem}")),
        }
    }
}

/// How long the paused clock waits, while real I/O is in play, before it jumps to the next timer: `io_grace = "..."`,
/// environment `WS_TEST_IO_GRACE`. A peer outside the test's runtime (a server on its own thread, a child process, a
/// real socket) answers in real time, while a paused clock would jump to the next timer the moment every task waits:
/// a `timeout(5s, ..)` around a real reply would elapse at once. While real I/O is in play, the clock jumps only once
/// the runtime has been idle for the grace, in real time, since its last jump: a reply that arrives within it is
/// handled first.
///
/// ```
/// use std::time::Duration;
///
/// // A server on its own thread and runtime, answering in real time.
/// let server = std::thread::spawn(|| {
///     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
///     let address = listener.local_addr().unwrap();
///     (address, std::thread::spawn(move || drop(listener.accept())))
/// });
/// let (address, accepting) = server.join().unwrap();
/// ws_test::Builder::new("connects_in_real_time")
///     .io_grace(ws_test::IoGrace::Always(Duration::from_millis(20)))
///     .run(async move {
///         let connecting = tokio::net::TcpStream::connect(address);
///         tokio::time::timeout(Duration::from_secs(5), connecting).await.unwrap().unwrap();
///     });
/// accepting.join().unwrap();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum IoGrace {
    /// The grace applies once real I/O is in play, with [`DEFAULT_IO_GRACE`]: `"auto"`, the default. On Linux with
    /// glibc, and with `--cfg tokio_unstable` anywhere, any socket or child process of the runtime counts, wherever
    /// it was made; elsewhere, ws-test's own `ws::Server`, and a body that creates a socket, a listener or a child
    /// process itself.
    #[default]
    Auto,
    /// From the start, with this grace: a duration, `"20ms"`. For real I/O ws-test cannot see (a socket made in a
    /// helper, on stable Rust off Linux-glibc).
    Always(Duration),
    /// Never: the clock jumps at once, as tokio's paused clock does; `"off"`.
    Off,
}

/// The grace [`IoGrace::Auto`] waits: long enough for a reply over loopback on a loaded machine, short enough that each
/// jump of the clock costs little real time (measured, BENCHMARKS.md).
///
/// ```
/// assert_eq!(ws_test_config::DEFAULT_IO_GRACE, std::time::Duration::from_millis(5));
/// ```
pub const DEFAULT_IO_GRACE: Duration = Duration::from_millis(5);

impl IoGrace {
    /// `"auto"`, `"off"`, or a duration, as the attribute and `WS_TEST_IO_GRACE` write it.
    ///
    /// # Errors
    ///
    /// What is wrong with the text, listing what is accepted.
    #[doc(hidden)]
    pub fn from_text(text: &str) -> Result<IoGrace, String> {
        match text {
            "auto" => Ok(IoGrace::Auto),
            "off" => Ok(IoGrace::Off),
            grace => crate::parse_duration(grace)
                .map(IoGrace::Always)
                .map_err(|problem| format!("expected \"auto\", \"off\" or a grace; {problem}")),
        }
    }
}

impl Default for MaxBlocking {
    fn default() -> MaxBlocking {
        MaxBlocking::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant is listed, under a name that reads back to it, and the first is the default.
    fn check_table<T: Named + Default + std::fmt::Debug>(variants: &[T]) {
        assert_eq!(T::CHOICES.len(), variants.len());
        for variant in variants {
            assert_eq!(T::from_name(variant.name()), Ok(*variant));
            assert!(!variant.variant().is_empty(), "{variant:?} is listed");
        }
        assert_eq!(T::CHOICES[0].2, T::default());
    }

    #[test]
    fn every_choice_is_named_and_the_default_comes_first() {
        check_table(&[Flavor::CurrentThread, Flavor::MultiThread, Flavor::Local]);
        check_table(&[
            UnhandledPanic::FailAtEnd,
            UnhandledPanic::ShutdownRuntime,
            UnhandledPanic::Ignore,
        ]);
        check_table(&[Leaks::Deny, Leaks::Strict, Leaks::Warn, Leaks::Allow]);
        check_table(&[Deadlock::Deny, Deadlock::Off]);
    }

    #[test]
    fn an_unknown_name_lists_the_choices_in_tokio_words() {
        assert_eq!(
            Leaks::from_name("forbid"),
            Err("No such leak policy `forbid`. The leak policies are `deny` (the default), `strict`, `warn` and `allow`.".into())
        );
        assert_eq!(
            Deadlock::from_name("on"),
            Err("No such deadlock setting `on`. The deadlock settings are `deny` (the default) and `off`.".into())
        );
        assert_eq!(
            Flavor::from_name("turbo"),
            Err(
                "No such runtime flavor `turbo`. The runtime flavors are `current_thread`, `local`, and `multi_thread`."
                    .into()
            )
        );
        assert_eq!(
            Flavor::from_name("basic_scheduler"),
            Err("The `basic_scheduler` runtime flavor has been renamed to `current_thread`.".into())
        );
    }

    #[test]
    fn io_grace_is_auto_off_or_a_grace() {
        assert_eq!(IoGrace::from_text("auto"), Ok(IoGrace::Auto));
        assert_eq!(IoGrace::from_text("off"), Ok(IoGrace::Off));
        assert_eq!(
            IoGrace::from_text("20ms"),
            Ok(IoGrace::Always(Duration::from_millis(20)))
        );
        let error = IoGrace::from_text("sometimes").expect_err("not a grace");
        assert!(
            error.starts_with("expected \"auto\", \"off\" or a grace; `sometimes` is not a duration"),
            "{error}"
        );
        assert_eq!(IoGrace::default(), IoGrace::Auto);
    }

    #[test]
    fn max_blocking_is_off_or_a_limit() {
        assert_eq!(MaxBlocking::from_text("off"), Ok(MaxBlocking::Off));
        assert_eq!(
            MaxBlocking::from_text("1s"),
            Ok(MaxBlocking::Limit(Duration::from_secs(1)))
        );
        let error = MaxBlocking::from_text("soon").expect_err("not a limit");
        assert!(
            error.starts_with("expected \"off\" or a limit; `soon` is not a duration"),
            "{error}"
        );
    }
}
