//! Leaked tasks: a task still alive after the body returned (and every ready task ran) fails the test by default.

mod support;

use std::time::Duration;

use support::{panic_of, run_ignored_test};
use ws_test::{Builder, Flavor, Leaks, ws_test};

/// Returns the line of its `tokio::spawn`, where a leak report under `--cfg tokio_unstable` says the task came from.
fn spawn_leaked_ticker() -> u32 {
    let spawn_line = line!() + 1;
    tokio::spawn(async {
        let mut ticker = tokio::time::interval(Duration::from_secs(30));
        loop {
            ticker.tick().await;
        }
    });
    spawn_line
}

#[test]
fn a_leaked_ticker_fails_the_test_naming_the_count_and_the_fix() {
    let mut spawn_line = 0;
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::heartbeat_left_running").run(async {
            spawn_line = spawn_leaked_ticker();
            tokio::time::sleep(Duration::from_secs(90)).await;
        })
    });
    let (headline, help) = message.split_once("\nhelp: ").expect("a headline and a help line");
    assert!(
        headline.starts_with(
            "test `suite::heartbeat_left_running` leaked 1 task: still alive after the body returned \
             (virtual 90.000s, real "
        ),
        "{headline}"
    );
    #[cfg(tokio_unstable)]
    assert!(
        headline.ends_with(&format!(")\n   - spawned at tests/tests/leaks.rs:{spawn_line}:5")),
        "{headline}"
    );
    #[cfg(not(tokio_unstable))]
    assert!(
        headline.ends_with(')') && spawn_line > 0,
        "no locations without tokio_unstable: {headline}"
    );
    let expected_help = "every task a test spawns must end before the test does, or it is dropped silently at \
        shutdown, unfinished. Await its JoinHandle, or stop it (JoinHandle::abort, a JoinSet, a shutdown message). \
        Start a service that should live as long as the test with ws_test::background(\"name\", ..) instead of \
        tokio::spawn. To let this test leak, add leaks = \"allow\" (or \"warn\"); for a whole run, \
        WS_TEST_LEAKS=warn.";
    #[cfg(not(tokio_unstable))]
    assert_eq!(
        help,
        format!(
            "{expected_help} To see where each leaked task was spawned, run with \
             RUSTFLAGS=\"--cfg tokio_unstable\".{}",
            support::HOW_TO_SEE_AWAITS
        )
    );
    #[cfg(tokio_unstable)]
    assert_eq!(help, format!("{expected_help}{}", support::HOW_TO_SEE_AWAITS));
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

#[ws_test]
#[should_panic(expected = "leaked 2 tasks: still alive after the body returned")]
async fn the_attribute_fails_a_test_that_leaks_two_readers() {
    // Each reader waits for a notification that never comes (dropping a channel's sender would end them instead).
    let shutdown = std::sync::Arc::new(tokio::sync::Notify::new());
    for _ in 0..2 {
        let shutdown = std::sync::Arc::clone(&shutdown);
        tokio::spawn(async move { shutdown.notified().await });
    }
    tokio::task::yield_now().await;
}

