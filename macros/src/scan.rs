//! Token-level questions about the user's code. Tokens rather than a syntax tree, because calls inside macro
//! invocations (`tokio::select!`, `assert!`) are plain tokens to syn and must count too.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// Whether the body pauses the clock itself: `tokio::time::pause()`, `time::pause()` or a `use`d `pause()`.
/// Such a test was written for a runtime that starts in real time, and tokio panics with "time is already frozen"
/// when `pause()` runs on a runtime that starts paused.
pub(crate) fn calls_time_pause<'a>(statements: impl IntoIterator<Item = &'a TokenStream>) -> bool {
    statements
        .into_iter()
        .any(|statement| sequence_calls_pause(statement.clone()))
}

fn sequence_calls_pause(tokens: TokenStream) -> bool {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    tokens.iter().enumerate().any(|(index, token)| match token {
        TokenTree::Group(group) => sequence_calls_pause(group.stream()),
        TokenTree::Ident(ident) if ident == "pause" => {
            let called_without_arguments = matches!(
                tokens.get(index + 1),
                Some(TokenTree::Group(arguments))
                    if arguments.delimiter() == Delimiter::Parenthesis && arguments.stream().is_empty()
            );
            called_without_arguments && is_free_function_or_time_path(&tokens[..index])
        }
        _ => false,
    })
}

/// Looks at the tokens before `pause`: nothing path-like (a `use`d `pause`), or `time::` (through any prefix).
/// A method call `.pause()` or a definition `fn pause()` is not the clock's.
fn is_free_function_or_time_path(before: &[TokenTree]) -> bool {
    match before {
        [
            ..,
            TokenTree::Ident(module),
            TokenTree::Punct(first),
            TokenTree::Punct(second),
        ] if first.as_char() == ':' && second.as_char() == ':' => module == "time",
        [.., TokenTree::Punct(punct)] if punct.as_char() == '.' || punct.as_char() == ':' => false,
        [.., TokenTree::Ident(keyword)] if keyword == "fn" => false,
        _ => true,
    }
}

/// Whether a type mentions `impl Trait`, which cannot be named in a turbofish.
pub(crate) fn mentions_impl_trait(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => mentions_impl_trait(group.stream()),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_pauses(source: &str) -> bool {
        let tokens: TokenStream = source.parse().expect("test source is valid Rust tokens");
        calls_time_pause([&tokens])
    }

    #[test]
    fn recognises_every_spelling_of_the_clock_pause() {
        assert!(body_pauses("tokio::time::pause();"));
        assert!(body_pauses("::tokio::time::pause();"));
        assert!(body_pauses("time::pause();"));
        assert!(body_pauses("pause();"));
        assert!(body_pauses("let x = 1; if x > 0 { pause(); }"));
        assert!(body_pauses("tokio::select! { _ = async { time::pause() } => {} }"));
    }

    #[test]
    fn ignores_look_alikes() {
        assert!(!body_pauses("player.pause();"));
        assert!(!body_pauses("fn pause() {}"));
        assert!(!body_pauses("media::pause();"));
        assert!(!body_pauses("pause(1);"));
        assert!(!body_pauses("let pause = 3;"));
        assert!(!body_pauses("tokio::time::resume();"));
    }

    #[test]
    fn finds_impl_trait_anywhere_in_a_type() {
        assert!(mentions_impl_trait(
            "Result<impl Debug, E>".parse().expect("valid type")
        ));
        assert!(!mentions_impl_trait(
            "Result<(), Box<dyn Error>>".parse().expect("valid type")
        ));
    }
}
