//! #[ws_test] together with what users combine it with: rstest cases, test-log, tracing output captured per test.

mod support;

use std::time::Duration;

use rstest::rstest;
use support::run_ignored_test_captured;

/// rstest generates one test per case, each with #[ws_test] applied to it.
#[rstest]
#[case::one_second(1, 1)]
#[case::doubled_to_the_cap(6, 32)]
#[case::capped(9, 60)]
#[ws_test::test]
async fn backoff_schedule(#[case] attempt: u32, #[case] expected_delay: u64) {
    let start = tokio::time::Instant::now();
    let delay = Duration::from_secs((1u64 << (attempt - 1)).min(60));
    tokio::time::sleep(delay).await;
    assert_eq!(start.elapsed(), Duration::from_secs(expected_delay));
}

#[test]
fn every_rstest_case_is_a_test_of_its_own() {
    let listing = support::listed_tests();
    for case in ["case_1_one_second", "case_2_doubled_to_the_cap", "case_3_capped"] {
        let name = format!("backoff_schedule::{case}: test");
        assert!(
            listing.lines().any(|line| line == name),
            "{name:?} missing from:\n{listing}"
        );
    }
}

/// test-log sets up a tracing subscriber per test, then hands the function to #[ws_test].
#[test_log::test(ws_test::test)]
async fn test_log_wraps_ws_test() {
    tracing::info!("heartbeat sent");
    tokio::time::sleep(Duration::from_secs(30)).await;
}

#[test_log::test(ws_test::test)]
#[ignore = "run by tracing_output_is_captured_with_its_test in a child process"]
async fn logs_then_fails() {
    tokio::spawn(async { tracing::warn!(attempt = 3, "reconnecting") })
        .await
        .expect("the task logs");
    tokio::time::sleep(Duration::from_secs(7)).await;
    panic!("the subscription was never confirmed");
}

#[test]
fn tracing_output_is_captured_with_its_test() {
    // With libtest's capture on, events from the body and from spawned tasks land in this test's own captured output,
    // shown under its name next to its failure, not on the terminal.
    let child = run_ignored_test_captured("logs_then_fails", &[("RUST_LOG", "info")]);
    assert_eq!(child.exit_code, Some(101), "{}", child.stderr);
    let (_, section) = child
        .stdout
        .split_once("---- logs_then_fails stdout ----")
        .expect("a failure section");
    assert!(
        section.contains("reconnecting") && section.contains("attempt=3"),
        "{section}"
    );
    assert!(section.contains("the subscription was never confirmed"), "{section}");
    let before_section = child.stdout.split("---- logs_then_fails").next().unwrap_or_default();
    assert!(
        !before_section.contains("reconnecting"),
        "the log leaked out of the capture:\n{}",
        child.stdout
    );
}
