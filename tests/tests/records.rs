//! `WS_TEST_REPORT=path.jsonl`: one JSON line per test, appended whole by parallel test threads and by test processes
//! running at the same time, as nextest runs them.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use support::run_child;
use ws_test::ws_test;

/// Twenty tests that sleep their number of virtual seconds; number 7 also leaks a ticker, so that failures are
/// recorded with their kind, and number 5 leaves a task waiting, which is recorded as quiet.
macro_rules! twenty_tests {
    ($($name:ident $seconds:literal),*) => {$(
        #[ws_test]
        #[ignore = "run in child processes by records_from_parallel_tests_and_processes_are_whole_lines"]
        async fn $name() {
            tokio::time::sleep(Duration::from_secs($seconds)).await;
            if $seconds == 7 {
                tokio::spawn(async {
                    loop {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                });
            }
            if $seconds == 5 {
                tokio::spawn(std::future::pending::<()>());
            }
        }
    )*};
}

macro_rules! groups_of_twenty {
    ($($group:ident),*) => {$(
        mod $group {
            use super::*;
            twenty_tests!(t00 0, t01 1, t02 2, t03 3, t04 4, t05 5, t06 6, t07 7, t08 8, t09 9, t10 10, t11 11, t12 12, t13 13, t14 14, t15 15, t16 16, t17 17, t18 18, t19 19);
        }
    )*};
}

/// 200 tests.
mod recorded {
    use super::*;
    groups_of_twenty!(g0, g1, g2, g3, g4, g5, g6, g7, g8, g9);
}

#[test]
fn records_from_parallel_tests_and_processes_are_whole_lines() {
    let file = std::env::temp_dir().join(format!("ws-test-records-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let path = file.to_str().expect("the temporary directory has a UTF-8 path");
    // Two processes at once, each running the 200 tests on 16 threads.
    let arguments = ["recorded::", "--ignored", "--test-threads=16"];
    let environment = [("WS_TEST_REPORT", path)];
    let (first, second) = std::thread::scope(|scope| {
        let first = scope.spawn(|| run_child(&arguments, &environment));
        let second = scope.spawn(|| run_child(&arguments, &environment));
        (
            first.join().expect("the first run"),
            second.join().expect("the second run"),
        )
    });
    for run in [&first, &second] {
        assert_eq!(run.exit_code, Some(101), "stdout:\n{}", run.stdout);
        assert!(run.stdout.contains("190 passed; 10 failed"), "stdout:\n{}", run.stdout);
    }
    let text = std::fs::read_to_string(&file).expect("the records were written");
    let _ = std::fs::remove_file(&file);

    let mut seen: HashMap<String, usize> = HashMap::new();
    for line in text.lines() {
        let record: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not one JSON record ({error}): {line:?}"));
        let name = record["test"].as_str().expect("a test name").to_string();
        let seconds: u64 = name
            .rsplit("::t")
            .next()
            .and_then(|number| number.parse().ok())
            .expect("a test number");
        assert!(name.starts_with("records::recorded::g"), "{line}");
        assert_eq!(record["virtual_seconds"].as_f64(), Some(seconds as f64), "{line}");
        assert!(
            record["real_seconds"].as_f64().is_some_and(|real| real < 60.0),
            "{line}"
        );
        if seconds == 7 {
            assert_eq!(record["outcome"], "failed", "{line}");
            assert_eq!(record["failures"], serde_json::json!(["leak"]), "{line}");
            assert_eq!(record["tasks_alive"], 1, "{line}");
            assert_eq!(record["quiet_tasks"], 0, "{line}");
        } else {
            let left = u64::from(seconds == 5);
            assert_eq!(record["outcome"], "passed", "{line}");
            assert_eq!(record["failures"], serde_json::json!([]), "{line}");
            assert_eq!(record["tasks_alive"], left, "{line}");
            assert_eq!(record["quiet_tasks"], left, "{line}");
        }
        *seen.entry(name).or_default() += 1;
    }
    assert_eq!(seen.len(), 200, "every test has its records: {text}");
    assert!(
        seen.values().all(|&count| count == 2),
        "each test once per process: {seen:?}"
    );
    assert_eq!(text.lines().count(), 400);
}

#[test]
fn a_file_that_cannot_be_written_is_said_once_and_the_run_goes_on() {
    let run = run_child(
        &["recorded::g1::t1", "--ignored", "--test-threads=4"],
        &[("WS_TEST_REPORT", "/nonexistent-directory/records.jsonl")],
    );
    run.assert_exit_code(0);
    assert!(run.stdout.contains("10 passed"), "stdout:\n{}", run.stdout);
    assert_eq!(
        run.stderr
            .matches(
                "warning: ws-test cannot append test records to WS_TEST_REPORT=/nonexistent-directory/records.jsonl: \
                 No such file or directory (os error 2); the run goes on without them"
            )
            .count(),
        1,
        "stderr:\n{}",
        run.stderr
    );
}
