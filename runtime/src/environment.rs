//! `WS_TEST_*` environment variables: defaults a whole test run can change without touching the code, e.g.
//! `WS_TEST_TIMEOUT=5m cargo test` on a slow machine. An explicit builder call or attribute argument wins. A value
//! that does not parse is an error naming the variable, so a typo never silently falls back to the default.

use std::time::Duration;

use crate::duration::parse_duration;

/// The budget in `variable`, `None` when unset.
pub(crate) fn budget(variable: &str) -> Result<Option<Duration>, String> {
    parsed(variable, |text| {
        parse_duration(text).map_err(|problem| format!("is not a valid budget: {problem}"))
    })
}

/// The choice named in `variable`, `None` when unset; `expected` lists the names `from_name` knows.
pub(crate) fn choice<T>(variable: &str, from_name: fn(&str) -> Option<T>, expected: &str) -> Result<Option<T>, String> {
    parsed(variable, |text| {
        from_name(text).ok_or_else(|| format!("is not one of {expected}"))
    })
}

/// The value of `variable` as `parse` reads it, `None` when unset. `parse` says what is wrong with a value it
/// refuses, as a phrase that follows the variable and its value.
pub(crate) fn parsed<T>(variable: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Option<T>, String> {
    match std::env::var(variable) {
        Ok(text) => parse(text.trim())
            .map(Some)
            .map_err(|problem| format!("the environment variable {variable}={text:?} {problem}")),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(text)) => Err(format!(
            "the environment variable {variable}={text:?} is not valid UTF-8"
        )),
    }
}
