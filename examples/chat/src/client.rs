//! A client of the chat service, as an application would write it: it dials a URL itself, answers pings, and says
//! why a connection ended.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A connection to a room.
pub struct ChatClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// What [`ChatClient::next_message`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// A message of the room (or the server's greeting).
    Text(String),
    /// The server closed the connection, and why.
    Closed(Option<String>),
    /// Nothing within the time given.
    Nothing,
}

impl ChatClient {
    /// Joins `room` on the server at `url` (`ws://host:port`), within `within`.
    ///
    /// # Errors
    ///
    /// The connection or its handshake failed, or took longer than `within`.
    pub async fn connect(url: &str, room: &str, within: Duration) -> Result<ChatClient, Error> {
        let url = format!("{url}/rooms/{room}");
        // Nagle off: a chat line is a small frame, and the kernel would hold it back for up to 40 ms.
        let connecting = tokio_tungstenite::connect_async_with_config(url, None, true);
        let (socket, _response) = tokio::time::timeout(within, connecting)
            .await
            .map_err(|_elapsed| Error::Io(std::io::ErrorKind::TimedOut.into()))??;
        Ok(ChatClient { socket })
    }

    /// Says `text` to the room.
    ///
    /// # Errors
    ///
    /// The connection is gone.
    pub async fn say(&mut self, text: &str) -> Result<(), Error> {
        self.socket.send(Message::text(text)).await
    }

    /// The next message of the room, within `within`; pings are answered on the way.
    ///
    /// # Errors
    ///
    /// Reading failed.
    pub async fn next_message(&mut self, within: Duration) -> Result<Received, Error> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let Ok(next) = tokio::time::timeout_at(deadline, self.socket.next()).await else {
                return Ok(Received::Nothing);
            };
            match next {
                Some(Ok(Message::Text(text))) => return Ok(Received::Text(text.to_string())),
                Some(Ok(Message::Close(frame))) => {
                    let reason = frame.map(|CloseFrame { reason, .. }| reason.to_string());
                    return Ok(Received::Closed(reason));
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error),
                None => return Ok(Received::Closed(None)),
            }
        }
    }

    /// Leaves the room with a Close frame.
    ///
    /// # Errors
    ///
    /// The connection is gone already.
    pub async fn leave(mut self) -> Result<(), Error> {
        self.socket.close(None).await
    }
}
