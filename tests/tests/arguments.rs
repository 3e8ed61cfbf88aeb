//! Every argument of the attribute does what it says: tokio's with tokio's meaning, and the defaults that differ.

mod support;

use std::time::Duration;

use tokio::runtime::{Handle, RuntimeFlavor};
use ws_test::ws_test;

#[ws_test]
async fn an_hour_of_virtual_time_takes_well_under_a_second() {
    let real_start = std::time::Instant::now();
    let virtual_start = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(virtual_start.elapsed(), Duration::from_secs(3600));
    let real = real_start.elapsed();
    assert!(
        real < Duration::from_secs(1),
        "an hour of virtual time took {real:?} of real time"
    );
    println!("virtual 3600.000s, real {:.3}s", real.as_secs_f64());
}

#[ws_test]
async fn default_is_a_fresh_current_thread_runtime() {
    assert_eq!(Handle::current().runtime_flavor(), RuntimeFlavor::CurrentThread);
    // Fresh: nothing else runs on it.
    assert_eq!(Handle::current().metrics().num_alive_tasks(), 0);
}

#[ws_test]
async fn every_test_gets_its_own_runtime_and_clock_part_one() {
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(Handle::current().metrics().num_alive_tasks(), 0);
}

#[ws_test]
async fn every_test_gets_its_own_runtime_and_clock_part_two() {
    let sleeper = tokio::spawn(tokio::time::sleep(Duration::from_secs(100)));
    assert_eq!(Handle::current().metrics().num_alive_tasks(), 1);
    sleeper.abort();
}

#[ws_test(start_paused = false)]
async fn start_paused_false_really_waits() {
    let start = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        start.elapsed() >= Duration::from_millis(100),
        "slept only {:?}",
        start.elapsed()
    );
}

#[ws_test(start_paused = true)]
async fn start_paused_true_is_the_default_made_explicit() {
    let start = std::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[ws_test(flavor = "multi_thread", worker_threads = 3)]
async fn multi_thread_runs_on_its_workers_in_real_time() {
    let handle = Handle::current();
    assert_eq!(handle.runtime_flavor(), RuntimeFlavor::MultiThread);
    assert_eq!(handle.metrics().num_workers(), 3);
    let start = std::time::Instant::now();
    tokio::spawn(tokio::time::sleep(Duration::from_millis(50)))
        .await
        .expect("the sleep task completes");
    assert!(
        start.elapsed() >= Duration::from_millis(50),
        "multi_thread must run in real time"
    );
}

#[ws_test(flavor = "multi_thread")]
async fn multi_thread_without_worker_threads_uses_tokio_default() {
    assert!(Handle::current().metrics().num_workers() >= 1);
}

#[ws_test(flavor = "current_thread")]
async fn current_thread_flavor_is_paused_by_default() {
    let start = std::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[ws_test(flavor = "local")]
async fn local_flavor_runs_spawn_local_without_a_local_set() {
    let not_send = std::rc::Rc::new(5);
    let shared = std::rc::Rc::clone(&not_send);
    let doubled = tokio::task::spawn_local(async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        *shared * 2
    });
    assert_eq!(doubled.await.expect("the local task completes"), 10);
    // tokio reports a LocalRuntime as current_thread; spawn_local working without a LocalSet is what proves it local.
    assert_eq!(Handle::current().runtime_flavor(), RuntimeFlavor::CurrentThread);
}

#[ws_test(name = "ticker-runtime")]
async fn name_sets_the_runtime_name() {
    assert_eq!(Handle::current().name(), Some("ticker-runtime"));
}

#[ws_test(crate = "ws_test_tests::reexported::ws_test")]
async fn crate_path_reaches_ws_test_through_a_reexport() {
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[ws_test(timeout = "5s")]
async fn timeout_is_a_real_time_budget_not_a_virtual_one() {
    // Ten virtual minutes fit easily in five real seconds.
    tokio::time::sleep(Duration::from_secs(600)).await;
}

#[ws_test(unhandled_panic = "ignore")]
async fn unhandled_panic_ignore_lets_the_join_handle_observe_the_panic() {
    let task = tokio::spawn(async { panic!("observed through the JoinHandle") });
    let error = task.await.expect_err("the task panicked");
    assert!(error.is_panic());
    let blocking = tokio::task::spawn_blocking(|| panic!("blocking job panic, observed"));
    assert!(blocking.await.expect_err("the job panicked").is_panic());
}

#[ws_test(unhandled_panic = "shutdown_runtime")]
#[should_panic(expected = ": the reader task lost its connection\nhelp: with unhandled_panic = \"shutdown_runtime\"")]
async fn unhandled_panic_shutdown_runtime_fails_at_the_first_task_panic() {
    tokio::spawn(async { panic!("the reader task lost its connection") });
    // Without the option this would wait until the real-time budget.
    std::future::pending::<()>().await;
}

#[ws_test(unhandled_panic = "shutdown_runtime")]
#[should_panic(expected = ": the blocking job failed\nhelp: with unhandled_panic = \"shutdown_runtime\"")]
async fn unhandled_panic_shutdown_runtime_covers_spawn_blocking_jobs() {
    let _job = tokio::task::spawn_blocking(|| panic!("the blocking job failed"));
    std::future::pending::<()>().await;
}

#[ws_test(unhandled_panic = "shutdown_runtime", flavor = "local")]
async fn unhandled_panic_shutdown_runtime_passes_when_no_task_panics() {
    let task = tokio::spawn(async { 7 });
    assert_eq!(task.await.expect("the task completes"), 7);
}

#[ws_test(
    flavor = "current_thread",
    start_paused = true,
    unhandled_panic = "ignore",
    name = "all-at-once",
    timeout = "1m30s",
    crate = "::ws_test"
)]
async fn all_current_thread_arguments_together() {
    assert_eq!(Handle::current().name(), Some("all-at-once"));
    tokio::time::sleep(Duration::from_secs(90)).await;
}

