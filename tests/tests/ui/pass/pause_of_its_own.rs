use std::time::Duration;

// Only tokio's `pause()` makes the test start in real time. A body with a `pause` of its own keeps the paused clock,
// so an hour of sleep takes no real time.
#[ws_test::test]
async fn defines_its_own_pause() {
    fn pause() {}
    let real = std::time::Instant::now();
    pause();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(real.elapsed() < Duration::from_secs(5));
}

#[ws_test::test]
async fn binds_its_own_pause() {
    let pause = || ();
    let real = std::time::Instant::now();
    pause();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(real.elapsed() < Duration::from_secs(5));
}

// tokio's own pause, called in the body: the test starts in real time, so that pausing works.
#[ws_test::test]
async fn pauses_tokios_clock() {
    tokio::time::pause();
    let (start, real) = (tokio::time::Instant::now(), std::time::Instant::now());
    tokio::time::sleep(Duration::from_secs(3600)).await;
    // Paused at an arbitrary real instant, the deadline rounds up to tokio's next millisecond.
    assert!(start.elapsed() >= Duration::from_secs(3600) && start.elapsed() < Duration::from_millis(3_600_002));
    assert!(real.elapsed() < Duration::from_secs(5));
}

fn main() {
    defines_its_own_pause();
    binds_its_own_pause();
    pauses_tokios_clock();
}
