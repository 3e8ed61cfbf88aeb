//! The attribute's arguments as written: `name = literal`, comma separated. Each is read by its own small parser in
//! [`ARGUMENTS`]; how they combine is judged in `validate.rs`. Names and wording follow tokio-macros wherever tokio
//! has the same argument or mistake, and the choices' names come from `ws-test-config`, which the runtime reads
//! `WS_TEST_*` variables with, so a typo gets the same message in both places.
//!
//! The arguments are split by hand rather than parsed as `syn::Meta`, so that every error can underline exactly the
//! tokens at fault (`flavor = -1` underlines `-1`, not only `-`). Adding an argument: see ARCHITECTURE.md.

use std::time::Duration;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use ws_test_config::{Deadlock, Flavor, IoGrace, Leaks, MaxBlocking, Named, Network, UnhandledPanic, parse_duration};

use crate::errors::Errors;

/// A value and the tokens that wrote it, so that a mistake found later can underline them.
pub(crate) struct Located<T> {
    pub(crate) value: T,
    pub(crate) tokens: TokenStream,
}

/// What `crate = "..."` names. tokio's attribute takes the path of tokio (`crate = "tokio1"` for a renamed tokio), and
/// a test written for it keeps that meaning; a path that ends in `ws_test` is the path of ws-test itself, for a crate
/// that re-exports it.
pub(crate) enum CratePath {
    WsTest(syn::Path),
    Tokio(syn::Path),
}

/// The arguments exactly as written: `None` means "not given", so expansion emits only what the user asked for.
#[derive(Default)]
pub(crate) struct Arguments {
    pub(crate) flavor: Option<Located<Flavor>>,
    pub(crate) worker_threads: Option<Located<usize>>,
    pub(crate) start_paused: Option<Located<bool>>,
    pub(crate) crate_path: Option<Located<CratePath>>,
    pub(crate) unhandled_panic: Option<Located<UnhandledPanic>>,
    pub(crate) runtime_name: Option<Located<String>>,
    pub(crate) timeout: Option<Located<Duration>>,
    pub(crate) leaks: Option<Located<Leaks>>,
    pub(crate) virtual_timeout: Option<Located<Duration>>,
    pub(crate) deadlock: Option<Located<Deadlock>>,
    pub(crate) max_blocking: Option<Located<MaxBlocking>>,
    pub(crate) io_grace: Option<Located<IoGrace>>,
    /// Kept as written (checked): the expansion hands the text to the builder.
    pub(crate) network: Option<Located<String>>,
}

/// One argument the attribute knows: its name, a correct value to show in messages, and how to read it.
struct Argument {
    name: &'static str,
    example: &'static str,
    read: fn(&mut Arguments, &Written) -> syn::Result<()>,
}

/// Every argument, in the order messages list them: tokio's first, then ws-test's own.
const ARGUMENTS: &[Argument] = &[
    Argument {
        name: "flavor",
        example: "\"multi_thread\"",
        read: |arguments, written| set(&mut arguments.flavor, written, written.named::<Flavor>()?),
    },
    Argument {
        name: "worker_threads",
        example: "2",
        read: |arguments, written| set(&mut arguments.worker_threads, written, written.worker_threads()?),
    },
    Argument {
        name: "start_paused",
        example: "false",
        read: |arguments, written| set(&mut arguments.start_paused, written, written.boolean()?),
    },
    Argument {
        name: "crate",
        example: "\"my_crate::ws_test\"",
        read: |arguments, written| set(&mut arguments.crate_path, written, written.crate_path()?),
    },
    Argument {
        name: "unhandled_panic",
        example: "\"shutdown_runtime\"",
        read: |arguments, written| {
            set(
                &mut arguments.unhandled_panic,
                written,
                written.named::<UnhandledPanic>()?,
            )
        },
    },
    Argument {
        name: "name",
        example: "\"my-runtime\"",
        read: |arguments, written| set(&mut arguments.runtime_name, written, written.runtime_name()?),
    },
    Argument {
        name: "timeout",
        example: "\"30s\"",
        read: |arguments, written| set(&mut arguments.timeout, written, written.duration()?),
    },
    Argument {
        name: "leaks",
        example: "\"warn\"",
        read: |arguments, written| set(&mut arguments.leaks, written, written.named::<Leaks>()?),
    },
    Argument {
        name: "virtual_timeout",
        example: "\"2h\"",
        read: |arguments, written| set(&mut arguments.virtual_timeout, written, written.duration()?),
    },
    Argument {
        name: "deadlock",
        example: "\"off\"",
        read: |arguments, written| set(&mut arguments.deadlock, written, written.named::<Deadlock>()?),
    },
    Argument {
        name: "max_blocking",
        example: "\"1s\"",
        read: |arguments, written| set(&mut arguments.max_blocking, written, written.max_blocking()?),
    },
    Argument {
        name: "io_grace",
        example: "\"20ms\"",
        read: |arguments, written| set(&mut arguments.io_grace, written, written.io_grace()?),
    },
    Argument {
        name: "network",
        example: "\"127.0.0.1, db.internal:5432\"",
        read: |arguments, written| set(&mut arguments.network, written, written.network()?),
    },
];

