//! `WS_TEST_*` environment variables: defaults a whole test run can change without touching the code, e.g.
//! `WS_TEST_TIMEOUT=5m cargo test` on a slow machine. An explicit builder call or attribute argument wins. A value
//! that does not parse is an error naming the variable, so a typo never silently falls back to the default. They are
//! read once per test process, when its first test starts: they are set when a run is launched, and reading them for
//! every test would cost each test more than building its runtime.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use crate::config::{Deadlock, IoGrace, Leaks, MaxBlocking, Named, parse_duration};

/// Each variable as read: unset (`Ok(None)`), a value, or what is wrong with it.
pub(crate) struct Defaults {
    pub(crate) timeout: Result<Option<Duration>, String>,
    pub(crate) virtual_timeout: Result<Option<Duration>, String>,
    pub(crate) leaks: Result<Option<Leaks>, String>,
    pub(crate) deadlock: Result<Option<Deadlock>, String>,
    pub(crate) max_blocking: Result<Option<MaxBlocking>, String>,
    pub(crate) io_grace: Result<Option<IoGrace>, String>,
    /// `WS_TEST_REPORT`: the file each test appends its JSON line to; unset or empty for none.
    pub(crate) report: Option<PathBuf>,
}

static DEFAULTS: OnceLock<Defaults> = OnceLock::new();

pub(crate) fn defaults() -> &'static Defaults {
    DEFAULTS.get_or_init(|| Defaults {
        timeout: budget("WS_TEST_TIMEOUT"),
        virtual_timeout: budget("WS_TEST_VIRTUAL_TIMEOUT"),
        leaks: choice::<Leaks>("WS_TEST_LEAKS"),
        deadlock: choice::<Deadlock>("WS_TEST_DEADLOCK"),
        max_blocking: parsed("WS_TEST_MAX_BLOCKING", MaxBlocking::from_text),
        io_grace: parsed("WS_TEST_IO_GRACE", IoGrace::from_text),
        report: std::env::var_os("WS_TEST_REPORT")
            .filter(|path| !path.is_empty())
            .map(PathBuf::from),
    })
}

/// The budget in `variable`, `None` when unset.
fn budget(variable: &str) -> Result<Option<Duration>, String> {
    parsed(variable, parse_duration)
}

/// The choice named in `variable`, `None` when unset.
fn choice<T: Named>(variable: &str) -> Result<Option<T>, String> {
    parsed(variable, T::from_name)
}

/// The value of `variable` as `parse` reads it, `None` when unset. What `parse` says of a value it refuses follows
/// the variable and its value, in the words the attribute uses for the same mistake.
fn parsed<T>(variable: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Option<T>, String> {
    match std::env::var(variable) {
        Ok(text) => parse(text.trim())
            .map(Some)
            .map_err(|problem| format!("the environment variable {variable}={text:?} is not valid: {problem}")),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(text)) => Err(format!(
            "the environment variable {variable}={text:?} is not valid UTF-8"
        )),
    }
}
