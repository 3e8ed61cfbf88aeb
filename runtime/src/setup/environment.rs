//! `WS_TEST_*` environment variables: defaults a whole test run can change without touching the code, e.g.
//! `WS_TEST_TIMEOUT=5m cargo test` on a slow machine. An explicit builder call or attribute argument wins. A value
//! that does not parse is an error naming the variable, so a typo never silently falls back to the default. They are
//! read once per test process, when its first test starts: they are set when a run is launched, and reading them for
//! every test would cost each test more than building its runtime. So is whether libtest shows a passing test's
//! output at all.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use crate::config::{Deadlock, IoGrace, Leaks, MaxBlocking, Named, Network, parse_duration};

/// Each variable as read: unset (`Ok(None)`), a value, or what is wrong with it.
pub(crate) struct Defaults {
    pub(crate) timeout: Result<Option<Duration>, String>,
    pub(crate) virtual_timeout: Result<Option<Duration>, String>,
    pub(crate) leaks: Result<Option<Leaks>, String>,
    pub(crate) deadlock: Result<Option<Deadlock>, String>,
    pub(crate) max_blocking: Result<Option<MaxBlocking>, String>,
    pub(crate) io_grace: Result<Option<IoGrace>, String>,
    pub(crate) network: Result<Option<Network>, String>,
    /// `WS_TEST_REPORT`: the file each test appends its JSON line to; unset or empty for none.
    pub(crate) report: Option<PathBuf>,
    /// Whether what a passing test prints is shown: libtest shows it with `--nocapture` (or `--no-capture`),
    /// `--show-output` or `RUST_TEST_NOCAPTURE`, and cargo nextest, which captures by itself, passes `--nocapture`.
    /// Otherwise libtest captures it and throws it away, and the `passed` line would be formatted for nobody: about
    /// 5 k instructions per test in a debug build, a tenth of what the harness costs.
    pub(crate) passing_output_shown: bool,
}

static DEFAULTS: OnceLock<Defaults> = OnceLock::new();

pub(crate) fn defaults() -> &'static Defaults {
    // Read once; every test asks, and `get` is the shorter path in a debug build.
    if let Some(defaults) = DEFAULTS.get() {
        return defaults;
    }
    DEFAULTS.get_or_init(|| Defaults {
        timeout: budget("WS_TEST_TIMEOUT"),
        virtual_timeout: budget("WS_TEST_VIRTUAL_TIMEOUT"),
        leaks: choice::<Leaks>("WS_TEST_LEAKS"),
        deadlock: choice::<Deadlock>("WS_TEST_DEADLOCK"),
        max_blocking: parsed("WS_TEST_MAX_BLOCKING", MaxBlocking::from_text),
        io_grace: parsed("WS_TEST_IO_GRACE", IoGrace::from_text),
        network: parsed("WS_TEST_NETWORK", Network::from_text),
        report: std::env::var_os("WS_TEST_REPORT")
            .filter(|path| !path.is_empty())
            .map(PathBuf::from),
        passing_output_shown: passing_output_shown(
            std::env::args_os().skip(1),
            std::env::var_os("RUST_TEST_NOCAPTURE"),
        ),
    })
}

/// libtest's own rule: one of its flags for it, or `RUST_TEST_NOCAPTURE` set to anything but `0`.
fn passing_output_shown(arguments: impl IntoIterator<Item = OsString>, rust_test_nocapture: Option<OsString>) -> bool {
    arguments
        .into_iter()
        .any(|argument| ["--nocapture", "--no-capture", "--show-output"].contains(&argument.to_str().unwrap_or("")))
        || rust_test_nocapture.is_some_and(|value| value != "0")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(arguments: &[&str], rust_test_nocapture: Option<&str>) -> bool {
        passing_output_shown(
            arguments.iter().map(OsString::from),
            rust_test_nocapture.map(OsString::from),
        )
    }

    #[test]
    fn libtest_shows_passing_output_with_its_flags_or_its_variable() {
        assert!(shown(&["--exact", "t", "--nocapture"], None));
        assert!(shown(&["--no-capture"], None));
        assert!(shown(&["--show-output", "--quiet"], None));
        assert!(shown(&[], Some("1")));
        assert!(shown(&[], Some("")));
    }

    #[test]
    fn libtest_captures_and_drops_it_otherwise() {
        assert!(!shown(&[], None));
        assert!(!shown(&["--test-threads=1", "--exact", "nocapture"], None));
        assert!(!shown(&["--exact", "--nocapture_test"], None));
        assert!(!shown(&[], Some("0")));
    }
}
