//! Leaked tasks. Under the default, `leaks = "deny"`, the tasks still alive once the body returned (and every ready
//! task ran) are watched for ten more minutes of virtual time: those that keep working (timers that keep firing, a
//! task that never waits) fail the test; those that only wait are dropped at shutdown, as tokio drops them; those
//! that end by themselves are fine. `leaks = "strict"` counts every task still alive.

mod support;

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use futures_util::{SinkExt, StreamExt};
use support::{panic_of, run_child, run_ignored_test};
use ws_test::{Builder, Flavor, Leaks, assert_text, ws_test};

/// Returns the line of its `tokio::spawn`, where a leak report under `--cfg tokio_unstable` says the task came from.
fn spawn_leaked_ticker() -> u32 {
    let spawn_line = line!() + 1;
    tokio::spawn(async {
        let mut ticker = tokio::time::interval(Duration::from_secs(30));
        loop {
            ticker.tick().await;
        }
    });
    spawn_line
}

/// What every report of a task that kept working says after its first sentence, in this build.
fn help_after(first: &str) -> String {
    let common = "Stop it before the body ends (JoinHandle::abort, a JoinSet, a shutdown message), or start it with \
        ws_test::background(\"name\", ..), which stops it when the body returns. To let this test leak, add leaks = \
        \"allow\" (or \"warn\"); for a whole run, WS_TEST_LEAKS=warn.";
    let locate = if cfg!(tokio_unstable) {
        ""
    } else {
        " To see where each leaked task was spawned, run with RUSTFLAGS=\"--cfg tokio_unstable\"."
    };
    format!("{first} {common}{locate}{}", support::HOW_TO_SEE_AWAITS)
}

const KEEPS_FIRING: &str = "a task that keeps working once the body has returned is a service nobody stopped (a \
    heartbeat, a refresher, a reconnect loop): tokio would drop it silently at shutdown, mid-work.";

// ===== Tasks that keep working: a leak =====

#[test]
fn a_heartbeat_left_running_fails_the_test_saying_what_it_did_and_the_fix() {
    let mut spawn_line = 0;
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::heartbeat_left_running").run(async {
            spawn_line = spawn_leaked_ticker();
            tokio::time::sleep(Duration::from_secs(90)).await;
        })
    });
    let (headline, help) = message.split_once("\nhelp: ").expect("a headline and a help line");
    assert!(
        headline.starts_with(
            "test `suite::heartbeat_left_running` leaked 1 task that kept working after the body returned: timers \
             fired 20 times in the next 10m of virtual time (virtual 90.000s, real "
        ),
        "{headline}"
    );
    #[cfg(tokio_unstable)]
    assert!(
        headline.ends_with(&format!(")\n   - spawned at tests/tests/leaks.rs:{spawn_line}:5")),
        "{headline}"
    );
    #[cfg(not(tokio_unstable))]
    assert!(
        headline.ends_with(')') && spawn_line > 0,
        "no locations without tokio_unstable: {headline}"
    );
    assert_eq!(help, help_after(KEEPS_FIRING));
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

