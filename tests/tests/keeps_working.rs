//! What must keep working after swapping `tokio::test` for `ws_test::test`: every spelling of the attribute, return
//! types, the other test attributes in either order, modules, and bodies that borrow, use `?`, `return` and
//! `impl Trait` values, or pause the clock themselves.

use std::fmt::Debug;
use std::time::Duration;

#[ws_test::test]
async fn spelled_ws_test_test() {
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[::ws_test::test]
async fn spelled_with_a_leading_colon() {
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[ws_test::ws_test]
async fn spelled_ws_test_ws_test() {}

mod imported_as_test {
    use std::time::Duration;
    // The import shadows the built-in #[test], as `use tokio::test;` does.
    use ws_test::test;

    #[test]
    async fn spelled_test_after_use() {
        let start = std::time::Instant::now();
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert!(start.elapsed() < Duration::from_secs(1), "the clock is paused");
    }
}

mod imported_under_another_name {
    use ws_test::test as my_test;

    #[my_test(flavor = "multi_thread", worker_threads = 2)]
    async fn spelled_as_a_renamed_import() {
        assert_eq!(tokio::runtime::Handle::current().metrics().num_workers(), 2);
    }
}

#[ws_test::test]
async fn returns_ok() -> Result<(), std::io::Error> {
    Ok(())
}

#[ws_test::test]
#[ignore = "run by an_err_fails_the_test in a child process"]
async fn returns_err() -> Result<(), String> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Err("the server refused the subscription".to_string())
}

#[test]
fn an_err_fails_the_test() {
    let child = support::run_ignored_test("returns_err", &[]);
    child.assert_failed_with("Error: \"the server refused the subscription\"");
}

#[derive(Debug)]
struct ParseError;

impl std::fmt::Display for ParseError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("parse error")
    }
}

impl std::error::Error for ParseError {}

fn parse_port(text: &str) -> Result<u16, ParseError> {
    text.parse().map_err(|_| ParseError)
}

#[ws_test::test]
async fn question_mark_converts_errors() -> Result<(), Box<dyn std::error::Error>> {
    let port = parse_port("8080")?;
    tokio::time::sleep(Duration::from_millis(u64::from(port))).await;
    assert_eq!(port, 8080);
    Ok(())
}

#[ws_test::test]
#[ignore = "run by question_mark_error_fails_the_test in a child process"]
async fn question_mark_on_an_error() -> Result<(), Box<dyn std::error::Error>> {
    parse_port("not a port")?;
    Ok(())
}

#[test]
fn question_mark_error_fails_the_test() {
    let child = support::run_ignored_test("question_mark_on_an_error", &[]);
    child.assert_failed_with("Error: ParseError");
}

#[ws_test::test]
async fn early_return_leaves_the_body() -> Result<(), String> {
    for attempt in 0..10u8 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if attempt == 3 {
            return Ok(());
        }
    }
    Err("never reached".into())
}

#[ws_test::test]
async fn early_return_in_a_unit_test() {
    if tokio::time::Instant::now().elapsed() == Duration::ZERO {
        return;
    }
    unreachable!("paused time does not move by itself");
}

fn numbers() -> impl Iterator<Item = u32> + Debug {
    vec![1, 2, 3].into_iter()
}

async fn delayed_label(label: &str) -> impl Debug + '_ {
    tokio::time::sleep(Duration::from_secs(5)).await;
    label
}

#[ws_test::test]
async fn impl_trait_values_and_borrows_across_await() {
    let owned = String::from("subscribe");
    let borrowed: &str = &owned;
    let label = delayed_label(borrowed).await;
    assert_eq!(format!("{label:?}"), "\"subscribe\"");
    assert_eq!(numbers().sum::<u32>(), 6);
    let mut buffer = Vec::new();
    let writer = &mut buffer;
    tokio::time::sleep(Duration::from_secs(1)).await;
    writer.push(1);
    assert_eq!(buffer, [1]);
}

