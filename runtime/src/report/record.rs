//! Machine-readable records of every test, for CI dashboards: with `WS_TEST_REPORT=path.jsonl`, each test appends
//! one JSON line to the file, e.g.
//!
//! ```text
//! {"test":"chat::idle_close","outcome":"failed","failures":["leak"],"virtual_seconds":60.000,"real_seconds":0.012,"tasks_alive":1,"quiet_tasks":0}
//! ```
//!
//! `outcome` is `passed`, `failed` (a guard's report, or several failures), `panicked` (the body's own panic alone,
//! which `#[should_panic]` may expect) or `stuck` (the process was ended because the test's thread was stuck in a
//! blocking call). `tasks_alive` counts the tasks alive when the body ended (`null` when it cannot be known), and
//! `quiet_tasks` those of them found only waiting afterwards, which were dropped at shutdown as tokio drops them. Test
//! threads and test processes (nextest runs one per test) append to the same file: each line is one `write` to a
//! file opened with `O_APPEND`, which the kernel places whole at the end, so lines never interleave.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::report::{ClockReading, Kind};

/// How a test ended, as its record says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Passed,
    Failed,
    Panicked,
    Stuck,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Panicked => "panicked",
            Outcome::Stuck => "stuck",
        }
    }
}

/// One test's record.
pub(crate) struct Record<'a> {
    pub(crate) test_name: &'a str,
    pub(crate) outcome: Outcome,
    pub(crate) failures: &'a [Kind],
    pub(crate) clocks: ClockReading,
    pub(crate) tasks_alive: Option<usize>,
    /// The tasks left that only waited (`leaks = "deny"` or `"warn"`), dropped at shutdown.
    pub(crate) quiet_tasks: Option<usize>,
}

/// Appends `record` to the file at `path` as one line. A file that cannot be written is said once per process, on
/// stderr past libtest's capture: the run goes on, but its owner learns that the dashboard misses it.
pub(crate) fn append(path: &Path, record: &Record<'_>) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    let line = json_line(record);
    let written = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    if let Err(error) = written {
        if WARNED.swap(true, Ordering::Relaxed) {
            return;
        }
        let _ = writeln!(
            std::io::stderr(),
            "warning: ws-test cannot append test records to WS_TEST_REPORT={}: {error}; the run goes on without them",
            path.display()
        );
    }
}

fn json_line(record: &Record<'_>) -> String {
    let failures: Vec<String> = record
        .failures
        .iter()
        .map(|kind| format!("\"{}\"", kind.name()))
        .collect();
    let count = |count: Option<usize>| count.map_or_else(|| "null".to_string(), |count| count.to_string());
    let (tasks_alive, quiet_tasks) = (count(record.tasks_alive), count(record.quiet_tasks));
    format!(
        "{{\"test\":{},\"outcome\":\"{}\",\"failures\":[{}],\"virtual_seconds\":{:.3},\"real_seconds\":{:.3},\"tasks_alive\":{tasks_alive},\"quiet_tasks\":{quiet_tasks}}}\n",
        json_string(record.test_name),
        record.outcome.name(),
        failures.join(","),
        record.clocks.virtual_elapsed.as_secs_f64(),
        record.clocks.real_elapsed.as_secs_f64(),
    )
}

/// `text` as a JSON string: quotes, backslashes and control characters escaped (RFC 8259, section 7). Test names are
/// Rust paths, but a builder's name is any string.
fn json_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            control if u32::from(control) < 0x20 => quoted.push_str(&format!("\\u{:04x}", u32::from(control))),
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_record_is_one_line_of_json_with_every_field() {
        let record = Record {
            test_name: "suite::case",
            outcome: Outcome::Failed,
            failures: &[Kind::Deadlock, Kind::Leak],
            clocks: ClockReading {
                virtual_elapsed: Duration::from_secs(12),
                real_elapsed: Duration::from_millis(4),
            },
            tasks_alive: Some(3),
            quiet_tasks: Some(1),
        };
        assert_eq!(
            json_line(&record),
            "{\"test\":\"suite::case\",\"outcome\":\"failed\",\"failures\":[\"deadlock\",\"leak\"],\
             \"virtual_seconds\":12.000,\"real_seconds\":0.004,\"tasks_alive\":3,\"quiet_tasks\":1}\n"
        );
    }

    #[test]
    fn names_are_escaped_and_an_unknown_count_is_null() {
        let record = Record {
            test_name: "a \"quoted\"\\name\n\u{1}",
            outcome: Outcome::Stuck,
            failures: &[Kind::Stuck],
            clocks: ClockReading {
                virtual_elapsed: Duration::ZERO,
                real_elapsed: Duration::from_secs(2),
            },
            tasks_alive: None,
            quiet_tasks: None,
        };
        assert_eq!(
            json_line(&record),
            "{\"test\":\"a \\\"quoted\\\"\\\\name\\n\\u0001\",\"outcome\":\"stuck\",\"failures\":[\"stuck\"],\
             \"virtual_seconds\":0.000,\"real_seconds\":2.000,\"tasks_alive\":null,\"quiet_tasks\":null}\n"
        );
    }
}
