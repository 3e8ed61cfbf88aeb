//! Budgets written as text: `"250ms"`, `"10s"`, `"2m"`, `"1h"`, `"1m30s"`, `"1.5s"`.
//!
//! This one file is compiled into both crates: the macro parses attribute arguments at compile time and the runtime
//! parses `WS_TEST_*` environment variables, and both must accept exactly the same spellings.
//! `macros/src/duration.rs` is a symbolic link to this file (cargo packages the link's target), so it may use
//! nothing but `std`.

use std::time::Duration;

/// What every budget error ends with, so users see the accepted spellings.
pub(crate) const DURATION_FORMAT_HELP: &str =
    "expected a duration such as \"250ms\", \"10s\", \"2m\", \"1h\" or \"1m30s\" (units: ns, us, ms, s, m, h)";

/// Parses a budget: one or more `<number><unit>` parts, largest unit first or not, summed. Zero is refused,
/// because a budget of zero would fail every test at once.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("empty duration: {DURATION_FORMAT_HELP}"));
    }
    let mut total_nanos: u128 = 0;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let number_length = rest
            .find(|character: char| !(character.is_ascii_digit() || character == '.'))
            .unwrap_or(rest.len());
        let (number, after_number) = rest.split_at(number_length);
        let unit_length = after_number
            .find(|character: char| !character.is_ascii_alphabetic())
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
        total_nanos = total_nanos
            .checked_add(
                scaled_nanos(number, nanos_per_unit)
                    .ok_or_else(|| format!("`{trimmed}` is not a duration: {DURATION_FORMAT_HELP}"))?,
            )
            .ok_or_else(|| format!("`{trimmed}` is too long a duration"))?;
        rest = after_unit;
    }
    if total_nanos == 0 {
        return Err(format!(
            "`{trimmed}` is zero: a zero budget would fail every test at once; {DURATION_FORMAT_HELP}"
        ));
    }
    let seconds =
        u64::try_from(total_nanos / 1_000_000_000).map_err(|_| format!("`{trimmed}` is too long a duration"))?;
    // The remainder is below one billion, so it fits.
    let subsecond_nanos = (total_nanos % 1_000_000_000) as u32;
    Ok(Duration::new(seconds, subsecond_nanos))
}

/// `number` (digits with at most one `.`) times `nanos_per_unit`, or `None` when malformed or too large.
/// Fractions finer than a nanosecond are dropped.
fn scaled_nanos(number: &str, nanos_per_unit: u128) -> Option<u128> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
        return None;
    }
    let whole_value: u128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut nanos = whole_value.checked_mul(nanos_per_unit)?;
    let mut place = nanos_per_unit;
    for digit in fraction.bytes() {
        place /= 10;
        nanos = nanos.checked_add(u128::from(digit - b'0') * place)?;
    }
    Some(nanos)
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
        assert_eq!(parse_duration("3ns"), Ok(Duration::from_nanos(3)));
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
    fn refuses_overflow() {
        assert_eq!(
            parse_duration("99999999999999999999999999h"),
            Err(format!(
                "`99999999999999999999999999h` is not a duration: {DURATION_FORMAT_HELP}"
            ))
        );
    }
}
