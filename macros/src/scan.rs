//! Token-level questions about the user's code. Tokens rather than a syntax tree, because calls inside macro
//! invocations (`tokio::select!`, `assert!`) are plain tokens to syn and must count too. A macro that only turns
//! its input into data (`stringify!`, `quote!`) runs none of it, so its input is not searched.

use std::time::Duration;

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

/// Whether the body pauses tokio's clock itself: `tokio::time::pause()`, `time::pause()`, or a bare `pause()` that
/// the body does not define or import from elsewhere (an import outside the function is invisible here; tokio's
/// own tests import tokio's). Such a test was written for a runtime that starts in real time, and tokio panics with
/// "time is already frozen" when `pause()` runs on a runtime that starts paused.
pub(crate) fn calls_time_pause(body: impl Iterator<Item = TokenTree> + Clone) -> bool {
    let tokens: Vec<TokenTree> = body.collect();
    let bare_pause_is_tokio = !defines_or_imports_other_pause(&tokens);
    let mut found = false;
    visit_calls(&tokens, &mut |path, arguments| {
        let is_tokio_pause = match path {
            [.., tokio, time, pause] => tokio == "tokio" && time == "time" && pause == "pause",
            [time, pause] => time == "time" && pause == "pause",
            [pause] => pause == "pause" && bare_pause_is_tokio,
            _ => false,
        };
        found |= is_tokio_pause && arguments.stream().is_empty();
    });
    found
}

/// Whether the body creates real I/O itself: a socket, a listener, a WebSocket client connection, a child process.
/// A peer outside the runtime then answers in real time, and the paused clock must wait for it (see `io_grace`). On
/// stable Rust the runtime cannot count its sockets, so the body's own words are the best evidence; a name that only
/// looks alike costs a few milliseconds of real time per jump of the clock, nothing more.
pub(crate) fn makes_real_io(body: impl Iterator<Item = TokenTree> + Clone) -> bool {
    const REAL_IO: &[&str] = &[
        "TcpStream",
        "TcpListener",
        "TcpSocket",
        "UdpSocket",
        "UnixStream",
        "UnixListener",
        "UnixDatagram",
        "connect_async",
        "connect_async_with_config",
    ];
    fn search(tokens: &[TokenTree]) -> bool {
        tokens.iter().enumerate().any(|(index, token)| match token {
            TokenTree::Ident(name) => {
                let name = name.to_string();
                REAL_IO.contains(&name.as_str()) || (name == "Command" && starts_a_process(&tokens[index..]))
            }
            TokenTree::Group(group) => search(&group.stream().into_iter().collect::<Vec<_>>()),
            _ => false,
        })
    }
    /// `Command::new(program)`, as std's and tokio's process builders are called (through an import as often as
    /// by path): with an argument, unlike the many `Command` types of a program's own.
    fn starts_a_process(tokens: &[TokenTree]) -> bool {
        matches!(
            tokens,
            [_, TokenTree::Punct(first), TokenTree::Punct(second), TokenTree::Ident(new), TokenTree::Group(arguments), ..]
                if first.as_char() == ':' && second.as_char() == ':' && new == "new"
                    && arguments.delimiter() == Delimiter::Parenthesis
                    && !arguments.stream().is_empty()
        )
    }
    search(&body.collect::<Vec<_>>())
}

/// A call of `std::thread::sleep` in the body whose argument is a duration literal of at least `limit`: certainly a
/// blocked event loop. Closures handed to `spawn_blocking`, `block_in_place` or a thread's `spawn` do not run on the
/// event loop and are not searched. Anything the macro cannot measure (a variable, a short literal, a helper) is left
/// to the guard that watches the runtime while the test runs.
pub(crate) struct BlockingSleep {
    /// The call's tokens, to underline.
    pub(crate) call: TokenStream,
    pub(crate) duration: Duration,
}

pub(crate) fn blocking_sleeps(body: impl Iterator<Item = TokenTree> + Clone, limit: Duration) -> Vec<BlockingSleep> {
    let tokens: Vec<TokenTree> = body.collect();
    let bare_sleep_is_std = imports_thread_sleep(&tokens);
    let mut sleeps = Vec::new();
    visit_calls(&tokens, &mut |path, arguments| {
        let is_std_sleep = match path {
            [std, thread, sleep] => std == "std" && thread == "thread" && sleep == "sleep",
            [thread, sleep] => thread == "thread" && sleep == "sleep",
            [sleep] => sleep == "sleep" && bare_sleep_is_std,
            _ => false,
        };
        if !is_std_sleep {
            return;
        }
        if let Some(duration) = duration_literal(arguments.stream()) {
            if duration >= limit {
                let mut call = TokenStream::new();
                call.extend(path_tokens(path));
                call.extend([TokenTree::Group(arguments.clone())]);
                sleeps.push(BlockingSleep { call, duration });
            }
        }
    });
    sleeps
}