/// The seed's failure: a service that refreshes every minute, started and forgotten.
#[test]
fn a_forgotten_refresher_that_ticks_every_minute_is_a_leak() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::refresher_forgotten").run(async {
            let (nonces, latest) = tokio::sync::watch::channel(0u64);
            tokio::spawn(async move {
                let mut every_minute = tokio::time::interval(Duration::from_secs(60));
                every_minute.tick().await;
                loop {
                    every_minute.tick().await;
                    nonces.send_modify(|nonce| *nonce += 1);
                }
            });
            tokio::time::sleep(Duration::from_secs(150)).await;
            assert_eq!(*latest.borrow(), 2);
        })
    });
    assert!(
        message.starts_with(
            "test `suite::refresher_forgotten` leaked 1 task that kept working after the body returned: timers fired \
             10 times in the next 10m of virtual time (virtual 150.000s, real "
        ),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

/// A client's heartbeat over the in-memory WebSocket pair: the server side answers every ping, and the client pings
/// every 30 s, long after the body is done with it.
#[test]
fn a_client_heartbeat_left_running_is_a_leak() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::client_heartbeat").run(async {
            let (mut client, mut server) = ws_test::ws::pair();
            tokio::spawn(async move {
                // The server side reads: pongs go out by themselves.
                while let Some(Ok(_)) = server.next().await {}
            });
            client.send("subscribe".into()).await.expect("sent");
            tokio::spawn(async move {
                let mut heartbeat = tokio::time::interval(Duration::from_secs(30));
                loop {
                    heartbeat.tick().await;
                    if client
                        .send(tokio_tungstenite::tungstenite::Message::Ping(Vec::new().into()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        })
    });
    assert!(
        message.starts_with(
            "test `suite::client_heartbeat` leaked 2 tasks that kept working after the body returned: timers fired 20 \
             times in the next 10m of virtual time (virtual 0.000s, real "
        ),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

#[test]
fn a_task_that_never_waits_is_a_leak_found_in_a_fraction_of_a_second() {
    // It never lets the runtime go idle: the look must not wait for an idle point that never comes (found by tokio's
    // coop_budget test, which hung until the real-time budget before the count was bounded).
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::spinning_background_task").run(async {
            tokio::spawn(async {
                loop {
                    tokio::task::yield_now().await;
                }
            });
            tokio::task::yield_now().await;
        })
    });
    let (headline, help) = message.split_once("\nhelp: ").expect("a headline and a help line");
    // How long it took depends on the machine's load (the monitor waits for 50 ms of the thread's CPU time).
    assert!(
        headline.starts_with(
            "test `suite::spinning_background_task` leaked 1 task that kept working after the body returned: the \
             runtime did not go idle once in "
        ) && headline.contains("s of real time (virtual 0.000s, real "),
        "{headline}"
    );
    assert_eq!(
        help,
        help_after(
            "a task that never waits (a loop around yield_now(), a poll that is always ready) keeps the runtime's \
             thread busy for good: tokio would drop it silently at shutdown, mid-work."
        )
    );
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

#[ws_test(flavor = "local")]
#[should_panic(expected = "leaked 1 task that kept working after the body returned: timers fired 20 times")]
async fn a_local_task_that_keeps_working_is_a_leak_too() {
    tokio::task::spawn_local(async {
        loop {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    });
}

/// A real-time test's clock is paused for the look once its body has returned: the heartbeat's next ten minutes take
/// no real time either.
#[test]
fn a_real_time_test_gets_the_same_look_on_a_paused_clock() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::real_time_heartbeat")
            .start_paused(false)
            .run(async {
                tokio::spawn(async {
                    loop {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                });
                tokio::time::sleep(Duration::from_millis(20)).await;
            })
    });
    assert!(
        message.starts_with(
            "test `suite::real_time_heartbeat` leaked 1 task that kept working after the body returned: timers fired \
             20 times in the next 10m of virtual time (virtual "
        ),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

#[test]
fn a_multi_thread_runtime_whose_workers_keep_waking_has_a_leak() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::multi_thread_ticker")
            .flavor(Flavor::MultiThread)
            .worker_threads(2)
            .run(async {
                tokio::spawn(async {
                    loop {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                });
            })
    });
    let (headline, help) = message.split_once("\nhelp: ").expect("a headline and a help line");
    assert!(
        headline.starts_with(
            "test `suite::multi_thread_ticker` leaked 1 task that kept working after the body returned: the \
             runtime's workers kept waking through a look of 50ms of real time (virtual "
        ),
        "{headline}"
    );
    assert!(
        headline.contains(
            "\n   - a multi-thread runtime's clock cannot be paused: its tasks are watched for 50ms of real time, and a \
             timer that fires less often is not seen (leaks = \"strict\" counts every task still alive)"
        ),
        "{headline}"
    );
    assert_eq!(help, help_after(KEEPS_FIRING));
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

#[test]
fn a_body_panic_and_a_leak_are_reported_together() {
    let (message, _) = panic_of(|| {
        Builder::new("suite::assert_and_leak").run(async {
            spawn_leaked_ticker();
            assert_eq!(1 + 1, 3, "the arithmetic");
        })
    });
    assert!(
        message.starts_with("test `suite::assert_and_leak` failed in 2 ways"),
        "{message}"
    );
    assert!(
        message.contains("1. panicked: assertion `left == right` failed: the arithmetic"),
        "{message}"
    );
    assert!(
        message.contains("2. leaked 1 task that kept working after the body returned: timers fired 20 times"),
        "{message}"
    );
}

