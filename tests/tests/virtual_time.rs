//! Runaway virtual time: a test whose paused clock passes its `virtual_timeout` fails at once, with the number of
//! tasks alive, instead of spinning until the real-time budget.

mod support;

use std::time::Duration;

use support::{panic_of, run_ignored_test};
use ws_test::{Builder, ws_test};

/// A heartbeat nobody stops, while the body waits for a reply that never comes.
async fn wait_for_a_reply_while_a_ticker_runs() {
    tokio::spawn(async {
        let mut heartbeat = tokio::time::interval(Duration::from_secs(30));
        loop {
            heartbeat.tick().await;
        }
    });
    let (_never_replies, reply) = tokio::sync::oneshot::channel::<()>();
    let _ = reply.await;
}

#[test]
fn a_leaked_ticker_fails_on_virtual_timeout_in_well_under_a_second() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::ticks_forever")
            .timeout(Duration::from_secs(30))
            .run(wait_for_a_reply_while_a_ticker_runs())
    });
    let (headline, help) = message.split_once("\nhelp: ").expect("a headline and a help line");
    assert!(
        headline.starts_with(
            "test `suite::ticks_forever` ran past its virtual_timeout of 1h: the virtual clock kept advancing with \
             1 task alive (virtual 36"
        ),
        "{headline}"
    );
    assert_eq!(
        help.strip_suffix(support::HOW_TO_SEE_AWAITS)
            .expect("how to see where tasks wait"),
        "something keeps scheduling timers (an interval nobody stops, a retry loop that never gives up) while the \
         body waits for something that does not come. Stop that task or find what the body waits for. If the test \
         really covers more protocol time, raise the budget with #[ws_test(virtual_timeout = \"2h\")] or for a \
         whole run with WS_TEST_VIRTUAL_TIMEOUT=2h."
    );
    // The first clock jump past the hour: at most one tick (30 s) later; tokio's timer wheel may stop at a slot
    // boundary before the tick itself.
    let reached = virtual_seconds(&message);
    assert!(reached > 3600.0 && reached <= 3630.0, "stopped at virtual {reached}s");
    // The body's own real time, as the message shows it: the guard stopped it within milliseconds. The wall time
    // around the run also covers printing the panic (a backtrace under RUST_BACKTRACE), so its bound is generous; it
    // still shows that the 30 s budget did not end the test.
    let body_real: f64 = support::real_clock(&message)
        .trim_end_matches('s')
        .parse()
        .expect("a number of seconds");
    assert!(body_real < 1.0, "the body ran for {body_real}s of real time");
    assert!(real_time < Duration::from_secs(10), "took {real_time:?}");
}

/// The virtual time a failure message shows.
fn virtual_seconds(message: &str) -> f64 {
    let start = message.find("(virtual ").expect("the message shows virtual time") + "(virtual ".len();
    let end = start + message[start..].find("s, real").expect("seconds, then real time");
    message[start..end].parse().expect("a number of seconds")
}

#[test]
fn ten_hours_of_ticking_stop_at_the_budget_not_at_ten_hours() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::ten_hours")
            .virtual_timeout(Duration::from_secs(10 * 3600))
            .run(wait_for_a_reply_while_a_ticker_runs())
    });
    assert!(
        message.starts_with("test `suite::ten_hours` ran past its virtual_timeout of 10h: the virtual clock kept"),
        "{message}"
    );
    let reached = virtual_seconds(&message);
    assert!(reached > 36000.0 && reached <= 36030.0, "stopped at virtual {reached}s");
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

#[ws_test(virtual_timeout = "10m")]
#[should_panic(expected = "ran past its virtual_timeout of 10m")]
async fn one_long_sleep_past_the_budget_fails_too() {
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

#[ws_test]
async fn exactly_the_budget_fits() {
    let mut heartbeat = tokio::time::interval(Duration::from_secs(60));
    for _ in 0..=60 {
        heartbeat.tick().await;
    }
    tokio::time::sleep(Duration::ZERO).await;
}

#[ws_test(virtual_timeout = "25h")]
async fn a_raised_budget_lets_a_day_of_protocol_time_pass() {
    let start = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(24 * 3600));
}

#[ws_test(start_paused = false, timeout = "5s")]
async fn a_real_time_test_is_not_subject_to_virtual_timeout() {
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[ws_test]
#[ignore = "run by ws_test_virtual_timeout_sets_the_default in a child process"]
async fn two_virtual_hours() {
    tokio::time::sleep(Duration::from_secs(2 * 3600)).await;
}

#[test]
fn ws_test_virtual_timeout_sets_the_default() {
    run_ignored_test("two_virtual_hours", &[]).assert_failed_with("ran past its virtual_timeout of 1h");
    run_ignored_test("two_virtual_hours", &[("WS_TEST_VIRTUAL_TIMEOUT", "3h")]).assert_passed();
    run_ignored_test("two_virtual_hours", &[("WS_TEST_VIRTUAL_TIMEOUT", "30m")])
        .assert_failed_with("ran past its virtual_timeout of 30m");
}

/// tokio's own `time_timeout::timeout_is_not_exhausted_by_future`: a future that is always ready never lets the
/// runtime idle, so the paused clock would never reach the timeout; once the runtime has computed without a break for a
/// while, the clock moves with the CPU time it spends, as real time would.
#[ws_test]
async fn a_runtime_that_never_idles_still_reaches_its_timeouts() {
    let real = std::time::Instant::now();
    let fut = tokio::time::timeout(Duration::from_millis(1), async {
        let mut buffer = [0u8; 1];
        loop {
            use tokio::io::AsyncReadExt;
            let _ = tokio::io::empty().read(&mut buffer).await;
        }
    });
    assert!(fut.await.is_err());
    assert!(
        real.elapsed() < Duration::from_secs(10),
        "the timeout fired after {:?} of real time",
        real.elapsed()
    );
}

/// Computing between two waits, as tests do, leaves the virtual clock exactly where the timers put it.
#[ws_test]
async fn a_short_computation_keeps_virtual_times_exact() {
    let start = tokio::time::Instant::now();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let computing = std::time::Instant::now();
        let mut spin = 0u64;
        while computing.elapsed() < Duration::from_millis(30) {
            spin = std::hint::black_box(spin.wrapping_add(1));
        }
    }
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}