/// A path as the visitor sees it: its segments, leading `::` dropped.
type Path = [proc_macro2::Ident];

fn path_tokens(path: &Path) -> TokenStream {
    let mut tokens = TokenStream::new();
    for (index, segment) in path.iter().enumerate() {
        if index > 0 {
            tokens.extend(quote::quote!(::));
        }
        tokens.extend([TokenTree::Ident(segment.clone())]);
    }
    tokens
}

/// Calls `visitor` with every function call in `tokens` (`a::b::f(..)`, not `x.f(..)`, not `fn f(..)`): its path
/// and its argument list. Searches groups, except the input of data-only macros and closures run off the event loop.
fn visit_calls(tokens: &[TokenTree], visitor: &mut dyn FnMut(&Path, &Group)) {
    for (index, token) in tokens.iter().enumerate() {
        let TokenTree::Group(group) = token else {
            continue;
        };
        if is_data_macro_input(&tokens[..index]) || runs_off_the_event_loop(&tokens[..index], group) {
            continue;
        }
        if group.delimiter() == Delimiter::Parenthesis {
            if let Some(path) = called_path(&tokens[..index]) {
                visitor(&path, group);
            }
        }
        let inner: Vec<TokenTree> = group.stream().into_iter().collect();
        visit_calls(&inner, visitor);
    }
}

/// The path right before an argument list, when the list is a call's: not a method call (`.f(`), not a definition
/// (`fn f(`), not a macro (`f!(`).
fn called_path(before: &[TokenTree]) -> Option<Vec<proc_macro2::Ident>> {
    let mut segments = Vec::new();
    let mut end = before.len();
    while let Some(TokenTree::Ident(segment)) = end.checked_sub(1).and_then(|last| before.get(last)) {
        segments.push(segment.clone());
        end -= 1;
        let separated = end >= 2
            && matches!(
                (&before[end - 2], &before[end - 1]),
                (TokenTree::Punct(first), TokenTree::Punct(second)) if first.as_char() == ':' && second.as_char() == ':'
            );
        if !separated {
            break;
        }
        // `::std::thread::sleep` leaves its leading `::` here, with nothing before it.
        end -= 2;
    }
    if segments.is_empty() {
        return None;
    }
    match end.checked_sub(1).and_then(|index| before.get(index)) {
        Some(TokenTree::Punct(punct)) if punct.as_char() == '.' => return None,
        Some(TokenTree::Ident(keyword)) if keyword == "fn" => return None,
        _ => {}
    }
    segments.reverse();
    Some(segments)
}

/// Whether the group is the input of `stringify!`, `quote!` or `quote_spanned!`, which only turn tokens into data.
fn is_data_macro_input(before: &[TokenTree]) -> bool {
    matches!(
        before,
        [.., TokenTree::Ident(name), TokenTree::Punct(bang)]
            if bang.as_char() == '!' && (name == "stringify" || name == "quote" || name == "quote_spanned")
    )
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

/// `Duration::from_secs(2)`, `std::time::Duration::from_millis(300)`, `Duration::from_secs_f64(0.5)`,
/// `Duration::new(1, 0)`: the duration a literal expression of this shape stands for.
fn duration_literal(tokens: TokenStream) -> Option<Duration> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let (TokenTree::Group(arguments), before) = tokens.split_last()? else {
        return None;
    };
    let path = called_path(before)?;
    // The whole argument is the call: nothing before its path.
    let path_length = path.len() * 3 - 2;
    let leading = before.len().checked_sub(path_length)?;
    if leading != 0 && !(leading == 2 && matches!(&before[0], TokenTree::Punct(colon) if colon.as_char() == ':')) {
        return None;
    }
    let [.., duration, constructor] = path.as_slice() else {
        return None;
    };
    if duration != "Duration" {
        return None;
    }
    let numbers: Vec<f64> = arguments
        .stream()
        .into_iter()
        .filter(|token| !matches!(token, TokenTree::Punct(comma) if comma.as_char() == ','))
        .map(|token| literal_number(&token))
        .collect::<Option<_>>()?;
    let seconds = match (constructor.to_string().as_str(), numbers.as_slice()) {
        ("from_secs" | "from_secs_f32" | "from_secs_f64", [seconds]) => *seconds,
        ("from_millis", [millis]) => millis / 1e3,
        ("from_micros", [micros]) => micros / 1e6,
        ("from_nanos", [nanos]) => nanos / 1e9,
        ("new", [seconds, nanos]) => seconds + nanos / 1e9,
        _ => return None,
    };
    Duration::try_from_secs_f64(seconds).ok()
}