impl Arguments {
    /// Reads every argument; each mistake is reported, and the arguments that were read are kept.
    pub(crate) fn parse(tokens: TokenStream) -> (Arguments, Errors) {
        let mut arguments = Arguments::default();
        let mut errors = Errors::default();
        for argument in split_at_commas(tokens) {
            if let Some(written) = errors.keep(Written::read(argument)) {
                errors.keep(written.apply(&mut arguments));
            }
        }
        (arguments, errors)
    }

    pub(crate) fn flavor(&self) -> Flavor {
        self.flavor
            .as_ref()
            .map_or(Flavor::CurrentThread, |flavor| flavor.value)
    }

    /// `max_blocking = "off"` allows blocking calls, `std::thread::sleep` in the body among them.
    pub(crate) fn max_blocking(&self) -> MaxBlocking {
        self.max_blocking
            .as_ref()
            .map_or(MaxBlocking::DEFAULT, |max_blocking| max_blocking.value)
    }
}

fn set<T>(slot: &mut Option<Located<T>>, written: &Written, value: T) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new_spanned(
            &written.whole,
            format!("`{}` set multiple times.", written.name()),
        ));
    }
    *slot = Some(Located {
        value,
        tokens: written.value.clone(),
    });
    Ok(())
}

/// The arguments' tokens, one list per argument; a trailing comma is allowed.
fn split_at_commas(tokens: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut arguments = vec![Vec::new()];
    for token in tokens {
        match &token {
            TokenTree::Punct(comma) if comma.as_char() == ',' => arguments.push(Vec::new()),
            _ => arguments.last_mut().map_or((), |argument| argument.push(token)),
        }
    }
    if arguments.last().is_some_and(Vec::is_empty) {
        arguments.pop();
    }
    arguments
}

/// One `name = value` as written.
struct Written {
    argument: &'static Argument,
    whole: TokenStream,
    value: TokenStream,
    literal: syn::Lit,
}

impl Written {
    fn read(tokens: Vec<TokenTree>) -> syn::Result<Written> {
        let whole: TokenStream = tokens.iter().cloned().collect();
        if tokens.is_empty() {
            return Err(syn::Error::new(
                proc_macro2::Span::call_site(),
                "an empty argument: arguments are written `name = value`, separated by single commas",
            ));
        }
        // The first lone `=`: `==` and `=>` are written with a joint `=`.
        let equals = tokens
            .iter()
            .position(|token| matches!(token, TokenTree::Punct(punct) if punct.as_char() == '=' && punct.spacing() == Spacing::Alone));
        let Some(equals) = equals else {
            return Err(without_value(&tokens, &whole));
        };
        let (name_tokens, rest) = tokens.split_at(equals);
        let name = match name_tokens {
            [TokenTree::Ident(ident)] => ident.unraw().to_string(),
            _ => {
                let name_tokens: TokenStream = name_tokens.iter().cloned().collect();
                return Err(if name_tokens.is_empty() {
                    syn::Error::new_spanned(&whole, "Must have specified ident")
                } else {
                    syn::Error::new_spanned(name_tokens, "Must have specified ident")
                });
            }
        };
        let value: TokenStream = rest[1..].iter().cloned().collect();
        // Lower-cased, as tokio compares names.
        let Some(argument) = argument_named(&name.to_lowercase()) else {
            return Err(syn::Error::new_spanned(&name_tokens[0], unknown_argument(&name)));
        };
        if value.is_empty() {
            return Err(syn::Error::new_spanned(
                &whole,
                format!(
                    "The `{}` attribute requires an argument, e.g. `{} = {}`.",
                    argument.name, argument.name, argument.example
                ),
            ));
        }
        let literal = syn::parse2::<syn::Lit>(value.clone()).map_err(|_| {
            syn::Error::new_spanned(
                &value,
                format!(
                    "Must be a literal: arguments are read at compile time, e.g. `{} = {}`",
                    argument.name, argument.example
                ),
            )
        })?;
        Ok(Written {
            argument,
            whole,
            value,
            literal,
        })
    }

    fn apply(&self, arguments: &mut Arguments) -> syn::Result<()> {
        (self.argument.read)(arguments, self)
    }

