//! Ordinary tokio tests, written the way users write them, with `#[tokio::test]` swapped for `#[ws_test::test]`
//! and nothing else changed. Each would run unchanged under `#[tokio::test(start_paused = true)]`.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::{Instant, interval, sleep, timeout};

#[ws_test::test]
async fn mpsc_channel_between_tasks() {
    let (sender, mut receiver) = mpsc::channel(8);
    let producer = tokio::spawn(async move {
        for tick in 0..5u32 {
            sleep(Duration::from_secs(1)).await;
            sender.send(tick).await.expect("the receiver is alive");
        }
    });
    let mut received = Vec::new();
    while let Some(tick) = receiver.recv().await {
        received.push(tick);
    }
    producer.await.expect("the producer finishes");
    assert_eq!(received, [0, 1, 2, 3, 4]);
}

#[ws_test::test]
async fn oneshot_reply() {
    let (reply, response) = oneshot::channel();
    tokio::spawn(async move {
        sleep(Duration::from_millis(250)).await;
        let _ = reply.send("pong");
    });
    assert_eq!(response.await, Ok("pong"));
}

#[ws_test::test]
async fn select_picks_the_first_ready_branch() {
    let (_keep_open, mut never) = mpsc::channel::<()>(1);
    let outcome = tokio::select! {
        _ = never.recv() => "message",
        _ = sleep(Duration::from_secs(30)) => "heartbeat timeout",
    };
    assert_eq!(outcome, "heartbeat timeout");
}

#[ws_test::test]
async fn join_runs_futures_concurrently() {
    let start = Instant::now();
    let (first, second) = tokio::join!(
        async {
            sleep(Duration::from_secs(3)).await;
            1
        },
        async {
            sleep(Duration::from_secs(5)).await;
            2
        },
    );
    assert_eq!((first, second), (1, 2));
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

#[ws_test::test]
async fn try_join_stops_at_the_first_error() {
    let result: Result<((), ()), &str> = tokio::try_join!(
        async {
            sleep(Duration::from_secs(10)).await;
            Ok(())
        },
        async {
            sleep(Duration::from_secs(1)).await;
            Err("connection refused")
        },
    );
    assert_eq!(result, Err("connection refused"));
}

#[ws_test::test]
async fn spawn_and_join_many() {
    let tasks: Vec<_> = (1..=10u64)
        .map(|delay| {
            tokio::spawn(async move {
                sleep(Duration::from_secs(delay)).await;
                delay
            })
        })
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("every task finishes");
    }
    assert_eq!(total, 55);
}

#[ws_test::test]
async fn join_set_collects_results() {
    let mut set = tokio::task::JoinSet::new();
    for id in 0..4u32 {
        set.spawn(async move {
            sleep(Duration::from_secs(u64::from(4 - id))).await;
            id
        });
    }
    let mut order = Vec::new();
    while let Some(result) = set.join_next().await {
        order.push(result.expect("no task panics"));
    }
    assert_eq!(order, [3, 2, 1, 0]);
}

#[ws_test::test]
async fn timeout_elapses_on_a_slow_reply() {
    let slow = sleep(Duration::from_secs(60));
    assert!(timeout(Duration::from_secs(10), slow).await.is_err());
    assert_eq!(timeout(Duration::from_secs(10), async { 5 }).await, Ok(5));
}

#[ws_test::test]
async fn interval_ticks_on_schedule() {
    let start = Instant::now();
    let mut heartbeat = interval(Duration::from_secs(30));
    let mut ticks = Vec::new();
    for _ in 0..4 {
        heartbeat.tick().await;
        ticks.push(start.elapsed().as_secs());
    }
    assert_eq!(ticks, [0, 30, 60, 90]);
}

#[ws_test::test]
async fn duplex_stream_carries_bytes_both_ways() -> std::io::Result<()> {
    let (mut client, server) = tokio::io::duplex(64);
    let server = tokio::spawn(async move {
        let mut lines = BufReader::new(server);
        let mut line = String::new();
        lines.read_line(&mut line).await?;
        lines.get_mut().write_all(line.to_uppercase().as_bytes()).await?;
        std::io::Result::Ok(())
    });
    client.write_all(b"subscribe btc\n").await?;
    let mut reply = [0u8; 14];
    client.read_exact(&mut reply).await?;
    assert_eq!(&reply, b"SUBSCRIBE BTC\n");
    server.await.expect("the server task finishes")?;
    Ok(())
}

#[ws_test::test]
async fn watch_channel_sees_the_latest_value() {
    let (state, mut observer) = watch::channel("connecting");
    tokio::spawn(async move {
        sleep(Duration::from_secs(2)).await;
        state.send_replace("connected");
        sleep(Duration::from_secs(2)).await;
        state.send_replace("subscribed");
    });
    observer.changed().await.expect("the sender is alive");
    assert_eq!(*observer.borrow_and_update(), "connected");
    observer.changed().await.expect("the sender is alive");
    assert_eq!(*observer.borrow(), "subscribed");
}

#[ws_test::test]
async fn broadcast_reaches_every_subscriber() {
    let (ticker, mut first) = broadcast::channel(16);
    let mut second = ticker.subscribe();
    ticker.send("tick").expect("there are subscribers");
    assert_eq!(first.recv().await, Ok("tick"));
    assert_eq!(second.recv().await, Ok("tick"));
}

#[ws_test::test]
async fn mutex_shared_between_tasks() {
    let counter = std::sync::Arc::new(tokio::sync::Mutex::new(0));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let counter = std::sync::Arc::clone(&counter);
        tasks.push(tokio::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            *counter.lock().await += 1;
        }));
    }
    for task in tasks {
        task.await.expect("no task panics");
    }
    assert_eq!(*counter.lock().await, 10);
}

#[ws_test::test]
async fn spawn_blocking_result() {
    let checksum = tokio::task::spawn_blocking(|| (1..=100u32).sum::<u32>()).await;
    assert_eq!(checksum.expect("the job completes"), 5050);
}

#[ws_test::test]
async fn result_returning_test_with_question_mark() -> Result<(), Box<dyn std::error::Error>> {
    let (sender, receiver) = oneshot::channel();
    sender.send(42).map_err(|_| "the receiver was dropped")?;
    let value = timeout(Duration::from_secs(1), receiver).await??;
    assert_eq!(value, 42);
    Ok(())
}

#[ws_test::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_test_with_real_sleeps() {
    let start = std::time::Instant::now();
    let (first, second) = tokio::join!(
        tokio::spawn(sleep(Duration::from_millis(20))),
        tokio::spawn(sleep(Duration::from_millis(20)))
    );
    first.expect("first sleep");
    second.expect("second sleep");
    assert!(start.elapsed() >= Duration::from_millis(20));
}

#[ws_test::test]
async fn tcp_on_loopback_with_the_paused_clock() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await?;
        socket.write_all(b"hello").await?;
        std::io::Result::Ok(())
    });
    let mut client = tokio::net::TcpStream::connect(address).await?;
    let mut greeting = [0u8; 5];
    client.read_exact(&mut greeting).await?;
    assert_eq!(&greeting, b"hello");
    server.await.expect("the server finishes")?;
    Ok(())
}