// ===== Tasks left waiting: dropped at shutdown =====

/// The app of axum's own testing examples, in other words: it echoes each text message.
fn echo_app() -> axum::Router {
    async fn echo(mut socket: WebSocket) {
        while let Some(Ok(Message::Text(text))) = socket.recv().await {
            let reply = format!("you said: {}", text.as_str());
            if socket.send(Message::Text(reply.into())).await.is_err() {
                return;
            }
        }
    }
    axum::Router::new().route(
        "/echo",
        axum::routing::get(|upgrade: WebSocketUpgrade| async { upgrade.on_upgrade(echo) }),
    )
}

/// The shape of axum's `examples/testing-websockets` (`integration_test`): a server spawned on a real port and never
/// stopped, left waiting in `accept()` once the client is done.
#[ws_test]
#[ignore = "run by tasks_left_waiting_pass_and_are_named_in_the_passed_line, which reads its passed line"]
async fn quiet_server_left_in_accept() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let address = listener.local_addr().expect("an address");
    tokio::spawn(axum::serve(listener, echo_app()).into_future());
    let url = format!("ws://{address}/echo");
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
        .await
        .expect("connected");
    socket.send("hello".into()).await.expect("sent");
    assert_text!(socket, "you said: hello");
}

/// A client whose reader task holds the connection open: the server side's task and the client's reader each wait
/// for the next frame.
#[ws_test]
#[ignore = "run by tasks_left_waiting_pass_and_are_named_in_the_passed_line, which reads its passed line"]
async fn quiet_connection_waiting_for_a_frame() {
    let (client, mut server) = ws_test::ws::pair();
    tokio::spawn(async move {
        while let Some(Ok(message)) = server.next().await {
            if message.is_text() && server.send(message).await.is_err() {
                return;
            }
        }
    });
    let (mut writer, mut reader) = client.split();
    let (replies, mut replies_inbox) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(message)) = reader.next().await {
            let _ = replies.send(message);
        }
    });
    writer.send("ping".into()).await.expect("sent");
    assert_eq!(replies_inbox.recv().await.expect("a reply"), "ping".into());
}

/// A worker waiting on an inbox whose sender a fixture still holds (here, one that outlives the test).
#[ws_test]
#[ignore = "run by tasks_left_waiting_pass_and_are_named_in_the_passed_line, which reads its passed line"]
async fn quiet_worker_on_its_inbox() {
    let (jobs, mut inbox) = tokio::sync::mpsc::channel::<u32>(8);
    let (done, mut results) = tokio::sync::mpsc::channel(8);
    tokio::spawn(async move {
        while let Some(job) = inbox.recv().await {
            let _ = done.send(job * 2).await;
        }
    });
    jobs.send(21).await.expect("the worker listens");
    assert_eq!(results.recv().await, Some(42));
    std::mem::forget(jobs);
}

/// A timer farther away than the look: the task waits, whatever it waits for.
#[ws_test]
#[ignore = "run by tasks_left_waiting_pass_and_are_named_in_the_passed_line, which reads its passed line"]
async fn quiet_far_timer() {
    tokio::spawn(tokio::time::sleep(Duration::from_secs(100 * 24 * 3600)));
}

/// A connection that closes itself after 75 s without a message, as a keep-alive does: it ends by itself during the
/// look, and nothing is left.
#[ws_test]
#[ignore = "run by tasks_left_waiting_pass_and_are_named_in_the_passed_line, which reads its passed line"]
async fn ends_by_itself_keep_alive_close() {
    let (mut client, mut server) = ws_test::ws::pair();
    tokio::spawn(async move {
        while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(75), server.next()).await {}
        let _ = server.close(None).await;
    });
    client.send("hello".into()).await.expect("sent");
    // The client is dropped with the body; only the server side's keep-alive is left.
    tokio::spawn(async move { while let Some(Ok(_)) = client.next().await {} });
}