    fn name(&self) -> &'static str {
        self.argument.name
    }

    fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        syn::Error::new_spanned(&self.value, message)
    }

    fn wrong_type(&self, type_name: &str) -> syn::Error {
        let (name, example) = (self.argument.name, self.argument.example);
        self.error(format!(
            "Failed to parse value of `{name}` as {type_name}: write e.g. `{name} = {example}`"
        ))
    }

    fn string(&self) -> syn::Result<String> {
        match &self.literal {
            syn::Lit::Str(string) => Ok(string.value()),
            _ => Err(self.wrong_type("string")),
        }
    }

    fn named<T: Named>(&self) -> syn::Result<T> {
        T::from_name(&self.string()?).map_err(|message| self.error(message))
    }

    fn boolean(&self) -> syn::Result<bool> {
        match &self.literal {
            syn::Lit::Bool(boolean) => Ok(boolean.value),
            _ => Err(self.wrong_type("bool")),
        }
    }

    fn worker_threads(&self) -> syn::Result<usize> {
        let syn::Lit::Int(integer) = &self.literal else {
            return Err(self.wrong_type("integer"));
        };
        if integer.base10_digits().starts_with('-') {
            return Err(self.error(
                "`worker_threads` may not be negative: give a number of threads above 0, e.g. `worker_threads = 2`",
            ));
        }
        match integer.base10_parse::<usize>() {
            Ok(0) => Err(self.error("`worker_threads` may not be 0.")),
            Ok(count) => Ok(count),
            Err(error) => Err(self.error(format!("Failed to parse value of `worker_threads` as integer: {error}"))),
        }
    }

    fn runtime_name(&self) -> syn::Result<String> {
        let name = self.string()?;
        if name.is_empty() {
            return Err(self.error("`name` may not be empty: tokio refuses an empty runtime name."));
        }
        Ok(name)
    }

    fn duration(&self) -> syn::Result<Duration> {
        parse_duration(&self.string()?).map_err(|problem| {
            self.error(format!(
                "Failed to parse value of `{}` as duration: {problem}",
                self.name()
            ))
        })
    }

    fn max_blocking(&self) -> syn::Result<MaxBlocking> {
        MaxBlocking::from_text(&self.string()?)
            .map_err(|problem| self.error(format!("Failed to parse value of `max_blocking`: {problem}")))
    }

    fn io_grace(&self) -> syn::Result<IoGrace> {
        IoGrace::from_text(&self.string()?)
            .map_err(|problem| self.error(format!("Failed to parse value of `io_grace`: {problem}")))
    }

    fn network(&self) -> syn::Result<String> {
        let text = self.string()?;
        Network::from_text(&text)
            .map(|_| text)
            .map_err(|problem| self.error(format!("Failed to parse value of `network`: {problem}")))
    }

    fn crate_path(&self) -> syn::Result<CratePath> {
        let syn::Lit::Str(string) = &self.literal else {
            return Err(self.wrong_type("path"));
        };
        // Parsed from the literal, so an error underlines the string.
        let path: syn::Path = string.parse().map_err(|_| {
            self.error(format!(
                "Failed to parse value of `crate` as path: \"{}\"",
                string.value()
            ))
        })?;
        if let Some(generic) = path.segments.iter().find(|segment| !segment.arguments.is_empty()) {
            return Err(self.error(format!(
                "the `crate` path cannot have generic arguments (`{}`): it names a crate, e.g. \
                 `crate = \"tokio1\"` for tokio renamed, or `crate = \"my_support::ws_test\"` for a re-export of \
                 ws_test",
                generic.to_token_stream().to_string().replace(' ', "")
            )));
        }
        let names_ws_test = path.segments.last().is_some_and(|last| last.ident == "ws_test");
        Ok(if names_ws_test {
            CratePath::WsTest(path)
        } else {
            CratePath::Tokio(path)
        })
    }
}

fn argument_named(name: &str) -> Option<&'static Argument> {
    ARGUMENTS.iter().find(|argument| argument.name == name)
}

fn unknown_argument(name: &str) -> String {
    if name.eq_ignore_ascii_case("core_threads") {
        return "Attribute `core_threads` is renamed to `worker_threads`".to_string();
    }
    let expected: Vec<String> = ARGUMENTS
        .iter()
        .map(|argument| format!("`{}`", argument.name))
        .collect();
    format!(
        "Unknown attribute {name} is specified; expected one of: {}.",
        expected.join(", ")
    )
}

/// An argument without `= value`: a bare name, tokio's old flavor spellings, or the list form `name(...)`.
fn without_value(tokens: &[TokenTree], whole: &TokenStream) -> syn::Error {
    if let [.., TokenTree::Group(group)] = tokens {
        if group.delimiter() != Delimiter::None {
            return syn::Error::new_spanned(whole, "Unknown attribute inside the macro");
        }
    }
    let [TokenTree::Ident(ident)] = tokens else {
        return syn::Error::new_spanned(whole, "Must have specified ident");
    };
    let name = ident.unraw().to_string();
    let message = match name.to_lowercase().as_str() {
        "threaded_scheduler" | "multi_thread" => {
            "Set the runtime flavor with #[ws_test(flavor = \"multi_thread\")].".to_string()
        }
        "basic_scheduler" | "current_thread" | "single_threaded" => {
            "Set the runtime flavor with #[ws_test(flavor = \"current_thread\")].".to_string()
        }
        lowered => match argument_named(lowered) {
            Some(argument) => format!(
                "The `{}` attribute requires an argument, e.g. `{} = {}`.",
                argument.name, argument.name, argument.example
            ),
            None => unknown_argument(&name),
        },
    };
    syn::Error::new_spanned(ident, message)
}
