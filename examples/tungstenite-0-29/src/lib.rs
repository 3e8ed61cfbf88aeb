//! Client code written against tokio-tungstenite 0.29, as a crate on that version has it: it takes that version's
//! `WebSocketStream`, which is another type than the newest's. `tests/` tests it with ws-test's 0.29 transport
//! (`ws_test::ws::tungstenite_0_29::pair()`) and assertions.

use futures_util::SinkExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Error, Message};

/// Subscribes to a market's prices.
///
/// ```
/// # async fn example(socket: &mut tokio_tungstenite::WebSocketStream<tokio::io::DuplexStream>) {
/// tungstenite_0_29_user::subscribe(socket, "btc").await.unwrap();
/// # }
/// ```
pub async fn subscribe<S: AsyncRead + AsyncWrite + Unpin>(
    socket: &mut WebSocketStream<S>,
    market: &str,
) -> Result<(), Error> {
    socket.send(Message::text(format!("subscribe {market}"))).await
}
