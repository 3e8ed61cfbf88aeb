//! The annotated function, read without parsing its statements (they are only re-emitted and scanned as tokens,
//! which keeps the macro cheap to run on large test suites), and the checks on its shape.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Signature, Visibility, braced};

pub(crate) struct TestFunction {
    pub(crate) outer_attributes: Vec<Attribute>,
    pub(crate) visibility: Visibility,
    pub(crate) signature: Signature,
    pub(crate) brace_token: syn::token::Brace,
    pub(crate) inner_attributes: Vec<Attribute>,
    /// Each statement's tokens including its `;`; the last may be a tail expression.
    pub(crate) statements: Vec<TokenStream>,
}

impl Parse for TestFunction {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let outer_attributes = input.call(Attribute::parse_outer)?;
        let visibility = input.parse()?;
        let signature = input.parse()?;
        let content;
        let brace_token = braced!(content in input);
        let inner_attributes = Attribute::parse_inner(&content)?;
        let mut statements = Vec::new();
        let mut current = TokenStream::new();
        while !content.is_empty() {
            let token: TokenTree = content.parse()?;
            let ends_statement = matches!(&token, TokenTree::Punct(punct) if punct.as_char() == ';');
            current.extend([token]);
            if ends_statement {
                statements.push(std::mem::take(&mut current));
            }
        }
        if !current.is_empty() {
            statements.push(current);
        }
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

impl TestFunction {
    /// Every mistake in the function's shape, combined so that all are reported at once.
    pub(crate) fn shape_errors(&self) -> Option<syn::Error> {
        let mut errors: Vec<syn::Error> = Vec::new();
        let second_test_attribute = self.all_attributes().find(|attribute| is_test_attribute(attribute));
        if let Some(attribute) = second_test_attribute {
            errors.push(syn::Error::new_spanned(
                attribute,
                "second test attribute is supplied, consider removing or changing the order of your test attributes",
            ));
        }
        // An attribute expanded before ours (`#[tokio::test]` above `#[ws_test]`) removes `async` itself; saying
        // the user forgot it would mislead.
        if self.signature.asyncness.is_none() && second_test_attribute.is_none() {
            errors.push(syn::Error::new_spanned(
                self.signature.fn_token,
                "the `async` keyword is missing from the function declaration",
            ));
        }
        let generics = &self.signature.generics;
        if !generics.params.is_empty() || generics.where_clause.is_some() {
            errors.push(syn::Error::new_spanned(
                generics,
                "a #[ws_test] function cannot be generic: the test harness calls it with no type arguments",
            ));
        }
        if !self.signature.inputs.is_empty() {
            errors.push(syn::Error::new_spanned(
                &self.signature.inputs,
                "a #[ws_test] function cannot take parameters: the test harness calls it with none; \
                 for parameterised tests put #[rstest] with #[case] above #[ws_test]",
            ));
        }
        errors.into_iter().reduce(|mut combined, error| {
            combined.combine(error);
            combined
        })
    }

    pub(crate) fn all_attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.outer_attributes.iter().chain(&self.inner_attributes)
    }

    /// The body's tokens, statements only (no braces), for scanning.
    pub(crate) fn body_tokens(&self) -> impl Iterator<Item = &TokenStream> + Clone {
        self.statements.iter()
    }

    /// The span of the first token of the last statement: generated code that the compiler may blame for a type
    /// mismatch between the body and the return type carries it, so the error points into the user's code.
    pub(crate) fn last_statement_span(&self) -> Span {
        self.statements
            .last()
            .and_then(|statement| statement.clone().into_iter().next())
            .map_or_else(Span::call_site, |token| token.span())
    }

    pub(crate) fn body_block(&self) -> TokenStream {
        let mut block = TokenStream::new();
        self.brace_token.surround(&mut block, |tokens| {
            tokens.extend(self.statements.iter().cloned());
        });
        block
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
