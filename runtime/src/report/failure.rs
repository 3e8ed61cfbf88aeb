//! Failure messages. Each says what happened and how to fix it; the report adds the test's name and both clocks.

use std::fmt::Write;

use crate::report::ClockReading;

#[derive(Debug)]
pub(crate) struct Failure {
    /// What kind of failure, as the machine-readable record names it.
    pub(crate) kind: Kind,
    /// Reads after "test `name` ", e.g. "timed out: still running after its real-time budget of 2s".
    pub(crate) summary: String,
    /// One line each, listed under the summary: the panics, the spawn locations.
    pub(crate) details: Vec<String>,
    /// What to do about it, including how to opt out where there is a way.
    pub(crate) help: String,
}

/// The kinds of failure, one per guard that can fail a test (and the body's own panic).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The body panicked.
    Panic,
    /// A spawned task or background service panicked.
    TaskPanic,
    /// Tasks were still alive after the body returned.
    Leak,
    /// Every task waited and nothing could wake them.
    Deadlock,
    /// The real-time budget ran out.
    Timeout,
    /// The real-time budget ran out and the test's thread did not return from a blocking call.
    Stuck,
    /// The virtual clock ran past the virtual budget.
    VirtualTimeout,
    /// The runtime's thread blocked without using the CPU.
    BlockedEventLoop,
    /// A network call outside the allowed hosts: a real connection escaped the mocks.
    Network,
}

impl Kind {
    /// A failure whose next question is "waiting where?": its report lists where the body and each task wait, when
    /// the build has tokio's task dumps.
    pub(crate) fn asks_where_tasks_wait(self) -> bool {
        matches!(self, Kind::Deadlock | Kind::Timeout | Kind::VirtualTimeout | Kind::Leak)
    }

    /// The name in `WS_TEST_REPORT` records: stable, lower case, one word.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Panic => "panic",
            Kind::TaskPanic => "task_panic",
            Kind::Leak => "leak",
            Kind::Deadlock => "deadlock",
            Kind::Timeout => "timeout",
            Kind::Stuck => "stuck",
            Kind::VirtualTimeout => "virtual_timeout",
            Kind::BlockedEventLoop => "blocked_event_loop",
            Kind::Network => "network",
        }
    }
}

/// The whole message: one failure reads as a sentence, several as a numbered list with the body's own failure first.
/// The clocks stay on the first line; details are listed under their failure.
pub(crate) fn render(test_name: &str, clocks: ClockReading, failures: &[Failure]) -> String {
    let mut report = String::new();
    if let [failure] = failures {
        let _ = write!(report, "test `{test_name}` {} ({clocks})", failure.summary);
        write_details(&mut report, failure);
        let _ = write!(report, "\nhelp: {}", failure.help);
        return report;
    }
    let _ = write!(
        report,
        "test `{test_name}` failed in {} ways ({clocks}):",
        failures.len()
    );
    for (number, failure) in failures.iter().enumerate() {
        // "test `x` failed: a task panicked" reads well alone; in the list the "failed: " would be said twice.
        let summary = failure.summary.strip_prefix("failed: ").unwrap_or(&failure.summary);
        let _ = write!(report, "\n{}. {summary}", number + 1);
        write_details(&mut report, failure);
        let _ = write!(report, "\n   help: {}", failure.help);
    }
    report
}

fn write_details(report: &mut String, failure: &Failure) {
    for detail in &failure.details {
        let _ = write!(report, "\n   - {detail}");
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn reading() -> ClockReading {
        ClockReading {
            virtual_elapsed: Duration::from_secs(12),
            real_elapsed: Duration::from_millis(4),
        }
    }

    #[test]
    fn one_failure_reads_as_a_sentence_with_both_clocks() {
        let failure = Failure {
            kind: Kind::Timeout,
            summary: "timed out".into(),
            details: Vec::new(),
            help: "raise the budget".into(),
        };
        assert_eq!(
            render("suite::case", reading(), &[failure]),
            "test `suite::case` timed out (virtual 12.000s, real 0.004s)\nhelp: raise the budget"
        );
    }

    #[test]
    fn details_are_listed_under_the_headline_which_keeps_the_clocks() {
        let failure = Failure {
            kind: Kind::TaskPanic,
            summary: "failed: a spawned task panicked (2 panics in all)".into(),
            details: vec!["at a.rs:1:1: boom".into(), "at b.rs:2:2: bang".into()],
            help: "fix them".into(),
        };
        assert_eq!(
            render("suite::case", reading(), &[failure]),
            "test `suite::case` failed: a spawned task panicked (2 panics in all) (virtual 12.000s, real 0.004s)\n\
             \x20  - at a.rs:1:1: boom\n   - at b.rs:2:2: bang\nhelp: fix them"
        );
    }

    #[test]
    fn several_failures_are_numbered_in_order() {
        let failures = [
            Failure {
                kind: Kind::Panic,
                summary: "panicked: boom".into(),
                details: Vec::new(),
                help: "see above".into(),
            },
            Failure {
                kind: Kind::Leak,
                summary: "leaked 2 tasks".into(),
                details: vec!["spawned at a.rs:1:1".into(), "spawned at b.rs:2:2".into()],
                help: "stop them".into(),
            },
        ];
        assert_eq!(
            render("suite::case", reading(), &failures),
            "test `suite::case` failed in 2 ways (virtual 12.000s, real 0.004s):\n\
             1. panicked: boom\n   help: see above\n\
             2. leaked 2 tasks\n   - spawned at a.rs:1:1\n   - spawned at b.rs:2:2\n   help: stop them"
        );
    }
}
