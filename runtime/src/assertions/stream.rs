//! Stream assertions: what the `assert_next!`, `assert_next_eq!`, `assert_next_matches!`, `assert_end!` and
//! `assert_pending!` macros call. Waiting happens on the test's runtime through `tokio::time::timeout`, so under the
//! paused clock a deadline of a minute costs no real time and other tasks keep running meanwhile. Each function
//! returns the failure message; the macro panics with it, so the failure points at the assertion's line.

use std::fmt::Debug;
use std::future::poll_fn;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use futures_core::Stream;

use crate::report::{self, budget_text};
use crate::setup::registry;

/// How long a waiting assertion waits when it is not given `within = ...`: ten seconds of virtual time, which the
/// paused clock skips in no real time.
///
/// ```
/// use ws_test::{assert_next, ws_test};
///
/// #[ws_test]
/// async fn twice_the_default() {
///     let mut updates = tokio_stream::iter([1]);
///     assert_next!(updates, within = 2 * ws_test::DEFAULT_DEADLINE);
/// }
/// # twice_the_default();
/// ```
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);

/// What one wait for the next item found.
pub(crate) enum Next<T> {
    Item(T),
    Ended,
    StillPending,
}

pub(crate) async fn next_within<S: Stream + Unpin>(stream: &mut S, within: Duration) -> Next<S::Item> {
    let next = poll_fn(|context| Pin::new(&mut *stream).poll_next(context));
    match tokio::time::timeout(within, next).await {
        Ok(Some(item)) => Next::Item(item),
        Ok(None) => Next::Ended,
        Err(_elapsed) => Next::StillPending,
    }
}

/// ` at virtual 30.000s` inside a test of this crate; nothing elsewhere (the assertions work in any tokio runtime).
pub(crate) fn at_virtual_time() -> String {
    registry::current().map_or_else(String::new, |test| {
        format!(
            " at virtual {}",
            report::seconds(test.running().clocks.read().virtual_elapsed)
        )
    })
}

fn still_pending(name: &str, what: &str, within: Duration) -> String {
    format!(
        "expected {what} `{name}` within {} (virtual), but it was still pending{}",
        budget_text(within),
        at_virtual_time()
    )
}

/// `assert_next!`: the next item, or why there is none.
pub async fn next_item<S: Stream + Unpin>(stream: &mut S, name: &str, within: Duration) -> Result<S::Item, String> {
    match next_within(stream, within).await {
        Next::Item(item) => Ok(item),
        Next::Ended => Err(format!(
            "expected an item from `{name}`, but the stream had ended (it returned None){}",
            at_virtual_time()
        )),
        Next::StillPending => Err(still_pending(name, "an item from", within)),
    }
}

/// `assert_next_eq!`.
pub async fn next_equal<S, E>(stream: &mut S, name: &str, expected: &E, within: Duration) -> Result<(), String>
where
    S: Stream + Unpin,
    S::Item: PartialEq<E> + Debug,
    E: Debug,
{
    let item = next_item(stream, name, within).await?;
    if item == *expected {
        return Ok(());
    }
    Err(format!(
        "expected `{expected:?}` from `{name}`, but it yielded `{item:?}`{}",
        at_virtual_time()
    ))
}

/// `assert_next_matches!`: the message for an item that did not match `pattern`.
pub fn mismatch<T: Debug>(name: &str, pattern: &str, item: &T) -> String {
    format!(
        "expected an item matching `{pattern}` from `{name}`, but it yielded `{item:?}`{}",
        at_virtual_time()
    )
}

/// `assert_end!`: the stream ends before the deadline; with `fused`, polled once more, it still reports its end.
pub async fn end<S>(stream: &mut S, name: &str, within: Duration, fused: bool) -> Result<(), String>
where
    S: Stream + Unpin,
    S::Item: Debug,
{
    match next_within(stream, within).await {
        Next::Item(item) => {
            return Err(format!(
                "expected the stream `{name}` to end, but it yielded `{item:?}`{}",
                at_virtual_time()
            ));
        }
        Next::StillPending => return Err(still_pending(name, "the end of", within)),
        Next::Ended if !fused => return Ok(()),
        Next::Ended => {}
    }
    // `Stream` leaves a poll after the end unspecified; only a stream that claims to be fused promises `None` again.
    let again = poll_fn(|context| {
        let poll = panic::catch_unwind(AssertUnwindSafe(|| Pin::new(&mut *stream).poll_next(context)));
        Poll::Ready(poll)
    })
    .await;
    let not_fused = |what: String| {
        Err(format!(
            "the stream `{name}` is not fused: it ended (returned None), then {what} when polled again{}",
            at_virtual_time()
        ))
    };
    match again {
        Ok(Poll::Ready(None)) => Ok(()),
        Ok(Poll::Ready(Some(item))) => not_fused(format!("yielded `{item:?}`")),
        Ok(Poll::Pending) => not_fused("returned Pending".to_string()),
        Err(payload) => not_fused(format!("panicked ({})", report::panic_text(payload.as_ref()))),
    }
}

