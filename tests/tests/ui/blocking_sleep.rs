use std::time::Duration;
use ws_test::ws_test;

#[ws_test]
async fn sleeps_on_the_event_loop() {
    std::thread::sleep(Duration::from_millis(10));
    tokio::spawn(async {
        std::thread::sleep(Duration::from_millis(10));
    });
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(1)) => ::std::thread::sleep(Duration::from_millis(1)),
    }
}

#[ws_test]
async fn sleeps_through_an_import() {
    use std::thread::{self, sleep};
    sleep(Duration::from_millis(10));
    thread::sleep(Duration::from_millis(10));
}

// Not errors: closures that run off the event loop, tokio's sleep, and blocking allowed explicitly.
#[ws_test]
async fn sleeps_off_the_event_loop() {
    tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(10))).await.unwrap();
    std::thread::spawn(move || std::thread::sleep(Duration::from_millis(10))).join().unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
}

#[ws_test(max_blocking = "off")]
async fn blocking_allowed() {
    std::thread::sleep(Duration::from_millis(10));
}

#[ws_test(max_blocking = "sometimes")]
async fn malformed_limit() {}

fn main() {}
