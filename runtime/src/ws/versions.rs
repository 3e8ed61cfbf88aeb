//! What the WebSocket assertions need of a tokio-tungstenite version: its messages read as a person reads them, and
//! its errors told apart (a peer gone, a reset). The newest supported version is the default (`ws`); each older one
//! is a feature of its own (`tungstenite-0-29`), with its `pair()` in a module of its own. Their `Message` and `Error`
//! types are the same shape in every supported version, so one macro implements both traits for each.

/// A message the assertions read.
#[doc(hidden)]
pub trait Received {
    /// Its text, if it is a text message.
    fn text(&self) -> Option<&str>;
    /// Its bytes, if it is a binary message.
    fn binary(&self) -> Option<&[u8]>;
    /// `Some(code)` for a Close frame (`None` inside for one without a code); `None` for any other message.
    fn close_code(&self) -> Option<Option<u16>>;
    /// The message as a person reads it: text as text, bytes as escaped bytes, close frames with their code.
    fn describe(&self) -> String;
}

/// An error reading the next message.
#[doc(hidden)]
pub trait ReadError: std::fmt::Display {
    /// The peer left without a Close frame (a reset).
    fn is_reset(&self) -> bool;
    /// The peer has gone: the connection is closed, reset, or its pipe broken.
    fn peer_is_gone(&self) -> bool;
}

/// The name of a close code, as tungstenite's `CloseCode` spells it (the same in every supported version).
pub(crate) fn close_code_name(code: u16) -> String {
    format!(
        "{:?}",
        tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode::from(code)
    )
}

/// Implements [`Received`] and [`ReadError`] for one version's `Message` and `Error`, given the crate's name.
macro_rules! supported_version {
    ($crate_name:ident) => {
        impl $crate::ws::versions::Received for $crate_name::tungstenite::Message {
            fn text(&self) -> Option<&str> {
                match self {
                    $crate_name::tungstenite::Message::Text(text) => Some(text.as_str()),
                    _ => None,
                }
            }

            fn binary(&self) -> Option<&[u8]> {
                match self {
                    $crate_name::tungstenite::Message::Binary(bytes) => Some(bytes.as_ref()),
                    _ => None,
                }
            }

            fn close_code(&self) -> Option<Option<u16>> {
                match self {
                    $crate_name::tungstenite::Message::Close(frame) => {
                        Some(frame.as_ref().map(|frame| u16::from(frame.code)))
                    }
                    _ => None,
                }
            }

            fn describe(&self) -> String {
                use $crate_name::tungstenite::Message;
                match self {
                    Message::Text(text) => format!("text {:?}", text.as_str()),
                    Message::Binary(bytes) => format!("binary b\"{}\" ({} bytes)", bytes.escape_ascii(), bytes.len()),
                    Message::Ping(bytes) => format!("ping b\"{}\"", bytes.escape_ascii()),
                    Message::Pong(bytes) => format!("pong b\"{}\"", bytes.escape_ascii()),
                    Message::Close(Some(frame)) => {
                        let code = u16::from(frame.code);
                        format!(
                            "a Close frame with code {code} ({}) and reason {:?}",
                            $crate::ws::versions::close_code_name(code),
                            frame.reason.as_str()
                        )
                    }
                    Message::Close(None) => "a Close frame without a code".to_string(),
                    Message::Frame(frame) => format!("a raw frame ({frame})"),
                }
            }
        }

        impl $crate::ws::versions::ReadError for $crate_name::tungstenite::Error {
            fn is_reset(&self) -> bool {
                matches!(
                    self,
                    $crate_name::tungstenite::Error::Protocol(
                        $crate_name::tungstenite::error::ProtocolError::ResetWithoutClosingHandshake
                    )
                )
            }

            fn peer_is_gone(&self) -> bool {
                use $crate_name::tungstenite::Error;
                match self {
                    Error::ConnectionClosed | Error::AlreadyClosed => true,
                    Error::Io(io) => matches!(
                        io.kind(),
                        std::io::ErrorKind::BrokenPipe
                            | std::io::ErrorKind::ConnectionReset
                            | std::io::ErrorKind::UnexpectedEof
                    ),
                    _ => self.is_reset(),
                }
            }
        }
    };
}

supported_version!(tokio_tungstenite);
#[cfg(feature = "tungstenite-0-29")]
supported_version!(tokio_tungstenite_0_29);

/// `Socket`, `pair()` and `pair_with_buffer()` for one version: the crate's name, the module's path and the crate's
/// name as the examples write it.
macro_rules! pairs {
    ($crate_name:ident, $module:literal, $example_crate:literal) => {
        #[doc = concat!(
            "One end of an in-memory WebSocket connection: a `", $example_crate, "::WebSocketStream`, like the one \
             production code gets from a real connection.\n\n```\nasync fn greet(socket: &mut ", $module,
            "::Socket) {\n    use futures_util::SinkExt;\n    socket.send(", $example_crate,
            "::tungstenite::Message::text(\"hello\")).await.unwrap();\n}\n```"
        )]
        pub type Socket = $crate_name::WebSocketStream<tokio::io::DuplexStream>;

        #[doc = concat!(
            "Two connected WebSocket streams, `(client, server)`, with their roles set (the client masks its \
             frames, as the protocol requires) and no handshake. A plain function: nothing to await.\n\n```\n\
             use futures_util::SinkExt;\nuse ", $example_crate, "::tungstenite::Message;\n\
             use ws_test::{assert_text, ws_test};\n\n#[ws_test]\nasync fn the_server_hears_the_client() {\n    \
             let (mut client, mut server) = ", $module, "::pair();\n    \
             client.send(Message::text(\"subscribe btc\")).await.unwrap();\n    \
             assert_text!(server, \"subscribe btc\");\n}\n# the_server_hears_the_client();\n```"
        )]
        pub fn pair() -> (Socket, Socket) {
            pair_with_buffer($crate::ws::DEFAULT_BUFFER)
        }

        #[doc = concat!(
            "[`pair`] with a pipe buffer of `buffer` bytes in each direction; a small one makes back-pressure \
             testable.\n\n```\nlet (client, server) = ", $module, "::pair_with_buffer(16);\n\
             # drop((client, server));\n```"
        )]
        pub fn pair_with_buffer(buffer: usize) -> (Socket, Socket) {
            use $crate_name::tungstenite::protocol::Role;
            let (client_end, server_end) = tokio::io::duplex(buffer);
            (
                without_handshake(client_end, Role::Client),
                without_handshake(server_end, Role::Server),
            )
        }

        /// `WebSocketStream::from_raw_socket` is an `async fn` that completes on its first poll (it only wraps the
        /// stream), so one poll with a waker that does nothing builds it.
        fn without_handshake(end: tokio::io::DuplexStream, role: $crate_name::tungstenite::protocol::Role) -> Socket {
            use std::future::Future;
            use std::task::{Context, Poll, Waker};
            let mut building = std::pin::pin!($crate_name::WebSocketStream::from_raw_socket(end, role, None));
            match building.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(socket) => socket,
                // Unreachable with the supported versions, whose from_raw_socket never waits; a later version that
                // did would be caught by this crate's tests of pair() at once.
                Poll::Pending => {
                    unreachable!("WebSocketStream::from_raw_socket waited; ws_test::ws::pair needs updating")
                }
            }
        }
    };
}

pub(crate) use pairs;
