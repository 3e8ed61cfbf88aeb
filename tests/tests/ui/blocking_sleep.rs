use std::time::Duration;
use ws_test::ws_test;

// Errors: a duration literal at or above the test's max_blocking (250ms unless set), on the event loop.
#[ws_test]
async fn sleeps_on_the_event_loop() {
    std::thread::sleep(Duration::from_secs(2));
    tokio::spawn(async {
        std::thread::sleep(Duration::from_millis(300));
    });
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(1)) => ::std::thread::sleep(std::time::Duration::from_millis(250)),
    }
}

#[ws_test]
async fn sleeps_through_an_import() {
    use std::thread::{self, sleep};
    sleep(Duration::from_secs_f64(0.5));
    thread::sleep(Duration::from_secs(1));
}

#[ws_test(max_blocking = "1s")]
async fn sleeps_past_its_own_limit() {
    std::thread::sleep(Duration::from_millis(300));
    std::thread::sleep(Duration::from_secs(2));
}

// Not errors: short sleeps (legal tokio code), what only the run-time guard can measure, closures that run off the
// event loop, tokio's sleep, other crates' sleeps, tokens that are only data, and blocking allowed explicitly.
mod mock {
    pub mod thread {
        pub fn sleep(_: u64) {}
    }
}

#[ws_test]
async fn sleeps_the_macro_leaves_alone() {
    std::thread::sleep(Duration::from_millis(1));
    let pause = Duration::from_secs(2);
    std::thread::sleep(pause / 1000);
    tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_secs(10))).await.unwrap();
    std::thread::spawn(move || std::thread::sleep(Duration::from_secs(10))).join().unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    mock::thread::sleep(1);
    let _ = stringify!(std::thread::sleep(Duration::from_secs(10)));
}

#[ws_test(max_blocking = "off")]
async fn blocking_allowed() {
    std::thread::sleep(Duration::from_secs(2));
}

#[ws_test(max_blocking = "sometimes")]
async fn malformed_limit() {}

fn main() {}
