//! Code generation. The test's body becomes an inner `async fn body()` with the test's own return type, handed to
//! `ws_test::Builder::run`; each argument becomes one builder call, and only what differs from the builder's
//! defaults is emitted, so `cargo expand` reads like a test written by hand.
//!
//! An inner function rather than an async block: rustc then checks the body against the return type as it checks
//! any function, so a mismatch is one ordinary error at the user's expression, `?` knows its error type, an
//! `impl Trait` or `!` output needs no naming, and no local variable of ours can clash with the user's hygiene (a
//! test written by `macro_rules!`).

use std::time::Duration;

use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use ws_test_config::{IoGrace, MaxBlocking, Named};

use crate::args::{Arguments, CratePath};
use crate::item::{self, TestFunction};

/// A well-formed test.
/// What the macro found in the body: it calls tokio's `pause()` itself; it creates a socket or a child process.
pub(crate) struct BodyFacts {
    pub(crate) pauses: bool,
    pub(crate) real_io: bool,
}

pub(crate) fn test(function: &TestFunction, arguments: &Arguments, body: &BodyFacts) -> TokenStream {
    let crate_path = match arguments.crate_path.as_ref().map(|located| &located.value) {
        Some(CratePath::WsTest(path)) => path.to_token_stream(),
        _ => quote!(::ws_test),
    };
    // A tokio path is tokio's meaning of `crate`; ws-test has its own tokio, so the path is only checked, here,
    // so that a path naming neither crate is an error at the string.
    let tokio_check = match arguments.crate_path.as_ref() {
        Some(located) => match &located.value {
            CratePath::Tokio(path) => {
                let string = located.tokens.clone().into_iter().next();
                let span = string.map_or_else(Span::call_site, |token| token.span());
                quote_spanned! {span=>
                    #[allow(unused_imports)]
                    use #path::runtime::Builder as _;
                }
            }
            CratePath::WsTest(_) => TokenStream::new(),
        },
        None => TokenStream::new(),
    };
    let builder_calls = builder_calls(arguments, body, &crate_path);
    let test_name = format!("::{}", function.signature.ident.unraw());
    let body = function.body_block();
    let mut signature = function.signature.clone();
    signature.asyncness = None;
    // The user's own signature, renamed: rustc's notes on the return type and its help to add one point at the
    // user's tokens.
    let body_name = syn::Ident::new("body", Span::call_site());
    let mut body_signature = function.signature.clone();
    body_signature.ident = body_name.clone();
    body_signature.asyncness.get_or_insert_with(Default::default);
    let outer_attributes = without_test_attributes(function);
    let visibility = &function.visibility;
    // Under `cargo test` this is exactly tokio's `#[test]`. Elsewhere, where the built-in attribute would delete the
    // function, it stays an ordinary function, so a doctest can define a `#[ws_test]` and call it.
    quote! {
        #(#outer_attributes)*
        #[cfg_attr(test, ::core::prelude::v1::test)]
        #[cfg_attr(not(test), allow(dead_code))]
        #visibility #signature {
            #tokio_check
            // `async` is the attribute's requirement, not the user's choice: a body without `.await` is fine.
            #[allow(clippy::unused_async)]
            #body_signature #body
            #crate_path::Builder::new(::core::concat!(::core::module_path!(), #test_name))
                #builder_calls
                .run_boxed(::std::boxed::Box::pin(#body_name()))
        }
    }
}

/// A function that cannot be a test (parameters, generics, `const`, ...): emitted as an ordinary function without any
/// test attribute, so that the macro's error is the only one, and without what would not compile at all, so that
/// names in its body still resolve in an editor.
pub(crate) fn ordinary(function: &TestFunction) -> TokenStream {
    let mut signature = function.signature.clone();
    signature.constness = None;
    signature.abi = None;
    signature.variadic = None;
    let outer_attributes = without_test_attributes(function);
    let visibility = &function.visibility;
    let body = function.body_block();
    quote! {
        #(#outer_attributes)*
        #[allow(dead_code)]
        #visibility #signature #body
    }
}

/// A second test attribute was reported as an error already; left in, it would pile its own errors on top.
fn without_test_attributes(function: &TestFunction) -> impl Iterator<Item = &syn::Attribute> {
    function
        .outer_attributes
        .iter()
        .filter(|attribute| !item::is_test_attribute(attribute))
}

fn builder_calls(arguments: &Arguments, body: &BodyFacts, crate_path: &TokenStream) -> TokenStream {
    let mut calls = TokenStream::new();
    if let Some(flavor) = &arguments.flavor {
        let flavor = variant(flavor.value);
        calls.extend(quote!(.flavor(#crate_path::Flavor::#flavor)));
    }
    if let Some(worker_threads) = &arguments.worker_threads {
        let count = Literal::usize_unsuffixed(worker_threads.value);
        calls.extend(quote!(.worker_threads(#count)));
    }
    match &arguments.start_paused {
        Some(start_paused) => {
            let paused = start_paused.value;
            calls.extend(quote!(.start_paused(#paused)));
        }
        // The test pauses the clock itself, as tokio's own time tests do: start in real time so that its
        // `pause()` does not panic with "time is already frozen".
        None if body.pauses => calls.extend(quote!(.start_paused(false))),
        None => {}
    }
    if let Some(unhandled_panic) = &arguments.unhandled_panic {
        let behaviour = variant(unhandled_panic.value);
        calls.extend(quote!(.unhandled_panic(#crate_path::UnhandledPanic::#behaviour)));
    }
    if let Some(runtime_name) = &arguments.runtime_name {
        let runtime_name = &runtime_name.value;
        calls.extend(quote!(.runtime_name(#runtime_name)));
    }
    if let Some(leaks) = &arguments.leaks {
        let policy = variant(leaks.value);
        calls.extend(quote!(.leaks(#crate_path::Leaks::#policy)));
    }
    if let Some(timeout) = &arguments.timeout {
        let duration = duration_tokens(timeout.value);
        calls.extend(quote!(.timeout(#duration)));
    }
    if let Some(deadlock) = &arguments.deadlock {
        let detection = variant(deadlock.value);
        calls.extend(quote!(.deadlock(#crate_path::Deadlock::#detection)));
    }
    if let Some(max_blocking) = &arguments.max_blocking {
        let limit = match max_blocking.value {
            MaxBlocking::Limit(limit) => {
                let limit = duration_tokens(limit);
                quote!(Limit(#limit))
            }
            _ => quote!(Off),
        };
        calls.extend(quote!(.max_blocking(#crate_path::MaxBlocking::#limit)));
    }
    match &arguments.io_grace {
        Some(io_grace) => {
            let grace = match io_grace.value {
                IoGrace::Always(grace) => {
                    let grace = duration_tokens(grace);
                    quote!(Always(#grace))
                }
                IoGrace::Off => quote!(Off),
                _ => quote!(Auto),
            };
            calls.extend(quote!(.io_grace(#crate_path::IoGrace::#grace)));
        }
        // The body makes real I/O itself, where the runtime cannot see it on stable Rust: the clock waits for it.
        None if body.real_io => calls.extend(quote!(.real_io_in_body())),
        None => {}
    }
    if let Some(network) = &arguments.network {
        let text = &network.value;
        calls.extend(quote!(.network_text(#text)));
    }
    if let Some(virtual_timeout) = &arguments.virtual_timeout {
        let duration = duration_tokens(virtual_timeout.value);
        calls.extend(quote!(.virtual_timeout(#duration)));
    }
    calls
}

/// The Rust name of a choice, e.g. `MultiThread`.
fn variant(choice: impl Named) -> syn::Ident {
    syn::Ident::new(choice.variant(), Span::call_site())
}

/// `Duration::from_secs(90)` rather than `from_nanos(90000000000)`: the largest unit that is exact. Every budget
/// the arguments accept (ten years at most) fits.
fn duration_tokens(duration: Duration) -> TokenStream {
    let nanos = duration.as_nanos();
    let (constructor, amount) = if nanos % 1_000_000_000 == 0 {
        (quote!(from_secs), nanos / 1_000_000_000)
    } else if nanos % 1_000_000 == 0 {
        (quote!(from_millis), nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        (quote!(from_micros), nanos / 1_000)
    } else {
        (quote!(from_nanos), nanos)
    };
    let amount = Literal::u128_unsuffixed(amount);
    quote!(::core::time::Duration::#constructor(#amount))
}
