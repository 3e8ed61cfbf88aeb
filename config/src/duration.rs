//! Budgets written as text: `"250ms"`, `"10s"`, `"2m"`, `"1h"`, `"1m30s"`, `"1.5s"`, read by the attribute at compile
//! time and from `WS_TEST_*` variables at run time, and written back the same way in failure messages.

use std::time::Duration;

/// What every budget error ends with, so users see the accepted spellings.
pub const DURATION_FORMAT_HELP: &str =
    "expected a duration such as \"250ms\", \"10s\", \"2m\", \"1h\" or \"1m30s\" (units: ns, us, µs, ms, s, m, h)";

/// The longest budget accepted: ten years. Real-time budgets never need it; a virtual-time budget may cover years of
/// protocol time (certificate rotation), and anything longer would overflow a deadline computed from it.
///
/// ```
/// assert!(ws_test_config::parse_duration("87600h").is_ok());
/// assert!(ws_test_config::parse_duration("87601h").is_err());
/// ```
pub const MAX_BUDGET: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// Parses a budget: one or more `<number><unit>` parts, summed. Zero is refused, because a budget of zero would fail
/// every test at once, and so is anything longer than [`MAX_BUDGET`].
///
/// ```
/// use std::time::Duration;
///
/// assert_eq!(ws_test_config::parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
/// assert!(ws_test_config::parse_duration("10 parsecs").unwrap_err().contains("expected a duration such as"));
/// ```
///
/// # Errors
///
/// A message that quotes the text and lists the accepted spellings.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("empty duration: {DURATION_FORMAT_HELP}"));
    }
    let too_long = || {
        format!(
            "`{trimmed}` is longer than the longest budget, {} (ten years)",
            budget_text(MAX_BUDGET)
        )
    };
    let mut total_nanos: u128 = 0;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let number_length = rest
            .find(|character: char| !(character.is_ascii_digit() || character == '.'))
            .unwrap_or(rest.len());
        let (number, after_number) = rest.split_at(number_length);
        // `is_alphabetic`, not `is_ascii_alphabetic`: `µs` is a unit.
        let unit_length = after_number
            .find(|character: char| !character.is_alphabetic())
            .unwrap_or(after_number.len());
        let (unit, after_unit) = after_number.split_at(unit_length);
        if number.is_empty() || unit.is_empty() {
            return Err(format!("`{trimmed}` is not a duration: {DURATION_FORMAT_HELP}"));
        }
        let nanos_per_unit: u128 = match unit {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" | "min" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!("unknown unit `{unit}` in `{trimmed}`: {DURATION_FORMAT_HELP}"));
            }
        };
        let part = scaled_nanos(number, nanos_per_unit)
            .ok_or_else(|| format!("`{trimmed}` is not a duration: {DURATION_FORMAT_HELP}"))?;
        total_nanos = total_nanos.checked_add(part).ok_or_else(too_long)?;
        rest = after_unit;
    }
    if total_nanos == 0 {
        return Err(format!(
            "`{trimmed}` is zero: a zero budget would fail every test at once; {DURATION_FORMAT_HELP}"
        ));
    }
    if total_nanos > MAX_BUDGET.as_nanos() {
        return Err(too_long());
    }
    let seconds = u64::try_from(total_nanos / 1_000_000_000).map_err(|_| too_long())?;
    // The remainder is below one billion, so it fits.
    let subsecond_nanos = (total_nanos % 1_000_000_000) as u32;
    Ok(Duration::new(seconds, subsecond_nanos))
}

/// `number` (digits with at most one `.`) times `nanos_per_unit`, or `None` when malformed. A number too large for
/// any budget saturates, to be refused as too long. Fractions finer than a nanosecond are dropped.
fn scaled_nanos(number: &str, nanos_per_unit: u128) -> Option<u128> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return None;
    }
    let whole_value: u128 = if whole.is_empty() {
        0
    } else {
        // Only digits get here: a failure means too many of them.
        whole.parse().unwrap_or(u128::MAX)
    };
    let mut nanos = whole_value.saturating_mul(nanos_per_unit);
    let mut place = nanos_per_unit;
    for digit in fraction.bytes() {
        place /= 10;
        nanos = nanos.saturating_add(u128::from(digit - b'0') * place);
    }
    Some(nanos)
}

