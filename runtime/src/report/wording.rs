//! Words that several messages share, written once so that they read alike everywhere.

use std::fmt;
use std::time::Duration;

pub(crate) use ws_test_config::budget_text;

/// `1 task`, `3 tasks`.
pub(crate) fn count(amount: usize, one: &str, many: &str) -> String {
    match amount {
        1 => format!("1 {one}"),
        more => format!("{more} {many}"),
    }
}

/// The message of a panic payload (`panic!` with a message always has one), or a phrase that says there is none.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}

/// A time in seconds to the millisecond, `12.000s`, as both clocks are shown. Integer arithmetic: every passing test
/// prints its clocks, and float formatting would cost it more than tokio's own runtime setup.
pub(crate) fn seconds(elapsed: Duration) -> impl fmt::Display {
    struct Seconds(Duration);
    impl fmt::Display for Seconds {
        fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(formatter, "{}.{:03}s", self.0.as_secs(), self.0.subsec_millis())
        }
    }
    Seconds(elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_english() {
        assert_eq!(count(1, "task", "tasks"), "1 task");
        assert_eq!(count(0, "task", "tasks"), "0 tasks");
        assert_eq!(count(3, "panic", "panics"), "3 panics");
    }

    #[test]
    fn seconds_show_milliseconds() {
        assert_eq!(seconds(Duration::from_millis(12_004)).to_string(), "12.004s");
        assert_eq!(seconds(Duration::from_micros(3_600_000_999)).to_string(), "3600.000s");
    }

    #[test]
    fn a_panic_without_a_message_says_so() {
        assert_eq!(panic_text(&"boom"), "boom");
        assert_eq!(panic_text(&String::from("bang")), "bang");
        assert_eq!(panic_text(&42_u8), "a panic without a message");
    }
}
