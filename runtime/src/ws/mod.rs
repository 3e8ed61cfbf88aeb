//! An in-memory WebSocket transport: two connected `tokio_tungstenite::WebSocketStream`s over a `tokio::io::duplex`
//! pipe, with or without a real HTTP upgrade handshake. No socket, no port, and everything runs on the virtual clock,
//! so ping/pong and close timeouts driven by `tokio::time` complete at once. Feature `ws` (on by default).
//!
//! ```
//! use futures_util::SinkExt;
//! use tokio_tungstenite::tungstenite::Message;
//! use ws_test::{assert_close, assert_text, ws_test};
//!
//! #[ws_test]
//! async fn subscribe_then_close() {
//!     let (mut client, mut server) = ws_test::ws::pair();
//!     client.send(Message::text("subscribe")).await.unwrap();
//!     assert_text!(server, "subscribe");
//!     let closing = tokio::spawn(async move { client.close(None).await });
//!     assert_close!(server);
//!     closing.await.unwrap().unwrap();
//! }
//! # subscribe_then_close();
//! ```

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use tokio_tungstenite::tungstenite::Error;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http;

use crate::assertions::stream::{self, Next};
use crate::lock::lock;
use versions::{ReadError, Received};

mod server;
mod versions;

pub use server::{Server, TcpSocket};

/// The pipe's buffer in each direction when none is given: room for any ordinary message.
///
/// ```
/// let (client, server) = ws_test::ws::pair_with_buffer(ws_test::ws::DEFAULT_BUFFER / 4);
/// # drop((client, server));
/// ```
pub const DEFAULT_BUFFER: usize = 64 * 1024;

versions::pairs!(tokio_tungstenite, "ws_test::ws", "tokio_tungstenite");

/// [`pair`] and [`Socket`] for tokio-tungstenite 0.29 (feature `tungstenite-0-29`): for code written against that
/// version, whose `WebSocketStream` is another type than the newest's. The assertions take either version's
/// streams.
#[cfg(feature = "tungstenite-0-29")]
#[cfg_attr(docsrs, doc(cfg(feature = "tungstenite-0-29")))]
pub mod tungstenite_0_29 {
    super::versions::pairs!(
        tokio_tungstenite_0_29,
        "ws_test::ws::tungstenite_0_29",
        "tokio_tungstenite_0_29"
    );
}

