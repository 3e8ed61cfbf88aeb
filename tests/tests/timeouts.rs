//! The real-time budget: a waiting test fails at its budget with a message naming it and both clocks; a test whose
//! thread is stuck in a blocking call ends the process (exit code 124) instead of hanging; `WS_TEST_TIMEOUT` sets
//! the default and an explicit argument wins.

mod support;

use std::time::Duration;

use support::{panic_of, run_ignored_test};
use ws_test::{Builder, ws_test};

#[ws_test(start_paused = false, timeout = "300ms")]
#[should_panic(expected = "timed out: still running after its real-time budget of 300ms")]
async fn a_real_time_test_waiting_forever_fails_at_its_budget() {
    std::future::pending::<()>().await;
}

// Deadlock detection would end this test first; this test is about the budget.
#[ws_test(timeout = "300ms", deadlock = "off")]
#[should_panic(expected = "test `timeouts::a_paused_test_waiting_on_a_channel_fails_at_its_budget` timed out")]
async fn a_paused_test_waiting_on_a_channel_fails_at_its_budget() {
    let (_sender, mut receiver) = tokio::sync::mpsc::channel::<u32>(1);
    receiver.recv().await;
}

#[test]
fn the_timeout_message_names_the_test_shows_both_clocks_and_says_how_to_fix() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::waits_for_a_reply")
            .deadlock(ws_test::Deadlock::Off)
            .timeout(Duration::from_millis(400))
            .run(async {
                tokio::time::sleep(Duration::from_secs(42)).await;
                std::future::pending::<()>().await
            })
    });
    let (headline, rest) = message.split_once('\n').expect("a headline, details and a help line");
    let (details, help) = rest.split_once('\n').expect("a detail and a help line");
    // Where the body waits, as far as stable tokio tells: the runtime was parked since the body's last poll.
    assert!(
        details.starts_with("   - no task had run for the last ")
            && details.ends_with("s (real): the runtime was parked, waiting to be woken"),
        "{details}"
    );
    assert!(
        headline.starts_with(
            "test `suite::waits_for_a_reply` timed out: still running after its real-time budget of 400ms \
             (virtual 42.000s, real 0."
        ),
        "{headline}"
    );
    assert_eq!(
        help.strip_suffix(support::HOW_TO_SEE_AWAITS)
            .expect("how to see where tasks wait"),
        "help: The clock is paused and jumps to the next timer whenever every task waits, so the body was not \
         waiting on a timer: look for a message nobody sends, a task that never ends, or real I/O. If the test needs \
         more real time, raise its budget with #[ws_test(timeout = \"800ms\")] or for a whole run with \
         WS_TEST_TIMEOUT=800ms."
    );
    assert!(
        real_time >= Duration::from_millis(400),
        "failed early, after {real_time:?}"
    );
    assert!(real_time < Duration::from_secs(5), "failed late, after {real_time:?}");
}

#[test]
fn a_real_time_runtime_timeout_says_so() {
    let (message, _) = panic_of(|| {
        Builder::new("suite::real_time")
            .flavor(ws_test::Flavor::MultiThread)
            .timeout(Duration::from_millis(200))
            .run(std::future::pending::<()>())
    });
    assert!(
        message.contains("This runtime runs in real time, so its sleeps and timeouts take real time too."),
        "{message}"
    );
}

#[test]
fn a_test_within_its_budget_passes_and_returns_its_value() {
    let value = Builder::new("suite::quick").timeout(Duration::from_secs(5)).run(async {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        "done"
    });
    assert_eq!(value, "done");
}