#[test]
fn a_task_that_keeps_waking_itself_is_reported_as_leaked_at_once() {
    // It never lets the runtime go idle: the leak check must not wait for an idle point that never comes (found by
    // tokio's coop_budget test, which hung until the real-time budget before this was bounded).
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::spinning_background_task").run(async {
            tokio::spawn(async {
                loop {
                    tokio::task::yield_now().await;
                }
            });
            tokio::task::yield_now().await;
        })
    });
    assert!(
        message.starts_with(
            "test `suite::spinning_background_task` leaked 1 task: still alive after the body returned (virtual \
             0.000s, real "
        ),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

#[ws_test(flavor = "local")]
#[should_panic(expected = "leaked 1 task")]
async fn a_leaked_local_task_counts_too() {
    tokio::task::spawn_local(std::future::pending::<()>());
}

#[ws_test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "leaked 1 task")]
async fn a_leak_on_a_multi_thread_runtime_is_found() {
    tokio::spawn(std::future::pending::<()>());
}

#[ws_test]
async fn a_task_that_finishes_on_its_own_is_not_a_leak() {
    // Spawned and never joined: it is ready when the body returns, and runs to its end before the check.
    tokio::spawn(async {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        tokio::spawn(async move { sender.send(1).expect("the receiver waits") });
        receiver.await.expect("the sender sends")
    });
}

#[ws_test]
async fn an_aborted_task_is_not_a_leak() {
    let ticker = tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    tokio::time::sleep(Duration::from_secs(10)).await;
    ticker.abort();
}

#[ws_test]
async fn a_chain_of_tasks_waking_each_other_settles() {
    let (first, mut second) = tokio::sync::mpsc::channel::<u32>(1);
    let (relay, mut third) = tokio::sync::mpsc::channel::<u32>(1);
    tokio::spawn(async move {
        while let Some(value) = second.recv().await {
            let _ = relay.send(value + 1).await;
        }
    });
    tokio::spawn(async move { while third.recv().await.is_some() {} });
    first.send(1).await.expect("the relay listens");
    // Dropping the first sender ends the relay, which drops the second sender, which ends the last task.
}

#[ws_test(flavor = "multi_thread", worker_threads = 2)]
async fn joined_tasks_on_a_multi_thread_runtime_are_never_a_leak() {
    for _ in 0..50 {
        let tasks: Vec<_> = (0..20).map(|index| tokio::spawn(async move { index * 2 })).collect();
        for task in tasks {
            task.await.expect("no task panics");
        }
    }
}

#[test]
fn joined_multi_thread_tasks_never_fail_across_many_runs() {
    for run in 0..50 {
        Builder::new(format!("suite::joined_{run}"))
            .flavor(Flavor::MultiThread)
            .worker_threads(2)
            .run(async {
                let task = tokio::spawn(async { tokio::task::yield_now().await });
                task.await.expect("no task panics");
            });
    }
}

#[ws_test(leaks = "allow")]
async fn leaks_allow_lets_a_task_outlive_the_body() {
    spawn_leaked_ticker();
}

#[test]
fn a_body_panic_and_a_leak_are_reported_together() {
    let (message, _) = panic_of(|| {
        Builder::new("suite::assert_and_leak").run(async {
            spawn_leaked_ticker();
            assert_eq!(1 + 1, 3, "the arithmetic");
        })
    });
    assert!(
        message.starts_with("test `suite::assert_and_leak` failed in 2 ways"),
        "{message}"
    );
    assert!(
        message.contains("1. panicked: assertion `left == right` failed: the arithmetic"),
        "{message}"
    );
    assert!(
        message.contains("2. leaked 1 task: still alive after the body returned"),
        "{message}"
    );
}

#[ws_test(leaks = "warn")]
#[ignore = "run by leaks_warn_reports_on_stderr_and_passes in a child process"]
async fn leaks_with_warn() {
    spawn_leaked_ticker();
}

#[test]
fn leaks_warn_reports_on_stderr_and_passes() {
    let child = run_ignored_test("leaks_with_warn", &[]);
    child.assert_passed();
    assert!(
        child
            .stderr
            .contains("warning: test `leaks::leaks_with_warn` leaked 1 task: still alive after the body returned"),
        "stderr:\n{}",
        child.stderr
    );
}

#[ws_test]
#[ignore = "run by the WS_TEST_LEAKS tests in a child process"]
async fn leaks_under_the_default_policy() {
    spawn_leaked_ticker();
}

#[test]
fn ws_test_leaks_sets_the_default_policy() {
    run_ignored_test("leaks_under_the_default_policy", &[]).assert_failed_with("leaked 1 task");
    run_ignored_test("leaks_under_the_default_policy", &[("WS_TEST_LEAKS", "allow")]).assert_passed();
    let warned = run_ignored_test("leaks_under_the_default_policy", &[("WS_TEST_LEAKS", "warn")]);
    warned.assert_passed();
    assert!(
        warned
            .stderr
            .contains("warning: test `leaks::leaks_under_the_default_policy` leaked 1 task")
    );
    run_ignored_test("leaks_under_the_default_policy", &[("WS_TEST_LEAKS", "sometimes")]).assert_failed_with(
        "test `leaks::leaks_under_the_default_policy` cannot start: the environment variable \
         WS_TEST_LEAKS=\"sometimes\" is not valid: No such leak policy `sometimes`. The leak policies are `deny` \
         (the default), `warn` and `allow`.",
    );
}

#[test]
fn an_explicit_policy_wins_over_ws_test_leaks() {
    let (message, _) = panic_of(|| {
        // The variable is not set in this process; the builder's explicit policy is what applies either way.
        Builder::new("suite::explicit").leaks(Leaks::Deny).run(async {
            spawn_leaked_ticker();
        })
    });
    assert!(message.contains("leaked 1 task"), "{message}");
}