/// A budget as the attribute would take it: `1h`, `1m30s`, `250ms`, `1s500ms`; what failure messages print.
///
/// ```
/// use std::time::Duration;
///
/// assert_eq!(ws_test_config::budget_text(Duration::from_secs(5400)), "1h30m");
/// assert_eq!(ws_test_config::budget_text(Duration::from_millis(250)), "250ms");
/// ```
pub fn budget_text(budget: Duration) -> String {
    let seconds = budget.as_secs();
    let parts = [
        (seconds / 3600, "h"),
        (seconds % 3600 / 60, "m"),
        (seconds % 60, "s"),
        (u64::from(budget.subsec_millis()), "ms"),
        (u64::from(budget.subsec_nanos() % 1_000_000), "ns"),
    ];
    let text: String = parts
        .iter()
        .filter(|(amount, _)| *amount > 0)
        .map(|(amount, unit)| format!("{amount}{unit}"))
        .collect();
    if text.is_empty() { "0s".to_string() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_documented_spelling() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration(" 7us "), Ok(Duration::from_micros(7)));
        assert_eq!(parse_duration("10µs"), Ok(Duration::from_micros(10)));
        assert_eq!(parse_duration("3ns"), Ok(Duration::from_nanos(3)));
        assert_eq!(parse_duration("87600h"), Ok(MAX_BUDGET));
    }

    #[test]
    fn refuses_malformed_and_zero_with_the_accepted_spellings() {
        for text in ["", "10", "s", "ten seconds", "10 parsecs", "1..5s", "10s!", "-1s"] {
            let error = parse_duration(text).expect_err(text);
            assert!(error.contains(DURATION_FORMAT_HELP), "{text}: {error}");
        }
        assert_eq!(
            parse_duration("10parsecs"),
            Err(format!("unknown unit `parsecs` in `10parsecs`: {DURATION_FORMAT_HELP}"))
        );
        let zero = parse_duration("0s").expect_err("zero");
        assert!(
            zero.starts_with("`0s` is zero: a zero budget would fail every test at once"),
            "{zero}"
        );
    }

    #[test]
    fn refuses_budgets_beyond_ten_years_however_written() {
        for text in [
            "87600h1ns",
            "18446744073709551615s",
            "5124095576030431h",
            "99999999999999999999999999h",
            "999999999999999999999999999999999999999999s",
        ] {
            assert_eq!(
                parse_duration(text),
                Err(format!(
                    "`{text}` is longer than the longest budget, 87600h (ten years)"
                )),
                "{text}"
            );
        }
    }

    #[test]
    fn budgets_print_as_the_attribute_spells_them() {
        assert_eq!(budget_text(Duration::from_secs(3600)), "1h");
        assert_eq!(budget_text(Duration::from_secs(5400)), "1h30m");
        assert_eq!(budget_text(Duration::from_secs(60)), "1m");
        assert_eq!(budget_text(Duration::from_secs(90)), "1m30s");
        assert_eq!(budget_text(Duration::from_secs(2)), "2s");
        assert_eq!(budget_text(Duration::from_millis(250)), "250ms");
        assert_eq!(budget_text(Duration::from_millis(1500)), "1s500ms");
        assert_eq!(budget_text(Duration::ZERO), "0s");
        for budget in [
            Duration::from_secs(5400),
            Duration::from_millis(1500),
            Duration::from_nanos(1_000_001),
            MAX_BUDGET,
        ] {
            assert_eq!(
                parse_duration(&budget_text(budget)),
                Ok(budget),
                "the parser reads it back"
            );
        }
    }
}