/// Two WebSocket streams connected through a real HTTP upgrade handshake over an in-memory pipe (client side through
/// `tokio_tungstenite::client_async`, server side through `accept_hdr_async`), and the request the server saw: code
/// that inspects headers, subprotocols or paths is tested without a socket. `request` is anything
/// `IntoClientRequest`: a URL, or an `http::Request` with headers. When the request offers subprotocols
/// (`Sec-WebSocket-Protocol`), the server side accepts the first one.
///
/// ```
/// use tokio_tungstenite::tungstenite::client::IntoClientRequest;
/// use ws_test::ws_test;
///
/// #[ws_test]
/// async fn the_server_sees_the_token_and_the_path() {
///     let mut request = "ws://ticker.test/v1/stream".into_client_request().unwrap();
///     request.headers_mut().insert("authorization", "Bearer abc".parse().unwrap());
///     let (_client, _server, seen) = ws_test::ws::handshake_pair(request).await.unwrap();
///     assert_eq!(seen.uri().path(), "/v1/stream");
///     assert_eq!(seen.headers()["authorization"], "Bearer abc");
/// }
/// # the_server_sees_the_token_and_the_path();
/// ```
///
/// # Errors
///
/// Whatever the handshake fails with: a malformed request, or a server that refuses it.
pub async fn handshake_pair<R>(request: R) -> Result<(Socket, Socket, http::Request<()>), Error>
where
    R: IntoClientRequest + Unpin,
{
    let (client_end, server_end) = tokio::io::duplex(DEFAULT_BUFFER);
    let (seen, record) = recording_handshake();
    let mut client = pin!(tokio_tungstenite::client_async(request, client_end));
    let mut server = pin!(tokio_tungstenite::accept_hdr_async(server_end, record));
    let (mut client_done, mut server_done) = (None, None);
    // Both sides must make progress together over the one pipe.
    poll_fn(|context| {
        if client_done.is_none() {
            if let Poll::Ready(result) = client.as_mut().poll(context) {
                client_done = Some(result);
            }
        }
        if server_done.is_none() {
            if let Poll::Ready(result) = server.as_mut().poll(context) {
                server_done = Some(result);
            }
        }
        // A client that failed leaves the server waiting for a request that will not come.
        let client_failed = matches!(client_done, Some(Err(_)));
        if client_failed || (client_done.is_some() && server_done.is_some()) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    let (client, _response) = match client_done {
        Some(result) => result?,
        None => unreachable!("the loop above ends only once the client is done"),
    };
    let server = match server_done {
        Some(result) => result?,
        None => unreachable!("the loop above ends only once both are done, or the client failed"),
    };
    let request = lock(&seen).take().ok_or(Error::ConnectionClosed)?;
    Ok((client, server, request))
}

/// The request a server side saw, once its handshake ran.
type SeenRequest = Arc<Mutex<Option<http::Request<()>>>>;

/// The callback of a server handshake (tungstenite's `Callback`); its error type is tungstenite's, an error response.
trait HandshakeCallback: FnOnce(&Request, Response) -> Result<Response, http::Response<Option<String>>> {}

impl<F: FnOnce(&Request, Response) -> Result<Response, http::Response<Option<String>>>> HandshakeCallback for F {}

/// A server handshake callback that records the request, and accepts the first subprotocol offered: a client that
/// asks for subprotocols refuses a response that picks none, and most servers pick the first.
fn recording_handshake() -> (SeenRequest, impl HandshakeCallback) {
    let seen: SeenRequest = Arc::default();
    let recorder = Arc::clone(&seen);
    // The error type is tungstenite's (`Callback::on_request`), not ours to make smaller.
    #[allow(clippy::result_large_err)]
    let record = move |request: &Request, mut response: Response| {
        *lock(&recorder) = Some(copy_request(request));
        let first_offered = request
            .headers()
            .get(http::header::SEC_WEBSOCKET_PROTOCOL)
            .and_then(|offered| offered.to_str().ok())
            .and_then(|offered| offered.split(',').next())
            .and_then(|first| http::HeaderValue::from_str(first.trim()).ok());
        if let Some(protocol) = first_offered {
            response
                .headers_mut()
                .insert(http::header::SEC_WEBSOCKET_PROTOCOL, protocol);
        }
        Ok(response)
    };
    (seen, record)
}

/// What the WebSocket assertions read: any `WebSocketStream` of a supported tokio-tungstenite version, over any
/// transport.
#[doc(hidden)]
pub trait MessageStream: futures_core::Stream<Item = Result<Self::Message, Self::Error>> + Unpin {
    type Message: Received;
    type Error: ReadError;
}

impl<S, M: Received, E: ReadError> MessageStream for S
where
    S: futures_core::Stream<Item = Result<M, E>> + Unpin,
{
    type Message = M;
    type Error = E;
}

/// `http::Request` cannot be cloned; the parts a test inspects can.
fn copy_request(request: &Request) -> http::Request<()> {
    let mut copy = http::Request::new(());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// Why there is no message: the stream ended, a read failed, or nothing came in time.
fn no_message<M: Received, E: ReadError>(
    expected: &str,
    name: &str,
    next: Next<Result<M, E>>,
    within: Duration,
) -> String {
    let at = stream::at_virtual_time();
    match next {
        Next::Ended => format!("expected {expected} from `{name}`, but the connection had ended{at}"),
        Next::Item(Err(error)) if error.is_reset() => {
            format!("expected {expected} from `{name}`, but the peer vanished without a Close frame{at}")
        }
        Next::Item(Err(error)) => format!("expected {expected} from `{name}`, but reading failed: {error}{at}"),
        Next::Item(Ok(message)) => {
            format!(
                "expected {expected} from `{name}`, but it received {}{at}",
                message.describe()
            )
        }
        Next::StillPending => format!(
            "expected {expected} from `{name}` within {} (virtual), but nothing came{at}",
            crate::report::budget_text(within)
        ),
    }
}

/// `assert_text!`.
#[doc(hidden)]
pub async fn expect_text<S: MessageStream>(
    socket: &mut S,
    name: &str,
    expected: &str,
    within: Duration,
) -> Result<(), String> {
    let wanted = format!("text {expected:?}");
    match stream::next_within(socket, within).await {
        Next::Item(Ok(message)) if message.text() == Some(expected) => Ok(()),
        next => Err(no_message(&wanted, name, next, within)),
    }
}

/// `assert_binary!`.
#[doc(hidden)]
pub async fn expect_binary<S: MessageStream>(
    socket: &mut S,
    name: &str,
    expected: &[u8],
    within: Duration,
) -> Result<(), String> {
    let wanted = format!("binary b\"{}\" ({} bytes)", expected.escape_ascii(), expected.len());
    match stream::next_within(socket, within).await {
        Next::Item(Ok(message)) if message.binary() == Some(expected) => Ok(()),
        next => Err(no_message(&wanted, name, next, within)),
    }
}

/// `assert_close!`: a Close frame (with `code`, when given), after which this side's part of the closing handshake is
/// done; with `ended`, the connection must also end.
#[doc(hidden)]
pub async fn expect_close<S: MessageStream>(
    socket: &mut S,
    name: &str,
    code: Option<u16>,
    within: Duration,
    ended: bool,
) -> Result<(), String> {
    let wanted = match code {
        Some(code) => format!("a Close frame with code {code} ({})", versions::close_code_name(code)),
        None => "a Close frame".to_string(),
    };
    match stream::next_within(socket, within).await {
        Next::Item(Ok(message)) if message.close_code().is_some() => {
            let received = message.close_code().flatten();
            if code.is_some() && received != code {
                return Err(no_message(
                    &wanted,
                    name,
                    Next::Item(Ok::<_, S::Error>(message)),
                    within,
                ));
            }
        }
        next => return Err(no_message(&wanted, name, next, within)),
    }
    if !ended {
        // One more poll, without waiting: a side that received the peer's Close frame sends its reply from there
        // (tokio-tungstenite replies on its next read). Its handshake is then complete, whether or not the peer ever
        // ends the connection; a side that started the close has its reply already.
        let after = poll_fn(|context| Poll::Ready(Pin::new(&mut *socket).poll_next(context))).await;
        return match after {
            Poll::Pending | Poll::Ready(None) => Ok(()),
            Poll::Ready(Some(Err(error))) if error.peer_is_gone() => Ok(()),
            Poll::Ready(Some(next)) => Err(no_message(
                "nothing after its Close frame",
                name,
                Next::Item(next),
                within,
            )),
        };
    }
    match stream::next_within(socket, within).await {
        Next::Ended => Ok(()),
        // A peer that sent its Close frame may leave without reading the reply (tokio-tungstenite's `close()`
        // completes once its frame is flushed): its side of the closing handshake is done.
        Next::Item(Err(error)) if error.peer_is_gone() => Ok(()),
        next => Err(no_message(
            "the end of the connection after its Close frame",
            name,
            next,
            within,
        )),
    }
}

/// Waits for the next message and fails unless it is a text message with exactly this text. Takes any
/// `WebSocketStream` by name; same deadline rule as [`assert_next!`](crate::assert_next) (`within = ...`, default
/// 10 s of virtual time). A different message, an error, or a peer that vanished without a Close frame each fail with
/// a message of their own, showing text as text.
///
/// ```
/// use futures_util::SinkExt;
/// use tokio_tungstenite::tungstenite::Message;
/// use ws_test::{assert_text, ws_test};
///
/// #[ws_test]
/// async fn echoes() {
///     let (mut client, mut server) = ws_test::ws::pair();
///     client.send(Message::text("ping 1")).await.unwrap();
///     assert_text!(server, "ping 1", within = std::time::Duration::from_secs(1));
/// }
/// # echoes();
/// ```
#[macro_export]
macro_rules! assert_text {
    ($socket:expr, $expected:expr $(, within = $within:expr)? $(,)?) => {
        if let ::core::result::Result::Err(message) = $crate::__private::expect_text(
            &mut $socket,
            ::core::stringify!($socket),
            ::core::convert::AsRef::<str>::as_ref(&$expected),
            $crate::__deadline!($($within)?),
        )
        .await
        {
            ::core::panic!("{}", message);
        }
    };
}

/// Waits for the next message and fails unless it is a binary message with exactly these bytes (anything
/// `AsRef<[u8]>`). Same rules as [`assert_text!`](crate::assert_text).
///
/// ```
/// use futures_util::SinkExt;
/// use tokio_tungstenite::tungstenite::Message;
/// use ws_test::{assert_binary, ws_test};
///
/// #[ws_test]
/// async fn frames_arrive_whole() {
///     let (mut client, mut server) = ws_test::ws::pair();
///     client.send(Message::binary(vec![1, 2, 3])).await.unwrap();
///     assert_binary!(server, [1u8, 2, 3]);
/// }
/// # frames_arrive_whole();
/// ```
#[macro_export]
macro_rules! assert_binary {
    ($socket:expr, $expected:expr $(, within = $within:expr)? $(,)?) => {
        if let ::core::result::Result::Err(message) = $crate::__private::expect_binary(
            &mut $socket,
            ::core::stringify!($socket),
            ::core::convert::AsRef::<[u8]>::as_ref(&$expected),
            $crate::__deadline!($($within)?),
        )
        .await
        {
            ::core::panic!("{}", message);
        }
    };
}

/// Waits for the next message and fails unless it is a Close frame (with this `CloseCode`, when given): the closing
/// handshake. Same rules as [`assert_text!`](crate::assert_text).
///
/// Which side waits for what: the side that *receives* the peer's Close frame replies with its own (tokio-tungstenite
/// does so on its next read, which `assert_close!` makes), and its handshake is then complete, whether or not the peer
/// goes on to end the connection; the side that *started* the close receives the reply, and is done too.
/// `assert_close!(socket, ended)` or `assert_close!(socket, code, ended)` also waits, within the deadline, for the
/// connection itself to end: a server's side ends it as soon as the handshake is complete, a client's waits until the
/// server drops it.
///
/// ```
/// use futures_util::SinkExt;
/// use tokio_tungstenite::tungstenite::protocol::CloseFrame;
/// use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
/// use ws_test::{assert_close, ws_test};
///
/// #[ws_test]
/// async fn the_server_says_goodbye() {
///     let (mut client, mut server) = ws_test::ws::pair();
///     let goodbye = CloseFrame { code: CloseCode::Away, reason: "maintenance".into() };
///     server.close(Some(goodbye)).await.unwrap();
///     // The client receives the Close frame and replies: its handshake is complete, though the server still holds
///     // the connection open.
///     assert_close!(client, CloseCode::Away);
///     // The server receives the reply, and then the end of the connection.
///     assert_close!(server, CloseCode::Away, ended);
/// }
/// # the_server_says_goodbye();
/// ```
#[macro_export]
macro_rules! assert_close {
    ($socket:expr, ended $(, within = $within:expr)? $(,)?) => {
        $crate::assert_close!(@check $socket, ::core::option::Option::None, $crate::__deadline!($($within)?), true)
    };
    ($socket:expr, $code:expr, ended $(, within = $within:expr)? $(,)?) => {
        $crate::assert_close!(@check $socket, ::core::option::Option::Some(::core::convert::Into::<u16>::into($code)), $crate::__deadline!($($within)?), true)
    };
    ($socket:expr $(, within = $within:expr)? $(,)?) => {
        $crate::assert_close!(@check $socket, ::core::option::Option::None, $crate::__deadline!($($within)?), false)
    };
    ($socket:expr, $code:expr $(, within = $within:expr)? $(,)?) => {
        $crate::assert_close!(@check $socket, ::core::option::Option::Some(::core::convert::Into::<u16>::into($code)), $crate::__deadline!($($within)?), false)
    };
    (@check $socket:expr, $code:expr, $within:expr, $ended:expr) => {
        if let ::core::result::Result::Err(message) =
            $crate::__private::expect_close(&mut $socket, ::core::stringify!($socket), $code, $within, $ended).await
        {
            ::core::panic!("{}", message);
        }
    };
}
