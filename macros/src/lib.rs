//! The `#[ws_test]` attribute. Use it through the `ws-test` crate, which re-exports it as `ws_test::ws_test` and
//! `ws_test::test` and holds the harness the generated code calls; this crate only translates the attribute's
//! arguments into calls of `ws_test::Builder`.

mod args;
mod duration;
mod expand;
mod item;
mod scan;

use proc_macro::TokenStream;

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
        Err(error) => return with_error(item, error),
    };
    let arguments = args::Arguments::parse(arguments);
    let mut errors: Vec<syn::Error> = function.shape_errors().into_iter().collect();
    if let Err(argument_errors) = &arguments {
        errors.push(argument_errors.clone());
    }
    if !arguments.as_ref().is_ok_and(args::Arguments::allows_blocking) {
        errors.extend(scan::blocking_sleeps(function.body_tokens()).into_iter().map(|call| {
            syn::Error::new_spanned(
                call,
                "blocking sleep in an async test: use `tokio::time::sleep(..).await` (virtual time) or move it into \
                 `spawn_blocking`; to allow blocking calls in this test, add `max_blocking = \"off\"`",
            )
        }));
    }
    let errors = errors.into_iter().reduce(|mut combined, error| {
        combined.combine(error);
        combined
    });
    match errors {
        None => expand::expand(function, &arguments.unwrap_or_default()),
        // Still emit the test, with default arguments, so that IDEs keep resolving names in its body.
        Some(errors) => with_error(expand::expand(function, &args::Arguments::default()), errors),
    }
}

fn with_error(mut tokens: proc_macro2::TokenStream, error: syn::Error) -> proc_macro2::TokenStream {
    tokens.extend(error.into_compile_error());
    tokens
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::entry;

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
                let body = async { Ok(()) };
                ::ws_test::Builder::new(::core::concat!(::core::module_path!(), "::connects"))
                    .flavor(::ws_test::Flavor::MultiThread)
                    .worker_threads(2)
                    .timeout(::core::time::Duration::from_secs(90))
                    .run::<Result<(), String>>(body)
            }
        };
        // Compared without spaces: `> >` and `>>` are the same tokens, printed with different spacing.
        let without_spaces = |tokens: proc_macro2::TokenStream| tokens.to_string().replace(' ', "");
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
        )
        .to_string();
        assert!(expanded.contains(". start_paused (false)"), "{expanded}");
        let explicit = entry(
            quote!(start_paused = true),
            quote!(
                async fn pauses() {
                    tokio::time::pause();
                }
            ),
        );
        assert!(explicit.to_string().contains(". start_paused (true)"), "{explicit}");
    }

    #[test]
    fn an_error_still_emits_the_test_with_default_arguments() {
        let expanded = entry(
            quote!(flavor = "turbo"),
            quote!(
                async fn typo() {}
            ),
        )
        .to_string();
        assert!(expanded.contains("fn typo ()"), "{expanded}");
        assert!(expanded.contains(". run :: < () > (body)"), "{expanded}");
        assert!(expanded.contains("compile_error !"), "{expanded}");
        assert!(
            !expanded.contains("flavor ("),
            "the faulty argument is not emitted: {expanded}"
        );
    }
}
