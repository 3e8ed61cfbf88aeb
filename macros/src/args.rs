//! The attribute's arguments: parsing each `name = literal`, then validating them together.
//!
//! Adding an argument: a field in [`Arguments`], its name in [`ARGUMENT_NAMES`], one arm in [`Arguments::set`],
//! and its builder call in `expand.rs`. Wording follows tokio-macros wherever tokio has the same mistake.

use std::time::Duration;

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;

use crate::duration::parse_duration;

pub(crate) const ARGUMENT_NAMES: &[&str] = &[
    "flavor",
    "worker_threads",
    "start_paused",
    "crate",
    "unhandled_panic",
    "name",
    "timeout",
    "leaks",
    "virtual_timeout",
    "deadlock",
    "max_blocking",
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    CurrentThread,
    MultiThread,
    Local,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leaks {
    Deny,
    Warn,
    Allow,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Deadlock {
    Deny,
    Off,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MaxBlocking {
    Limit(Duration),
    Off,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnhandledPanic {
    FailAtEnd,
    ShutdownRuntime,
    Ignore,
}

/// A value together with where the user wrote it, for errors found only when arguments are compared.
pub(crate) struct Located<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

/// The arguments exactly as written: `None` means "not given", so expansion emits only what the user asked for.
#[derive(Default)]
pub(crate) struct Arguments {
    pub(crate) flavor: Option<Located<Flavor>>,
    pub(crate) worker_threads: Option<Located<usize>>,
    pub(crate) start_paused: Option<Located<bool>>,
    pub(crate) crate_path: Option<syn::Path>,
    pub(crate) unhandled_panic: Option<Located<UnhandledPanic>>,
    pub(crate) runtime_name: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) leaks: Option<Leaks>,
    pub(crate) virtual_timeout: Option<Located<Duration>>,
    pub(crate) deadlock: Option<Located<Deadlock>>,
    pub(crate) max_blocking: Option<MaxBlocking>,
}

impl Arguments {
    /// Parses and validates; every mistake found is reported, combined into one error.
    pub(crate) fn parse(tokens: TokenStream) -> Result<Arguments, syn::Error> {
        let list = Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated.parse2(tokens)?;
        let mut arguments = Arguments::default();
        let mut errors = Errors::default();
        for meta in list {
            errors.add(arguments.set(meta));
        }
        // Combinations are judged only when every argument parsed: with a misspelled flavor, "worker_threads
        // requires multi_thread" would blame the wrong argument.
        if errors.is_empty() {
            errors.add(arguments.validate());
        }
        errors.into_result().map(|()| arguments)
    }

    /// `max_blocking = "off"` allows blocking calls, `std::thread::sleep` in the body among them.
    pub(crate) fn allows_blocking(&self) -> bool {
        self.max_blocking == Some(MaxBlocking::Off)
    }

    pub(crate) fn flavor(&self) -> Flavor {
        self.flavor
            .as_ref()
            .map_or(Flavor::CurrentThread, |flavor| flavor.value)
    }

    fn set(&mut self, meta: syn::Meta) -> Result<(), syn::Error> {
        let name_value = match meta {
            syn::Meta::NameValue(name_value) => name_value,
            syn::Meta::Path(path) => return Err(bare_name_error(&path)),
            other => return Err(syn::Error::new_spanned(other, "Unknown attribute inside the macro")),
        };
        let name = name_value
            .path
            .get_ident()
            .ok_or_else(|| syn::Error::new_spanned(&name_value, "Must have specified ident"))?
            .to_string()
            .to_lowercase();
        let literal = match &name_value.value {
            syn::Expr::Lit(syn::ExprLit { lit, .. }) => lit,
            expression => {
                return Err(syn::Error::new_spanned(
                    expression,
                    format!(
                        "Must be a literal: arguments are read at compile time, e.g. `{name} = {}`",
                        example_value(&name)
                    ),
                ));
            }
        };
        let span = literal.span();
        let duplicate = || syn::Error::new_spanned(&name_value, format!("`{name}` set multiple times."));
        match name.as_str() {
            "flavor" => {
                let value =
                    parse_flavor(&string_value(literal, &name)?).map_err(|error| syn::Error::new(span, error))?;
                set_once(&mut self.flavor, Located { value, span }, duplicate)
            }
            "worker_threads" => {
                let value = integer_value(literal, &name)?;
                if value == 0 {
                    return Err(syn::Error::new(span, "`worker_threads` may not be 0."));
                }
                set_once(&mut self.worker_threads, Located { value, span }, duplicate)
            }
            "start_paused" => {
                let value = bool_value(literal, &name)?;
                set_once(&mut self.start_paused, Located { value, span }, duplicate)
            }
            "crate" => {
                let path = path_value(literal, &name)?;
                set_once(&mut self.crate_path, path, duplicate)
            }
            "unhandled_panic" => {
                let value = parse_unhandled_panic(&string_value(literal, &name)?)
                    .map_err(|error| syn::Error::new(span, error))?;
                set_once(&mut self.unhandled_panic, Located { value, span }, duplicate)
            }
            "name" => {
                let value = string_value(literal, &name)?;
                if value.is_empty() {
                    return Err(syn::Error::new(
                        span,
                        "`name` may not be empty: tokio refuses an empty runtime name.",
                    ));
                }
                set_once(&mut self.runtime_name, value, duplicate)
            }
            "timeout" => {
                let value = duration_value(literal, &name)?;
                set_once(&mut self.timeout, value, duplicate)
            }
            "leaks" => {
                let value =
                    parse_leaks(&string_value(literal, &name)?).map_err(|error| syn::Error::new(span, error))?;
                set_once(&mut self.leaks, value, duplicate)
            }
            "virtual_timeout" => {
                let value = duration_value(literal, &name)?;
                set_once(&mut self.virtual_timeout, Located { value, span }, duplicate)
            }
            "deadlock" => {
                let value =
                    parse_deadlock(&string_value(literal, &name)?).map_err(|error| syn::Error::new(span, error))?;
                set_once(&mut self.deadlock, Located { value, span }, duplicate)
            }
            "max_blocking" => {
                let value = match string_value(literal, &name)?.as_str() {
                    "off" => MaxBlocking::Off,
                    limit => MaxBlocking::Limit(parse_duration(limit).map_err(|error| {
                        syn::Error::new(
                            span,
                            format!("Failed to parse value of `max_blocking`: expected \"off\" or a limit; {error}"),
                        )
                    })?),
                };
                set_once(&mut self.max_blocking, value, duplicate)
            }
            "core_threads" => Err(syn::Error::new_spanned(
                &name_value,
                "Attribute `core_threads` is renamed to `worker_threads`",
            )),
            unknown => Err(syn::Error::new_spanned(
                &name_value.path,
                unknown_argument_message(unknown),
            )),
        }
    }

    /// Mistakes that only show when arguments are compared with each other.
    fn validate(&self) -> Result<(), syn::Error> {
        let mut errors = Errors::default();
        let flavor = self.flavor();
        if let (Flavor::CurrentThread | Flavor::Local, Some(worker_threads)) = (flavor, &self.worker_threads) {
            errors.add(Err(syn::Error::new(
                worker_threads.span,
                "The `worker_threads` option requires the `multi_thread` runtime flavor. \
                 Use `#[ws_test(flavor = \"multi_thread\")]`",
            )));
        }
        let real_time = if flavor == Flavor::MultiThread {
            Some("`flavor = \"multi_thread\"`")
        } else if self
            .start_paused
            .as_ref()
            .is_some_and(|start_paused| !start_paused.value)
        {
            Some("`start_paused = false`")
        } else {
            None
        };
        let needs_paused_clock = [
            (
                "virtual_timeout",
                self.virtual_timeout.as_ref().map(|argument| argument.span),
            ),
            (
                "deadlock",
                self.deadlock
                    .as_ref()
                    .filter(|argument| argument.value == Deadlock::Deny)
                    .map(|argument| argument.span),
            ),
        ];
        if let Some(real_time) = real_time {
            for (name, span) in needs_paused_clock {
                if let Some(span) = span {
                    errors.add(Err(syn::Error::new(
                        span,
                        format!(
                            "`{name}` needs the paused clock, and with {real_time} the test runs in real time: \
                             use `timeout` for its real-time budget"
                        ),
                    )));
                }
            }
        }
        if flavor == Flavor::MultiThread {
            if let Some(start_paused) = &self.start_paused {
                errors.add(Err(requires_current_thread("start_paused", start_paused.span)));
            }
            // tokio's own `shutdown_runtime` is refused on multi_thread as tokio refuses it; `ignore` stays
            // possible there, because multi_thread tests need a way to expect a task's panic.
            if let Some(unhandled_panic) = &self.unhandled_panic {
                if unhandled_panic.value == UnhandledPanic::ShutdownRuntime {
                    errors.add(Err(requires_current_thread("unhandled_panic", unhandled_panic.span)));
                }
            }
        }
        errors.into_result()
    }
}

fn requires_current_thread(name: &str, span: Span) -> syn::Error {
    syn::Error::new(
        span,
        format!(
            "The `{name}` option requires the `current_thread` runtime flavor. \
             Use `#[ws_test(flavor = \"current_thread\")]` (a multi_thread runtime always runs in real time)"
        ),
    )
}

/// Collects errors so that one compilation shows every mistake, as `syn::Error::combine` allows.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn add(&mut self, result: Result<(), syn::Error>) {
        if let Err(error) = result {
            match &mut self.0 {
                Some(combined) => combined.combine(error),
                None => self.0 = Some(error),
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    fn into_result(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, duplicate: impl FnOnce() -> syn::Error) -> Result<(), syn::Error> {
    if slot.is_some() {
        return Err(duplicate());
    }
    *slot = Some(value);
    Ok(())
}

fn unknown_argument_message(name: &str) -> String {
    let expected: Vec<String> = ARGUMENT_NAMES.iter().map(|name| format!("`{name}`")).collect();
    format!(
        "Unknown attribute {name} is specified; expected one of: {}.",
        expected.join(", ")
    )
}

fn bare_name_error(path: &syn::Path) -> syn::Error {
    let Some(name) = path.get_ident().map(|ident| ident.to_string().to_lowercase()) else {
        return syn::Error::new_spanned(path, "Must have specified ident");
    };
    let message = match name.as_str() {
        "threaded_scheduler" | "multi_thread" => {
            "Set the runtime flavor with #[ws_test(flavor = \"multi_thread\")].".to_string()
        }
        "basic_scheduler" | "current_thread" | "single_threaded" => {
            "Set the runtime flavor with #[ws_test(flavor = \"current_thread\")].".to_string()
        }
        known if ARGUMENT_NAMES.contains(&known) => format!(
            "The `{known}` attribute requires an argument, e.g. `{known} = {}`.",
            example_value(known)
        ),
        unknown => unknown_argument_message(unknown),
    };
    syn::Error::new_spanned(path, message)
}

/// A correct value to show in a message about `name`.
fn example_value(name: &str) -> &'static str {
    match name {
        "flavor" => "\"multi_thread\"",
        "worker_threads" => "2",
        "start_paused" => "false",
        "crate" => "\"my_crate::ws_test\"",
        "unhandled_panic" => "\"shutdown_runtime\"",
        "name" => "\"my-runtime\"",
        "timeout" => "\"30s\"",
        "leaks" => "\"warn\"",
        "virtual_timeout" => "\"2h\"",
        "deadlock" => "\"off\"",
        "max_blocking" => "\"1s\"",
        _ => "\"...\"",
    }
}

fn parse_flavor(text: &str) -> Result<Flavor, String> {
    match text {
        "current_thread" => Ok(Flavor::CurrentThread),
        "multi_thread" => Ok(Flavor::MultiThread),
        "local" => Ok(Flavor::Local),
        "single_thread" => Err("The single threaded runtime flavor is called `current_thread`.".to_string()),
        "basic_scheduler" => {
            Err("The `basic_scheduler` runtime flavor has been renamed to `current_thread`.".to_string())
        }
        "threaded_scheduler" => {
            Err("The `threaded_scheduler` runtime flavor has been renamed to `multi_thread`.".to_string())
        }
        _ => Err(format!(
            "No such runtime flavor `{text}`. The runtime flavors are `current_thread`, `local`, and `multi_thread`."
        )),
    }
}

fn parse_unhandled_panic(text: &str) -> Result<UnhandledPanic, String> {
    let behaviours = [
        ("fail_at_end", UnhandledPanic::FailAtEnd),
        ("shutdown_runtime", UnhandledPanic::ShutdownRuntime),
        ("ignore", UnhandledPanic::Ignore),
    ];
    choose(
        text,
        ("unhandled panic behavior", "unhandled panic behaviors"),
        &behaviours,
    )
}

fn parse_leaks(text: &str) -> Result<Leaks, String> {
    let policies = [("deny", Leaks::Deny), ("warn", Leaks::Warn), ("allow", Leaks::Allow)];
    choose(text, ("leak policy", "leak policies"), &policies)
}

fn parse_deadlock(text: &str) -> Result<Deadlock, String> {
    choose(
        text,
        ("deadlock setting", "settings"),
        &[("deny", Deadlock::Deny), ("off", Deadlock::Off)],
    )
}

/// The choice named `text`; otherwise an error in tokio's words that lists every choice, the first being the default:
/// "No such leak policy `x`. The leak policies are `deny` (the default), `warn` and `allow`."
fn choose<T: Copy>(text: &str, (kind, kinds): (&str, &str), choices: &[(&str, T)]) -> Result<T, String> {
    if let Some((_, choice)) = choices.iter().find(|(name, _)| *name == text) {
        return Ok(*choice);
    }
    let mut names: Vec<String> = choices.iter().map(|(name, _)| format!("`{name}`")).collect();
    if let Some(default) = names.first_mut() {
        default.push_str(" (the default)");
    }
    let listed = match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, others)) => format!("{} and {last}", others.join(", ")),
        None => String::new(),
    };
    Err(format!("No such {kind} `{text}`. The {kinds} are {listed}."))
}

fn wrong_type(literal: &syn::Lit, name: &str, type_name: &str) -> syn::Error {
    syn::Error::new(
        literal.span(),
        format!(
            "Failed to parse value of `{name}` as {type_name}: write e.g. `{name} = {}`",
            example_value(name)
        ),
    )
}

fn string_value(literal: &syn::Lit, name: &str) -> Result<String, syn::Error> {
    match literal {
        syn::Lit::Str(string) => Ok(string.value()),
        _ => Err(wrong_type(literal, name, "string")),
    }
}

fn integer_value(literal: &syn::Lit, name: &str) -> Result<usize, syn::Error> {
    match literal {
        syn::Lit::Int(integer) => integer.base10_parse::<usize>().map_err(|error| {
            syn::Error::new(
                literal.span(),
                format!("Failed to parse value of `{name}` as integer: {error}"),
            )
        }),
        _ => Err(wrong_type(literal, name, "integer")),
    }
}

fn bool_value(literal: &syn::Lit, name: &str) -> Result<bool, syn::Error> {
    match literal {
        syn::Lit::Bool(boolean) => Ok(boolean.value),
        _ => Err(wrong_type(literal, name, "bool")),
    }
}

fn path_value(literal: &syn::Lit, name: &str) -> Result<syn::Path, syn::Error> {
    let text = string_value(literal, name)?;
    syn::parse_str::<syn::Path>(&text).map_err(|_| {
        syn::Error::new(
            literal.span(),
            format!("Failed to parse value of `{name}` as path: \"{text}\""),
        )
    })
}

fn duration_value(literal: &syn::Lit, name: &str) -> Result<Duration, syn::Error> {
    let text = string_value(literal, name)?;
    parse_duration(&text).map_err(|error| {
        syn::Error::new(
            literal.span(),
            format!("Failed to parse value of `{name}` as duration: {error}"),
        )
    })
}