/// `assert_pending!`: one poll, no waiting, must find nothing ready.
pub async fn pending<S>(stream: &mut S, name: &str) -> Result<(), String>
where
    S: Stream + Unpin,
    S::Item: Debug,
{
    let poll = poll_fn(|context| Poll::Ready(Pin::new(&mut *stream).poll_next(context))).await;
    match poll {
        Poll::Pending => Ok(()),
        Poll::Ready(Some(item)) => Err(format!(
            "expected `{name}` to be pending, but it yielded `{item:?}`{}",
            at_virtual_time()
        )),
        Poll::Ready(None) => Err(format!(
            "expected `{name}` to be pending, but it had ended (it returned None){}",
            at_virtual_time()
        )),
    }
}

/// The deadline of a waiting assertion: its `within = ...`, else [`DEFAULT_DEADLINE`].
#[doc(hidden)]
#[macro_export]
macro_rules! __deadline {
    () => {
        $crate::DEFAULT_DEADLINE
    };
    ($within:expr) => {
        $within
    };
}

/// Waits for the stream's next item and evaluates to it; fails if the stream ends, or is still pending after the
/// deadline (`within = <Duration>`, default [`DEFAULT_DEADLINE`](crate::DEFAULT_DEADLINE) of virtual time). Takes any
/// `futures_core::Stream + Unpin` by name; waits on the test's runtime, so other tasks run meanwhile and, under the
/// paused clock, the deadline costs no real time.
///
/// ```
/// use std::time::Duration;
/// use ws_test::{assert_next, ws_test};
///
/// #[ws_test]
/// async fn a_price_arrives_after_30_seconds() {
///     let (prices, receiver) = tokio::sync::mpsc::channel(4);
///     tokio::spawn(async move {
///         tokio::time::sleep(Duration::from_secs(30)).await;
///         prices.send(101).await.unwrap();
///     });
///     let mut stream = tokio_stream::wrappers::ReceiverStream::new(receiver);
///     let price = assert_next!(stream, within = Duration::from_secs(60));
///     assert_eq!(price, 101);
/// }
/// # a_price_arrives_after_30_seconds();
/// ```
#[macro_export]
macro_rules! assert_next {
    ($stream:expr $(, within = $within:expr)? $(,)?) => {
        match $crate::__private::next_item(
            &mut $stream,
            ::core::stringify!($stream),
            $crate::__deadline!($($within)?),
        )
        .await
        {
            ::core::result::Result::Ok(item) => item,
            ::core::result::Result::Err(message) => ::core::panic!("{}", message),
        }
    };
}

/// Waits for the stream's next item and fails unless it equals `expected` (shown with `Debug` either way). Same
/// deadline rule as [`assert_next!`](crate::assert_next).
///
/// ```
/// use ws_test::{assert_next_eq, ws_test};
///
/// #[ws_test]
/// async fn ticks_in_order() {
///     let mut ticks = tokio_stream::iter(["tick 1", "tick 2"]);
///     assert_next_eq!(ticks, "tick 1");
///     assert_next_eq!(ticks, "tick 2", within = std::time::Duration::from_secs(1));
/// }
/// # ticks_in_order();
/// ```
#[macro_export]
macro_rules! assert_next_eq {
    ($stream:expr, $expected:expr $(, within = $within:expr)? $(,)?) => {
        if let ::core::result::Result::Err(message) = $crate::__private::next_equal(
            &mut $stream,
            ::core::stringify!($stream),
            &$expected,
            $crate::__deadline!($($within)?),
        )
        .await
        {
            ::core::panic!("{}", message);
        }
    };
}

