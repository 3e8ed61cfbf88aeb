//! A blocked event loop: the runtime's thread stuck in a blocking call for longer than `max_blocking`, without using
//! the CPU, fails the test. CPU-bound work and short blocking calls do not.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::{panic_of, run_ignored_test};
use ws_test::{Builder, MaxBlocking, ws_test};

/// Behind a helper, as real suites hide their blocking calls (and as `#[ws_test]` cannot see at compile time).
fn load_fixture_synchronously(duration: Duration) {
    std::thread::sleep(duration);
}

#[test]
fn a_two_second_sleep_behind_a_helper_fails_on_max_blocking() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::loads_a_fixture").run(async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            load_fixture_synchronously(Duration::from_secs(2));
        })
    });
    let (headline, help) = message.split_once("\nhelp: ").expect("a headline and a help line");
    assert!(
        headline.starts_with("test `suite::loads_a_fixture` failed: event loop blocked for "),
        "{headline}"
    );
    assert!(
        headline.contains("s without using the CPU (limit 250ms) (virtual 5.000s, real 2."),
        "{headline}"
    );
    assert_eq!(
        help,
        "a blocking call ran on the runtime's thread (std::thread::sleep, blocking I/O, a contended \
         std::sync::Mutex), and no task could run meanwhile. Use tokio::time::sleep(..).await or the async API, or \
         move the call into tokio::task::spawn_blocking. To allow it, add max_blocking = \"off\" (or a larger \
         limit), or set WS_TEST_MAX_BLOCKING for a whole run."
    );
    // Time spent waiting for a CPU after the sleep is not blocked time, so a loaded machine reports a little less.
    let blocked = blocked_seconds(&message);
    assert!(
        (1.8..=2.1).contains(&blocked),
        "reported {blocked}s blocked for a 2 s sleep"
    );
    assert!(
        real_time >= Duration::from_secs(2) && real_time < Duration::from_secs(10),
        "took {real_time:?}"
    );
}

