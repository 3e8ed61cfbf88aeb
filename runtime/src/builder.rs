//! The public builder: what `#[ws_test]` expands to, and what a hand-written harness (a property-test loop, a
//! custom test runner) calls directly.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::config::{Deadlock, Flavor, IoGrace, Leaks, MaxBlocking, Network, Options, UnhandledPanic};
use crate::harness;

/// Runs one test on a fresh tokio runtime of its own, with a virtual clock and a real-time budget.
///
/// `#[ws_test]` expands to a call of this builder; call it by hand where an attribute does not fit. Every setting has
/// the attribute's default: current-thread runtime, clock paused (auto-advancing: a sleep of an hour returns at once),
/// a real-time budget from `WS_TEST_TIMEOUT` or else 60 s.
///
/// ```
/// use std::time::Duration;
///
/// for seed in 0..3u64 {
///     ws_test::Builder::new(format!("backoff_with_seed_{seed}"))
///         .timeout(Duration::from_secs(5))
///         .run(async move {
///             let start = tokio::time::Instant::now();
///             tokio::time::sleep(Duration::from_secs(60 * (seed + 1))).await;
///             assert_eq!(start.elapsed(), Duration::from_secs(60 * (seed + 1)));
///         });
/// }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `.run(body)` is called"]
pub struct Builder {
    options: Options,
}

impl Builder {
    /// A builder for the test called `test_name`, which every failure message names.
    ///
    /// ```
    /// ws_test::Builder::new("my_suite::connects").run(async {});
    /// ```
    pub fn new(test_name: impl Into<Cow<'static, str>>) -> Builder {
        Builder {
            options: Options::new(test_name.into()),
        }
    }

    /// The scheduler; `#[ws_test(flavor = "...")]`.
    ///
    /// ```
    /// ws_test::Builder::new("local")
    ///     .flavor(ws_test::Flavor::Local)
    ///     .run(async { tokio::task::spawn_local(async {}).await.unwrap() });
    /// ```
    pub fn flavor(mut self, flavor: Flavor) -> Builder {
        self.options.flavor = flavor;
        self
    }

    /// Worker threads of a [`Flavor::MultiThread`] runtime (default: one per core); `worker_threads = N`.
    ///
    /// ```
    /// ws_test::Builder::new("workers")
    ///     .flavor(ws_test::Flavor::MultiThread)
    ///     .worker_threads(3)
    ///     .run(async {});
    /// ```
    pub fn worker_threads(mut self, count: usize) -> Builder {
        self.options.worker_threads = Some(count);
        self
    }

    /// Whether the clock starts paused; `start_paused = bool`. Defaults to `true` for the current-thread and local
    /// flavors, where a paused clock advances by itself whenever every task waits, and `false` for multi-thread.
    /// `false` gives a real-time runtime, for tests of real network I/O or that call `tokio::time::pause()`
    /// themselves.
    ///
    /// ```
    /// ws_test::Builder::new("real_time")
    ///     .start_paused(false)
    ///     .run(async {
    ///         let start = std::time::Instant::now();
    ///         tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    ///         assert!(start.elapsed() >= std::time::Duration::from_millis(20));
    ///     });
    /// ```
    pub fn start_paused(mut self, paused: bool) -> Builder {
        self.options.start_paused = Some(paused);
        self
    }

    /// What a panic in a spawned task does; `unhandled_panic = "..."`. Default: it fails the test at its end.
    /// See [`UnhandledPanic`].
    ///
    /// ```
    /// ws_test::Builder::new("observes_panic")
    ///     .unhandled_panic(ws_test::UnhandledPanic::Ignore)
    ///     .run(async {
    ///         let join = tokio::spawn(async { panic!("expected") });
    ///         assert!(join.await.unwrap_err().is_panic());
    ///     });
    /// ```
    pub fn unhandled_panic(mut self, behaviour: UnhandledPanic) -> Builder {
        self.options.unhandled_panic = behaviour;
        self
    }

    /// The tokio runtime's name (tokio's `Builder::name`); `name = "..."` in the attribute.
    ///
    /// ```
    /// ws_test::Builder::new("named").runtime_name("ticker-runtime").run(async {});
    /// ```
    pub fn runtime_name(mut self, name: impl Into<String>) -> Builder {
        self.options.runtime_name = Some(name.into());
        self
    }