/// Waits for the stream's next item and fails unless it matches the pattern (with an optional `if` guard, like
/// `matches!`). Same deadline rule as [`assert_next!`](crate::assert_next).
///
/// ```
/// use ws_test::{assert_next_matches, ws_test};
///
/// #[ws_test]
/// async fn quotes_are_positive() {
///     let mut quotes = tokio_stream::iter([Some(3), None]);
///     assert_next_matches!(quotes, Some(price) if price > 0);
///     assert_next_matches!(quotes, None);
/// }
/// # quotes_are_positive();
/// ```
#[macro_export]
macro_rules! assert_next_matches {
    ($stream:expr, $pattern:pat $(if $guard:expr)? $(, within = $within:expr)? $(,)?) => {
        match $crate::__private::next_item(
            &mut $stream,
            ::core::stringify!($stream),
            $crate::__deadline!($($within)?),
        )
        .await
        {
            ::core::result::Result::Ok(item) => match item {
                $pattern $(if $guard)? => {}
                other => ::core::panic!(
                    "{}",
                    $crate::__private::mismatch(
                        ::core::stringify!($stream),
                        ::core::stringify!($pattern $(if $guard)?),
                        &other,
                    )
                ),
            },
            ::core::result::Result::Err(message) => ::core::panic!("{}", message),
        }
    };
}

/// Fails unless the stream ends (returns `None`) before the deadline. Same deadline rule as
/// [`assert_next!`](crate::assert_next).
///
/// That is all the `Stream` contract promises: what a stream does when polled again after its end is up to it, and
/// `futures::stream::unfold`, the usual way to write a test stream, panics. `assert_end!(stream, fused)` (with or
/// without `within = ...`) also polls once more and fails unless the stream still returns `None`, as a
/// `FusedStream` must: a stream that yields again, returns `Pending` or panics fails with a message that says so.
///
/// ```
/// use ws_test::{assert_end, assert_next, ws_test};
///
/// #[ws_test]
/// async fn the_feed_closes_after_its_last_tick() {
///     let (ticks, receiver) = tokio::sync::mpsc::channel(1);
///     tokio::spawn(async move {
///         ticks.send("last tick").await.unwrap();
///     });
///     let mut feed = tokio_stream::wrappers::ReceiverStream::new(receiver);
///     assert_next!(feed);
///     assert_end!(feed);
/// }
/// # the_feed_closes_after_its_last_tick();
/// ```
///
/// A channel's stream is fused, and can say so:
///
/// ```
/// use ws_test::{assert_end, ws_test};
///
/// #[ws_test]
/// async fn an_empty_feed_stays_ended() {
///     let (ticks, receiver) = tokio::sync::mpsc::channel::<u32>(1);
///     drop(ticks);
///     let mut feed = tokio_stream::wrappers::ReceiverStream::new(receiver);
///     assert_end!(feed, fused, within = std::time::Duration::from_secs(1));
/// }
/// # an_empty_feed_stays_ended();
/// ```
#[macro_export]
macro_rules! assert_end {
    ($stream:expr, fused $(, within = $within:expr)? $(,)?) => {
        $crate::assert_end!(@check $stream, true, $crate::__deadline!($($within)?))
    };
    ($stream:expr $(, within = $within:expr)? $(,)?) => {
        $crate::assert_end!(@check $stream, false, $crate::__deadline!($($within)?))
    };
    (@check $stream:expr, $fused:expr, $within:expr) => {
        if let ::core::result::Result::Err(message) =
            $crate::__private::end(&mut $stream, ::core::stringify!($stream), $within, $fused).await
        {
            ::core::panic!("{}", message);
        }
    };
}

/// Polls the stream once, without waiting, and fails unless nothing is ready.
///
/// ```
/// use ws_test::{assert_pending, ws_test};
///
/// #[ws_test]
/// async fn nothing_before_subscribing() {
///     let (_updates, receiver) = tokio::sync::mpsc::channel::<u32>(1);
///     let mut updates = tokio_stream::wrappers::ReceiverStream::new(receiver);
///     assert_pending!(updates);
/// }
/// # nothing_before_subscribing();
/// ```
#[macro_export]
macro_rules! assert_pending {
    ($stream:expr $(,)?) => {
        if let ::core::result::Result::Err(message) =
            $crate::__private::pending(&mut $stream, ::core::stringify!($stream)).await
        {
            ::core::panic!("{}", message);
        }
    };
}