fn literal_number(token: &TokenTree) -> Option<f64> {
    let TokenTree::Literal(literal) = token else {
        return None;
    };
    match syn::Lit::new(literal.clone()) {
        syn::Lit::Int(integer) => integer.base10_parse::<u64>().ok().map(|value| value as f64),
        syn::Lit::Float(float) => float.base10_parse::<f64>().ok(),
        _ => None,
    }
}

/// `use std::thread::sleep;`, `use std::thread::{sleep, spawn};` and the like, anywhere in the body.
fn imports_thread_sleep(tokens: &[TokenTree]) -> bool {
    imports(tokens, &|path: &[String], name: &str| {
        name == "sleep" && path.ends_with(&["thread".to_string()])
    })
}

/// Whether the body defines a `pause` of its own (`fn pause`, `let pause`) or imports one that is not tokio's
/// (`use player::pause;`): a bare `pause()` then is not tokio's.
fn defines_or_imports_other_pause(tokens: &[TokenTree]) -> bool {
    let defines = tokens.windows(2).any(|pair| match pair {
        [TokenTree::Ident(keyword), TokenTree::Ident(name)] => {
            (keyword == "fn" || keyword == "let" || keyword == "mut") && name == "pause"
        }
        _ => false,
    });
    let nested = tokens.iter().any(|token| match token {
        TokenTree::Group(group) => defines_or_imports_other_pause(&group.stream().into_iter().collect::<Vec<_>>()),
        _ => false,
    });
    let imports_other = imports(tokens, &|path: &[String], name: &str| {
        name == "pause" && !path.ends_with(&["time".to_string()])
    });
    defines || nested || imports_other
}

