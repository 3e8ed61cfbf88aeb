//! `WS_TEST_*` environment variables: defaults a whole test run can change without touching the code, e.g.
//! `WS_TEST_TIMEOUT=5m cargo test` on a slow machine. An explicit builder call or attribute argument wins. A value
//! that does not parse is an error naming the variable, so a typo never silently falls back to the default. They are
//! read once per test process, when its first test starts: they are set when a run is launched, and reading them for
//! every test would cost each test more than building its runtime.

use std::sync::OnceLock;
use std::time::Duration;

use crate::builder::{Deadlock, Leaks, MaxBlocking};
use crate::duration::parse_duration;

/// Each variable as read: unset (`Ok(None)`), a value, or what is wrong with it.
pub(crate) struct Defaults {
    pub(crate) timeout: Result<Option<Duration>, String>,
    pub(crate) virtual_timeout: Result<Option<Duration>, String>,
    pub(crate) leaks: Result<Option<Leaks>, String>,
    pub(crate) deadlock: Result<Option<Deadlock>, String>,
    pub(crate) max_blocking: Result<Option<MaxBlocking>, String>,
}

static DEFAULTS: OnceLock<Defaults> = OnceLock::new();

pub(crate) fn defaults() -> &'static Defaults {
    DEFAULTS.get_or_init(|| Defaults {
        timeout: budget("WS_TEST_TIMEOUT"),
        virtual_timeout: budget("WS_TEST_VIRTUAL_TIMEOUT"),
        leaks: choice("WS_TEST_LEAKS", Leaks::from_name, "deny, warn or allow"),
        deadlock: choice("WS_TEST_DEADLOCK", Deadlock::from_name, "deny or off"),
        max_blocking: parsed("WS_TEST_MAX_BLOCKING", |text| {
            MaxBlocking::from_name(text).map_err(|problem| format!("is neither off nor a valid limit: {problem}"))
        }),
    })
}

/// The budget in `variable`, `None` when unset.
fn budget(variable: &str) -> Result<Option<Duration>, String> {
    parsed(variable, |text| {
        parse_duration(text).map_err(|problem| format!("is not a valid budget: {problem}"))
    })
}

/// The choice named in `variable`, `None` when unset; `expected` lists the names `from_name` knows.
fn choice<T>(variable: &str, from_name: fn(&str) -> Option<T>, expected: &str) -> Result<Option<T>, String> {
    parsed(variable, |text| {
        from_name(text).ok_or_else(|| format!("is not one of {expected}"))
    })
}

/// The value of `variable` as `parse` reads it, `None` when unset. `parse` says what is wrong with a value it
/// refuses, as a phrase that follows the variable and its value.
fn parsed<T>(variable: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Option<T>, String> {
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
