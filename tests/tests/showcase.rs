//! What `#[ws_test]` is for, in five tests: hours of WebSocket protocol time (heartbeats, reconnect back-off, nonce
//! refresh) in milliseconds of real time. Run with `cargo test -p ws-test-tests --test showcase -- --nocapture` to see
//! each test's virtual and real time.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, interval, sleep, timeout};
use ws_test::ws_test;

/// A heartbeat every 30 s for an hour: 120 pings.
#[ws_test]
async fn heartbeat_for_an_hour() {
    let start = Instant::now();
    let mut heartbeat = interval(Duration::from_secs(30));
    heartbeat.tick().await;
    let mut pings = 0;
    while start.elapsed() < Duration::from_secs(3600) {
        heartbeat.tick().await;
        pings += 1;
    }
    assert_eq!(pings, 120);
}

/// Reconnect back-off: 1 s doubling to a 60 s cap, ten attempts.
#[ws_test]
async fn reconnect_backoff_reaches_its_cap() {
    let start = Instant::now();
    let mut delay = Duration::from_secs(1);
    let mut schedule = Vec::new();
    for _ in 0..10 {
        sleep(delay).await;
        schedule.push(start.elapsed().as_secs());
        delay = (delay * 2).min(Duration::from_secs(60));
    }
    assert_eq!(schedule, [1, 3, 7, 15, 31, 63, 123, 183, 243, 303]);
}

/// A dead connection: no pong within 10 s of a ping.
#[ws_test]
async fn missing_pong_is_detected_after_ten_seconds() {
    let (_pong_sender, mut pongs) = mpsc::channel::<()>(1);
    let start = Instant::now();
    let pong = timeout(Duration::from_secs(10), pongs.recv()).await;
    assert!(pong.is_err(), "no pong arrives");
    assert_eq!(start.elapsed(), Duration::from_secs(10));
}

/// A nonce refreshed every 60 s by a background task, used by requests, for a day: more than the default virtual
/// budget of an hour, so the test says how much it covers.
#[ws_test(virtual_timeout = "25h")]
async fn nonce_refresh_over_a_day() {
    let (nonces, mut latest) = tokio::sync::watch::channel(0u64);
    let refresher = tokio::spawn(async move {
        let mut every_minute = interval(Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            nonces.send_modify(|nonce| *nonce += 1);
        }
    });
    // Half a period past the day, so no refresh falls on the same instant as the read.
    sleep(Duration::from_secs(24 * 3600 + 30)).await;
    assert_eq!(
        *latest.borrow_and_update(),
        24 * 60 + 1,
        "one refresh at start, then one a minute"
    );
    refresher.abort();
}

/// Market ticks every second for ten minutes through a channel, read until the stream ends.
#[ws_test]
async fn ten_minutes_of_ticks() {
    let (ticks, mut received) = mpsc::channel(16);
    tokio::spawn(async move {
        for price in 0..600u32 {
            sleep(Duration::from_secs(1)).await;
            if ticks.send(price).await.is_err() {
                return;
            }
        }
    });
    let mut count = 0;
    while received.recv().await.is_some() {
        count += 1;
    }
    assert_eq!(count, 600);
}