/// Whether a `use` in these tokens (or in groups within) imports a name that `wanted(path, name)` accepts, where
/// `path` is the module it comes from.
fn imports(tokens: &[TokenTree], wanted: &dyn Fn(&[String], &str) -> bool) -> bool {
    tokens.iter().enumerate().any(|(index, token)| match token {
        TokenTree::Ident(keyword) if keyword == "use" => {
            let import: Vec<&TokenTree> = tokens[index + 1..]
                .iter()
                .take_while(|token| !matches!(token, TokenTree::Punct(punct) if punct.as_char() == ';'))
                .collect();
            let mut path: Vec<String> = Vec::new();
            import.iter().any(|token| match token {
                TokenTree::Ident(name) => {
                    path.push(name.to_string());
                    let (last, module) = path
                        .split_last()
                        .map_or(("", &[][..]), |(last, module)| (last.as_str(), module));
                    wanted(module, last)
                }
                TokenTree::Group(names) => names.stream().into_iter().any(|name| match name {
                    TokenTree::Ident(name) => wanted(&path, &name.to_string()),
                    _ => false,
                }),
                _ => false,
            })
        }
        TokenTree::Group(group) => imports(&group.stream().into_iter().collect::<Vec<_>>(), wanted),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(source: &str) -> TokenStream {
        source.parse().expect("test source is valid Rust tokens")
    }

    fn body_pauses(source: &str) -> bool {
        calls_time_pause(tokens(source).into_iter())
    }

    #[test]
    fn sees_sockets_and_child_processes_the_body_creates() {
        let real_io = |source: &str| makes_real_io(tokens(source).into_iter());
        assert!(real_io("let stream = tokio::net::TcpStream::connect(address).await?;"));
        assert!(real_io(
            "let listener = TcpListener::bind(\"127.0.0.1:0\").await.unwrap();"
        ));
        assert!(real_io("let (socket, _) = connect_async(url).await.unwrap();"));
        assert!(real_io("let child = tokio::process::Command::new(\"sleep\").spawn();"));
        assert!(real_io(
            "let mut child = Command::new(\"sh\").args([\"-c\", script]).spawn().unwrap();"
        ));
        assert!(real_io("tokio::spawn(async move { UdpSocket::bind(a).await })"));
        assert!(!real_io("let (client, server) = ws_test::ws::pair();"));
        assert!(!real_io("let command = Command::new();"));
        assert!(!real_io("tokio::time::sleep(d).await;"));
    }

    #[test]
    fn recognises_every_spelling_of_tokios_clock_pause() {
        assert!(body_pauses("tokio::time::pause();"));
        assert!(body_pauses("::tokio::time::pause();"));
        assert!(body_pauses("time::pause();"));
        assert!(body_pauses("pause();"));
        assert!(body_pauses("use tokio::time::pause; pause();"));
        assert!(body_pauses("let x = 1; if x > 0 { pause(); }"));
        assert!(body_pauses("tokio::select! { _ = async { time::pause() } => {} }"));
    }

    #[test]
    fn ignores_look_alikes_and_pauses_of_the_bodys_own() {
        assert!(!body_pauses("player.pause();"));
        assert!(!body_pauses("fn pause() {}"));
        assert!(!body_pauses("fn pause() {} pause();"));
        assert!(!body_pauses("let pause = || (); pause();"));
        assert!(!body_pauses("let mut pause = || (); pause();"));
        assert!(!body_pauses("use player::pause; pause();"));
        assert!(!body_pauses("media::pause();"));
        assert!(!body_pauses("pause(1);"));
        assert!(!body_pauses("let pause = 3;"));
        assert!(!body_pauses("tokio::time::resume();"));
        assert!(!body_pauses("stringify!(tokio::time::pause());"));
    }

    fn sleeps_in(source: &str) -> Vec<String> {
        blocking_sleeps(tokens(source).into_iter(), Duration::from_millis(250))
            .iter()
            .map(|sleep| format!("{} {:?}", sleep.call.to_string().replace(' ', ""), sleep.duration))
            .collect()
    }

    #[test]
    fn finds_long_literal_sleeps_on_the_event_loop() {
        assert_eq!(
            sleeps_in("std::thread::sleep(Duration::from_secs(2));"),
            ["std::thread::sleep(Duration::from_secs(2)) 2s"]
        );
        assert_eq!(
            sleeps_in("::std::thread::sleep(std::time::Duration::from_millis(300));"),
            ["std::thread::sleep(std::time::Duration::from_millis(300)) 300ms"]
        );
        assert_eq!(
            sleeps_in("thread::sleep(Duration::from_millis(250));"),
            ["thread::sleep(Duration::from_millis(250)) 250ms"]
        );
        assert_eq!(
            sleeps_in("use std::thread::sleep; sleep(Duration::from_secs_f64(0.5));"),
            ["sleep(Duration::from_secs_f64(0.5)) 500ms"]
        );
        assert_eq!(
            sleeps_in("use std::thread::{sleep, spawn}; sleep(Duration::new(1, 0));"),
            ["sleep(Duration::new(1,0)) 1s"]
        );
        assert_eq!(
            sleeps_in("tokio::spawn(async move { std::thread::sleep(Duration::from_secs(1_000u64)) });"),
            ["std::thread::sleep(Duration::from_secs(1_000u64)) 1000s"]
        );
        assert_eq!(
            sleeps_in("tokio::select! { _ = x => std::thread::sleep(Duration::from_secs(1)) }"),
            ["std::thread::sleep(Duration::from_secs(1)) 1s"]
        );
    }

    #[test]
    fn leaves_what_it_cannot_measure_to_the_runtime_guard() {
        // Short, or not a literal: legal tokio code, or for the guard that measures the blocked time.
        assert!(sleeps_in("std::thread::sleep(Duration::from_millis(1));").is_empty());
        assert!(sleeps_in("std::thread::sleep(d);").is_empty());
        assert!(sleeps_in("std::thread::sleep(Duration::from_secs(n));").is_empty());
        assert!(sleeps_in("std::thread::sleep(Duration::from_secs(1) * 2);").is_empty());
        assert!(sleeps_in("std::thread::sleep(ms(300));").is_empty());
    }

    #[test]
    fn leaves_other_sleeps_and_sleeps_off_the_event_loop_alone() {
        let long = "Duration::from_secs(5)";
        for source in [
            format!("tokio::task::spawn_blocking(move || std::thread::sleep({long}));"),
            format!("tokio::task::block_in_place(|| thread::sleep({long}));"),
            format!("std::thread::spawn(move || {{ std::thread::sleep({long}) }});"),
            format!("std::thread::scope(|s| {{ s.spawn(|| thread::sleep({long})); }});"),
            format!("tokio::time::sleep({long}).await;"),
            format!("time::sleep({long}).await;"),
            format!("sleep({long}).await;"),
            format!("use tokio::time::sleep; sleep({long}).await;"),
            format!("clock.sleep({long});"),
            format!("mock::thread::sleep({long});"),
            format!("stringify!(std::thread::sleep({long}));"),
            format!("fn sleep(d: Duration) {{}} thread::sleep_until({long});"),
        ] {
            assert!(sleeps_in(&source).is_empty(), "{source}");
        }
    }
}