/// A task that sleeps once, then waits on a channel for good: quiet from its one timer on.
#[ws_test]
#[ignore = "run by tasks_left_waiting_pass_and_are_named_in_the_passed_line, which reads its passed line"]
async fn quiet_after_one_timer() {
    let (_never, wait_for_it) = tokio::sync::oneshot::channel::<()>();
    std::mem::forget(_never);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5 * 60)).await;
        let _ = wait_for_it.await;
    });
}

/// A real-time test's task waiting on its inbox, and a multi-thread runtime's: quiet too.
#[ws_test(start_paused = false)]
#[ignore = "run by tasks_left_waiting_pass_and_are_named_in_the_passed_line, which reads its passed line"]
async fn quiet_in_real_time() {
    tokio::spawn(std::future::pending::<()>());
}

#[ws_test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by tasks_left_waiting_pass_and_are_named_in_the_passed_line, which reads its passed line"]
async fn quiet_on_multi_thread() {
    tokio::spawn(std::future::pending::<()>());
}

#[ws_test(flavor = "local")]
#[ignore = "run by tasks_left_waiting_pass_and_are_named_in_the_passed_line, which reads its passed line"]
async fn quiet_on_local() {
    tokio::task::spawn_local(std::future::pending::<()>());
}

#[test]
fn tasks_left_waiting_pass_and_are_named_in_the_passed_line() {
    // One thread: each test's line is then whole, after libtest's "test name ... ".
    let run = run_child(&["quiet_", "--ignored", "--nocapture", "--test-threads=1"], &[]);
    run.assert_exit_code(0);
    for (test, left) in [
        ("quiet_server_left_in_accept", "1 quiet task left"),
        ("quiet_connection_waiting_for_a_frame", "2 quiet tasks left"),
        ("quiet_worker_on_its_inbox", "1 quiet task left"),
        ("quiet_far_timer", "1 quiet task left"),
        ("quiet_after_one_timer", "1 quiet task left"),
        ("quiet_in_real_time", "1 quiet task left"),
        ("quiet_on_multi_thread", "1 quiet task left"),
        ("quiet_on_local", "1 quiet task left"),
    ] {
        let passed = format!("ws-test: `leaks::{test}` passed (virtual ");
        let line = run
            .stdout
            .lines()
            .find_map(|line| line.find(&passed).map(|start| &line[start..]))
            .unwrap_or_else(|| panic!("no passed line of {test}:\n{}", run.stdout));
        assert!(line.ends_with(&format!("; {left}, dropped at shutdown")), "{line}");
    }
    let ended = run_ignored_test("ends_by_itself_keep_alive_close", &[]);
    ended.assert_passed();
    assert!(
        ended
            .stdout
            .contains("ws-test: `leaks::ends_by_itself_keep_alive_close` passed (virtual 0.000s, real "),
        "{}",
        ended.stdout
    );
    assert!(
        !ended.stdout.contains("quiet task"),
        "nothing is left:\n{}",
        ended.stdout
    );
}

#[ws_test]
async fn a_task_that_finishes_on_its_own_is_not_a_leak() {
    // Spawned and never joined: it is ready when the body returns, and runs to its end before the check.
    tokio::spawn(async {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        tokio::spawn(async move { sender.send(1).expect("the receiver waits") });
        receiver.await.expect("the sender sends")
    });
}

#[ws_test]
async fn an_aborted_task_is_not_a_leak() {
    let ticker = tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    tokio::time::sleep(Duration::from_secs(10)).await;
    ticker.abort();
}

#[ws_test]
async fn a_chain_of_tasks_waking_each_other_settles() {
    let (first, mut second) = tokio::sync::mpsc::channel::<u32>(1);
    let (relay, mut third) = tokio::sync::mpsc::channel::<u32>(1);
    tokio::spawn(async move {
        while let Some(value) = second.recv().await {
            let _ = relay.send(value + 1).await;
        }
    });
    tokio::spawn(async move { while third.recv().await.is_some() {} });
    first.send(1).await.expect("the relay listens");
    // Dropping the first sender ends the relay, which drops the second sender, which ends the last task.
}

