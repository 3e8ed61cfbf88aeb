//! Deadlocks: with the paused clock, every task waiting, no timer pending and nothing arriving fails the test in about
//! half a second of real time, instead of at its real-time budget. Blocking jobs and real I/O are waited for.

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::{panic_of, run_ignored_test};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use ws_test::{Builder, Deadlock, ws_test};

#[test]
fn a_body_waiting_on_its_own_channel_fails_in_half_a_second() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::waits_for_itself").run(async {
            let (sender, mut receiver) = tokio::sync::mpsc::channel::<u32>(1);
            tokio::time::sleep(Duration::from_secs(12)).await;
            receiver.recv().await;
            drop(sender);
        })
    });
    let (headline, help) = message.split_once("\nhelp: ").expect("a headline and a help line");
    assert!(
        headline.starts_with(
            "test `suite::waits_for_itself` deadlocked: the body is waiting, no timer is pending, and nothing \
             arrived for 500ms (virtual 12.000s, real 0."
        ),
        "{headline}"
    );
    assert!(
        headline.contains("\n   - no task had run for the last ")
            && headline.ends_with("s (real): the runtime was parked, waiting to be woken"),
        "{headline}"
    );
    assert_eq!(
        help.strip_suffix(support::HOW_TO_SEE_AWAITS)
            .expect("how to see where tasks wait"),
        "each waits for something only another waiting task could do (a message from a sender that is alive but \
         never sends, a lock, a Notify, a handler that never answers), so nothing will ever happen. Look at what the \
         body awaits and who should wake it. If it waits for real I/O or a thread outside tokio that needs more than \
         500ms, use start_paused = false, or deadlock = \"off\" for this test (WS_TEST_DEADLOCK=off for a whole run)."
    );
    assert!(real_time >= Duration::from_millis(500), "too early: {real_time:?}");
    // Long before the 60 s budget; the speed itself (about 0.58 s) is measured in BENCHMARKS.md, not here, where a
    // loaded machine once made it 1.76 s.
    assert!(
        real_time < Duration::from_secs(5),
        "fired long after the 500ms grace: {real_time:?}"
    );
}

#[test]
fn tasks_waiting_for_each_other_are_counted() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::lock_order").run(async {
            let first = Arc::new(tokio::sync::Mutex::new(()));
            let second = Arc::new(tokio::sync::Mutex::new(()));
            let (a, b) = (Arc::clone(&first), Arc::clone(&second));
            let one = tokio::spawn(async move {
                let _held = a.lock().await;
                tokio::time::sleep(Duration::from_secs(1)).await;
                let _also = b.lock().await;
            });
            let (a, b) = (Arc::clone(&first), Arc::clone(&second));
            let two = tokio::spawn(async move {
                let _held = b.lock().await;
                tokio::time::sleep(Duration::from_secs(1)).await;
                let _also = a.lock().await;
            });
            let _ = tokio::join!(one, two);
        })
    });
    assert!(
        message.starts_with(
            "test `suite::lock_order` deadlocked: the body and 2 tasks are all waiting, no timer is pending, and \
             nothing arrived for 500ms (virtual 1.000s, real "
        ),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

#[ws_test(timeout = "30s")]
#[should_panic(expected = "deadlocked: the body and 1 task are all waiting, no timer is pending")]
async fn the_attribute_fails_a_deadlock_long_before_its_budget() {
    let (_reply_sender, reply) = tokio::sync::oneshot::channel::<()>();
    let (_request_sender, mut requests) = tokio::sync::mpsc::channel::<u32>(1);
    tokio::spawn(async move { requests.recv().await });
    let _ = reply.await;
}

#[ws_test(flavor = "local")]
#[should_panic(expected = "deadlocked: the body is waiting")]
async fn a_local_runtime_deadlock_is_found() {
    tokio::sync::Notify::new().notified().await;
}

#[ws_test]
async fn a_three_second_blocking_job_is_not_a_deadlock() {
    let start = std::time::Instant::now();
    let result = tokio::task::spawn_blocking(|| {
        std::thread::sleep(Duration::from_secs(3));
        7
    })
    .await;
    assert_eq!(result.expect("the job completes"), 7);
    assert!(start.elapsed() >= Duration::from_secs(3));
}

/// A blocking-pool thread counts as a running job until it ends, and no longer: a deadlock after the job has finished
/// is still found (well within the budget, which would end it as a timeout instead).
#[ws_test(timeout = "10s")]
#[should_panic(expected = "deadlocked: the body is waiting")]
async fn a_deadlock_after_a_finished_blocking_job_is_found() {
    tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(50)))
        .await
        .expect("the job");
    tokio::sync::Notify::new().notified().await;
}