/// The body is dropped inside the runtime when the budget interrupts it, so destructors that need tokio still work.
#[test]
fn an_interrupted_body_is_dropped_inside_its_runtime() {
    struct NeedsRuntime(std::sync::Arc<std::sync::atomic::AtomicBool>);
    impl Drop for NeedsRuntime {
        fn drop(&mut self) {
            let inside = tokio::runtime::Handle::try_current().is_ok();
            self.0.store(inside, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let dropped_inside = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = NeedsRuntime(std::sync::Arc::clone(&dropped_inside));
    let _ = panic_of(move || {
        Builder::new("suite::drops")
            .deadlock(ws_test::Deadlock::Off)
            .timeout(Duration::from_millis(100))
            .run(async move {
                let _flag = flag;
                std::future::pending::<()>().await
            })
    });
    assert!(dropped_inside.load(std::sync::atomic::Ordering::SeqCst));
}

fn block_the_thread_for(duration: Duration) {
    // A helper, as real suites hide their blocking calls.
    std::thread::sleep(duration);
}

#[ws_test(timeout = "500ms")]
#[ignore = "run by a_test_stuck_in_a_blocking_call_ends_the_process_with_exit_code_124 in a child process"]
async fn stuck_in_a_blocking_call() {
    block_the_thread_for(Duration::from_secs(60));
}

#[test]
fn a_test_stuck_in_a_blocking_call_ends_the_process_with_exit_code_124() {
    let child = run_ignored_test("stuck_in_a_blocking_call", &[]);
    assert_eq!(
        child.exit_code,
        Some(ws_test::STUCK_EXIT_CODE),
        "stderr:\n{}",
        child.stderr
    );
    assert_eq!(ws_test::STUCK_EXIT_CODE, 124);
    assert!(
        child.stderr.contains(
            "test `timeouts::stuck_in_a_blocking_call` timed out: still running after its real-time budget of 500ms, \
             and its thread is stuck in a blocking call (virtual 0.000s, real 2."
        ),
        "stderr:\n{}",
        child.stderr
    );
    assert!(
        child.stderr.contains(
            "help: the test's thread did not return to the tokio scheduler within 2s of being woken: it is inside a \
             blocking call (std::thread::sleep, blocking I/O, a std::sync lock, a busy loop)."
        ),
        "stderr:\n{}",
        child.stderr
    );
    // Budget 0.5 s plus 2 s of grace; far from the 60 s the test would have slept.
    assert!(
        child.real_time >= Duration::from_millis(2500),
        "ended after {:?}",
        child.real_time
    );
    assert!(
        child.real_time < Duration::from_secs(20),
        "ended after {:?}",
        child.real_time
    );
}

#[ws_test(start_paused = false)]
#[ignore = "run by the WS_TEST_TIMEOUT tests in a child process"]
async fn waits_forever_under_the_default_budget() {
    std::future::pending::<()>().await;
}

#[test]
fn ws_test_timeout_changes_the_default_budget() {
    let child = run_ignored_test(
        "waits_forever_under_the_default_budget",
        &[("WS_TEST_TIMEOUT", "700ms")],
    );
    child.assert_failed_with(
        "test `timeouts::waits_forever_under_the_default_budget` timed out: still running after its real-time budget \
         of 700ms",
    );
    assert!(child.real_time >= Duration::from_millis(700));
    assert!(
        child.real_time < Duration::from_secs(20),
        "ended after {:?}",
        child.real_time
    );
}

#[ws_test(start_paused = false, timeout = "400ms")]
#[ignore = "run by explicit_timeout_wins_over_ws_test_timeout in a child process"]
async fn waits_forever_with_an_explicit_budget() {
    std::future::pending::<()>().await;
}

#[test]
fn explicit_timeout_wins_over_ws_test_timeout() {
    let child = run_ignored_test("waits_forever_with_an_explicit_budget", &[("WS_TEST_TIMEOUT", "1h")]);
    child.assert_failed_with("still running after its real-time budget of 400ms");
}

#[test]
fn a_malformed_ws_test_timeout_fails_the_test_naming_the_variable() {
    let child = run_ignored_test(
        "waits_forever_under_the_default_budget",
        &[("WS_TEST_TIMEOUT", "ten seconds")],
    );
    child.assert_failed_with(
        "test `timeouts::waits_forever_under_the_default_budget` cannot start: the environment variable \
         WS_TEST_TIMEOUT=\"ten seconds\" is not valid: `ten seconds` is not a duration: expected a duration such \
         as \"250ms\", \"10s\", \"2m\", \"1h\" or \"1m30s\" (units: ns, us, µs, ms, s, m, h)",
    );
}

#[test]
fn a_local_runtime_waiting_forever_fails_at_its_budget() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::local_waits")
            .deadlock(ws_test::Deadlock::Off)
            .flavor(ws_test::Flavor::Local)
            .timeout(Duration::from_millis(300))
            .run(std::future::pending::<()>())
    });
    assert!(
        message.starts_with("test `suite::local_waits` timed out: still running after its real-time budget of 300ms"),
        "{message}"
    );
    // A local runtime runs on one thread too: its idle point says it was parked.
    assert!(
        message.contains("s (real): the runtime was parked, waiting to be woken"),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(5), "failed after {real_time:?}");
}

/// tokio waits for running `spawn_blocking` jobs without limit when a runtime is dropped; the harness bounds it.
#[test]
fn a_leftover_blocking_job_does_not_hang_the_end_of_the_test() {
    let start = std::time::Instant::now();
    Builder::new("suite::leaves_a_blocking_job").run(async {
        drop(tokio::task::spawn_blocking(|| {
            std::thread::sleep(Duration::from_secs(30))
        }));
        tokio::task::yield_now().await;
    });
    let real_time = start.elapsed();
    assert!(
        real_time < Duration::from_secs(10),
        "the test took {real_time:?} to end"
    );
}
