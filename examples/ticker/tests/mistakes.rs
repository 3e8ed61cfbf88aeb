//! One deliberate mistake per guard of ws-test, each `#[ignore]`d: `cargo test -p ticker -- --ignored` shows what
//! each failure message looks like, and `every_deliberate_mistake_fails_with_its_guards_message` proves they fail.

mod common;

use std::sync::Arc;
use std::sync::atomic::AtomicU32;
use std::time::Duration;

use common::{MemoryConnector, answering_server, next_request, send_update, start, tick};
use futures_util::StreamExt;
use ticker::client::{Client, Config};
use ticker::nonce::nonce_manager;
use ticker::protocol::{Tick, Update};
use tokio::sync::mpsc;
use ws_test::ws_test;

// Deliberate mistakes, one per guard: `cargo test -p ticker -- --ignored` shows what each failure looks like.

#[ws_test]
#[ignore = "a deliberate mistake: the nonce manager spawned with tokio::spawn, never stopped (leaked)"]
async fn mistake_spawns_the_nonce_manager_and_forgets_it() {
    let (manager, nonces) = nonce_manager();
    tokio::spawn(manager.run()); // ws_test::background("nonce-manager", ..) would stop it with the body
    // The app's request signer reads the nonce for as long as the process lives, so the manager never runs out of
    // readers: after the body it goes on refreshing every minute.
    std::mem::forget(nonces.clone());
    let (servers, mut server_inbox) = mpsc::unbounded_channel();
    let (attempts, _attempt_inbox) = mpsc::unbounded_channel();
    let connector = MemoryConnector {
        servers,
        attempts,
        refusals: Arc::new(AtomicU32::new(0)),
    };
    let (client, _events) = Client::start(connector, nonces, Config::default());
    let _server = server_inbox.recv().await;
    client.shutdown().await;
}

#[ws_test]
#[ignore = "a deliberate mistake: a subscriber task panics (spawned task panicked)"]
async fn mistake_a_subscriber_panics() {
    let mut fixture = start(0, Config::default());
    let mut server = fixture.next_server().await;
    let mut ticks = fixture.client.subscribe("btc-usd").await;
    tokio::spawn(async move {
        let first: Tick = ticks.next().await.expect("a tick");
        assert!(first.price_cents > 1_000_000, "price too low: {first:?}");
    });
    next_request(&mut server).await;
    send_update(&mut server, &Update::Tick(tick("btc-usd", 1))).await;
    ws_test::settle().await;
    fixture.client.shutdown().await;
}

#[ws_test]
#[ignore = "a deliberate mistake: waiting for a reply nobody sends (deadlock)"]
async fn mistake_waits_for_a_confirmation_nobody_sends() {
    let (_confirm, confirmation) = tokio::sync::oneshot::channel::<()>();
    let _ = confirmation.await;
}

#[ws_test]
#[ignore = "a deliberate mistake: waiting for ticks a silent server never sends while the heartbeat runs (virtual_timeout)"]
async fn mistake_waits_for_ticks_from_a_silent_server() {
    let mut fixture = start(0, Config::default());
    let mut requests = answering_server(fixture.next_server().await);
    let mut ticks = fixture.client.subscribe("btc-usd").await;
    requests.recv().await;
    let _never = ticks.next().await;
}

fn parse_fixture_slowly() -> Tick {
    std::thread::sleep(Duration::from_secs(1));
    tick("btc-usd", 1)
}

#[ws_test]
#[ignore = "a deliberate mistake: a blocking call on the event loop (event loop blocked)"]
async fn mistake_blocks_the_event_loop() {
    let tick = parse_fixture_slowly();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(tick.sequence, 1);
}

#[ws_test(start_paused = false, timeout = "2s")]
#[ignore = "a deliberate mistake: a real-time test waiting forever (timed out)"]
async fn mistake_waits_forever_in_real_time() {
    let (_subscribe, subscribed) = tokio::sync::oneshot::channel::<()>();
    let _ = subscribed.await;
}

#[test]
fn every_deliberate_mistake_fails_with_its_guards_message() {
    let executable = std::env::current_exe().expect("the test binary knows its own path");
    let output = std::process::Command::new(executable)
        .args(["--ignored", "mistake_"])
        .env_remove("WS_TEST_TIMEOUT")
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for (test, message) in [
        (
            "mistake_spawns_the_nonce_manager_and_forgets_it",
            "leaked 1 task that kept working after the body returned: timers fired 10 times in the next 10m of \
             virtual time",
        ),
        ("mistake_a_subscriber_panics", "failed: a spawned task panicked"),
        (
            "mistake_waits_for_a_confirmation_nobody_sends",
            "deadlocked: the body is waiting, no timer is pending",
        ),
        (
            "mistake_waits_for_ticks_from_a_silent_server",
            "ran past its virtual_timeout of 1h",
        ),
        ("mistake_blocks_the_event_loop", "failed: event loop blocked for "),
        (
            "mistake_waits_forever_in_real_time",
            "timed out: still running after its real-time budget of 2s",
        ),
    ] {
        assert!(
            stdout.contains(&format!("test {test} ... FAILED")),
            "{test} should fail:\n{stdout}"
        );
        assert!(
            stdout.contains(&format!("test `mistakes::{test}` {message}")),
            "{test}: {message:?} missing:\n{stdout}"
        );
    }
    assert!(stdout.contains("test result: FAILED. 0 passed; 6 failed"), "{stdout}");
}