/// Argument names are matched case-insensitively, as tokio does.
#[ws_test(FLAVOR = "multi_thread", Worker_Threads = 2)]
async fn argument_names_ignore_case_like_tokio() {
    assert_eq!(Handle::current().metrics().num_workers(), 2);
}

/// A builder called by hand says what the attribute says at compile time: a setting that needs the paused clock does
/// nothing in real time, so the test refuses to start rather than run unguarded.
#[test]
#[should_panic(
    expected = "test `suite::real_time_with_a_virtual_budget` cannot start: virtual_timeout needs the \
                           paused clock, and with start_paused(false) the test runs in real time: use timeout for its \
                           real-time budget"
)]
fn the_builder_refuses_a_virtual_budget_in_real_time() {
    ws_test::Builder::new("suite::real_time_with_a_virtual_budget")
        .start_paused(false)
        .virtual_timeout(Duration::from_secs(60))
        .run(async {});
}

#[test]
#[should_panic(
    expected = "test `suite::multi_thread_deadlock_detection` cannot start: deadlock(Deadlock::Deny) \
                           needs the paused clock, and with flavor(MultiThread) the test runs in real time"
)]
fn the_builder_refuses_deadlock_detection_on_multi_thread() {
    ws_test::Builder::new("suite::multi_thread_deadlock_detection")
        .flavor(ws_test::Flavor::MultiThread)
        .deadlock(ws_test::Deadlock::Deny)
        .run(async {});
}

/// `Duration::MAX` is how a hand-written harness says "no budget": no deadline overflows.
#[test]
fn the_longest_budgets_mean_no_budget() {
    let slept = ws_test::Builder::new("suite::no_budget")
        .timeout(Duration::MAX)
        .virtual_timeout(Duration::MAX)
        .run(async {
            let start = tokio::time::Instant::now();
            tokio::time::sleep(Duration::from_secs(48 * 3600)).await;
            start.elapsed()
        });
    assert_eq!(slept, Duration::from_secs(48 * 3600));
}

#[test]
#[ignore = "run by a_refused_setting_points_at_the_test_not_the_library in a child process"]
fn refused_settings() {
    ws_test::Builder::new("suite::refused").worker_threads(0).run(async {});
}

#[test]
fn a_refused_setting_points_at_the_test_not_the_library() {
    let child = support::run_ignored_test("refused_settings", &[]);
    child.assert_failed_with("test `suite::refused` cannot start: worker_threads requires the multi_thread flavor");
    let line = line!() - 7;
    assert!(
        child
            .stderr
            .contains(&format!("panicked at tests/tests/arguments.rs:{line}:")),
        "the panic's location is the builder's call:\n{}",
        child.stderr
    );
}
