//! Panicking tasks: by default a panic in any task spawned on the test's runtime fails the test at its end, listing
//! each panic, even when nobody awaited the task; `"ignore"` gives tokio's behaviour.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::panic_of;
use ws_test::{Builder, Flavor, Leaks, UnhandledPanic, ws_test};

#[test]
fn an_unawaited_task_panic_fails_the_test_at_its_end() {
    let (message, real_time) = panic_of(|| {
        Builder::new("suite::reader_dies").run(async {
            tokio::spawn(async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                panic!("the reader lost its connection");
            });
            tokio::time::sleep(Duration::from_secs(10)).await;
        })
    });
    let line = line!() - 5;
    assert_eq!(
        message,
        format!(
            "test `suite::reader_dies` failed: a spawned task panicked (virtual 10.000s, real {})\n   - at \
             tests/tests/task_panics.rs:{line}:17: the reader lost its connection\nhelp: a panic in a spawned task \
             fails the test even when nobody awaits its JoinHandle (tokio would only print it). Fix the task; if the \
             test expects the panic, observe it through the JoinHandle and add unhandled_panic = \"ignore\".",
            support::real_clock(&message)
        )
    );
    assert!(real_time < Duration::from_secs(5), "took {real_time:?}");
}

#[test]
fn every_task_panic_is_listed_including_blocking_jobs_and_drops_at_shutdown() {
    struct PanicsWhenDropped;
    impl Drop for PanicsWhenDropped {
        fn drop(&mut self) {
            panic!("dropped at shutdown");
        }
    }
    let (message, _) = panic_of(|| {
        // The task left to be dropped at shutdown is a leak too; this test is about its panic.
        Builder::new("suite::three_panics").leaks(Leaks::Allow).run(async {
            tokio::spawn(async { panic!("first task") });
            let job = tokio::task::spawn_blocking(|| panic!("blocking job"));
            assert!(job.await.expect_err("the job panicked").is_panic());
            tokio::spawn(async {
                let _guard = PanicsWhenDropped;
                std::future::pending::<()>().await;
            });
            tokio::task::yield_now().await;
        })
    });
    assert!(
        message.starts_with(
            "test `suite::three_panics` failed: a spawned task panicked (3 panics in all) (virtual 0.000s, real "
        ),
        "{message}"
    );
    for expected in [": first task\n", ": blocking job\n", ": dropped at shutdown\n"] {
        assert!(message.contains(expected), "{expected:?} missing from:\n{message}");
    }
}

#[test]
fn a_body_panic_and_a_task_panic_are_reported_together_body_first() {
    let (message, _) = panic_of(|| {
        Builder::new("suite::both").run(async {
            tokio::spawn(async { panic!("task failure") });
            tokio::task::yield_now().await;
            panic!("assertion in the body");
        })
    });
    assert!(
        message.starts_with("test `suite::both` failed in 2 ways (virtual 0.000s, real "),
        "{message}"
    );
    let body = message
        .find("1. panicked: assertion in the body")
        .expect("the body's panic comes first");
    let task = message.find("2. a spawned task panicked\n").expect("then the task's");
    assert!(body < task, "{message}");
    assert!(message.contains(": task failure\n"), "{message}");
}