#[ws_test(flavor = "multi_thread", worker_threads = 2)]
async fn joined_tasks_on_a_multi_thread_runtime_are_never_a_leak() {
    for _ in 0..50 {
        let tasks: Vec<_> = (0..20).map(|index| tokio::spawn(async move { index * 2 })).collect();
        for task in tasks {
            task.await.expect("no task panics");
        }
    }
}

#[test]
fn joined_multi_thread_tasks_never_fail_across_many_runs() {
    for run in 0..50 {
        Builder::new(format!("suite::joined_{run}"))
            .flavor(Flavor::MultiThread)
            .worker_threads(2)
            .leaks(Leaks::Strict)
            .run(async {
                let task = tokio::spawn(async { tokio::task::yield_now().await });
                task.await.expect("no task panics");
            });
    }
}

// ===== A leftover that panics during the look =====

#[test]
fn a_task_that_panics_after_the_body_returned_fails_the_test_saying_when() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::panics_later").run(async {
            tokio::spawn(async {
                tokio::time::sleep(Duration::from_secs(45)).await;
                panic!("the reconnect gave up");
            });
            tokio::time::sleep(Duration::from_secs(10)).await;
        })
    });
    let first_line = message.lines().next().expect("a message");
    assert!(
        first_line.starts_with("test `suite::panics_later` failed: a spawned task panicked (virtual 10.000s, real "),
        "{message}"
    );
    assert!(
        message.contains("\n   - at tests/tests/leaks.rs:")
            && message.contains(", after the body returned: the reconnect gave up\n"),
        "{message}"
    );
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

#[test]
fn under_shutdown_runtime_a_panic_during_the_look_is_reported_once() {
    let (message, _) = panic_of(|| {
        Builder::new("suite::panics_later_shutdown")
            .unhandled_panic(ws_test::UnhandledPanic::ShutdownRuntime)
            .run(async {
                tokio::spawn(async {
                    tokio::time::sleep(Duration::from_secs(45)).await;
                    panic!("the reconnect gave up");
                });
            })
    });
    assert!(
        message.starts_with("test `suite::panics_later_shutdown` failed: a spawned task panicked (virtual 0.000s"),
        "{message}"
    );
    assert_eq!(message.matches("the reconnect gave up").count(), 1, "{message}");
}

// ===== Policies =====

#[ws_test(leaks = "strict")]
#[should_panic(expected = "leaked 2 tasks: still alive after the body returned")]
async fn strict_counts_tasks_that_only_wait() {
    // Each reader waits for a notification that never comes (dropping a channel's sender would end them instead).
    let shutdown = std::sync::Arc::new(tokio::sync::Notify::new());
    for _ in 0..2 {
        let shutdown = std::sync::Arc::clone(&shutdown);
        tokio::spawn(async move { shutdown.notified().await });
    }
    tokio::task::yield_now().await;
}

#[test]
fn strict_says_what_it_counts_and_how_to_stop_a_task() {
    let (message, _) = panic_of(|| {
        Builder::new("suite::strict").leaks(Leaks::Strict).run(async {
            tokio::spawn(std::future::pending::<()>());
        })
    });
    let (headline, help) = message.split_once("\nhelp: ").expect("a headline and a help line");
    assert!(
        headline.starts_with("test `suite::strict` leaked 1 task: still alive after the body returned (virtual 0.000s"),
        "{headline}"
    );
    assert_eq!(
        help,
        help_after(
            "with leaks = \"strict\" every task a test spawns must end before the test does, even one that only \
             waits: tokio would drop it silently at shutdown, unfinished. Await its JoinHandle, or stop it \
             (JoinHandle::abort, a JoinSet, a shutdown message, dropping the sender it waits on). The default, leaks \
             = \"deny\", lets tasks that only wait (a server in accept(), a connection waiting for a frame) be \
             dropped at shutdown."
        )
    );
}

#[ws_test(leaks = "allow")]
async fn leaks_allow_lets_a_task_outlive_the_body() {
    spawn_leaked_ticker();
}

#[ws_test(leaks = "warn")]
#[ignore = "run by leaks_warn_reports_on_stderr_and_passes in a child process"]
async fn leaks_with_warn() {
    spawn_leaked_ticker();
}

