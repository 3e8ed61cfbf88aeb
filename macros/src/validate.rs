//! Mistakes that only show when the arguments are compared with each other. Judged only once every argument was
//! read: with a misspelled flavor, "worker_threads requires multi_thread" would blame the wrong argument.

use ws_test_config::{Deadlock, Flavor, IoGrace, UnhandledPanic};

use crate::args::Arguments;
use crate::errors::Errors;

/// `body_pauses`: the body calls tokio's `pause()`, so the test starts in real time unless `start_paused` says
/// otherwise.
pub(crate) fn validate(arguments: &Arguments, body_pauses: bool) -> Errors {
    let mut errors = Errors::default();
    let flavor = arguments.flavor();
    if let (Flavor::CurrentThread | Flavor::Local, Some(worker_threads)) = (flavor, &arguments.worker_threads) {
        errors.push(syn::Error::new_spanned(
            &worker_threads.tokens,
            "The `worker_threads` option requires the `multi_thread` runtime flavor. \
             Use `#[ws_test(flavor = \"multi_thread\")]`",
        ));
    }
    let real_time = if flavor == Flavor::MultiThread {
        Some("`flavor = \"multi_thread\"`")
    } else {
        match &arguments.start_paused {
            Some(start_paused) if !start_paused.value => Some("`start_paused = false`"),
            None if body_pauses => Some("a body that calls `tokio::time::pause()`"),
            _ => None,
        }
    };
    if let Some(real_time) = real_time {
        let needs_paused_clock = [
            (
                "virtual_timeout",
                arguments.virtual_timeout.as_ref().map(|argument| &argument.tokens),
            ),
            (
                "deadlock",
                arguments
                    .deadlock
                    .as_ref()
                    .filter(|argument| argument.value == Deadlock::Deny)
                    .map(|argument| &argument.tokens),
            ),
            (
                "io_grace",
                arguments
                    .io_grace
                    .as_ref()
                    .filter(|argument| argument.value != IoGrace::Off)
                    .map(|argument| &argument.tokens),
            ),
        ];
        for (name, tokens) in needs_paused_clock {
            if let Some(tokens) = tokens {
                errors.push(syn::Error::new_spanned(
                    tokens,
                    format!(
                        "`{name}` needs the paused clock, and with {real_time} the test runs in real time: \
                         use `timeout` for its real-time budget"
                    ),
                ));
            }
        }
    }
    if flavor == Flavor::MultiThread {
        if let Some(start_paused) = &arguments.start_paused {
            errors.push(requires_current_thread("start_paused", &start_paused.tokens));
        }
        // tokio's own `shutdown_runtime` is refused on multi_thread as tokio refuses it; `ignore` stays possible
        // there, because multi_thread tests need a way to expect a task's panic.
        if let Some(unhandled_panic) = &arguments.unhandled_panic {
            if unhandled_panic.value == UnhandledPanic::ShutdownRuntime {
                errors.push(requires_current_thread("unhandled_panic", &unhandled_panic.tokens));
            }
        }
    }
    errors
}

fn requires_current_thread(name: &str, tokens: &proc_macro2::TokenStream) -> syn::Error {
    syn::Error::new_spanned(
        tokens,
        format!(
            "The `{name}` option requires the `current_thread` runtime flavor. \
             Use `#[ws_test(flavor = \"current_thread\")]` (a multi_thread runtime always runs in real time)"
        ),
    )
}