    /// The test's budget in real (wall-clock) time; `timeout = "60s"`. Without it: `WS_TEST_TIMEOUT` when set
    /// (e.g. `WS_TEST_TIMEOUT=2m cargo test`), else 60 s. A test still running at the end of its budget fails with
    /// a message naming it and showing both clocks; one whose thread is stuck in a blocking call and cannot be
    /// woken ends the test process with exit code 124, so the terminal never hangs. A budget longer than ten years
    /// (`Duration::MAX` for "none") is taken as ten years.
    ///
    /// ```should_panic
    /// // A real-time runtime waiting for a message that never comes.
    /// ws_test::Builder::new("waits_forever")
    ///     .start_paused(false)
    ///     .timeout(std::time::Duration::from_millis(100))
    ///     .run(std::future::pending::<()>());
    /// ```
    pub fn timeout(mut self, budget: Duration) -> Builder {
        self.options.timeout = Some(budget);
        self
    }

    /// What happens to tasks still alive once the body has returned and every ready task has run as far as it
    /// can without the clock moving; `leaks = "..."`. Without it: `WS_TEST_LEAKS` when set, else [`Leaks::Deny`],
    /// under which such tasks are watched for ten more minutes of virtual time: those that keep working fail the
    /// test, those that only wait are dropped at shutdown. [`Leaks::Strict`] counts every task still alive.
    ///
    /// ```
    /// ws_test::Builder::new("leaves_a_ticker")
    ///     .leaks(ws_test::Leaks::Allow)
    ///     .run(async {
    ///         tokio::spawn(async {
    ///             let mut ticker = tokio::time::interval(std::time::Duration::from_secs(1));
    ///             loop {
    ///                 ticker.tick().await;
    ///             }
    ///         });
    ///     });
    /// ```
    pub fn leaks(mut self, policy: Leaks) -> Builder {
        self.options.leaks = Some(policy);
        self
    }

    /// The test's budget in virtual time; `virtual_timeout = "1h"`. Without it: `WS_TEST_VIRTUAL_TIMEOUT` when set,
    /// else one hour. A test whose paused clock passes it fails at once, with the number of tasks alive: a leaked
    /// ticking task fails in milliseconds instead of spinning until the real-time budget. It needs the paused clock:
    /// with `start_paused(false)` or [`Flavor::MultiThread`] the test refuses to start, as the attribute refuses to
    /// compile. A budget longer than ten years is taken as ten years.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// ws_test::Builder::new("a_day_of_heartbeats")
    ///     .virtual_timeout(Duration::from_secs(25 * 3600))
    ///     .run(async { tokio::time::sleep(Duration::from_secs(24 * 3600)).await });
    /// ```
    pub fn virtual_timeout(mut self, budget: Duration) -> Builder {
        self.options.virtual_timeout = Some(budget);
        self
    }

    /// Whether a deadlock fails the test at once; `deadlock = "..."`. Without it: `WS_TEST_DEADLOCK` when set, else
    /// [`Deadlock::Deny`]. See [`Deadlock`]. An explicit [`Deadlock::Deny`] needs the paused clock, like
    /// [`virtual_timeout`](Self::virtual_timeout).
    ///
    /// ```
    /// ws_test::Builder::new("waits_for_a_real_thread")
    ///     .deadlock(ws_test::Deadlock::Off)
    ///     .run(async {
    ///         let (sender, receiver) = tokio::sync::oneshot::channel();
    ///         std::thread::spawn(move || {
    ///             std::thread::sleep(std::time::Duration::from_millis(700));
    ///             sender.send(()).unwrap();
    ///         });
    ///         receiver.await.unwrap();
    ///     });
    /// ```
    pub fn deadlock(mut self, detection: Deadlock) -> Builder {
        self.options.deadlock = Some(detection);
        self
    }

