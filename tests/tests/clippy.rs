//! What `#[ws_test]` generates raises no lint, even under clippy's pedantic group: CI runs clippy with `-D warnings`
//! over every target, this file included (tokio keeps `macros_clippy.rs` for the same purpose). Each test is a shape
//! users write; the lints are denied for the whole file, so the expansion of each is checked.
#![deny(clippy::pedantic, clippy::nursery)]

use std::time::Duration;

use ws_test::ws_test;

#[ws_test]
async fn without_an_await() {
    assert_eq!(1 + 1, 2);
}

#[ws_test]
async fn with_a_semicolon_and_no_return_type() {
    #![deny(clippy::semicolon_if_nothing_returned)]
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[ws_test]
async fn returning_a_result() -> Result<(), std::num::ParseIntError> {
    let number: u8 = "7".parse()?;
    assert_eq!(number, 7);
    Ok(())
}

#[ws_test(flavor = "multi_thread", worker_threads = 2, timeout = "10s")]
async fn with_arguments() {
    tokio::task::yield_now().await;
}

#[ws_test(start_paused = false, max_blocking = "off", leaks = "allow")]
async fn in_real_time() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

#[ws_test]
async fn pausing_tokios_clock() {
    tokio::time::pause();
    tokio::time::sleep(Duration::from_secs(1)).await;
}
