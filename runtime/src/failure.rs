//! Failure messages. Each says what happened and how to fix it; the report adds the test's name and both clocks.

use std::fmt::Write;
use std::time::Duration;

use crate::clock::ClockReading;

#[derive(Debug)]
pub(crate) struct Failure {
    /// Reads after "test `name` ", e.g. "timed out: still running after its real-time budget of 2s".
    pub(crate) summary: String,
    /// What to do about it, including how to opt out where there is a way.
    pub(crate) help: String,
}

/// The whole message: one failure reads as a sentence, several as a numbered list with the body's own failure first.
pub(crate) fn render(test_name: &str, clocks: ClockReading, failures: &[Failure]) -> String {
    let mut report = String::new();
    match failures {
        [failure] => {
            let _ = write!(
                report,
                "test `{test_name}` {} ({clocks})\nhelp: {}",
                failure.summary, failure.help
            );
        }
        _ => {
            let _ = write!(
                report,
                "test `{test_name}` failed in {} ways ({clocks}):",
                failures.len()
            );
            for (number, failure) in failures.iter().enumerate() {
                let _ = write!(
                    report,
                    "\n{}. {}\n   help: {}",
                    number + 1,
                    failure.summary,
                    failure.help
                );
            }
        }
    }
    report
}

/// A budget as the attribute would take it: `2s`, `250ms`, `1.5s`.
pub(crate) fn budget_text(budget: Duration) -> String {
    if budget.subsec_nanos() == 0 {
        format!("{}s", budget.as_secs())
    } else if budget < Duration::from_secs(1) && budget.subsec_nanos() % 1_000_000 == 0 {
        format!("{}ms", budget.as_millis())
    } else {
        format!("{}s", budget.as_secs_f64())
    }
}

/// The message of a panic payload, for the panics that carry one (`panic!` with a message always does).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

#[cfg(test)]
mod tests {
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
            summary: "timed out".into(),
            help: "raise the budget".into(),
        };
        assert_eq!(
            render("suite::case", reading(), &[failure]),
            "test `suite::case` timed out (virtual 12.000s, real 0.004s)\nhelp: raise the budget"
        );
    }

    #[test]
    fn several_failures_are_numbered_in_order() {
        let failures = [
            Failure {
                summary: "panicked: boom".into(),
                help: "see above".into(),
            },
            Failure {
                summary: "timed out".into(),
                help: "raise the budget".into(),
            },
        ];
        assert_eq!(
            render("suite::case", reading(), &failures),
            "test `suite::case` failed in 2 ways (virtual 12.000s, real 0.004s):\n\
             1. panicked: boom\n   help: see above\n\
             2. timed out\n   help: raise the budget"
        );
    }

    #[test]
    fn budgets_print_as_the_attribute_spells_them() {
        assert_eq!(budget_text(Duration::from_secs(60)), "60s");
        assert_eq!(budget_text(Duration::from_millis(250)), "250ms");
        assert_eq!(budget_text(Duration::from_millis(1500)), "1.5s");
    }
}