    /// How long the runtime's thread may be blocked in one stretch; `max_blocking = "..."`. Without it:
    /// `WS_TEST_MAX_BLOCKING` when set, else [`MaxBlocking::DEFAULT`]. See [`MaxBlocking`].
    ///
    /// ```
    /// ws_test::Builder::new("reads_a_fixture_synchronously")
    ///     .max_blocking(ws_test::MaxBlocking::Off)
    ///     .run(async { std::thread::sleep(std::time::Duration::from_millis(300)) });
    /// ```
    pub fn max_blocking(mut self, limit: MaxBlocking) -> Builder {
        self.options.max_blocking = Some(limit);
        self
    }

    /// How long the paused clock waits for real I/O before it jumps; `io_grace = "..."`. Without it:
    /// `WS_TEST_IO_GRACE` when set, else [`IoGrace::Auto`]. See [`IoGrace`]. Needs the paused clock, like
    /// [`virtual_timeout`](Self::virtual_timeout), unless [`IoGrace::Off`].
    ///
    /// ```
    /// ws_test::Builder::new("jumps_at_once")
    ///     .io_grace(ws_test::IoGrace::Off)
    ///     .run(async { tokio::time::sleep(std::time::Duration::from_secs(60)).await });
    /// ```
    pub fn io_grace(mut self, grace: IoGrace) -> Builder {
        self.options.io_grace = Some(grace);
        self
    }

    /// The hosts the test may reach; `network = "..."`. Without it: `WS_TEST_NETWORK` when set, else
    /// [`Network::Local`] under the paused clock and [`Network::Allow`] for a real-time test. See [`Network`].
    ///
    /// ```
    /// ws_test::Builder::new("reaches_the_test_database")
    ///     .network(ws_test::Network::from_text("127.0.0.1, db.internal:5432").unwrap())
    ///     .run(async {});
    /// ```
    pub fn network(mut self, network: Network) -> Builder {
        self.options.network = Some(network);
        self
    }

    /// What `#[ws_test]` calls for `network = "..."`, checked at compile time already. Not part of the API.
    #[doc(hidden)]
    #[track_caller]
    pub fn network_text(self, text: &str) -> Builder {
        match Network::from_text(text) {
            Ok(network) => self.network(network),
            Err(problem) => panic!(
                "test `{}` cannot start: network = {text:?}: {problem}",
                self.options.test_name
            ),
        }
    }

    /// What `#[ws_test]` calls when the body creates a socket, a listener or a child process itself: real I/O is in
    /// play from the start, for [`IoGrace::Auto`]. Not part of the API.
    #[doc(hidden)]
    pub fn real_io_in_body(mut self) -> Builder {
        self.options.real_io_in_body = true;
        self
    }

    /// Builds the runtime, runs `body` on it to completion, shuts the runtime down and returns the body's output.
    ///
    /// # Panics
    ///
    /// When the test fails: the body panicked (its panic is passed on unchanged), the real-time budget ran out, a
    /// virtual clock passed its budget, the tasks deadlocked, the event loop was blocked, a spawned task panicked
    /// (unless [`UnhandledPanic::Ignore`]), a task kept working after the body (any task still alive under
    /// [`Leaks::Strict`]; nothing under [`Leaks::Warn`] or [`Leaks::Allow`]), a `WS_TEST_*`
    /// variable does not parse, or the settings contradict each other (`start_paused(true)` or `worker_threads` where
    /// they cannot apply, `virtual_timeout` or `Deadlock::Deny` without the paused clock).
    ///
    /// ```
    /// let answer = ws_test::Builder::new("returns").run(async { 42 });
    /// assert_eq!(answer, 42);
    /// ```
    #[track_caller]
    pub fn run<T>(self, body: impl Future<Output = T>) -> T {
        harness::run(&self.options, Box::pin(body))
    }

    /// [`run`](Self::run), for a body already on the heap, as `#[ws_test]` hands it over: only a pointer travels
    /// down to the runtime, so a test with a large body future (kilobytes, in debug builds) goes no deeper on its
    /// thread's stack than under `#[tokio::test]` (BENCHMARKS.md, "Stack depth").
    ///
    /// ```
    /// let answer = ws_test::Builder::new("returns").run_boxed(Box::pin(async { 42 }));
    /// assert_eq!(answer, 42);
    /// ```
    #[track_caller]
    pub fn run_boxed<'body, T>(self, body: Pin<Box<dyn Future<Output = T> + 'body>>) -> T {
        harness::run(&self.options, body)
    }
}
