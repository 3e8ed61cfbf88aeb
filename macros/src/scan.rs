//! Token-level questions about the user's code. Tokens rather than a syntax tree, because calls inside macro
//! invocations (`tokio::select!`, `assert!`) are plain tokens to syn and must count too.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

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

/// Every direct call of `std::thread::sleep` in the body, as the tokens of the call (path and arguments), so that an
/// error can underline it: `std::thread::sleep(..)`, `thread::sleep(..)`, and a bare `sleep(..)` when the body itself
/// imports `std::thread::sleep` (an import outside the function is invisible to the macro). Closures handed to
/// `spawn_blocking`, `block_in_place` or a thread's `spawn` do not run on the event loop and are not searched.
pub(crate) fn blocking_sleeps<'a>(statements: impl IntoIterator<Item = &'a TokenStream> + Clone) -> Vec<TokenStream> {
    let imports_thread_sleep = statements
        .clone()
        .into_iter()
        .any(|statement| imports_thread_sleep(statement.clone()));
    let mut calls = Vec::new();
    for statement in statements {
        find_blocking_sleeps(statement.clone(), imports_thread_sleep, &mut calls);
    }
    calls
}

fn find_blocking_sleeps(tokens: TokenStream, bare_sleep_is_blocking: bool, calls: &mut Vec<TokenStream>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (index, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) if runs_off_the_event_loop(&tokens[..index], group) => {}
            TokenTree::Group(group) => find_blocking_sleeps(group.stream(), bare_sleep_is_blocking, calls),
            TokenTree::Ident(ident) if ident == "sleep" => {
                let Some(TokenTree::Group(arguments)) = tokens.get(index + 1) else {
                    continue;
                };
                if arguments.delimiter() != Delimiter::Parenthesis {
                    continue;
                }
                let before = &tokens[..index];
                let path_start = match before {
                    [
                        ..,
                        TokenTree::Ident(module),
                        TokenTree::Punct(first),
                        TokenTree::Punct(second),
                    ] if module == "thread" && first.as_char() == ':' && second.as_char() == ':' => {
                        start_of_path(before, index - 3)
                    }
                    _ if bare_sleep_is_blocking && is_free_function_or_time_path(before) && !ends_with_path(before) => {
                        index
                    }
                    _ => continue,
                };
                calls.push(tokens[path_start..=index + 1].iter().cloned().collect());
            }
            _ => {}
        }
    }
}

/// Whether `group` is the argument list of a call that runs a closure off the event loop: `spawn_blocking(|| ..)`,
/// `block_in_place(|| ..)`, `thread::spawn(move || ..)`, `scope.spawn(|| ..)`. tokio's own `spawn` takes a future,
/// not a closure, so an async block handed to it is still searched.
fn runs_off_the_event_loop(before: &[TokenTree], group: &Group) -> bool {
    let called = matches!(
        before.last(),
        Some(TokenTree::Ident(function))
            if function == "spawn_blocking" || function == "block_in_place" || function == "spawn" || function == "spawn_scoped"
    );
    let takes_a_closure = match group.stream().into_iter().next() {
        Some(TokenTree::Punct(punct)) => punct.as_char() == '|',
        Some(TokenTree::Ident(keyword)) => keyword == "move",
        _ => false,
    };
    group.delimiter() == Delimiter::Parenthesis && called && takes_a_closure
}

/// The index where the path ending at `module` (the `thread` of `thread::sleep`) starts: `std::thread`,
/// `::std::thread` or `thread`.
fn start_of_path(tokens: &[TokenTree], module: usize) -> usize {
    let mut start = module;
    while start >= 3 {
        match &tokens[start - 3..start] {
            [TokenTree::Ident(_), TokenTree::Punct(first), TokenTree::Punct(second)]
                if first.as_char() == ':' && second.as_char() == ':' =>
            {
                start -= 3;
            }
            _ => break,
        }
    }
    if start >= 2 {
        if let [TokenTree::Punct(first), TokenTree::Punct(second)] = &tokens[start - 2..start] {
            if first.as_char() == ':' && second.as_char() == ':' {
                start -= 2;
            }
        }
    }
    start
}

