//! `settle()`: returns once every other task is waiting, without moving the clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use ws_test::{settle, ws_test};

#[ws_test]
async fn a_message_handler_is_observable_without_sleeping() {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<u32>(8);
    let (relay, mut relayed) = tokio::sync::mpsc::channel::<u32>(8);
    let totals = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&totals);
    // Two hops: the parser relays, the ledger records; settle() waits for both.
    let parser = tokio::spawn(async move {
        while let Some(value) = receiver.recv().await {
            relay.send(value * 10).await.expect("the ledger listens");
        }
    });
    let ledger = tokio::spawn(async move {
        while let Some(value) = relayed.recv().await {
            recorder.lock().expect("not poisoned").push(value);
        }
    });
    let start = Instant::now();
    for value in 1..=3 {
        sender.send(value).await.expect("the parser listens");
    }
    settle().await;
    assert_eq!(*totals.lock().expect("not poisoned"), [10, 20, 30]);
    assert_eq!(start.elapsed(), Duration::ZERO, "settle() must not move the clock");
    drop(sender);
    parser.await.expect("the parser ends");
    ledger.await.expect("the ledger ends");
}

#[ws_test]
async fn a_pending_timer_does_not_fire_while_settling() {
    let fired = Arc::new(Mutex::new(false));
    let flag = Arc::clone(&fired);
    let timer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        *flag.lock().expect("not poisoned") = true;
    });
    let start = Instant::now();
    settle().await;
    settle().await;
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert!(
        !*fired.lock().expect("not poisoned"),
        "the 10 s timer must not have fired"
    );
    timer.abort();
}

#[ws_test(flavor = "local")]
async fn settle_works_on_a_local_runtime() {
    let seen = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = std::rc::Rc::clone(&seen);
    tokio::task::spawn_local(async move { counter.set(1) });
    settle().await;
    assert_eq!(seen.get(), 1);
}

#[test]
#[should_panic(expected = "ws_test::settle() was called outside a #[ws_test] test")]
fn settle_outside_a_test_says_so() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a plain runtime");
    runtime.block_on(settle());
}

#[ws_test(flavor = "multi_thread")]
#[should_panic(expected = "ws_test::settle() needs a current_thread or local runtime")]
async fn settle_on_multi_thread_says_why_not() {
    settle().await;
}