#[ws_test]
async fn a_blocking_job_with_a_timer_pending_is_not_a_deadlock() {
    // While the job runs, tokio holds the paused clock back, so the timer does not fire first.
    let job = tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_secs(1)));
    tokio::select! {
        _ = job => {}
        _ = tokio::time::sleep(Duration::from_secs(3600)) => panic!("the clock jumped while a blocking job ran"),
    }
}

#[ws_test]
async fn real_io_arriving_within_the_grace_is_not_a_deadlock() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    // A client outside tokio that connects after 200 ms of real time.
    let client = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        let mut stream = std::net::TcpStream::connect(address)?;
        std::io::Write::write_all(&mut stream, b"ping")
    });
    let (mut socket, _) = listener.accept().await?;
    let mut greeting = [0u8; 4];
    socket.read_exact(&mut greeting).await?;
    assert_eq!(&greeting, b"ping");
    socket.shutdown().await?;
    client.join().expect("the client thread ends")?;
    Ok(())
}

fn reply_from_a_thread_after(delay: Duration) -> tokio::sync::oneshot::Receiver<()> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        let _ = sender.send(());
    });
    receiver
}

#[ws_test(deadlock = "off")]
async fn deadlock_off_waits_for_a_slow_thread() {
    reply_from_a_thread_after(Duration::from_millis(800))
        .await
        .expect("the thread replies");
}

#[ws_test(start_paused = false)]
async fn a_real_time_runtime_is_not_subject_to_deadlock_detection() {
    reply_from_a_thread_after(Duration::from_millis(800))
        .await
        .expect("the thread replies");
}

#[test]
fn deadlock_detection_is_per_test_runtime() {
    // A deadlocked test and a busy one side by side: only the deadlocked one fails.
    let deadlocked = std::thread::spawn(|| {
        std::panic::catch_unwind(|| {
            Builder::new("parallel::deadlocked").run(tokio::sync::Notify::new().notified());
        })
    });
    let busy = std::thread::spawn(|| {
        Builder::new("parallel::busy").deadlock(Deadlock::Deny).run(async {
            reply_from_a_thread_after(Duration::from_millis(100))
                .await
                .expect("the thread replies");
        });
    });
    let payload = deadlocked
        .join()
        .expect("no crash")
        .expect_err("the deadlocked test fails");
    let message = payload.downcast_ref::<String>().expect("a String message");
    assert!(
        message.starts_with("test `parallel::deadlocked` deadlocked"),
        "{message}"
    );
    busy.join().expect("the busy test passes");
}

#[ws_test(timeout = "1s")]
#[ignore = "run by ws_test_deadlock_off_leaves_only_the_budget in a child process"]
async fn deadlocks_under_the_default_setting() {
    tokio::sync::Notify::new().notified().await;
}

#[test]
fn ws_test_deadlock_off_leaves_only_the_budget() {
    run_ignored_test("deadlocks_under_the_default_setting", &[])
        .assert_failed_with("deadlocks_under_the_default_setting` deadlocked: the body is waiting");
    run_ignored_test("deadlocks_under_the_default_setting", &[("WS_TEST_DEADLOCK", "off")])
        .assert_failed_with("timed out: still running after its real-time budget of 1s");
}