#[test]
fn a_blocked_stretch_interrupts_the_body_at_its_next_wait() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::blocks_then_waits").run(async {
            load_fixture_synchronously(Duration::from_millis(600));
            // Without the guard this would wait until the deadlock or the budget.
            tokio::time::sleep(Duration::from_secs(600)).await;
            unreachable!("the blocked event loop ends the test at its next wait");
        })
    });
    assert!(
        message.starts_with("test `suite::blocks_then_waits` failed: event loop blocked for "),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

#[test]
fn a_contended_std_mutex_is_blocking() {
    let (message, _) = panic_of(|| {
        Builder::new("suite::contended_lock").run(async {
            let shared = Arc::new(Mutex::new(0u32));
            let holder = Arc::clone(&shared);
            let (locked, is_locked) = std::sync::mpsc::channel();
            let thread = std::thread::spawn(move || {
                let _guard = holder.lock().expect("not poisoned");
                locked.send(()).expect("the test waits");
                std::thread::sleep(Duration::from_millis(800));
            });
            is_locked.recv().expect("the thread took the lock");
            *shared.lock().expect("not poisoned") += 1;
            thread.join().expect("the thread ends");
        })
    });
    assert!(message.contains("failed: event loop blocked for "), "{message}");
    assert!((0.6..=0.85).contains(&blocked_seconds(&message)), "{message}");
}

#[ws_test]
#[should_panic(expected = "s without using the CPU (limit 250ms)")]
async fn the_attribute_fails_a_test_that_blocks_for_a_second() {
    load_fixture_synchronously(Duration::from_secs(1));
}

#[ws_test]
async fn three_hundred_milliseconds_of_cpu_work_are_not_blocking() {
    let start = Instant::now();
    let mut state = 0u64;
    while start.elapsed() < Duration::from_millis(300) {
        state = std::hint::black_box(state.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
}

#[ws_test]
async fn short_blocking_calls_between_waits_stay_under_the_limit() {
    for _ in 0..5 {
        load_fixture_synchronously(Duration::from_millis(100));
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[ws_test(max_blocking = "off")]
async fn max_blocking_off_allows_blocking() {
    load_fixture_synchronously(Duration::from_millis(600));
    std::thread::sleep(Duration::from_millis(10)); // allowed at compile time too
}

#[ws_test(max_blocking = "2s")]
async fn a_raised_limit_allows_a_second() {
    load_fixture_synchronously(Duration::from_secs(1));
}

#[ws_test(flavor = "multi_thread")]
async fn a_multi_thread_runtime_is_not_watched() {
    load_fixture_synchronously(Duration::from_millis(400));
}

#[test]
fn max_blocking_can_be_set_by_hand() {
    Builder::new("suite::by_hand")
        .max_blocking(MaxBlocking::Limit(Duration::from_secs(5)))
        .run(async { load_fixture_synchronously(Duration::from_millis(400)) });
}

#[ws_test]
#[ignore = "run by ws_test_max_blocking_sets_the_default in a child process"]
async fn blocks_for_half_a_second() {
    load_fixture_synchronously(Duration::from_millis(500));
}

#[test]
fn ws_test_max_blocking_sets_the_default() {
    run_ignored_test("blocks_for_half_a_second", &[]).assert_failed_with("failed: event loop blocked for ");
    run_ignored_test("blocks_for_half_a_second", &[("WS_TEST_MAX_BLOCKING", "off")]).assert_passed();
    run_ignored_test("blocks_for_half_a_second", &[("WS_TEST_MAX_BLOCKING", "1s")]).assert_passed();
    run_ignored_test("blocks_for_half_a_second", &[("WS_TEST_MAX_BLOCKING", "never")]).assert_failed_with(
        "the environment variable WS_TEST_MAX_BLOCKING=\"never\" is not valid: expected \"off\" or a limit; `never` \
         is not a duration",
    );
}

/// Parked while waiting for a thread outside tokio is the runtime waiting, not a blocking call.
#[ws_test]
async fn waiting_parked_for_a_thread_after_a_short_block_is_not_blocking() {
    load_fixture_synchronously(Duration::from_millis(100));
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        let _ = sender.send(());
    });
    receiver.await.expect("the thread replies");
}

/// A panic hook that computes (symbolising a backtrace with `RUST_BACKTRACE=1` takes half a second of CPU on a loaded
/// machine) keeps the runtime's thread busy, but it is the report of a failure, not a runtime that never idles: the
/// paused clock must not move for it. A chained hook that spins for 500 ms stands in for it, deterministically; the
/// process-wide hook is replaced, so this runs alone, in a child process.
#[test]
#[ignore = "run by time_in_the_panic_machinery_does_not_move_the_virtual_clock in a child process"]
fn panics_behind_a_hook_that_computes() {
    std::panic::set_hook(Box::new(|info| {
        let until = Instant::now() + Duration::from_millis(500);
        while Instant::now() < until {
            std::hint::spin_loop();
        }
        eprintln!("the computing hook saw: {info}");
    }));
    Builder::new("blocking::panics_computing").run(async {
        tokio::spawn(async { panic!("the task's panic") });
        tokio::task::yield_now().await;
    });
}

#[test]
fn time_in_the_panic_machinery_does_not_move_the_virtual_clock() {
    let child = run_ignored_test("panics_behind_a_hook_that_computes", &[]);
    child
        .assert_failed_with("test `blocking::panics_computing` failed: a spawned task panicked (virtual 0.000s, real ");
    assert!(child.stderr.contains("the computing hook saw: "), "{}", child.stderr);
    assert!(
        child.real_time >= Duration::from_millis(500),
        "the hook ran: {:?}",
        child.real_time
    );
}

/// The blocked time a message reports.
fn blocked_seconds(message: &str) -> f64 {
    let start = message.find("blocked for ").expect("a blocked-event-loop message") + "blocked for ".len();
    let end = start + message[start..].find('s').expect("seconds");
    message[start..end].parse().expect("a number")
}

/// Printing a panic's backtrace runs on the runtime's thread (a quarter of a second on a loaded machine with
/// `RUST_BACKTRACE=1`), and is not the test blocking its event loop. A chained hook that takes 400 ms stands in for a
/// slow backtrace, deterministically; the process-wide hook is replaced, so this runs alone, in a child process.
#[test]
#[ignore = "run by time_in_the_panic_machinery_is_not_a_blocked_event_loop in a child process"]
fn panics_behind_a_slow_hook() {
    std::panic::set_hook(Box::new(|info| {
        std::thread::sleep(Duration::from_millis(400));
        eprintln!("the slow hook saw: {info}");
    }));
    Builder::new("blocking::panics_slowly")
        .max_blocking(MaxBlocking::Limit(Duration::from_millis(100)))
        .run(async {
            tokio::spawn(async { panic!("the task's panic") });
            tokio::task::yield_now().await;
            panic!("the body's panic");
        });
}

#[test]
fn time_in_the_panic_machinery_is_not_a_blocked_event_loop() {
    let child = run_ignored_test("panics_behind_a_slow_hook", &[("RUST_BACKTRACE", "full")]);
    child.assert_failed_with("test `blocking::panics_slowly` failed in 2 ways (virtual 0.000s, real ");
    assert!(
        child.stderr.contains("1. panicked: the body's panic") && child.stderr.contains("2. a spawned task panicked"),
        "{}",
        child.stderr
    );
    assert!(!child.stderr.contains("event loop blocked"), "{}", child.stderr);
    assert!(
        child.real_time >= Duration::from_millis(800),
        "both hooks ran: {:?}",
        child.real_time
    );
}
