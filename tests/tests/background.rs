//! `background()`: services that live as long as the body, are no leak, and whose panics fail the test by name.

mod support;

use std::time::Duration;

use support::panic_of;
use ws_test::{Builder, background, ws_test};

fn spawn_heartbeat() -> tokio::task::JoinHandle<()> {
    background("heartbeat", async {
        let mut every_second = tokio::time::interval(Duration::from_secs(1));
        loop {
            every_second.tick().await;
        }
    })
}

#[ws_test]
async fn a_background_ticker_is_neither_a_leak_nor_a_runaway() {
    spawn_heartbeat();
    // Close to the virtual budget: after the body, the ticker must not carry the clock past it.
    tokio::time::sleep(Duration::from_secs(59 * 60)).await;
}

#[test]
fn the_same_ticker_spawned_plainly_is_a_leak() {
    let (message, _) = panic_of(|| {
        Builder::new("suite::plain_ticker").run(async {
            tokio::spawn(async {
                let mut every_second = tokio::time::interval(Duration::from_secs(1));
                loop {
                    every_second.tick().await;
                }
            });
        })
    });
    assert!(message.contains("leaked 1 task"), "{message}");
}

#[test]
fn a_background_panic_fails_the_test_naming_the_service() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::nonce_manager_dies").run(async {
            background("nonce-manager", async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                panic!("the signing key expired");
            });
            tokio::time::sleep(Duration::from_secs(120)).await;
        })
    });
    assert!(
        message
            .starts_with("test `suite::nonce_manager_dies` failed: a spawned task panicked (virtual 120.000s, real "),
        "{message}"
    );
    assert!(
        message.contains("\n   - background service `nonce-manager` at tests/tests/background.rs:")
            && message.contains(": the signing key expired\nhelp: "),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(5));
}

#[ws_test]
async fn the_handle_awaits_or_aborts_a_service_early() {
    let answer = background("lookup", async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        42
    });
    assert_eq!(answer.await.expect("the service completes"), 42);
    let heartbeat = spawn_heartbeat();
    heartbeat.abort();
    assert!(heartbeat.await.expect_err("aborted").is_cancelled());
}

#[ws_test(flavor = "multi_thread", worker_threads = 2)]
async fn background_services_end_with_the_body_on_multi_thread_too() {
    spawn_heartbeat();
    spawn_heartbeat();
    tokio::time::sleep(Duration::from_millis(50)).await;
}

#[test]
#[should_panic(expected = "ws_test::background(\"heartbeat\", ..) was called outside a #[ws_test] test")]
fn background_outside_a_test_says_so() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a plain runtime");
    runtime.block_on(async {
        spawn_heartbeat();
    });
}
