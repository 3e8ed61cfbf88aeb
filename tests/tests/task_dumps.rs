//! With tokio's task dumps (`RUSTFLAGS="--cfg tokio_unstable"` and ws-test's feature `taskdump`; CI builds this in
//! its own target directory), reports say where the body and every task wait, await by await.

#![cfg(all(tokio_unstable, feature = "taskdump"))]

mod support;

use std::time::Duration;

use support::panic_of;
use ws_test::Builder;

/// `task_dumps.rs:LINE:` of the line of this file that carries `marker` in a comment.
fn place_of(marker: &str) -> String {
    let source = include_str!("task_dumps.rs");
    let line = source
        .lines()
        .position(|line| line.ends_with(&format!("// {marker}")))
        .unwrap_or_else(|| panic!("no line marked {marker}"));
    format!("task_dumps.rs:{}:", line + 1)
}

/// The detail line of `message` that begins with `start`.
fn detail<'a>(message: &'a str, start: &str) -> &'a str {
    message
        .lines()
        .find(|line| line.starts_with(&format!("   - {start}")))
        .unwrap_or_else(|| panic!("no detail starting with {start:?} in:\n{message}"))
}

async fn hands_over(receiver: tokio::sync::oneshot::Receiver<()>, sender: tokio::sync::oneshot::Sender<()>) {
    let _ = receiver.await; // await: first task
    let _ = sender.send(());
}

async fn waits_for_a_notification(notify: std::sync::Arc<tokio::sync::Notify>) {
    notify.notified().await; // await: second task
}

#[test]
fn a_deadlock_names_the_await_of_the_body_and_of_each_task() {
    let (message, _) = panic_of(|| {
        Builder::new("task_dumps::deadlock").run(async {
            let (to_first, first_hears) = tokio::sync::oneshot::channel::<()>();
            let (first_answers, body_hears) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(hands_over(first_hears, first_answers));
            ws_test::background("nonce manager", waits_for_a_notification(std::sync::Arc::default()));
            let _ = body_hears.await; // await: body
            drop(to_first);
        })
    });
    assert!(
        message.starts_with("test `task_dumps::deadlock` deadlocked: the body and 2 tasks"),
        "{message}"
    );
    assert!(
        detail(&message, "the body waits at ").contains(&place_of("await: body")),
        "{message}"
    );
    let task = detail(&message, "a task spawned at tests/tests/task_dumps.rs:");
    assert!(
        task.contains(&format!(" waits at tests/tests/{}", place_of("await: first task"))),
        "{message}"
    );
    // A background service is named, as everywhere else.
    let service = detail(&message, "background service `nonce manager` waits at ");
    assert!(service.contains(&place_of("await: second task")), "{message}");
    // The body comes first, then the tasks; no frame of tokio, std or ws-test.
    let body = message.find("   - the body waits at ").expect("the body's line");
    let task = message.find("   - a task spawned at ").expect("a task's line");
    assert!(body < task, "{message}");
    assert!(
        !message.contains(".cargo/registry") && !message.contains("/rustc/"),
        "{message}"
    );
    assert!(!message.contains("To see the await each task is stuck at"), "{message}");
}

async fn ticks_forever() {
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    loop {
        ticker.tick().await; // await: leaked loop
    }
}

#[test]
fn a_leak_report_names_the_await_of_the_leaked_loop() {
    let (message, _) = panic_of(|| {
        Builder::new("task_dumps::leak").run(async {
            for _ in 0..2 {
                tokio::spawn(ticks_forever());
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
        })
    });
    assert!(
        message.starts_with("test `task_dumps::leak` leaked 2 tasks"),
        "{message}"
    );
    let line = detail(&message, "a task spawned at tests/tests/task_dumps.rs:");
    assert!(
        line.contains(&format!(" waits at tests/tests/{}", place_of("await: leaked loop"))),
        "{message}"
    );
    assert!(line.ends_with("(2 tasks like this one)"), "{message}");
    assert_eq!(
        message.matches("\n   - ").count(),
        1,
        "one line for both tasks: {message}"
    );
}

#[test]
fn a_timeout_names_the_await_the_body_was_stuck_at() {
    let (message, _) = panic_of(|| {
        Builder::new("task_dumps::timeout")
            .deadlock(ws_test::Deadlock::Off)
            .timeout(Duration::from_millis(300))
            .run(async {
                let (_keep, never) = tokio::sync::mpsc::channel::<()>(1);
                let mut never = never;
                never.recv().await; // await: stuck body
            })
    });
    assert!(message.starts_with("test `task_dumps::timeout` timed out"), "{message}");
    assert!(
        detail(&message, "the body waits at ").contains(&place_of("await: stuck body")),
        "{message}"
    );
}
