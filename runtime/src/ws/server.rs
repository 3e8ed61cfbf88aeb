//! A scriptable WebSocket server on a real socket, for client code that dials a URL itself
//! (`tokio_tungstenite::connect_async(url)`): the test hands the client [`Server::url`], accepts each connection with
//! [`Server::accept`], and scripts the server's side with the same assertions as an in-memory pair.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Error, http};

use crate::guards;
use crate::setup::registry;
use crate::ws::{lock, recording_handshake};

/// The server's end of a connection accepted by [`Server::accept`]: a `WebSocketStream` over TCP.
///
/// ```
/// async fn greet(socket: &mut ws_test::ws::TcpSocket) {
///     use futures_util::SinkExt;
///     socket.send(tokio_tungstenite::tungstenite::Message::text("hello")).await.unwrap();
/// }
/// ```
pub type TcpSocket = WebSocketStream<TcpStream>;

/// A WebSocket server listening on 127.0.0.1, on a port the system picks, for a client under test that connects by
/// URL. Accepted sockets have `TCP_NODELAY` set: without it the kernel may hold a small frame (a ping) for up to
/// 40 ms. Using it tells ws-test that real I/O is in play, so the paused clock waits for replies before jumping (see
/// the `io_grace` argument).
///
/// ```
/// use futures_util::SinkExt;
/// use tokio_tungstenite::tungstenite::Message;
/// use ws_test::{assert_text, ws_test};
///
/// #[ws_test]
/// async fn the_client_says_hello() {
///     let server = ws_test::ws::Server::bind().await.unwrap();
///     let url = server.url();
///     let client = tokio::spawn(async move {
///         let stream = tokio::net::TcpStream::connect(url.trim_start_matches("ws://")).await.unwrap();
///         let (mut socket, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
///         socket.send(Message::text("hello")).await.unwrap();
///         socket
///     });
///     let (mut socket, request) = server.accept().await.unwrap();
///     assert_eq!(request.uri().path(), "/");
///     assert_text!(socket, "hello");
///     drop(client.await.unwrap());
/// }
/// # the_client_says_hello();
/// ```
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    address: SocketAddr,
}

impl Server {
    /// Listens on 127.0.0.1, on a free port.
    ///
    /// # Errors
    ///
    /// The system refused the socket.
    pub async fn bind() -> std::io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        if let Some(test) = registry::current() {
            guards::real_io_came_into_play(&test);
        }
        Ok(Server { listener, address })
    }

    /// `ws://127.0.0.1:PORT`, for the client under test.
    ///
    /// ```
    /// # ws_test::Builder::new("url").run(async {
    /// let server = ws_test::ws::Server::bind().await.unwrap();
    /// assert!(server.url().starts_with("ws://127.0.0.1:"));
    /// # });
    /// ```
    pub fn url(&self) -> String {
        format!("ws://{}", self.address)
    }

    /// The address it listens on.
    ///
    /// ```
    /// # ws_test::Builder::new("address").run(async {
    /// let server = ws_test::ws::Server::bind().await.unwrap();
    /// assert!(server.address().ip().is_loopback());
    /// # });
    /// ```
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Waits for the next client, completes its WebSocket handshake (accepting the first subprotocol it offers), and
    /// returns the server's end of the connection and the request the client sent.
    ///
    /// # Errors
    ///
    /// Accepting the connection or its handshake failed.
    pub async fn accept(&self) -> Result<(TcpSocket, http::Request<()>), Error> {
        let (stream, _peer) = self.listener.accept().await?;
        stream.set_nodelay(true)?;
        let (seen, record) = recording_handshake();
        let socket = tokio_tungstenite::accept_hdr_async(stream, record).await?;
        let request = lock(&seen).take().ok_or(Error::ConnectionClosed)?;
        Ok((socket, request))
    }
}