/// A return type that names `impl Trait` cannot be spelled in the builder's turbofish; it must still work.
#[ws_test::test]
async fn returns_an_impl_termination() -> impl std::process::Termination {
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[should_panic(expected = "placed before the attribute")]
#[ws_test::test]
async fn should_panic_before_the_attribute() {
    panic!("placed before the attribute");
}

#[ws_test::test]
#[should_panic(expected = "placed after the attribute")]
async fn should_panic_after_the_attribute() {
    panic!("placed after the attribute");
}

#[ws_test::test]
#[should_panic]
async fn should_panic_without_expected() {
    panic!("any panic");
}

#[ws_test::test]
#[ignore = "proves #[ignore] passes through: libtest lists it as ignored"]
async fn ignored_test() {
    panic!("an ignored test must not run");
}

/// Doc comments pass through. The proof of the attributes is CI's `cargo clippy -- -D warnings`: were the outer
/// `allow` or the inner `#![allow(unused_variables)]` dropped by the expansion, the lint below would fail the build.
#[ws_test::test]
#[allow(clippy::bool_assert_comparison)]
#[cfg_attr(all(), doc = "and so do cfg_attr'd attributes")]
async fn doc_comments_and_attributes_pass_through() {
    #![allow(unused_variables)]
    let unused = 1;
    assert_eq!(true, true);
}

mod support;

#[cfg(test)]
mod inside_cfg_test {
    mod nested {
        use std::time::Duration;

        #[ws_test::test]
        async fn deep_in_modules() {
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }

    pub mod named {
        #[ws_test::test(timeout = "100ms", deadlock = "off")]
        #[ignore = "called by a_test_in_a_module_is_named_by_its_full_path"]
        pub async fn fails() {
            std::future::pending::<()>().await;
        }
    }
}

#[test]
fn a_test_in_a_module_is_named_by_its_full_path() {
    let (message, _) = support::panic_of(inside_cfg_test::named::fails);
    assert!(
        message.starts_with("test `keeps_working::inside_cfg_test::named::fails` timed out"),
        "{message}"
    );
}

// Pausing the clock in the body, as tokio's own time tests do.

/// Once a test pauses a running clock itself, tokio rounds timer deadlines up to its next millisecond tick, so a
/// sleep can end up to a millisecond late (tokio's own tests allow for it the same way).
fn assert_elapsed_about(start: tokio::time::Instant, expected: Duration) {
    let elapsed = start.elapsed();
    assert!(
        elapsed >= expected && elapsed <= expected + Duration::from_millis(1),
        "elapsed {elapsed:?}, expected {expected:?}"
    );
}

#[ws_test::test]
async fn body_calling_tokio_time_pause_runs_unchanged() {
    tokio::time::pause();
    let start = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_elapsed_about(start, Duration::from_secs(10));
}

#[ws_test::test]
async fn body_calling_time_pause_runs_unchanged() {
    use tokio::time;
    time::pause();
    time::advance(Duration::from_secs(3)).await;
    time::resume();
}

#[ws_test::test]
async fn body_calling_an_imported_pause_runs_unchanged() {
    use tokio::time::pause;
    pause();
}

#[ws_test::test(start_paused = true)]
#[should_panic(expected = "time is already frozen")]
async fn explicit_start_paused_true_keeps_tokio_behaviour() {
    tokio::time::pause();
}

fn pause_the_clock() {
    tokio::time::pause();
}

#[test]
fn a_pause_hidden_in_a_helper_is_explained() {
    let (message, _) = support::panic_of(hidden_pause);
    assert!(
        message
            .starts_with("test `keeps_working::hidden_pause` panicked: time is already frozen (virtual 0.000s, real "),
        "{message}"
    );
    assert!(
        message.ends_with(
            "help: tokio::time::pause() was called on a clock that #[ws_test] had already paused. A pause() call \
             written directly in the test's body makes #[ws_test] start the clock unpaused, but this one is inside a \
             helper the macro cannot see. Add `start_paused = false` to the attribute, e.g. \
             #[ws_test(start_paused = false)], or drop the pause() call: the clock is paused and auto-advancing \
             already."
        ),
        "{message}"
    );
}

#[ws_test::test]
#[ignore = "called by a_pause_hidden_in_a_helper_is_explained"]
async fn hidden_pause() {
    pause_the_clock();
}

#[ws_test::test(start_paused = false)]
async fn a_pause_in_a_helper_works_with_start_paused_false() {
    pause_the_clock();
    let start = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(100)).await;
    assert_elapsed_about(start, Duration::from_secs(100));
}

// Names: libtest lists and filters a #[ws_test] under its own name, as cargo nextest relies on.

#[ws_test::test]
#[ignore = "run by the naming tests in a child process"]
async fn an_hour_in_a_child_process() {
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

#[test]
fn exact_name_filter_runs_the_test_and_nocapture_shows_both_clocks() {
    let child = support::run_ignored_test("an_hour_in_a_child_process", &[]);
    child.assert_passed();
    assert!(
        child
            .stdout
            .contains("ws-test: `keeps_working::an_hour_in_a_child_process` passed (virtual 3600.000s, real "),
        "stdout:\n{}",
        child.stdout
    );
}

/// libtest also shows a passing test's output with `--show-output` and with `RUST_TEST_NOCAPTURE`: the line is there
/// too. Without any of them libtest drops it, and the harness does not format it.
#[test]
fn show_output_and_rust_test_nocapture_show_both_clocks_too() {
    let line = "ws-test: `keeps_working::an_hour_in_a_child_process` passed (virtual 3600.000s, real ";
    let name = "an_hour_in_a_child_process";
    let show_output = support::run_child(
        &["--exact", name, "--ignored", "--test-threads=1", "--show-output"],
        &[("RUST_TEST_NOCAPTURE", "0")],
    );
    show_output.assert_passed();
    assert!(show_output.stdout.contains(line), "stdout:\n{}", show_output.stdout);
    let by_variable = support::run_ignored_test_captured(name, &[("RUST_TEST_NOCAPTURE", "1")]);
    by_variable.assert_passed();
    assert!(by_variable.stdout.contains(line), "stdout:\n{}", by_variable.stdout);
    let captured = support::run_ignored_test_captured(name, &[("RUST_TEST_NOCAPTURE", "0")]);
    captured.assert_passed();
    assert!(!captured.stdout.contains("ws-test:"), "stdout:\n{}", captured.stdout);
}

#[test]
fn tests_are_listed_under_their_own_names() {
    let listing = support::listed_tests();
    for name in [
        "spelled_ws_test_test: test",
        "imported_as_test::spelled_test_after_use: test",
        "imported_under_another_name::spelled_as_a_renamed_import: test",
        "inside_cfg_test::nested::deep_in_modules: test",
        "an_hour_in_a_child_process: test",
    ] {
        assert!(
            listing.lines().any(|line| line == name),
            "{name:?} missing from:\n{listing}"
        );
    }
}
