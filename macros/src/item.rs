//! The annotated function, read without parsing its statements (they are only re-emitted and scanned as tokens,
//! which keeps the macro cheap to run on large test suites), and the checks on its shape.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Signature, Visibility, braced};

use crate::errors::Errors;

pub(crate) struct TestFunction {
    pub(crate) outer_attributes: Vec<Attribute>,
    pub(crate) visibility: Visibility,
    pub(crate) signature: Signature,
    pub(crate) brace_token: syn::token::Brace,
    pub(crate) inner_attributes: Vec<Attribute>,
    /// The body's tokens after its inner attributes.
    pub(crate) statements: TokenStream,
}

impl Parse for TestFunction {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let outer_attributes = input.call(Attribute::parse_outer)?;
        let visibility = input.parse()?;
        let signature = input.parse()?;
        let content;
        let brace_token = braced!(content in input);
        let inner_attributes = Attribute::parse_inner(&content)?;
        let statements = content.parse()?;
        Ok(TestFunction {
            outer_attributes,
            visibility,
            signature,
            brace_token,
            inner_attributes,
            statements,
        })
    }
}

/// What the function's shape allows.
pub(crate) struct Shape {
    pub(crate) errors: Errors,
    /// The function can be a test: no parameters, no generics, nothing that rustc's test harness would refuse
    /// again. Otherwise it is emitted as an ordinary function, so that the macro's error is the only one.
    pub(crate) is_test: bool,
}

impl TestFunction {
    /// Every mistake in the function's shape, each reported once, at its token.
    pub(crate) fn check_shape(&self) -> Shape {
        let mut errors = Errors::default();
        let mut is_test = true;
        let mut refuse = |tokens: &dyn ToTokens, message: &str| {
            errors.push(syn::Error::new_spanned(tokens, message));
            is_test = false;
        };
        let signature = &self.signature;
        let second_test_attribute = self.all_attributes().find(|attribute| is_test_attribute(attribute));
        if let Some(attribute) = second_test_attribute {
            refuse(
                attribute,
                "second test attribute is supplied, consider removing or changing the order of your test attributes",
            );
        }
        if let Some(constness) = &signature.constness {
            refuse(
                constness,
                "a #[ws_test] function cannot be `const`: a test runs on a runtime, at run time; remove `const`",
            );
        }
        if let syn::Safety::Unsafe(unsafety) = &signature.safety {
            refuse(
                unsafety,
                "a #[ws_test] function cannot be `unsafe`: the test harness calls it as a safe function; put the \
                 unsafe code in an `unsafe` block in its body",
            );
        }
        if let Some(abi) = &signature.abi {
            refuse(
                abi,
                "a #[ws_test] function cannot have an ABI: the test harness calls it as a Rust function; remove it",
            );
        }
        let generics = &signature.generics;
        if !generics.params.is_empty() {
            refuse(
                generics,
                "a #[ws_test] function cannot be generic: the test harness calls it with no type arguments",
            );
        } else if let Some(where_clause) = &generics.where_clause {
            refuse(
                where_clause,
                "a #[ws_test] function cannot have a `where` clause: the test harness calls it as it is; remove it",
            );
        }
        if !signature.inputs.is_empty() {
            refuse(
                &signature.inputs,
                "a #[ws_test] function cannot take parameters: the test harness calls it with none; \
                 for parameterised tests put #[rstest] with #[case] above #[ws_test]",
            );
        } else if let Some(variadic) = &signature.variadic {
            refuse(
                variadic,
                "a #[ws_test] function cannot take parameters: the test harness calls it with none",
            );
        }
        // An attribute expanded before ours (`#[tokio::test]` above `#[ws_test]`) removes `async` itself; saying the
        // user forgot it would mislead. Without `async` the body still expands into a test, so this one mistake
        // is reported alone.
        if signature.asyncness.is_none() && second_test_attribute.is_none() {
            errors.push(syn::Error::new_spanned(
                signature.fn_token,
                "the `async` keyword is missing from the function declaration",
            ));
        }
        Shape { errors, is_test }
    }

    pub(crate) fn all_attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.outer_attributes.iter().chain(&self.inner_attributes)
    }

    /// The body as written, inner attributes included.
    pub(crate) fn body_block(&self) -> TokenStream {
        let mut block = TokenStream::new();
        self.brace_token.surround(&mut block, |tokens| {
            for attribute in &self.inner_attributes {
                attribute.to_tokens(tokens);
            }
            tokens.extend(self.statements.clone());
        });
        block
    }

    /// The body's statements as tokens, for scanning.
    pub(crate) fn body_tokens(&self) -> impl Iterator<Item = TokenTree> + Clone + '_ {
        self.statements.clone().into_iter()
    }
}

/// Another attribute that turns the function into a test: the built-in `#[test]` (however spelled), tokio's, or ours
/// again. Two of them would run the test twice or not at all.
pub(crate) fn is_test_attribute(attribute: &Attribute) -> bool {
    let names: Vec<String> = attribute
        .path()
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let takes_no_arguments = matches!(attribute.meta, syn::Meta::Path(_));
    match names.as_slice() {
        ["test"] | ["core" | "std", "prelude", _, "test"] => takes_no_arguments,
        ["tokio", "test"] | ["ws_test"] | ["ws_test", "test" | "ws_test"] => true,
        _ => false,
    }
}
