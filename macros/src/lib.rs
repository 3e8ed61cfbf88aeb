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
    let mut errors = function.shape_errors();
    if let Err(argument_errors) = &arguments {
        match &mut errors {
            Some(combined) => combined.combine(argument_errors.clone()),
            None => errors = Some(argument_errors.clone()),
        }
    }
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
