//! The `#[ws_test]` attribute. Use it through the `ws-test` crate, which re-exports it as `ws_test::ws_test` and
//! `ws_test::test` and holds the harness the generated code calls; this crate only checks the test and translates
//! the attribute's arguments into calls of `ws_test::Builder`.
//!
//! The pipeline: read the function (`item.rs`) and its arguments (`args.rs`), judge the arguments together
//! (`validate.rs`), look at the body's tokens (`scan.rs`), and generate code (`expand.rs`). Every mistake found on the
//! way is reported at once (`errors.rs`), each at its own token.

mod args;
mod errors;
mod expand;
mod item;
mod scan;
mod validate;

use proc_macro::TokenStream;
use ws_test_config::{MaxBlocking, budget_text};

use crate::errors::Errors;

/// Runs an `async fn` test on a fresh tokio runtime with a paused, auto-advancing clock and a real-time budget.
///
/// See the `ws-test` crate's documentation of `ws_test::ws_test` for the arguments and examples.
#[proc_macro_attribute]
pub fn ws_test(arguments: TokenStream, item: TokenStream) -> TokenStream {
    entry(arguments.into(), item.into()).into()
}

fn entry(arguments: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let function: item::TestFunction = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let mut tokens = item;
            tokens.extend(error.into_compile_error());
            return tokens;
        }
    };
    let mut errors = Errors::default();
    let shape = function.check_shape();
    errors.extend(shape.errors);
    let (mut arguments, mut argument_errors) = args::Arguments::parse(arguments);
    let body = expand::BodyFacts {
        pauses: scan::calls_time_pause(function.body_tokens()),
        real_io: scan::makes_real_io(function.body_tokens()),
    };
    if argument_errors.is_empty() {
        argument_errors = validate::validate(&arguments, body.pauses);
    }
    if !argument_errors.is_empty() {
        // The test is still emitted, with default arguments, so that an editor keeps resolving names in its body
        // and no argument half understood adds errors of its own.
        arguments = args::Arguments::default();
        errors.extend(argument_errors);
    }
    if let MaxBlocking::Limit(limit) = arguments.max_blocking() {
        for sleep in scan::blocking_sleeps(function.body_tokens(), limit) {
            errors.push(syn::Error::new_spanned(
                sleep.call,
                format!(
                    "blocking sleep of {} in an async test: it stops every task of the test for longer than \
                     `max_blocking` ({}); use `tokio::time::sleep(..).await` (virtual time) or move it into \
                     `spawn_blocking`; to allow blocking calls in this test, add `max_blocking = \"off\"`",
                    budget_text(sleep.duration),
                    budget_text(limit)
                ),
            ));
        }
    }
    let mut expanded = if shape.is_test {
        expand::test(&function, &arguments, &body)
    } else {
        expand::ordinary(&function)
    };
    expanded.extend(errors.into_compile_errors());
    expanded
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::entry;

    /// Compared without spaces: `> >` and `>>` are the same tokens, printed with different spacing.
    fn without_spaces(tokens: proc_macro2::TokenStream) -> String {
        tokens.to_string().replace(' ', "")
    }

    /// The whole expansion of a typical test: what `cargo expand` shows a user.
    #[test]
    fn expansion_reads_like_hand_written_code() {
        let expanded = entry(
            quote!(flavor = "multi_thread", worker_threads = 2, timeout = "1m30s"),
            quote! {
                /// Connects.
                async fn connects() -> Result<(), String> {
                    Ok(())
                }
            },
        );
        let expected = quote! {
            /// Connects.
            #[cfg_attr(test, ::core::prelude::v1::test)]
            #[cfg_attr(not(test), allow(dead_code))]
            fn connects() -> Result<(), String> {
                #[allow(clippy::unused_async)]
                async fn body() -> Result<(), String> {
                    Ok(())
                }
                ::ws_test::Builder::new(::core::concat!(::core::module_path!(), "::connects"))
                    .flavor(::ws_test::Flavor::MultiThread)
                    .worker_threads(2)
                    .timeout(::core::time::Duration::from_secs(90))
                    .run_boxed(::std::boxed::Box::pin(body()))
            }
        };
        assert_eq!(without_spaces(expanded), without_spaces(expected));
    }

    #[test]
    fn a_body_that_pauses_the_clock_starts_unpaused() {
        let expanded = entry(
            quote!(),
            quote!(
                async fn pauses() {
                    tokio::time::pause();
                }
            ),
        );
        assert!(without_spaces(expanded).contains(".start_paused(false)"));
        let explicit = entry(
            quote!(start_paused = true),
            quote!(
                async fn pauses() {
                    tokio::time::pause();
                }
            ),
        );
        assert!(without_spaces(explicit).contains(".start_paused(true)"));
    }

    #[test]
    fn an_error_still_emits_the_test_with_default_arguments() {
        let expanded = without_spaces(entry(
            quote!(flavor = "turbo"),
            quote!(
                async fn typo() {}
            ),
        ));
        assert!(expanded.contains("fntypo()"), "{expanded}");
        assert!(
            expanded.contains(".run_boxed(::std::boxed::Box::pin(body()))"),
            "{expanded}"
        );
        assert!(expanded.contains("compile_error!"), "{expanded}");
        assert!(
            !expanded.contains("flavor("),
            "the faulty argument is not emitted: {expanded}"
        );
    }

    #[test]
    fn a_function_that_cannot_be_a_test_gets_no_test_attribute() {
        let expanded = without_spaces(entry(
            quote!(),
            quote!(
                async fn takes(value: u8) {}
            ),
        ));
        assert!(!expanded.contains("::core::prelude::v1::test"), "{expanded}");
        assert!(
            expanded.contains("#[allow(dead_code)]asyncfntakes(value:u8){}"),
            "{expanded}"
        );
        assert!(expanded.contains("compile_error!"), "{expanded}");
    }
}
