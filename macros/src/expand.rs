//! Code generation: the async body becomes a future handed to `ws_test::Builder`, and each argument becomes one
//! builder call. Only what differs from the builder's defaults is emitted, so `cargo expand` reads like a test
//! written by hand.

use std::time::Duration;

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;

use crate::args::{Arguments, Deadlock, Flavor, Leaks, MaxBlocking, UnhandledPanic};
use crate::item::{self, TestFunction};
use crate::scan;

pub(crate) fn expand(mut function: TestFunction, arguments: &Arguments) -> TokenStream {
    let crate_path = arguments
        .crate_path
        .as_ref()
        .map_or_else(|| quote!(::ws_test), ToTokens::to_token_stream);
    let builder_calls = builder_calls(&function, arguments, &crate_path);
    let test_name = format!("::{}", function.signature.ident.unraw());
    let body = function.body_block();
    // The turbofish fixes the body's output type up front, so `?` in the body knows its error type. A type with
    // `impl Trait` in it cannot be written there; the function's return type still constrains it.
    let output_type = match &function.signature.output {
        syn::ReturnType::Default => Some(quote!(())),
        syn::ReturnType::Type(_, output) if !scan::mentions_impl_trait(output.to_token_stream()) => {
            Some(output.to_token_stream())
        }
        syn::ReturnType::Type(..) => None,
    };
    let run = match output_type {
        Some(output_type) => quote!(run::<#output_type>),
        None => quote!(run),
    };
    // Spanned at the user's last statement: a mismatch between the body and the return type is reported there.
    let run_call = quote_spanned! {function.last_statement_span()=>
        #crate_path::Builder::new(::core::concat!(::core::module_path!(), #test_name))
            #builder_calls
            .#run(body)
    };
    function.signature.asyncness = None;
    // Inner attributes (`#![allow(..)]` at the top of the body) cannot stay inside the rewritten body; lifting them
    // onto the function keeps their meaning, as syn and tokio do.
    let inner_attributes = function.inner_attributes.iter().map(|attribute| {
        let mut attribute = attribute.clone();
        attribute.style = syn::AttrStyle::Outer;
        attribute
    });
    // Under `cargo test` this is exactly tokio's `#[test]`. Elsewhere, where the built-in attribute would delete the
    // function, it stays an ordinary function, so a doctest can define a `#[ws_test]` and call it.
    // A second test attribute was reported as an error already; left in, it would pile its own errors on top.
    let outer_attributes = function
        .outer_attributes
        .iter()
        .filter(|attribute| !item::is_test_attribute(attribute));
    let visibility = &function.visibility;
    let signature = &function.signature;
    quote! {
        #(#outer_attributes)*
        #(#inner_attributes)*
        #[cfg_attr(test, ::core::prelude::v1::test)]
        #[cfg_attr(not(test), allow(dead_code))]
        #visibility #signature {
            let body = async #body;
            #run_call
        }
    }
}

fn builder_calls(function: &TestFunction, arguments: &Arguments, crate_path: &TokenStream) -> TokenStream {
    let mut calls = TokenStream::new();
    match arguments.flavor() {
        Flavor::CurrentThread => {}
        Flavor::MultiThread => calls.extend(quote!(.flavor(#crate_path::Flavor::MultiThread))),
        Flavor::Local => calls.extend(quote!(.flavor(#crate_path::Flavor::Local))),
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
        None if scan::calls_time_pause(function.body_tokens()) => calls.extend(quote!(.start_paused(false))),
        None => {}
    }
    if let Some(unhandled_panic) = &arguments.unhandled_panic {
        let behaviour = match unhandled_panic.value {
            UnhandledPanic::FailAtEnd => quote!(FailAtEnd),
            UnhandledPanic::Ignore => quote!(Ignore),
            UnhandledPanic::ShutdownRuntime => quote!(ShutdownRuntime),
        };
        calls.extend(quote!(.unhandled_panic(#crate_path::UnhandledPanic::#behaviour)));
    }
    if let Some(runtime_name) = &arguments.runtime_name {
        calls.extend(quote!(.runtime_name(#runtime_name)));
    }
    if let Some(leaks) = arguments.leaks {
        let policy = match leaks {
            Leaks::Deny => quote!(Deny),
            Leaks::Warn => quote!(Warn),
            Leaks::Allow => quote!(Allow),
        };
        calls.extend(quote!(.leaks(#crate_path::Leaks::#policy)));
    }
    if let Some(timeout) = arguments.timeout {
        let duration = duration_tokens(timeout);
        calls.extend(quote!(.timeout(#duration)));
    }
    if let Some(deadlock) = &arguments.deadlock {
        let detection = match deadlock.value {
            Deadlock::Deny => quote!(Deny),
            Deadlock::Off => quote!(Off),
        };
        calls.extend(quote!(.deadlock(#crate_path::Deadlock::#detection)));
    }
    if let Some(max_blocking) = arguments.max_blocking {
        let limit = match max_blocking {
            MaxBlocking::Limit(limit) => {
                let limit = duration_tokens(limit);
                quote!(Limit(#limit))
            }
            MaxBlocking::Off => quote!(Off),
        };
        calls.extend(quote!(.max_blocking(#crate_path::MaxBlocking::#limit)));
    }
    if let Some(virtual_timeout) = &arguments.virtual_timeout {
        let duration = duration_tokens(virtual_timeout.value);
        calls.extend(quote!(.virtual_timeout(#duration)));
    }
    calls
}

/// `Duration::from_secs(90)` rather than `from_nanos(90000000000)`: the largest unit that is exact.
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
    match u64::try_from(amount) {
        Ok(amount) => {
            let amount = Literal::u64_unsuffixed(amount);
            quote!(::core::time::Duration::#constructor(#amount))
        }
        // Only centuries with a fraction of a second get here.
        Err(_) => {
            let seconds = Literal::u64_unsuffixed(duration.as_secs());
            let nanos = Literal::u32_unsuffixed(duration.subsec_nanos());
            quote!(::core::time::Duration::new(#seconds, #nanos))
        }
    }
}
