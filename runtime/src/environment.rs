//! `WS_TEST_*` environment variables: defaults a whole test run can change without touching the code, e.g.
//! `WS_TEST_TIMEOUT=5m cargo test` on a slow machine. An explicit builder call or attribute argument wins.

use std::time::Duration;

use crate::duration::parse_duration;

/// The budget in `variable`, `None` when unset. A value that does not parse is an error naming the variable, so a
/// typo never silently falls back to the default.
pub(crate) fn budget(variable: &str) -> Result<Option<Duration>, String> {
    match std::env::var(variable) {
        Ok(text) => parse_duration(&text).map(Some).map_err(|problem| {
            format!("the environment variable {variable}={text:?} is not a valid budget: {problem}")
        }),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(text)) => Err(format!(
            "the environment variable {variable}={text:?} is not valid UTF-8"
        )),
    }
}

/// The choice named in `variable`, `None` when unset; a name `from_name` does not know is an error listing `expected`.
pub(crate) fn choice<T>(variable: &str, from_name: fn(&str) -> Option<T>, expected: &str) -> Result<Option<T>, String> {
    match std::env::var(variable) {
        Ok(text) => from_name(text.trim())
            .map(Some)
            .ok_or_else(|| format!("the environment variable {variable}={text:?} is not one of {expected}")),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(text)) => Err(format!(
            "the environment variable {variable}={text:?} is not valid UTF-8"
        )),
    }
}