#[test]
fn a_body_panic_a_leak_and_task_panics_are_reported_together_body_first() {
    let (message, _) = panic_of(|| {
        Builder::new("suite::everything_wrong").run(async {
            tokio::spawn(async { panic!("the reader") });
            tokio::spawn(async { panic!("the writer") });
            tokio::spawn(async {
                loop {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
            });
            tokio::task::yield_now().await;
            panic!("the assertion");
        })
    });
    let lines: Vec<&str> = message.lines().collect();
    assert!(
        lines[0].starts_with("test `suite::everything_wrong` failed in 3 ways (virtual 0.000s, real "),
        "{message}"
    );
    assert_eq!(lines[1], "1. panicked: the assertion", "{message}");
    assert_eq!(
        lines[3],
        "2. leaked 1 task that kept working after the body returned: timers fired 10 times in the next 10m of \
         virtual time",
        "{message}"
    );
    assert_eq!(lines[5], "3. a spawned task panicked (2 panics in all)", "{message}");
    assert!(
        message.contains(": the reader\n") && message.contains(": the writer\n"),
        "{message}"
    );
}

#[test]
fn a_task_panic_on_a_multi_thread_worker_fails_the_test() {
    let (message, _) = panic_of(|| {
        Builder::new("suite::worker_panic")
            .flavor(Flavor::MultiThread)
            .worker_threads(2)
            .run(async {
                let task = tokio::spawn(async { panic!("on a worker") });
                let _ = task.await;
            })
    });
    assert!(
        message.contains("failed: a spawned task panicked (virtual ")
            && message.contains("\n   - at tests/tests/task_panics.rs:"),
        "{message}"
    );
    assert!(message.contains(": on a worker\n"), "{message}");
}

#[ws_test]
#[should_panic(expected = "failed: a spawned task panicked (virtual ")]
async fn the_attribute_fails_a_test_whose_task_panicked() {
    tokio::spawn(async { panic!("heartbeat task") });
    tokio::time::sleep(Duration::from_secs(30)).await;
}

#[ws_test(unhandled_panic = "fail_at_end")]
#[should_panic(expected = "failed: a spawned task panicked (virtual ")]
async fn fail_at_end_can_be_written_explicitly() {
    tokio::spawn(async { panic!("explicit default") });
    tokio::task::yield_now().await;
}

#[ws_test(flavor = "multi_thread", unhandled_panic = "ignore")]
async fn multi_thread_can_opt_out_with_ignore() {
    let task = tokio::spawn(async { panic!("expected on a worker") });
    assert!(task.await.expect_err("the task panicked").is_panic());
}

#[ws_test]
async fn tasks_that_finish_normally_do_not_fail_the_test() {
    let task = tokio::spawn(async { 1 });
    let job = tokio::task::spawn_blocking(|| 2);
    assert_eq!(task.await.expect("no panic") + job.await.expect("no panic"), 3);
}

#[test]
fn a_panic_in_another_test_is_never_reported_here() {
    // Ten failing tests and ten passing ones at the same time, each on its own thread and runtime.
    let threads: Vec<_> = (0..20)
        .map(|index| {
            std::thread::spawn(move || {
                let name = format!("parallel::test_{index}");
                std::panic::catch_unwind(|| {
                    Builder::new(name).run(async move {
                        if index % 2 == 0 {
                            tokio::spawn(async move { panic!("panic of test {index}") });
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    });
                })
            })
        })
        .collect();
    for (index, thread) in threads.into_iter().enumerate() {
        let outcome = thread.join().expect("the test thread itself does not die");
        if index % 2 == 0 {
            let payload = outcome.expect_err("a test whose task panicked fails");
            let message = payload.downcast_ref::<String>().expect("a String message");
            assert!(
                message.starts_with(&format!("test `parallel::test_{index}` failed")),
                "{message}"
            );
            assert!(message.contains(&format!(": panic of test {index}\n")), "{message}");
            assert_eq!(
                message.matches("panic of test").count(),
                1,
                "only its own panic: {message}"
            );
        } else {
            assert!(outcome.is_ok(), "test {index} passed");
        }
    }
}

/// Some suites (tokio's own among them) install a panic hook of their own for a while and restore the previous one.
/// The hook is process-wide: while it is swapped, task panics of tests running beside it go unrecorded, so this test
/// runs alone, in a child process.
#[test]
fn a_test_installing_its_own_panic_hook_keeps_working() {
    support::run_ignored_test("installs_its_own_panic_hook", &[]).assert_passed();
}

#[ws_test(unhandled_panic = "ignore")]
#[ignore = "run by a_test_installing_its_own_panic_hook_keeps_working in a child process"]
async fn installs_its_own_panic_hook() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let recorder = Arc::clone(&seen);
    // Only this test's thread's panics, where its current_thread runtime runs the task.
    let this_thread = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == this_thread {
            let message = info.payload().downcast_ref::<&str>().copied().unwrap_or_default();
            recorder.lock().expect("not poisoned").push(message.to_string());
        }
    }));
    let task = tokio::spawn(async { panic!("seen by the test's own hook") });
    let outcome = task.await;
    std::panic::set_hook(previous);
    assert!(outcome.expect_err("the task panicked").is_panic());
    assert_eq!(*seen.lock().expect("not poisoned"), ["seen by the test's own hook"]);
}

#[test]
fn the_hook_before_ws_test_still_prints() {
    // The default hook is chained, not replaced: run a failing test in a child process and look for its output.
    let child = support::run_ignored_test("task_panics_in_a_child_process", &[]);
    child.assert_failed_with("failed: a spawned task panicked (virtual ");
    assert!(
        child.stderr.contains("panicked at tests/tests/task_panics.rs") && child.stderr.contains("printed by rust"),
        "the default hook's own line is missing:\n{}",
        child.stderr
    );
}

#[ws_test]
#[ignore = "run by the_hook_before_ws_test_still_prints in a child process"]
async fn task_panics_in_a_child_process() {
    tokio::spawn(async { panic!("printed by rust") });
    tokio::task::yield_now().await;
}

#[test]
fn unhandled_panic_ignore_is_tokio_behaviour() {
    let value = Builder::new("suite::ignored")
        .unhandled_panic(UnhandledPanic::Ignore)
        .run(async {
            tokio::spawn(async { panic!("nobody cares") });
            tokio::task::yield_now().await;
            5
        });
    assert_eq!(value, 5);
}