#[test]
fn leaks_warn_reports_on_stderr_and_passes() {
    let child = run_ignored_test("leaks_with_warn", &[]);
    child.assert_passed();
    assert!(
        child.stderr.contains(
            "warning: test `leaks::leaks_with_warn` leaked 1 task that kept working after the body returned: timers \
             fired 20 times in the next 10m of virtual time"
        ),
        "stderr:\n{}",
        child.stderr
    );
}

#[ws_test]
#[ignore = "run by the WS_TEST_LEAKS tests in a child process"]
async fn leaks_under_the_default_policy() {
    spawn_leaked_ticker();
}

#[ws_test]
#[ignore = "run by the WS_TEST_LEAKS tests in a child process"]
async fn quietly_under_the_default_policy() {
    tokio::spawn(std::future::pending::<()>());
}

#[test]
fn ws_test_leaks_sets_the_default_policy() {
    run_ignored_test("leaks_under_the_default_policy", &[]).assert_failed_with("leaked 1 task that kept working");
    run_ignored_test("leaks_under_the_default_policy", &[("WS_TEST_LEAKS", "allow")]).assert_passed();
    let warned = run_ignored_test("leaks_under_the_default_policy", &[("WS_TEST_LEAKS", "warn")]);
    warned.assert_passed();
    assert!(
        warned
            .stderr
            .contains("warning: test `leaks::leaks_under_the_default_policy` leaked 1 task that kept working")
    );
    run_ignored_test("quietly_under_the_default_policy", &[]).assert_passed();
    run_ignored_test("quietly_under_the_default_policy", &[("WS_TEST_LEAKS", "strict")])
        .assert_failed_with("test `leaks::quietly_under_the_default_policy` leaked 1 task: still alive");
    run_ignored_test("leaks_under_the_default_policy", &[("WS_TEST_LEAKS", "sometimes")]).assert_failed_with(
        "test `leaks::leaks_under_the_default_policy` cannot start: the environment variable \
         WS_TEST_LEAKS=\"sometimes\" is not valid: No such leak policy `sometimes`. The leak policies are `deny` \
         (the default), `strict`, `warn` and `allow`.",
    );
}

#[test]
fn an_explicit_policy_wins_over_ws_test_leaks() {
    let (message, _) = panic_of(|| {
        // The variable is not set in this process; the builder's explicit policy is what applies either way.
        Builder::new("suite::explicit").leaks(Leaks::Deny).run(async {
            spawn_leaked_ticker();
        })
    });
    assert!(message.contains("leaked 1 task"), "{message}");
}

// ===== The look's bound in real time =====

/// With real I/O in play each jump of the clock waits the grace first: a heartbeat that keeps firing with a long
/// grace is still firing when the look's bound in real time runs out, and the report says so.
#[test]
fn a_look_cut_short_by_its_real_time_bound_says_so() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::cut_short")
            .io_grace(ws_test::IoGrace::Always(Duration::from_millis(300)))
            .run(async {
                spawn_leaked_ticker();
            })
    });
    let (headline, help) = message.split_once("\nhelp: ").expect("a headline and a help line");
    assert!(
        headline.starts_with(
            "test `suite::cut_short` leaked 1 task that kept working after the body returned: timers fired "
        ) && headline.contains("s of virtual time ws-test could look at, when the look was cut short after ")
            && headline.contains("s of real time (virtual 0.000s, real "),
        "{headline}"
    );
    assert!(
        headline.contains("\n   - real I/O was in play: a socket, a listener, a child process or ws::Server"),
        "{headline}"
    );
    assert_eq!(
        help,
        help_after(
            "ws-test looks at what the tasks left do for 10m of virtual time, and for 2s of real time at most: with \
             real I/O in play each jump of the clock first waits io_grace, and a running spawn_blocking job holds the \
             clock until it ends. They had not stopped or gone quiet when the look ran out, and whether they would \
             have later is not known. A task that keeps working once the body has returned is a service nobody \
             stopped (a heartbeat, a refresher, a reconnect loop)."
        )
    );
    assert!(
        real_time >= Duration::from_secs(2) && real_time < Duration::from_secs(10),
        "took {real_time:?}"
    );
}
