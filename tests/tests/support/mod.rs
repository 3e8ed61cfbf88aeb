//! Helpers for proving failures: a test that must fail is either caught here (its panic message and the real time it
//! took), or re-run in a child process when it must end the whole process.

#![allow(dead_code)] // each test file uses its own subset

use std::panic::{self, AssertUnwindSafe};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How a deadlock, timeout, virtual-timeout or leak report says to get task dumps, in builds without them.
pub const HOW_TO_SEE_AWAITS: &str = " To see the await each task is stuck at, run with RUSTFLAGS=\"--cfg tokio_unstable\" \
    and ws-test's feature taskdump: cargo test -F ws-test/taskdump (Linux).";

/// Runs `test`, which must panic, and returns its panic message and the real time it took.
pub fn panic_of(test: impl FnOnce()) -> (String, Duration) {
    let start = Instant::now();
    let payload = match panic::catch_unwind(AssertUnwindSafe(test)) {
        Ok(()) => panic!("the test was expected to fail, but it passed"),
        Err(payload) => payload,
    };
    let message = match (payload.downcast_ref::<String>(), payload.downcast_ref::<&str>()) {
        (Some(message), _) => message.clone(),
        (None, Some(message)) => (*message).to_string(),
        (None, None) => panic!("the test panicked without a message"),
    };
    (message, start.elapsed())
}

/// The real-time figure of a failure message, e.g. `0.004s`, which no test can predict to the millisecond.
pub fn real_clock(message: &str) -> &str {
    let start = message.find(", real ").expect("the message shows real time") + ", real ".len();
    let end = start + message[start..].find(')').expect("the clocks end with a parenthesis");
    &message[start..end]
}

/// What a child process printed and how it ended.
pub struct ChildRun {
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub real_time: Duration,
}

/// Re-runs one `#[ignore]`d test of the current test binary in a child process, as `cargo nextest` runs each test
/// (`--exact NAME --nocapture`), with extra environment variables.
pub fn run_ignored_test(name: &str, environment: &[(&str, &str)]) -> ChildRun {
    run_child(
        &["--exact", name, "--ignored", "--nocapture", "--test-threads=1"],
        environment,
    )
}

/// Like [`run_ignored_test`], but with libtest's output capture on, as a plain `cargo test` runs.
pub fn run_ignored_test_captured(name: &str, environment: &[(&str, &str)]) -> ChildRun {
    run_child(&["--exact", name, "--ignored", "--test-threads=1"], environment)
}

pub fn run_child(arguments: &[&str], environment: &[(&str, &str)]) -> ChildRun {
    let executable = std::env::current_exe().expect("the test binary knows its own path");
    let mut command = Command::new(executable);
    command.args(arguments);
    command.env_remove("WS_TEST_TIMEOUT");
    for (variable, value) in environment {
        command.env(variable, value);
    }
    let start = Instant::now();
    let Output { status, stdout, stderr } = command.output().expect("the test binary can be started again");
    ChildRun {
        exit_code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        real_time: start.elapsed(),
    }
}

impl ChildRun {
    /// The child ended with `code`; otherwise what it printed is shown.
    pub fn assert_exit_code(&self, code: i32) {
        assert_eq!(
            self.exit_code,
            Some(code),
            "stdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
    }

    /// The child ran exactly one test, and it failed with the harness's ordinary test failure (exit code 101).
    pub fn assert_failed_with(&self, expected: &str) {
        self.assert_exit_code(101);
        assert!(self.stdout.contains("1 failed"), "stdout:\n{}", self.stdout);
        assert!(
            self.stderr.contains(expected),
            "expected {expected:?} in stderr:\n{}",
            self.stderr
        );
    }

    pub fn assert_passed(&self) {
        self.assert_exit_code(0);
        assert!(self.stdout.contains("1 passed"), "stdout:\n{}", self.stdout);
    }
}

/// The current test binary's `--list --format terse`: one `name: test` line per test.
pub fn listed_tests() -> String {
    let executable = std::env::current_exe().expect("the test binary knows its own path");
    let output = Command::new(executable)
        .args(["--list", "--format", "terse"])
        .output()
        .expect("the test binary lists its tests");
    String::from_utf8_lossy(&output.stdout).into_owned()
}