fn ends_with_path(before: &[TokenTree]) -> bool {
    matches!(before.last(), Some(TokenTree::Punct(punct)) if punct.as_char() == ':')
}

/// `use std::thread::sleep;`, `use std::thread::{sleep, spawn};` and the like, anywhere in these tokens.
fn imports_thread_sleep(tokens: TokenStream) -> bool {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    tokens.iter().enumerate().any(|(index, token)| match token {
        TokenTree::Ident(keyword) if keyword == "use" => {
            let import: Vec<&TokenTree> = tokens[index + 1..]
                .iter()
                .take_while(|token| !matches!(token, TokenTree::Punct(punct) if punct.as_char() == ';'))
                .collect();
            import.windows(4).any(|window| match window {
                [
                    TokenTree::Ident(module),
                    TokenTree::Punct(first),
                    TokenTree::Punct(second),
                    imported,
                ] if module == "thread" && first.as_char() == ':' && second.as_char() == ':' => match imported {
                    TokenTree::Ident(name) => name == "sleep",
                    TokenTree::Group(names) => names
                        .stream()
                        .into_iter()
                        .any(|name| matches!(name, TokenTree::Ident(name) if name == "sleep")),
                    _ => false,
                },
                _ => false,
            })
        }
        TokenTree::Group(group) => imports_thread_sleep(group.stream()),
        _ => false,
    })
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

    fn blocking_sleeps_in(source: &str) -> Vec<String> {
        let tokens: TokenStream = source.parse().expect("test source is valid Rust tokens");
        blocking_sleeps([&tokens])
            .iter()
            .map(|call| call.to_string().replace(' ', ""))
            .collect()
    }

    #[test]
    fn finds_every_blocking_sleep_on_the_event_loop() {
        assert_eq!(blocking_sleeps_in("std::thread::sleep(d);"), ["std::thread::sleep(d)"]);
        assert_eq!(
            blocking_sleeps_in("::std::thread::sleep(d);"),
            ["::std::thread::sleep(d)"]
        );
        assert_eq!(blocking_sleeps_in("thread::sleep(d);"), ["thread::sleep(d)"]);
        assert_eq!(blocking_sleeps_in("use std::thread::sleep; sleep(d);"), ["sleep(d)"]);
        assert_eq!(
            blocking_sleeps_in("use std::thread::{sleep, spawn}; sleep(d);"),
            ["sleep(d)"]
        );
        assert_eq!(
            blocking_sleeps_in("tokio::spawn(async move { std::thread::sleep(d) });"),
            ["std::thread::sleep(d)"]
        );
        assert_eq!(
            blocking_sleeps_in("let f = || { thread::sleep(d) }; f();"),
            ["thread::sleep(d)"]
        );
        assert_eq!(
            blocking_sleeps_in("tokio::select! { _ = x => std::thread::sleep(d) }"),
            ["std::thread::sleep(d)"]
        );
    }

    #[test]
    fn leaves_sleeps_off_the_event_loop_and_async_sleeps_alone() {
        assert!(blocking_sleeps_in("tokio::task::spawn_blocking(move || std::thread::sleep(d));").is_empty());
        assert!(blocking_sleeps_in("tokio::task::block_in_place(|| thread::sleep(d));").is_empty());
        assert!(blocking_sleeps_in("std::thread::spawn(move || { std::thread::sleep(d) });").is_empty());
        assert!(blocking_sleeps_in("std::thread::scope(|s| { s.spawn(|| thread::sleep(d)); });").is_empty());
        assert!(blocking_sleeps_in("tokio::time::sleep(d).await;").is_empty());
        assert!(blocking_sleeps_in("time::sleep(d).await;").is_empty());
        assert!(
            blocking_sleeps_in("sleep(d).await;").is_empty(),
            "a bare sleep is tokio's unless imported here"
        );
        assert!(blocking_sleeps_in("use tokio::time::sleep; sleep(d).await;").is_empty());
        assert!(blocking_sleeps_in("clock.sleep(d);").is_empty());
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
