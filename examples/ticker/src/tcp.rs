//! The production transport: TCP, with the WebSocket upgrade handshake.

use std::net::SocketAddr;

use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Error;

use crate::client::Connector;

/// Connects to a ticker server at `address`.
pub struct TcpConnector {
    /// The server's address.
    pub address: SocketAddr,
}

impl Connector for TcpConnector {
    type Io = TcpStream;

    async fn connect(&self) -> Result<WebSocketStream<TcpStream>, Error> {
        let stream = TcpStream::connect(self.address).await?;
        let url = format!("ws://{}/v1/ticker", self.address);
        let (socket, _response) = tokio_tungstenite::client_async(url, stream).await?;
        Ok(socket)
    }
}
